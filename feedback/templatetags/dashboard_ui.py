"""How the managers' dashboard writes its figures: lead times in hours or
days, rates as percentages, and "—" where there is nothing to measure."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()

DASH = "—"
#: Below two days a lead time reads best in hours; above, in days.
HOURS_LIMIT = 48


def _number(value) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@register.filter
def duration(hours) -> str:
    """``5.25`` → ``5.3 h``; ``60`` → ``2.5 d``; ``None`` → ``—``."""
    value = _number(hours)
    if value is None:
        return DASH
    if value < HOURS_LIMIT:
        return _("%(hours)s h") % {"hours": f"{value:.1f}"}
    return _("%(days)s d") % {"days": f"{value / 24:.1f}"}


@register.filter
def percent(rate) -> str:
    """A rate from 0 to 1 as a percentage with one decimal: ``0.125`` → ``12.5%``."""
    value = _number(rate)
    return DASH if value is None else f"{value * 100:.1f}%"


@register.filter
def decimal1(value) -> str:
    """A plain figure with one decimal (cases per 100 orders, a rating)."""
    number = _number(value)
    return DASH if number is None else f"{number:.1f}"


@register.filter
def dash(value) -> str:
    return DASH if value is None or value == "" else str(value)
