"""HTML forms of the after-sales pages. They validate input and turn it into
the keyword arguments of ``aftersales.services``; they never save anything."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from orders.models import Order
from orders_site.forms import DATE_WIDGET, PersonChoiceField

from . import selectors
from .models import Case, CaseEntry, CaseStatus, ContactChannel, Return, ReturnLine
from .selectors import CASE_STATUS_ALL
from .services import ReturnLineInput

RATING_CHOICES = [(i, str(i)) for i in range(1, 6)]


class SurveyForm(forms.Form):
    """What the customer sees: a rating from 1 to 5 and a comment."""

    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with this order?"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything you would like to tell us?"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class FollowUpForm(forms.Form):
    """Process 5.1: how the follow-up call went."""

    channel = forms.ChoiceField(
        label=_("Channel"), choices=ContactChannel.choices, initial=ContactChannel.PHONE
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction (1–5)"),
        choices=[("", "—"), *RATING_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
    )
    usage = forms.CharField(
        label=_("How the product is used"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if not (data.get("usage", "").strip() or data.get("notes", "").strip()):
            raise forms.ValidationError(_("Say what the customer told you (usage or notes)."))
        return data


# --- cases (process 5.2) ---------------------------------------------------------
#
# Like the sales forms, these validate input and hand it to
# ``aftersales.services``; they never save anything. The business rules
# (what may come back, what a resolved case needs) stay in the services, whose
# field errors ``add_domain_error`` puts next to the field they name.


def _label(model, name: str):
    return capfirst(model._meta.get_field(name).verbose_name)


class CaseFilterForm(forms.Form):
    """The case list's filters; ``filters()`` is ``selectors.case_list``'s argument."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Case number, order number or customer")}
        ),
    )
    status = forms.ChoiceField(
        label=_label(Case, "status"),
        required=False,
        choices=[
            ("", _("All open cases")),
            *CaseStatus.choices,
            (CASE_STATUS_ALL, _("All statuses")),
        ],
    )
    kind = forms.ChoiceField(
        label=_label(Case, "kind"),
        required=False,
        choices=[("", _("All types")), *Case.Kind.choices],
    )
    department = forms.ChoiceField(
        label=_label(Case, "department"),
        required=False,
        choices=[("", _("All departments")), *Case.Department.choices],
    )
    mine = forms.BooleanField(label=_("Only mine"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", False)}


class OrderLineChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.product.sku} · {obj.product.name} × {obj.quantity}"


def _due_help() -> str:
    days = settings.AFTERSALES_CASE_DUE_DAYS
    by_kind = ", ".join(
        _("%(kind)s %(days)d d") % {"kind": label, "days": days.get(value, 7)}
        for value, label in Case.Kind.choices
    )
    return _("Blank: by type (%(by_kind)s).") % {"by_kind": by_kind}


class CaseForm(forms.Form):
    """Process 5.2: what went wrong on the order, and who takes care of it."""

    kind = forms.ChoiceField(
        label=_label(Case, "kind"), choices=[("", _("Choose a type")), *Case.Kind.choices]
    )
    subject = forms.CharField(label=_label(Case, "subject"), max_length=200)
    description = forms.CharField(
        label=_label(Case, "description"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    department = forms.ChoiceField(
        label=_label(Case, "department"),
        choices=[("", _("Choose a department")), *Case.Department.choices],
    )
    owner = PersonChoiceField(label=_label(Case, "owner"), queryset=None)
    due_on = forms.DateField(label=_label(Case, "due_on"), required=False, widget=DATE_WIDGET)
    lines = OrderLineChoiceField(
        label=_("Lines concerned"),
        required=False,
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, order: Order, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = selectors.case_owner_candidates()
        self.fields["owner"].initial = user.pk
        self.fields["lines"].queryset = order.lines.select_related("product").order_by("pk")
        self.fields["due_on"].help_text = _due_help()

    def service_kwargs(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class CaseEntryForm(forms.Form):
    """An internal note, or what was said with the customer and how."""

    kind = forms.ChoiceField(
        label=_("Entry"),
        choices=[
            (CaseEntry.Kind.NOTE, _("Internal note")),
            (CaseEntry.Kind.CONTACT, _("Customer contact")),
        ],
        initial=CaseEntry.Kind.NOTE,
        widget=forms.RadioSelect,
    )
    channel = forms.ChoiceField(
        label=_("Channel (for a contact)"),
        required=False,
        choices=[("", "—"), *ContactChannel.choices],
    )
    text = forms.CharField(
        label=_("Text"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ConfirmForm(forms.Form):
    """A one-click step: nothing to fill in, the button is the decision."""


class CaseResolveForm(forms.Form):
    # Not required here: ``case_transition`` requires it, after checking the
    # case may be resolved at all (a stale page gets that answer first).
    resolution = forms.CharField(
        label=_("How was it resolved?"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The customer receives this by email."),
    )


class CaseAssignForm(forms.Form):
    """Hand the case to someone else, another department, or a new date."""

    owner = PersonChoiceField(label=_label(Case, "owner"), queryset=None)
    department = forms.ChoiceField(
        label=_label(Case, "department"), choices=Case.Department.choices
    )
    due_on = forms.DateField(label=_label(Case, "due_on"), widget=DATE_WIDGET)

    def __init__(self, *args, case: Case, **kwargs):
        kwargs.setdefault(
            "initial",
            {"owner": case.owner_id, "department": case.department, "due_on": case.due_on},
        )
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = selectors.case_owner_candidates()


# --- returns -----------------------------------------------------------------------


class ReturnForm(forms.Form):
    """Goods coming back: a quantity per line of the order (blank or 0 = none).
    How many may come back is the service's rule; its error for a line
    appears next to that line."""

    reason = forms.CharField(
        label=_label(Return, "reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    refund_amount = forms.DecimalField(
        label=_("Refund (CNY)"),
        required=False,
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        help_text=_("Can also be set at inspection."),
    )

    def __init__(self, *args, lines: list[selectors.ReturnableLine], **kwargs):
        super().__init__(*args, **kwargs)
        self.returnable = lines
        for item in lines:
            self.fields[self.quantity_name(item.line)] = forms.IntegerField(
                label=item.line.product.sku,
                required=False,
                min_value=0,
                widget=forms.NumberInput(
                    attrs={"min": 0, "max": item.left, "step": 1, "class": "qty"}
                ),
            )
        self._sent: list[str] = []

    @staticmethod
    def quantity_name(line) -> str:
        return f"quantity_{line.pk}"

    @property
    def rows(self):
        """(line with shipped/returned/left, its quantity field) for the template."""
        return [(item, self[self.quantity_name(item.line)]) for item in self.returnable]

    def line_inputs(self) -> list[ReturnLineInput]:
        """The lines with a quantity, in line order; remembers which field
        each is, so ``lines[i]`` in a service error lands on the right row."""
        inputs, self._sent = [], []
        for item in self.returnable:
            name = self.quantity_name(item.line)
            quantity = self.cleaned_data.get(name)
            if quantity:
                inputs.append(ReturnLineInput(order_line=item.line, quantity=quantity))
                self._sent.append(name)
        return inputs

    def error_names(self) -> dict[str, str]:
        names = {f"lines[{i}].quantity": name for i, name in enumerate(self._sent)}
        names.update({f"lines[{i}].order_line": name for i, name in enumerate(self._sent)})
        return names

    def service_kwargs(self) -> dict[str, Any]:
        return {
            "reason": self.cleaned_data["reason"],
            "refund_amount": self.cleaned_data.get("refund_amount"),
            "lines": self.line_inputs(),
        }


class ReturnInspectForm(forms.Form):
    """Inspection: restock or scrap each line, notes, the refund."""

    notes = forms.CharField(
        label=_("Inspection notes"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    refund_amount = forms.DecimalField(
        label=_("Refund (CNY)"),
        required=False,
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
    )

    def __init__(self, *args, return_request: Return, lines: list[ReturnLine], **kwargs):
        kwargs.setdefault("initial", {"refund_amount": return_request.refund_amount})
        super().__init__(*args, **kwargs)
        self.return_lines = lines
        for line in lines:
            self.fields[self.disposition_name(line)] = forms.ChoiceField(
                label=line.order_line.product.sku,
                required=False,
                choices=ReturnLine.Disposition.choices,
                widget=forms.RadioSelect,
            )

    @staticmethod
    def disposition_name(line) -> str:
        return f"disposition_{line.pk}"

    @property
    def rows(self):
        return [(line, self[self.disposition_name(line)]) for line in self.return_lines]

    def error_names(self) -> dict[str, str]:
        # The service reads the lines in primary-key order, as ``rows`` does.
        return {
            f"lines[{i}].disposition": self.disposition_name(line)
            for i, line in enumerate(self.return_lines)
        }

    def service_kwargs(self) -> dict[str, Any]:
        return {
            "dispositions": {
                line.pk: self.cleaned_data.get(self.disposition_name(line)) or ""
                for line in self.return_lines
            },
            "notes": self.cleaned_data.get("notes", ""),
            "refund_amount": self.cleaned_data.get("refund_amount"),
        }
