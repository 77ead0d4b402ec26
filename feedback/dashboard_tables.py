"""The dashboard's tables as files (CSV, XLSX): each export builds only the
table asked for, from the same rows the page shows."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from . import exports
from .dashboard_figures import (
    GROUP_LABELS,
    RATES,
    Period,
    _stage_label,
    feedback_summary,
    lead_time_pivot,
    lead_time_rows,
    rate_rows,
    stuck_rows,
)
from .exports import DATETIME, HOURS, INT, NUMBER, PERCENT, Column, Table
from .models import Stage
from .targets import stage_targets_current

TABLES = ["lead_times", "lead_times_by_group", "rates", "stuck"]
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


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
