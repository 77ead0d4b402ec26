"""After-sales codes in the reader's language, for any page that shows them
(the order page's timeline among them)."""

from __future__ import annotations

from django import template

from aftersales.models import Case, CaseStatus, Return

register = template.Library()


def _label(choices, code) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code or ""


@register.filter
def case_status(code: str) -> str:
    return _label(CaseStatus, code)


@register.filter
def case_kind(code: str) -> str:
    return _label(Case.Kind, code)


@register.filter
def return_status(code: str) -> str:
    return _label(Return.Status, code)
