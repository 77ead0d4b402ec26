"""The dashboard's forms: the period and breakdown it shows, and the stage
targets a sales manager sets. They validate input; the targets are saved by
``feedback.targets``."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders_site.forms import DATE_WIDGET

from . import analytics
from .dashboard_figures import GROUP_LABELS, Period
from .models import Stage
from .targets import target_stages

#: The period the dashboard opens on: the last 90 days, today included.
DEFAULT_DAYS = 90
MAX_YEARS = 2


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class DashboardFilterForm(forms.Form):
    """The period (orders recorded from … to, both days included) and what
    to break the figures down by."""

    date_from = forms.DateField(label=gettext_lazy("From"), widget=DATE_WIDGET)
    date_to = forms.DateField(label=gettext_lazy("To"), widget=DATE_WIDGET)
    group_by = forms.ChoiceField(label=gettext_lazy("Break down by"), required=False)

    def __init__(self, data=None, **kwargs):
        if data is not None:
            # The page opens on the last 90 days; a link may name only part.
            data = data.copy()
            today = timezone.localdate()
            data.setdefault("date_to", today.isoformat())
            data.setdefault(
                "date_from", (today - datetime.timedelta(days=DEFAULT_DAYS - 1)).isoformat()
            )
        super().__init__(data, **kwargs)
        self.fields["group_by"].choices = [("", _("Nothing (all orders)"))] + [
            (group, GROUP_LABELS.get(group, group)) for group in analytics.GROUPS
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if start > end:
                self.add_error("date_to", _("The end date is before the start date."))
            elif start < _years_before(end, MAX_YEARS):
                self.add_error(
                    "date_from",
                    _("Choose at most two years: from %(date)s at the earliest.")
                    % {"date": _years_before(end, MAX_YEARS).isoformat()},
                )
        return data

    def period(self) -> Period:
        data = self.cleaned_data
        return Period(data["date_from"], data["date_to"], data.get("group_by") or None)


class StageTargetsForm(forms.Form):
    """One field per stage: its target in hours (zero or more, one decimal)."""

    prefix = "target"

    def __init__(self, *args, targets: dict[str, Decimal], **kwargs):
        super().__init__(*args, **kwargs)
        for stage in target_stages():
            self.fields[stage] = forms.DecimalField(
                label=Stage(stage).label,
                min_value=0,
                max_digits=8,
                decimal_places=1,
                initial=targets.get(stage),
                widget=forms.NumberInput(attrs={"step": "0.5", "min": "0"}),
            )
