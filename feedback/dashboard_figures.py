"""The dashboard's figures as the page shows them (issue 7 item 2, process
4.2): lead times per stage beside their targets and what staff said, the
breakdown by a group, the rates, the stuck orders, and the charts' data.

The numbers come from ``feedback.analytics``; this module only puts them side
by side for the page (``feedback.dashboard``), the charts (a ``json_script``
block read by ``static/feedback/dashboard.js``) and the exports
(``feedback.dashboard_tables``)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import analytics, exports, selectors
from .exports import NUMBER, PERCENT
from .models import ProcessStage, Stage

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
                "approximate": row.get("approximate", False),
                "target_hours": target,
                "over_target": None not in (median, target) and median > float(target),
                "rating": said.get("avg_rating"),
                "ratings": said.get("count", 0),
                "comments": said.get("latest", []),
            }
        )
    return rows


def approximate_error(rows: list[dict]) -> float | None:
    """The bound to state under a table of lead times (``analytics.ERROR``,
    under 1 %) when a figure in it was read from the rollup, else None."""
    cells = [c for r in rows for c in r.get("cells", [r])]
    return analytics.ERROR if any(c.get("approximate") for c in cells) else None


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
                    "approximate": group["stages"].get(stage, {}).get("approximate", False),
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
