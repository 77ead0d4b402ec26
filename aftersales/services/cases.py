"""Process 5.2: cases, a problem on an order driven to a solution by the
department responsible, through the case's state machine."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from notifications import services as notify
from orders.models import Order, OrderEvent, OrderLine, OrderStatus
from orders.roles import is_integration_client
from orders.transitions import lock_writable, refuse_archived, write_event
from orders_site.actors import is_system
from orders_site.services import copy_fields

from ..exceptions import AfterSalesConflict, AfterSalesForbidden, AfterSalesInvalid
from ..models import Case, CaseEntry, ContactChannel
from ..selectors import CASE_TRANSITIONS
from .common import may_handle, require, today


def _default_owner(user, order: Order):
    """Unless named, a case is its opener's; one opened by a machine client
    (an online store passing on a complaint) goes to the order's salesperson."""
    return order.salesperson if is_system(user) or is_integration_client(user) else user


def _case_due(kind: str) -> datetime.date:
    days = settings.AFTERSALES_CASE_DUE_DAYS.get(kind, 7)
    return today() + datetime.timedelta(days=days)


@transaction.atomic
def case_open(
    *,
    order: Order,
    user,
    kind: str,
    subject: str,
    department: str,
    description: str = "",
    owner=None,
    lines: Iterable[OrderLine] = (),
    due_on: datetime.date | None = None,
) -> Case:
    """Record a problem on an order (complaint, return, exchange, repair,
    inquiry) for the department responsible, due by its type."""
    require(user, "aftersales.add_case", _("Your role may not open cases."))
    locked = lock_writable(order)
    lines = list(lines)
    errors = {}
    if kind not in Case.Kind.values:
        errors["kind"] = [_("Choose a case type.")]
    if department not in Case.Department.values:
        errors["department"] = [_("Choose the department responsible.")]
    if not (subject or "").strip():
        errors["subject"] = [_("This field is required.")]
    if locked.status in (OrderStatus.DRAFT,):
        errors["order"] = [_("A draft order has nothing to follow up yet.")]
    foreign = [line for line in lines if line.order_id != locked.pk]
    if foreign:
        errors["lines"] = [_("Choose lines of order %(number)s.") % {"number": locked.number}]
    if errors:
        raise AfterSalesInvalid(_("The case is not complete."), fields=errors)
    case = Case(
        order=locked,
        kind=kind,
        subject=subject.strip(),
        description=(description or "").strip(),
        department=department,
        owner=owner or _default_owner(user, locked),
        due_on=due_on or _case_due(kind),
        created_by=user,
    )
    case.save()
    case.lines.set(lines)
    CaseEntry.objects.create(
        case=case,
        kind=CaseEntry.Kind.STATUS,
        to_status=case.status,
        text=case.description,
        author=user,
    )
    write_event(
        order=locked,
        kind=OrderEvent.Kind.CASE,
        actor=user,
        note=case.subject,
        data={"case": case.pk, "number": case.number, "kind": kind, "status": case.status},
    )
    return case


def _lock_case(case: Case) -> Case:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    locked.order = Order.objects.get(pk=locked.order_id)
    refuse_archived(locked.order)
    return locked


def _may_work_on(case: Case, user) -> bool:
    return case.owner_id == user.pk or may_handle(user)


@transaction.atomic
def case_transition(*, case: Case, user, name: str, note: str = "", resolution: str = "") -> Case:
    """Move a case along (open → in progress → waiting for customer →
    resolved → closed, reopen). Resolving needs the resolution and tells the
    customer."""
    if name not in CASE_TRANSITIONS:
        raise AfterSalesInvalid(_("Unknown step."), fields={"name": [_("Not a valid choice.")]})
    locked = _lock_case(case)
    if not _may_work_on(locked, user):
        raise AfterSalesForbidden(_("Only the case's owner or after-sales staff may do this."))
    method = getattr(locked, name)
    if not can_proceed(method):
        raise AfterSalesConflict(
            _("Case %(number)s cannot do this while %(status)s.")
            % {"number": locked.number, "status": locked.get_status_display()}
        )
    if name == "resolve":
        if not (resolution or "").strip():
            raise AfterSalesInvalid(
                _("Say how the case was resolved."),
                fields={"resolution": [_("This field is required.")]},
            )
        locked.resolution = resolution.strip()
        locked.resolved_at = timezone.now()
    if name == "close":
        locked.closed_at = timezone.now()
    if name == "reopen":
        locked.closed_at = None
    from_status = locked.status
    method()
    locked.save()
    CaseEntry.objects.create(
        case=locked,
        kind=CaseEntry.Kind.STATUS,
        from_status=from_status,
        to_status=locked.status,
        text=(note or resolution or "").strip(),
        author=user,
    )
    write_event(
        order=locked.order,
        kind=OrderEvent.Kind.CASE,
        actor=user,
        note=(resolution if name == "resolve" else note).strip(),
        data={"case": locked.pk, "number": locked.number, "from": from_status, "to": locked.status},
    )
    if name == "resolve":
        _tell_customer_resolved(locked)
    copy_fields(locked, case)
    return locked


def _tell_customer_resolved(case: Case) -> None:
    customer = case.order.customer
    notify.email_enqueue(
        event="aftersales.case_resolved",
        to=customer.email,
        template="case_resolved",
        language=customer.preferred_language,
        context={"case": case, "order": case.order, "customer": customer},
        dedupe_key=f"case-resolved:{case.pk}:{case.entries.count()}",
        order=case.order,
    )


@transaction.atomic
def case_add_entry(*, case: Case, user, kind: str, text: str, channel: str = "") -> CaseEntry:
    """An internal note, or a contact with the customer (with its channel)."""
    locked = _lock_case(case)
    if not _may_work_on(locked, user) and not user.has_perm("aftersales.add_caseentry"):
        raise AfterSalesForbidden(_("You may not add to this case."))
    errors = {}
    if kind not in (CaseEntry.Kind.NOTE, CaseEntry.Kind.CONTACT):
        errors["kind"] = [_("Choose a note or a customer contact.")]
    if kind == CaseEntry.Kind.CONTACT and channel not in ContactChannel.values:
        errors["channel"] = [_("Choose how you reached the customer.")]
    if not (text or "").strip():
        errors["text"] = [_("This field is required.")]
    if errors:
        raise AfterSalesInvalid(_("The entry is not complete."), fields=errors)
    return CaseEntry.objects.create(
        case=locked,
        kind=kind,
        channel=channel if kind == CaseEntry.Kind.CONTACT else "",
        text=text.strip(),
        author=user,
    )


@transaction.atomic
def case_assign(
    *, case: Case, user, owner=None, department: str | None = None, due_on=None
) -> Case:
    """Hand a case to another person or department, or move its due date."""
    locked = _lock_case(case)
    if not may_handle(user):
        raise AfterSalesForbidden(_("Only after-sales staff may reassign cases."))
    if department is not None and department not in Case.Department.values:
        raise AfterSalesInvalid(
            _("Choose the department responsible."),
            fields={"department": [_("Not a valid choice.")]},
        )
    changes = []
    if owner is not None and owner.pk != locked.owner_id:
        locked.owner = owner
        changes.append(_("owner: %(name)s") % {"name": owner.get_username()})
    if department and department != locked.department:
        locked.department = department
        changes.append(_("department: %(d)s") % {"d": locked.get_department_display()})
    if due_on and due_on != locked.due_on:
        locked.due_on = due_on
        changes.append(_("due: %(d)s") % {"d": due_on.isoformat()})
    if changes:
        locked.save()
        CaseEntry.objects.create(
            case=locked, kind=CaseEntry.Kind.NOTE, text="; ".join(changes), author=user
        )
    copy_fields(locked, case)
    return locked
