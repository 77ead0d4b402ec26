"""The order page: a contact with the customer, and each step's input form
(a note, with a reason where the step asks for one)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .. import hooks, services
from ..models import CustomerContact
from ..reasons import ADJUSTMENT_REASON_LABELS, CANCEL_REASON_LABELS
from .labels import field_label


def _reason_choices(codes: list[str], labels: dict) -> list[tuple[str, Any]]:
    # The services own the list of codes; the labels only translate them.
    return [("", _("Choose a reason"))] + [(code, labels.get(code, code)) for code in codes]


class ContactForm(forms.Form):
    """Process 2.2: what sales told the customer and what they agreed."""

    channel = forms.ChoiceField(
        label=field_label(CustomerContact, "channel"),
        choices=CustomerContact.Channel.choices,
        initial=CustomerContact.Channel.PHONE,
    )
    summary = forms.CharField(
        label=field_label(CustomerContact, "summary"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class NoteForm(forms.Form):
    """A transition without input of its own; the note is optional."""

    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def service_kwargs(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class AdjustmentForm(NoteForm):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=_reason_choices(services.ADJUSTMENT_REASONS, ADJUSTMENT_REASON_LABELS),
    )
    field_order = ["reason", "note"]


class CancelForm(NoteForm):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=_reason_choices(services.CANCEL_REASONS, CANCEL_REASON_LABELS),
    )
    field_order = ["reason", "note"]


def transition_form(name: str, data=None) -> NoteForm:
    """The input form of step ``name`` (the stage registers it with
    ``orders.hooks.step``), prefixed so that several fit on one page."""
    return transition_form_class(name)(data, prefix=name)


def transition_form_class(name: str) -> type[NoteForm]:
    """The form the step registered (``orders.hooks.step``), else a note."""
    return hooks.get_step(name).form or NoteForm
