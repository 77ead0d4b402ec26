"""The managers' dashboard (issue 7 item 2, process 4.2): lead times per
stage, the process rates, what staff say about each stage, the orders stuck
in a stage for longer than its target, and the targets themselves.

The figures come from ``feedback.analytics``; this module only puts them
side by side for the page, the charts (a ``json_script`` block read by
``static/feedback/dashboard.js``) and the exports (``feedback.exports``).
Every number the charts draw is also in a table, so the page is complete
without JavaScript."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from orders_site.errors import DomainError
from orders_site.forms import DATE_WIDGET

from . import analytics, exports, selectors
from .exports import DATETIME, HOURS, INT, NUMBER, PERCENT, Column, Table
from .models import ProcessStage, Stage
from .targets import stage_targets_current, stage_targets_update, target_stages

#: The period the dashboard opens on: the last 90 days, today included.
DEFAULT_DAYS = 90
MAX_YEARS = 2

GROUP_LABELS = {
    "week": gettext_lazy("Week"),
    "salesperson": gettext_lazy("Salesperson"),
    "channel": gettext_lazy("Channel"),
    "carrier": gettext_lazy("Carrier"),
    "product": gettext_lazy("Product"),
}

#: The rates in the order the table and the chart show them; ``chart`` marks
#: the 0..1 rates drawn as bars (cases per 100 and the rating have their own scales).
RATES = [
    ("adjustment_rate", gettext_lazy("Sent back for adjustment"), PERCENT),
    ("qc_failure_rate", gettext_lazy("QC failures"), PERCENT),
    ("short_pick_rate", gettext_lazy("Short picks"), PERCENT),
    ("on_time_rate", gettext_lazy("Delivered on time"), PERCENT),
    ("cancellation_rate", gettext_lazy("Cancelled"), PERCENT),
    ("cases_per_100", gettext_lazy("Cases per 100 orders"), NUMBER),
    ("avg_satisfaction", gettext_lazy("Average survey rating"), NUMBER),
]

TABLES = ["lead_times", "lead_times_by_group", "rates", "stuck"]
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# --- forms ---------------------------------------------------------------------------


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

    def add_domain_error(self, exc: DomainError) -> None:
        for name, errors in (exc.fields or {}).items():
            for error in errors:
                self.add_error(name if name in self.fields else None, str(error))
        if not exc.fields:
            self.add_error(None, exc.message)


# --- the figures -----------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    date_from: datetime.date
    date_to: datetime.date
    group_by: str | None = None

    def query(self, **extra) -> str:
        params = {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat()}
        if self.group_by:
            params["group_by"] = self.group_by
        return urlencode({**params, **extra})

    def feedback_window(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The period as local midnights: [from 00:00, the day after ``to`` 00:00)."""
        tz = timezone.get_current_timezone()
        start = datetime.datetime.combine(self.date_from, datetime.time.min, tzinfo=tz)
        end = datetime.datetime.combine(
            self.date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
        )
        return start, end


def _stage_label(stage: str) -> str:
    try:
        return str(Stage(stage).label)
    except ValueError:
        return stage


def _chart_label(label: str) -> list[str]:
    """ "Intake (recorded → submitted)" as two lines under its bar."""
    match = re.search(r"\s*[（(]", label)
    return [label[: match.start()], label[match.start() :].strip()] if match else [label]


def feedback_summary(*, period: Period) -> dict[str, dict[str, Any]]:
    """Ratings and the latest comments per process stage, given in the period."""
    since, until = period.feedback_window()
    return selectors.stage_feedback_summary(since=since, until=until)


def lead_time_rows(
    *, period: Period, targets: dict[str, Decimal], feedback: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The period's lead time of each stage, beside its target and what staff
    said about the stage (``feedback_summary``)."""
    figures = {
        row["stage"]: row
        for row in analytics.stage_figures(date_from=period.date_from, date_to=period.date_to)
    }
    rows = []
    for stage in Stage.values:
        row = figures.get(stage, {})
        target = targets.get(stage)
        median = row.get("median_hours")
        said = feedback.get(stage, {})
        rows.append(
            {
                "stage": stage,
                "label": _stage_label(stage),
                "orders": row.get("orders") or 0,
                "median_hours": median,
                "p90_hours": row.get("p90_hours"),
                "target_hours": target,
                "over_target": None not in (median, target) and median > float(target),
                "rating": said.get("avg_rating"),
                "ratings": said.get("count", 0),
                "comments": said.get("latest", []),
            }
        )
    return rows


def other_feedback(feedback: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Feedback on the stages without a lead time (after-sales, archive, other)."""
    return [
        {"stage": stage, "label": label, **feedback[stage]}
        for stage, label in ProcessStage.choices
        if stage not in Stage.values and feedback.get(stage, {}).get("count")
    ]


def lead_time_pivot(*, period: Period) -> list[dict[str, Any]]:
    """With a breakdown: one row per group, a median and a 90th percentile
    per stage, groups in the order the analytics give them."""
    groups: dict[Any, dict[str, Any]] = {}
    for row in analytics.stage_figures(
        date_from=period.date_from, date_to=period.date_to, group_by=period.group_by
    ):
        group = groups.setdefault(
            row["group"], {"group": row["group"], "label": row["label"], "stages": {}}
        )
        group["stages"][row["stage"]] = row
    return [
        {
            **group,
            "cells": [
                {
                    "stage": stage,
                    "orders": group["stages"].get(stage, {}).get("orders") or 0,
                    "median_hours": group["stages"].get(stage, {}).get("median_hours"),
                    "p90_hours": group["stages"].get(stage, {}).get("p90_hours"),
                }
                for stage in Stage.values
            ],
        }
        for group in groups.values()
    ]


def rate_rows(*, period: Period, grouped: bool) -> list[dict[str, Any]]:
    rows = analytics.rate_figures(
        date_from=period.date_from,
        date_to=period.date_to,
        group_by=period.group_by if grouped else None,
    )
    for row in rows:
        row["cells"] = [{"key": k, "kind": kind, "value": row.get(k)} for k, _l, kind in RATES]
    return rows


def stuck_rows(*, now: datetime.datetime | None = None) -> list[dict[str, Any]]:
    rows = analytics.stuck_orders(now=now)
    for row in rows:
        row["stage_label"] = _stage_label(row["stage"])
    return rows


def chart_data(*, lead_times: list[dict], rates: list[dict], grouped: bool) -> dict[str, Any]:
    """What ``dashboard.js`` draws, with its texts in the reader's language.
    Rates: without a breakdown one bar per rate; with one, the groups along
    the axis and a colour per rate."""
    shown = [(key, str(label)) for key, label, kind in RATES if kind == PERCENT]
    if grouped:
        rate_labels = [str(r["label"]) for r in rates]
        series = [
            {"label": label, "data": [exports.percent_value(r.get(key)) for r in rates]}
            for key, label in shown
        ]
    else:
        rate_labels = [label for _key, label in shown]
        series = [
            {
                "label": str(r["label"]),
                "data": [exports.percent_value(r.get(key)) for key, _label in shown],
            }
            for r in rates
        ]
    return {
        "leadTimes": {
            "labels": [_chart_label(r["label"]) for r in lead_times],
            "median": [exports.hours_value(r["median_hours"]) for r in lead_times],
            "p90": [exports.hours_value(r["p90_hours"]) for r in lead_times],
        },
        "rates": {"labels": rate_labels, "series": series},
        "text": {
            "median": _("Median"),
            "p90": _("90th percentile"),
            "hours": _("hours"),
            "days": _("days"),
            "percent": _("Share of orders (percent)"),
        },
    }


# --- tables for the exports ----------------------------------------------------------


def table_lead_times(rows: list[dict]) -> Table:
    return Table(
        slug="lead-times",
        title=_("Lead times"),
        columns=[
            Column(_("Stage")),
            Column(_("Orders"), INT),
            Column(_("Median (hours)"), HOURS),
            Column(_("90th percentile (hours)"), HOURS),
            Column(_("Target (hours)"), HOURS),
            Column(_("Average rating"), NUMBER),
            Column(_("Ratings"), INT),
        ],
        rows=[
            [
                r["label"],
                r["orders"],
                exports.hours_value(r["median_hours"]),
                exports.hours_value(r["p90_hours"]),
                exports.hours_value(r["target_hours"]),
                exports.number_value(r["rating"]),
                r["ratings"],
            ]
            for r in rows
        ],
    )


def table_lead_times_by_group(rows: list[dict], *, group_by: str) -> Table:
    columns = [Column(str(GROUP_LABELS.get(group_by, group_by)))]
    for stage in Stage.values:
        label = _stage_label(stage)
        columns.append(Column(_("%(stage)s: median (hours)") % {"stage": label}, HOURS))
        columns.append(Column(_("%(stage)s: 90th percentile (hours)") % {"stage": label}, HOURS))
    return Table(
        slug=f"lead-times-by-{group_by}",
        title=_("Lead times by %(group)s")
        % {"group": str(GROUP_LABELS.get(group_by, group_by)).lower()},
        columns=columns,
        rows=[
            [r["label"]]
            + [
                exports.hours_value(cell[key])
                for cell in r["cells"]
                for key in ("median_hours", "p90_hours")
            ]
            for r in rows
        ],
    )


def table_rates(rows: list[dict], *, group_by: str | None) -> Table:
    first = str(GROUP_LABELS.get(group_by, group_by)) if group_by else _("Orders recorded")
    columns = [Column(first), Column(_("Orders"), INT)]
    for _key, label, kind in RATES:
        columns.append(Column(f"{label} (%)" if kind == PERCENT else str(label), kind))
    return Table(
        slug=f"rates-by-{group_by}" if group_by else "rates",
        title=_("Rates"),
        columns=columns,
        rows=[
            [r["label"], r.get("orders") or 0]
            + [
                exports.percent_value(r.get(key))
                if kind == PERCENT
                else exports.number_value(r.get(key))
                for key, _label, kind in RATES
            ]
            for r in rows
        ],
    )


def table_stuck(rows: list[dict]) -> Table:
    return Table(
        slug="stuck-orders",
        title=_("Stuck orders"),
        as_of=timezone.localdate(),
        columns=[
            Column(_("Order number")),
            Column(_("Stage")),
            Column(_("In the stage since"), DATETIME),
            Column(_("Hours in the stage"), HOURS),
            Column(_("Target (hours)"), HOURS),
            Column(_("Salesperson")),
        ],
        rows=[
            [
                r["number"],
                r["stage_label"],
                exports.local_naive(r["since"]),
                exports.hours_value(r["hours"]),
                exports.hours_value(r["target_hours"]),
                r["salesperson"],
            ]
            for r in rows
        ],
    )


def export_table(name: str, *, period: Period) -> Table:
    """Build only the table asked for (an export runs one table's queries)."""
    if name == "lead_times":
        feedback = feedback_summary(period=period)
        return table_lead_times(
            lead_time_rows(period=period, targets=stage_targets_current(), feedback=feedback)
        )
    if name == "lead_times_by_group" and period.group_by:
        return table_lead_times_by_group(lead_time_pivot(period=period), group_by=period.group_by)
    if name == "rates":
        return table_rates(
            rate_rows(period=period, grouped=bool(period.group_by)), group_by=period.group_by
        )
    if name == "stuck":
        return table_stuck(stuck_rows())
    raise Http404("No such table.")


# --- views -----------------------------------------------------------------------------


def _context(request, *, filters: DashboardFilterForm, targets_form=None) -> dict[str, Any]:
    context: dict[str, Any] = {"form": filters, "period": None}
    targets = stage_targets_current()
    if targets_form is None and request.user.has_perm("feedback.change_stagetarget"):
        targets_form = StageTargetsForm(targets=targets)
    context["targets_form"] = targets_form
    context["stuck"] = stuck_rows()
    if not filters.is_valid():
        return context
    period = filters.period()
    grouped = bool(period.group_by)
    feedback = feedback_summary(period=period)
    lead_times = lead_time_rows(period=period, targets=targets, feedback=feedback)
    rates = rate_rows(period=period, grouped=grouped)
    context.update(
        period=period,
        group_label=GROUP_LABELS.get(period.group_by, period.group_by) if grouped else "",
        lead_times=lead_times,
        pivot=lead_time_pivot(period=period) if grouped else [],
        stages=[(s, _stage_label(s), _chart_label(_stage_label(s))[0]) for s in Stage.values],
        other_feedback=other_feedback(feedback),
        rates=rates,
        rate_columns=RATES,
        rates_total=rate_rows(period=period, grouped=False)[0] if grouped and rates else None,
        chart=chart_data(lead_times=lead_times, rates=rates, grouped=grouped),
        exports=_export_links(period),
    )
    return context


def _export_links(period: Period) -> dict[str, dict[str, str]]:
    url = reverse("feedback:dashboard")
    return {
        table: {fmt: f"{url}?{period.query(table=table, format=fmt)}" for fmt in FORMATS}
        for table in TABLES
    }


@login_required
@permission_required("feedback.view_orderfact", raise_exception=True)
@require_GET
def dashboard(request):
    """The page, or one of its tables as a file (``?table=…&format=csv|xlsx``)."""
    filters = DashboardFilterForm(request.GET)
    fmt, table_name = request.GET.get("format"), request.GET.get("table")
    if fmt or table_name:
        if fmt not in FORMATS or table_name not in TABLES:
            raise Http404("No such export.")
        if filters.is_valid():
            return _download(export_table(table_name, period=filters.period()), fmt, filters)
    context = _context(request, filters=filters)
    return render(
        request, "feedback/dashboard.html", context, status=200 if filters.is_valid() else 400
    )


def _download(table: Table, fmt: str, filters: DashboardFilterForm) -> HttpResponse:
    period = filters.period()
    if fmt == "csv":
        content = exports.render_csv(table)
    else:
        subtitle = f"{period.date_from.isoformat()} – {period.date_to.isoformat()}"
        content = exports.render_xlsx(table, subtitle=subtitle)
    response = HttpResponse(content, content_type=FORMATS[fmt])
    filename = table.filename(date_from=period.date_from, date_to=period.date_to, ext=fmt)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@permission_required("feedback.change_stagetarget", raise_exception=True)
@require_POST
def targets_save(request):
    """Save the stage targets, then back to the dashboard on the same period."""
    filters = DashboardFilterForm(
        {k: request.POST[k] for k in ("date_from", "date_to", "group_by") if request.POST.get(k)}
    )
    form = StageTargetsForm(request.POST, targets=stage_targets_current())
    if form.is_valid():
        try:
            changed = stage_targets_update(
                targets={s: form.cleaned_data[s] for s in target_stages()}, user=request.user
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            if changed:
                messages.success(request, _("The stage targets were saved."))
            else:
                messages.info(request, _("The stage targets are unchanged."))
            url = reverse("feedback:dashboard")
            query = filters.period().query() if filters.is_valid() else ""
            return redirect(f"{url}?{query}#targets" if query else f"{url}#targets")
    context = _context(request, filters=filters, targets_form=form)
    return render(request, "feedback/dashboard.html", context, status=400)
