"""HTML forms of the warehouse tablet screens (process 3.1–3.3). They validate
what the picker typed, tapped or scanned and turn it into the keyword
arguments of ``warehouse.services``; they never save anything themselves.
The order page's forms for the warehouse's steps (fail the check, pack) are
here too: the stage registers them with ``orders.hooks.step``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from orders.forms import NoteForm

# Reasons pickers and checkers give most often; "other" asks for words. The
# chosen reason is stored as text (in the picker's language, followed by what
# they typed), since the manager reads it verbatim in the review findings.
OTHER = "other"
SHORTAGE_REASONS = {
    "not_on_shelf": _("Not on the shelf"),
    "less_than_recorded": _("Fewer on the shelf than recorded"),
    "damaged_on_shelf": _("Damaged on the shelf"),
    "wrong_item_in_bin": _("Another product in the bin"),
    OTHER: _("Other"),
}
QC_FAIL_REASONS = {
    "wrong_quantity": _("Wrong quantity"),
    "wrong_product": _("Wrong product"),
    "damaged_goods": _("Goods damaged"),
    "damaged_packaging": _("Packaging damaged"),
    OTHER: _("Other"),
}
ALL_LINES = "all"

NUMERIC = {"inputmode": "numeric", "pattern": "[0-9]*", "autocomplete": "off"}


# --- the order page's forms of the warehouse steps ---------------------------------


class FailQcForm(NoteForm):
    reason = forms.CharField(label=_("What failed the check"), max_length=500)
    field_order = ["reason", "note"]


class PackageForm(forms.Form):
    weight_kg = forms.DecimalField(
        label=_("Weight (kg)"),
        max_digits=8,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("100000"),
    )
    length_cm = forms.IntegerField(
        label=_("Length (cm)"), required=False, min_value=1, max_value=10000
    )
    width_cm = forms.IntegerField(
        label=_("Width (cm)"), required=False, min_value=1, max_value=10000
    )
    height_cm = forms.IntegerField(
        label=_("Height (cm)"), required=False, min_value=1, max_value=10000
    )


class BasePackageFormSet(forms.BaseFormSet):
    """Packages of one order: Django's own "Please submit at least 1 form."
    says nothing to a packer; these say what to do."""

    default_error_messages = {
        **forms.BaseFormSet.default_error_messages,
        "too_few_forms": _("Add at least one package, with its weight, before packing."),
        "too_many_forms": _(
            "At most %(num)d packages per order: pack the goods into fewer cartons."
        ),
    }


def package_formset_class(form_class):
    """The package formset of ``form_class`` (desktop or tablet)."""
    return forms.formset_factory(
        form_class,
        formset=BasePackageFormSet,
        extra=0,
        min_num=1,
        validate_min=True,
        max_num=200,
        validate_max=True,
    )


PackageFormSet = package_formset_class(PackageForm)


class PackForm(NoteForm):
    """Process 3.3: one or more packages, each with its weight."""

    def __init__(self, data=None, *, prefix=None, **kwargs):
        super().__init__(data, prefix=prefix, **kwargs)
        self.packages = PackageFormSet(data, prefix=f"{prefix or 'pack'}-packages")

    def is_valid(self) -> bool:
        return super().is_valid() & self.packages.is_valid()

    def service_kwargs(self) -> dict[str, Any]:
        packages = [
            {k: v for k, v in form.cleaned_data.items() if v is not None}
            for form in self.packages.forms
            if form.cleaned_data
        ]
        return {**super().service_kwargs(), "packages": packages}


# --- the tablet screens -------------------------------------------------------------


def _choices(reasons: dict) -> list[tuple[str, Any]]:
    return [("", _("Choose a reason")), *reasons.items()]


class _ReasonMixin:
    """A reason from a short list, plus free text; "Other" needs the text."""

    REASONS: dict = {}

    def _reason(self, cleaned: dict) -> str:
        code, text = cleaned.get("reason_choice") or "", (cleaned.get("reason_text") or "").strip()
        if not code:
            return ""
        if code == OTHER:
            if not text:
                self.add_error("reason_text", _("Say in a few words what is wrong."))
            return text
        label = str(self.REASONS[code])
        return f"{label}: {text}" if text else label


class ScanForm(forms.Form):
    """One scan: the code the scanner typed (it presses Enter) and how many
    units it stands for, 1 unless the picker changed it. The code may be the
    product's barcode, its SKU or one of its alternative codes: whatever
    label is on the shelf (``inventory.selectors.product_by_code``)."""

    code = forms.CharField(
        label=_("Scan or type a barcode, SKU or code"),
        max_length=64,
        error_messages={"required": _("Scan a code first.")},
        # The scanner is a keyboard: the field holds the focus, and the
        # tablet's on-screen keyboard stays away unless asked for.
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "autocapitalize": "off",
                "spellcheck": "false",
                "inputmode": "none",
                "enterkeyhint": "enter",
                "data-scan": "",
            }
        ),
    )
    quantity = forms.IntegerField(
        label=_("Quantity"),
        required=False,
        min_value=1,
        max_value=9999,
        initial=1,
        widget=forms.NumberInput(attrs=NUMERIC),
    )

    def __init__(self, data=None, *args, **kwargs):
        # The field was called "barcode" before SKUs and alternative codes
        # were accepted: a page loaded before the change still posts that.
        if data is not None and "code" not in data and "barcode" in data:
            data = data.copy()
            data["code"] = data["barcode"]
        super().__init__(data, *args, **kwargs)

    def clean_quantity(self) -> int:
        return self.cleaned_data.get("quantity") or 1


class ShortageForm(_ReasonMixin, forms.Form):
    """Process 3.1: a line cannot be found on the shelf."""

    REASONS = SHORTAGE_REASONS

    quantity_missing = forms.IntegerField(
        label=_("Quantity missing"), min_value=1, widget=forms.NumberInput(attrs=NUMERIC)
    )
    reason_choice = forms.ChoiceField(label=_("Reason"), choices=_choices(SHORTAGE_REASONS))
    reason_text = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, line, **kwargs):
        super().__init__(*args, **kwargs)
        self.line = line
        left = line.quantity - line.picked_quantity
        field = self.fields["quantity_missing"]
        field.widget.attrs["max"] = line.quantity
        field.validators.append(MaxValueValidator(line.quantity))
        if not self.is_bound:
            field.initial = left or line.quantity

    def clean(self):
        cleaned = super().clean()
        cleaned["reason"] = self._reason(cleaned)
        return cleaned

    def service_kwargs(self) -> dict[str, Any]:
        return {
            "line_id": self.line.pk,
            "quantity_missing": self.cleaned_data["quantity_missing"],
            "reason": self.cleaned_data["reason"],
        }


class QualityCheckForm(_ReasonMixin, forms.Form):
    """Process 3.2: the checklist and notes; to fail, which line (or all)
    and why. Whether every box is ticked to pass is the service's rule."""

    REASONS = QC_FAIL_REASONS
    PASS, FAIL = "pass", "fail"

    quantity_ok = forms.BooleanField(label=_("Quantity right"), required=False)
    undamaged = forms.BooleanField(label=_("Nothing damaged"), required=False)
    packaging_ok = forms.BooleanField(label=_("Packaging intact"), required=False)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    line = forms.ChoiceField(label=_("Which line failed"), required=False)
    reason_choice = forms.ChoiceField(
        label=_("Reason"), required=False, choices=_choices(QC_FAIL_REASONS)
    )
    reason_text = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    decision = forms.ChoiceField(choices=[(PASS, PASS), (FAIL, FAIL)], widget=forms.HiddenInput)

    CHECKS = ("quantity_ok", "undamaged", "packaging_ok")

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = [
            ("", _("Choose the line")),
            (ALL_LINES, _("All lines")),
            *((str(line.pk), f"{line.product.sku} · {line.product.name}") for line in lines),
        ]

    def checks(self):
        return [self[name] for name in self.CHECKS]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.FAIL:
            if not cleaned.get("line"):
                self.add_error("line", _("Choose the line that failed, or all lines."))
            if not cleaned.get("reason_choice"):
                self.add_error("reason_choice", _("Choose what failed the check."))
            cleaned["reason"] = self._reason(cleaned)
        return cleaned

    def pass_kwargs(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in (*self.CHECKS, "notes")}

    def fail_kwargs(self) -> dict[str, Any]:
        line = self.cleaned_data["line"]
        return {
            **self.pass_kwargs(),
            "reason": self.cleaned_data["reason"],
            "line_id": None if line == ALL_LINES else int(line),
        }


class TabletPackageForm(PackageForm):
    """The desktop package form with the tablet's number pads."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["weight_kg"].widget.attrs.update(
            {"inputmode": "decimal", "autocomplete": "off", "step": "0.01"}
        )
        for name in ("length_cm", "width_cm", "height_cm"):
            self.fields[name].widget.attrs.update(NUMERIC)


PackageFormSet = package_formset_class(TabletPackageForm)


def packages_from(formset) -> list[dict[str, Any]]:
    """What ``order_pack`` takes: one dict per filled-in package."""
    return [
        {k: v for k, v in form.cleaned_data.items() if v is not None}
        for form in formset.forms
        if form.cleaned_data
    ]
