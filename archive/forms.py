"""The archive's forms: the search's filters and the yearly review."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from orders.models import Order, OrderStatus
from orders_site.forms import DATE_WIDGET


def _label(model, name: str):
    return capfirst(model._meta.get_field(name).verbose_name)


class ArchiveSearchForm(forms.Form):
    """The archive search's filters; the cleaned data is
    ``archive.archive_search``'s ``filters`` argument as it stands."""

    number = forms.CharField(
        label=_label(Order, "number"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "SO-2025-000123"}),
    )
    customer = forms.CharField(
        label=_label(Order, "customer"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Name, company or phone")}),
    )
    product = forms.CharField(
        label=_("Product"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("SKU or name")}),
    )
    date_from = forms.DateField(label=_("Ordered from"), required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("Ordered until"), required=False, widget=DATE_WIDGET)
    final_status = forms.ChoiceField(
        label=_("Final status"),
        required=False,
        choices=[
            ("", _("Completed or cancelled")),
            (OrderStatus.COMPLETED, OrderStatus.COMPLETED.label),
            (OrderStatus.CANCELLED, OrderStatus.CANCELLED.label),
        ],
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class ArchiveReviewForm(forms.Form):
    """Documentation 5.2: what the reviewer checked and found."""

    note = forms.CharField(
        label=_("What did the review find?"),
        max_length=4000,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": _("e.g. Records complete; customer address current.")}
        ),
    )
