"""Small presentation helpers of the sales staff pages: money, status badges,
stored codes (findings, reasons, transitions) in the reader's language."""

from __future__ import annotations

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from orders import forms, selectors
from orders.models import CustomerContact, Order, OrderStatus
from orders_site.formatting import cny
from orders_site.forms import person_name

register = template.Library()


register.filter("cny", cny)


@register.simple_tag
def status_badge(status: str):
    try:
        label = OrderStatus(status).label
    except ValueError:
        label = status
    return format_html('<span class="badge badge--{}">{}</span>', status, label)


@register.filter
def person(user) -> str:
    return person_name(user)


@register.filter
def finding_message(finding: dict) -> str:
    return selectors.finding_message(finding)


@register.filter
def reason_label(code: str) -> str:
    return forms.reason_label(code)


@register.filter
def transition_label(name: str) -> str:
    return capfirst(str(selectors.TRANSITION_LABELS.get(name, name)))


@register.filter
def changed_fields(changes: dict) -> str:
    """The names of the fields an update changed, as the reader calls them."""
    names = []
    for name in changes or {}:
        if name == "lines":
            names.append(_("lines"))
            continue
        try:
            names.append(str(Order._meta.get_field(name).verbose_name))
        except FieldDoesNotExist:
            names.append(name)
    return ", ".join(names)


@register.simple_tag
def review_queue_url() -> str:
    """The manager's review queue lives in the admin; empty until it exists."""
    try:
        return reverse("admin:orders_order_review_queue")
    except NoReverseMatch:
        return ""


@register.filter
def contact_channel(code: str) -> str:
    try:
        return str(CustomerContact.Channel(code).label)
    except ValueError:
        return code
