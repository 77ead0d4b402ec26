"""Process 5.1: the follow-up calls sales makes after delivery, their
reminders, and the customer's satisfaction survey."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from notifications import services as notify
from orders.models import Order, OrderEvent, OrderStatus
from orders.transitions import refuse_archived, write_event
from orders_site.services import absolute_url, copy_fields

from .. import selectors
from ..exceptions import (
    AfterSalesConflict,
    AfterSalesForbidden,
    AfterSalesInvalid,
    SurveyLinkInvalid,
)
from ..models import ContactChannel, FollowUp, Survey
from .common import may_handle
from .common import today as _today

# --- follow-ups --------------------------------------------------------------------


def follow_ups_schedule(
    *, order: Order, delivered_on: datetime.date | None = None
) -> list[FollowUp]:
    """Follow-ups for the order's salesperson at each configured offset after
    delivery (default 3 and 30 days). Idempotent: offsets already scheduled
    are left alone."""
    delivered_on = delivered_on or _today()
    existing = set(order.follow_ups.values_list("offset_days", flat=True))
    new = [
        FollowUp(
            order=order,
            owner_id=order.salesperson_id,
            offset_days=days,
            due_on=delivered_on + datetime.timedelta(days=days),
        )
        for days in settings.AFTERSALES_FOLLOW_UP_DAYS
        if days not in existing
    ]
    FollowUp.objects.bulk_create(new, ignore_conflicts=True)
    return list(order.follow_ups.all())


@transaction.atomic
def follow_up_record(
    *,
    follow_up: FollowUp,
    user,
    channel: str,
    usage: str = "",
    satisfaction: int | None = None,
    notes: str = "",
) -> FollowUp:
    """The salesperson called: record how it went. Closes the follow-up
    (its ``record`` transition, once) and puts the outcome on the order's
    timeline."""
    locked = FollowUp.objects.select_for_update().select_related("order").get(pk=follow_up.pk)
    refuse_archived(locked.order)
    if locked.owner_id != user.pk and not may_handle(user):
        raise AfterSalesForbidden(_("This follow-up belongs to someone else."))
    if not can_proceed(locked.record):
        raise AfterSalesConflict(_("This follow-up was already recorded."))
    errors = {}
    if channel not in ContactChannel.values:
        errors["channel"] = [_("Choose how you reached the customer.")]
    if satisfaction is not None and not (isinstance(satisfaction, int) and 1 <= satisfaction <= 5):
        errors["satisfaction"] = [_("Rate from 1 to 5.")]
    if not (usage.strip() or notes.strip()):
        errors["notes"] = [_("Say what the customer told you.")]
    if errors:
        raise AfterSalesInvalid(_("The follow-up is not complete."), fields=errors)
    locked.channel, locked.usage, locked.notes = channel, usage.strip(), notes.strip()
    locked.satisfaction = satisfaction
    locked.record()
    locked.done_at, locked.done_by = timezone.now(), user
    locked.save()
    write_event(
        order=locked.order,
        kind=OrderEvent.Kind.FOLLOW_UP,
        actor=user,
        note=locked.notes or locked.usage,
        data={
            "follow_up": locked.pk,
            "offset_days": locked.offset_days,
            "channel": channel,
            "satisfaction": satisfaction,
            "usage": locked.usage,
        },
    )
    copy_fields(locked, follow_up)
    return locked


def follow_ups_remind_overdue(*, today: datetime.date | None = None) -> int:
    """One email a day to each owner of overdue follow-ups, listing them."""
    today = today or _today()
    by_owner: dict[int, list[FollowUp]] = {}
    for follow_up in selectors.follow_ups_overdue(today=today):
        by_owner.setdefault(follow_up.owner_id, []).append(follow_up)
    sent = 0
    with transaction.atomic():
        for items in by_owner.values():
            owner = items[0].owner
            for item in items:
                item.days_overdue = (today - item.due_on).days
            if notify.email_enqueue(
                event="aftersales.follow_ups_overdue",
                to=owner.email,
                template="follow_ups_overdue",
                language=notify.language_of(owner),
                context={
                    "recipient": owner,
                    "follow_ups": items,
                    "list_url": absolute_url(reverse("aftersales:follow_ups")),
                },
                dedupe_key=f"follow-ups-overdue:{today.isoformat()}:user:{owner.pk}",
            ):
                sent += 1
            FollowUp.objects.filter(pk__in=[i.pk for i in items]).update(reminded_on=today)
    return sent


# --- the satisfaction survey ---------------------------------------------------------


def survey_issue(*, order: Order) -> str:
    """A fresh single-use link for the order's survey; returns its URL. Only
    the token's hash is stored. Issuing again replaces an unanswered link."""
    token = secrets.token_urlsafe(24)
    expires = timezone.now() + datetime.timedelta(days=settings.AFTERSALES_SURVEY_VALID_DAYS)
    survey, created = Survey.objects.get_or_create(
        order=order, defaults={"token_hash": Survey.hash_token(token), "expires_at": expires}
    )
    if not created:
        if survey.answered_at:
            return ""
        survey.token_hash, survey.expires_at = Survey.hash_token(token), expires
        survey.save(update_fields=["token_hash", "expires_at"])
    return absolute_url(reverse("aftersales:survey", args=[token]))


def survey_for_token(token: str) -> Survey:
    """The survey a link opens, or ``SurveyLinkInvalid`` saying why not."""
    survey = selectors.survey_by_token(token)
    _check_survey(survey)
    return survey


def _check_survey(survey: Survey | None) -> None:
    if survey is None:
        raise SurveyLinkInvalid(_("This survey link is not valid. Please check the address."))
    if survey.answered_at:
        raise SurveyLinkInvalid(_("This survey was already answered. Thank you!"))
    if survey.expires_at <= timezone.now():
        raise SurveyLinkInvalid(_("This survey link has expired. Please contact your salesperson."))
    if survey.order.status == OrderStatus.ARCHIVED:
        raise SurveyLinkInvalid(_("This order is archived; the survey is closed."))


@transaction.atomic
def survey_answer(*, token: str, rating, comment: str = "") -> Survey:
    """The customer's answer, once. A second use of the link, an expired link
    or a bad rating changes nothing."""
    survey = Survey.objects.select_for_update().filter(token_hash=Survey.hash_token(token)).first()
    if survey is not None:
        survey = Survey.objects.select_related("order").get(pk=survey.pk)
    _check_survey(survey)
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise AfterSalesInvalid(
            _("Choose a rating from 1 to 5."), fields={"rating": [_("Choose from 1 to 5.")]}
        )
    comment = (comment or "").strip()[:4000]
    survey.rating, survey.comment, survey.answered_at = rating, comment, timezone.now()
    survey.save(update_fields=["rating", "comment", "answered_at"])
    write_event(
        order=survey.order,
        kind=OrderEvent.Kind.SURVEY,
        actor=None,
        note=comment,
        data={"rating": rating},
    )
    return survey
