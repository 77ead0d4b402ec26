"""Forms of the logistics pages. They only shape input: whether a tracking
number fits the carrier, or another carrier needs a reason, is decided by
``orders.services.order_ship`` and its errors are put back on these fields."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.forms import NoteForm

from .models import Carrier

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class ShipForm(forms.Form):
    """Process 4.1–4.2: the carrier that takes the goods (the rules' proposal
    preselected), its service, the tracking number, and why when logistics
    chooses another carrier than proposed."""

    carrier = forms.ChoiceField(label=_("Carrier"))
    service = forms.ChoiceField(label=_("Service"), required=False)
    tracking_number = forms.CharField(
        label=_("Tracking number"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    override_reason = forms.CharField(
        label=_("Reason for another carrier"),
        max_length=255,
        required=False,
        help_text=_("Only when you choose another carrier than proposed."),
    )

    def __init__(self, *args, carriers: list[Carrier], **kwargs):
        # ``carriers`` are loaded once per page with their services, so that
        # a page of forms costs no query per form.
        super().__init__(*args, **kwargs)
        self.carriers = {c.code: c for c in carriers}
        self.fields["carrier"].choices = [("", "—")] + [(c.code, c.name) for c in carriers]
        self.fields["service"].choices = [("", _("Carrier's default"))] + [
            (c.name, [(str(s.pk), s.name) for s in c.services.all()]) for c in carriers
        ]
        # The page's script shows only the chosen carrier's services.
        self.fields["service"].widget.attrs["data-services"] = ""
        self.fields["carrier"].widget.attrs["data-carrier"] = ""
        if auto_id := self["tracking_number"].auto_id:
            self.fields["tracking_number"].widget.attrs["aria-describedby"] = f"{auto_id}-formats"

    @property
    def tracking_formats(self) -> list[tuple[str, str]]:
        """(carrier code, its tracking-number format in words) for the help
        beside the field: every carrier's without a script, the chosen
        one's with it (tracking-formats.js)."""
        return [(code, c.tracking_number_format) for code, c in self.carriers.items()]

    def service_kwargs(self) -> dict:
        """What ``order_ship`` takes: the carrier and service as objects, the
        rest as typed (the service trims and checks them)."""
        data = self.cleaned_data
        service = None
        if data.get("service"):
            for carrier in self.carriers.values():
                for s in carrier.services.all():
                    if str(s.pk) == data["service"]:
                        service = s
        return {
            "carrier": self.carriers.get(data["carrier"]),
            "service": service,
            "tracking_number": data.get("tracking_number", ""),
            "override_reason": data.get("override_reason", ""),
        }


def _now_local() -> datetime.datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


class DeliveryForm(forms.Form):
    """Process 4.3: who signed for the goods and when (now by default)."""

    signed_by = forms.CharField(label=_("Signed by"), max_length=100)
    delivered_at = forms.DateTimeField(
        label=_("Delivered at"),
        initial=_now_local,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )


class ManifestForm(forms.Form):
    """Which carrier's hand-over, on which local date (process 4.1)."""

    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
    )
    carrier = forms.ChoiceField(label=_("Carrier"))

    def __init__(self, *args, carriers: list[Carrier], **kwargs):
        super().__init__(*args, **kwargs)
        self.carriers = {c.code: c for c in carriers}
        self.fields["carrier"].choices = [(c.code, c.name) for c in carriers]


# --- the order page's forms of the shipping steps ------------------------------


class ShipStepForm(NoteForm):
    """The order page's ``ship`` step (the logistics page has ``ShipForm``)."""

    carrier = forms.CharField(label=_("Carrier"), max_length=100)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=64)
    field_order = ["carrier", "tracking_number", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each active carrier's format in words, as the refusal would say it.
        self.fields["tracking_number"].help_text = " ".join(
            carrier.tracking_number_format
            for carrier in Carrier.objects.filter(is_active=True).order_by("name")
        )


class ConfirmDeliveryStepForm(NoteForm):
    """The order page's ``confirm_delivery`` step."""

    signed_by = forms.CharField(label=_("Signed by"), required=False, max_length=100)
    field_order = ["signed_by", "note"]
