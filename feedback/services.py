"""Every improvement write (process 4.1, 6.1, 6.2): suggestions with their
votes, comments and decisions, the reward points a decision pays, improvement
meetings with their action items, and feedback on a stage of the process.

The improvement loop is people's work: every service needs a person with
the right permission (the system may not propose, vote or decide). Views,
the admin and any API call these; none of them writes the models directly.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from notifications import services as notify
from orders_site.actors import is_system
from orders_site.forms import person_name
from orders_site.services import absolute_url, copy_fields, require_perm

from . import selectors
from .exceptions import ImprovementConflict, ImprovementForbidden, ImprovementInvalid
from .models import (
    ActionItem,
    Meeting,
    PointAward,
    ProcessStage,
    StageFeedback,
    Suggestion,
    SuggestionComment,
    SuggestionDecision,
    SuggestionStatus,
    SuggestionVote,
)

SS = SuggestionStatus

#: A manager's moves, named as the ``@transition`` methods on ``Suggestion``.
MOVES = ("review", "accept", "implement", "reject")
#: The moves that pay the author, with the award's reason and its setting.
AWARDS = {
    "accept": (SS.ACCEPTED, "FEEDBACK_POINTS_ACCEPTED"),
    "implement": (SS.IMPLEMENTED, "FEEDBACK_POINTS_IMPLEMENTED"),
}
#: The moves the author hears about by email (taking it up is not news yet).
NOTIFIED_MOVES = {"accept", "implement", "reject"}
#: Colleagues vote while a manager has still to decide; after that the count
#: is part of the record.
VOTING_OPEN = (SS.SUBMITTED, SS.UNDER_REVIEW)

TITLE_MAX = 200
TEXT_MAX = 4000


#: The role check every page relies on: the shared one, with ``SYSTEM``
#: refused (no job proposes, votes or decides; inside a request ``is_system``
#: fails loudly if a view forgot ``request.user``).
_require = partial(require_perm, error=ImprovementForbidden, allow_system=False)


def _text(value, *, field: str, errors: dict, limit: int = TEXT_MAX, required: bool = True):
    value = (value or "").strip()
    if required and not value:
        errors[field] = [_("This field is required.")]
    elif len(value) > limit:
        errors[field] = [_("At most %(limit)d characters.") % {"limit": limit}]
    return value


# --- suggestions (process 6.2) -----------------------------------------------------


@transaction.atomic
def suggestion_propose(*, user, title: str, stage: str, problem: str, proposal: str) -> Suggestion:
    """Process 6.2: any member of staff proposes an improvement to a stage of
    the process: what goes wrong and what to do about it."""
    _require(user, "feedback.add_suggestion", _("Your role may not propose suggestions."))
    errors: dict[str, list[str]] = {}
    title = _text(title, field="title", errors=errors, limit=TITLE_MAX)
    problem = _text(problem, field="problem", errors=errors)
    proposal = _text(proposal, field="proposal", errors=errors)
    if stage not in ProcessStage.values:
        errors["stage"] = [_("Choose the stage of the process it improves.")]
    if errors:
        raise ImprovementInvalid(_("The suggestion is not complete."), fields=errors)
    return Suggestion.objects.create(
        title=title, stage=stage, problem=problem, proposal=proposal, author=user
    )


@transaction.atomic
def suggestion_vote(*, suggestion: Suggestion, user, voted: bool = True) -> bool:
    """Process 6.2: a colleague backs a suggestion (``voted=True``) or takes
    the vote back. It sets the state asked for rather than flipping it, so a
    double click, or ten requests at once, leave one vote; a race is decided
    by the unique (suggestion, voter) constraint, not by a read before the
    insert. Nobody votes for their own suggestion, and only while it waits
    for a decision. Returns whether the user now votes for it."""
    _require(user, "feedback.add_suggestionvote", _("Your role may not vote on suggestions."))
    current = Suggestion.objects.only("pk", "author_id", "status").get(pk=suggestion.pk)
    if current.author_id == user.pk:
        raise ImprovementForbidden(_("You cannot vote for your own suggestion."))
    if current.status not in VOTING_OPEN:
        raise ImprovementConflict(
            _("Voting is closed: this suggestion is already %(status)s.")
            % {"status": current.get_status_display().lower()}
        )
    if voted:
        # get_or_create inserts in a savepoint and, on the unique violation of
        # a concurrent twin, reads the twin's row instead.
        SuggestionVote.objects.get_or_create(suggestion_id=current.pk, voter=user)
    else:
        SuggestionVote.objects.filter(suggestion_id=current.pk, voter=user).delete()
    return voted


@transaction.atomic
def suggestion_comment_add(*, suggestion: Suggestion, user, text: str) -> SuggestionComment:
    """Process 6.2: colleagues discuss a suggestion, whatever its state."""
    _require(user, "feedback.add_suggestioncomment", _("Your role may not comment on suggestions."))
    errors: dict[str, list[str]] = {}
    text = _text(text, field="text", errors=errors)
    if errors:
        raise ImprovementInvalid(_("Write your comment first."), fields=errors)
    return SuggestionComment.objects.create(suggestion_id=suggestion.pk, author=user, text=text)


@transaction.atomic
def suggestion_decide(*, suggestion: Suggestion, user, move: str, note: str = "") -> Suggestion:
    """Process 6.2: a manager moves a suggestion on: under review, accepted,
    implemented, or rejected (from submitted or under review).

    Only a user with ``feedback.decide_suggestion`` decides, and never on
    their own suggestion (another manager must, so nobody awards themselves
    points). The state machine says which moves exist now; rejecting needs a
    note saying why, the other moves may carry one. Accepting pays the author
    ``FEEDBACK_POINTS_ACCEPTED``, implementing ``FEEDBACK_POINTS_IMPLEMENTED``,
    once each: the row lock on the suggestion makes a second submit wait and
    then find the move made (a conflict, nothing changes), and the unique
    (suggestion, reason) on ``PointAward`` makes a second award impossible
    whatever path reaches here. The author is emailed, in their language,
    when the suggestion is accepted, implemented or rejected; the outbox row
    is written in this transaction and sent after the commit."""
    if move not in MOVES:
        raise ImprovementInvalid(
            _("Unknown decision."), fields={"move": [_("Not a valid choice.")]}
        )
    _require(user, "feedback.decide_suggestion", _("Only a manager may decide on suggestions."))
    locked = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    if locked.author_id == user.pk:
        raise ImprovementForbidden(
            _("You cannot decide on your own suggestion: another manager must.")
        )
    method = getattr(locked, move)
    if not can_proceed(method):
        raise ImprovementConflict(
            _("This suggestion is %(status)s now; reload the page to see what can be done.")
            % {"status": locked.get_status_display().lower()}
        )
    errors: dict[str, list[str]] = {}
    note = _text(note, field="note", errors=errors, required=move == "reject")
    if errors:
        raise ImprovementInvalid(
            _("Say why the suggestion is rejected.")
            if move == "reject" and not note
            else _("The note is too long."),
            fields=errors,
        )
    from_status = locked.status
    method()
    if note:
        # Without a new note the last one given stays: it is still the reason.
        locked.manager_note = note
    locked.decided_by, locked.decided_at = user, timezone.now()
    locked.save()
    # Every move with its own note: the page lists them all (issue 12).
    SuggestionDecision.objects.create(
        suggestion=locked,
        from_status=from_status,
        to_status=locked.status,
        note=note,
        decided_by=user,
    )
    award = None
    if move in AWARDS:
        reason, setting = AWARDS[move]
        award, _created = PointAward.objects.get_or_create(
            suggestion=locked,
            reason=reason,
            defaults={"recipient_id": locked.author_id, "points": getattr(settings, setting)},
        )
    if move in NOTIFIED_MOVES:
        _tell_author(locked, decided_by=user, note=note, award=award)
    copy_fields(locked, suggestion)
    return locked


def _tell_author(suggestion: Suggestion, *, decided_by, note: str, award: PointAward | None):
    author = suggestion.author
    notify.email_enqueue(
        event="feedback.suggestion_decided",
        to=author.email,
        template="suggestion_decided",
        language=notify.language_of(author),
        context={
            "recipient": author,
            "suggestion": suggestion,
            "status": suggestion.status,
            "note": note,
            "points": award.points if award else 0,
            "decided_by": person_name(decided_by),
            "url": absolute_url(reverse("feedback:suggestion_detail", args=[suggestion.pk])),
        },
        dedupe_key=f"suggestion-decided:{suggestion.pk}:{suggestion.status}",
    )


# --- improvement meetings (process 6.1) ----------------------------------------------


def _meeting_fields(
    *, title: str, held_on, attendees: list, minutes: str
) -> tuple[str, str, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    title = _text(title, field="title", errors=errors, limit=TITLE_MAX)
    minutes = _text(minutes, field="minutes", errors=errors, required=False, limit=20000)
    if not isinstance(held_on, datetime.date):
        errors["held_on"] = [_("Enter the date of the meeting.")]
    if not attendees:
        errors["attendees"] = [_("Choose who attended.")]
    else:
        staff = selectors.staff_members().filter(pk__in=[a.pk for a in attendees]).count()
        if staff != len({a.pk for a in attendees}):
            errors["attendees"] = [_("Attendees must be active members of staff.")]
    return title, minutes, errors


@transaction.atomic
def meeting_create(
    *, user, title: str, held_on: datetime.date, attendees: Iterable, minutes: str = ""
) -> Meeting:
    """Process 6.1: record an improvement meeting, who attended and the minutes."""
    _require(user, "feedback.add_meeting", _("Only a manager may record meetings."))
    attendees = list(attendees)
    title, minutes, errors = _meeting_fields(
        title=title, held_on=held_on, attendees=attendees, minutes=minutes
    )
    if errors:
        raise ImprovementInvalid(_("The meeting is not complete."), fields=errors)
    meeting = Meeting.objects.create(title=title, held_on=held_on, minutes=minutes, created_by=user)
    meeting.attendees.set(attendees)
    return meeting


@transaction.atomic
def meeting_update(
    *, meeting: Meeting, user, title: str, held_on: datetime.date, attendees: Iterable, minutes=""
) -> Meeting:
    """The minutes are often written up after the meeting: change them, the
    title, date or attendees."""
    _require(user, "feedback.change_meeting", _("Only a manager may change meetings."))
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    attendees = list(attendees)
    title, minutes, errors = _meeting_fields(
        title=title, held_on=held_on, attendees=attendees, minutes=minutes
    )
    if errors:
        raise ImprovementInvalid(_("The meeting is not complete."), fields=errors)
    locked.title, locked.held_on, locked.minutes = title, held_on, minutes
    locked.save(update_fields=["title", "held_on", "minutes"])
    locked.attendees.set(attendees)
    return locked


@transaction.atomic
def action_item_add(
    *,
    meeting: Meeting,
    user,
    title: str,
    owner,
    due_on: datetime.date,
    suggestion: Suggestion | None = None,
    stage: str = "",
) -> ActionItem:
    """Process 6.1: what the meeting decided to do, who does it and by when,
    linked to the suggestion or the stage it concerns (a suggestion's stage
    is taken when none is named)."""
    _require(user, "feedback.add_actionitem", _("Only a manager may add action items."))
    errors: dict[str, list[str]] = {}
    title = _text(title, field="title", errors=errors, limit=TITLE_MAX)
    if owner is None or not selectors.staff_members().filter(pk=owner.pk).exists():
        errors["owner"] = [_("Choose an active member of staff.")]
    if not isinstance(due_on, datetime.date):
        errors["due_on"] = [_("Enter the due date.")]
    elif due_on < meeting.held_on:
        errors["due_on"] = [_("The due date cannot be before the meeting.")]
    stage = stage or ""
    if stage and stage not in ProcessStage.values:
        errors["stage"] = [_("Not a valid choice.")]
    if errors:
        raise ImprovementInvalid(_("The action is not complete."), fields=errors)
    if suggestion is not None and not stage:
        stage = suggestion.stage
    return ActionItem.objects.create(
        meeting=meeting, title=title, owner=owner, due_on=due_on, suggestion=suggestion, stage=stage
    )


@transaction.atomic
def action_item_set_status(*, item: ActionItem, user, status: str) -> ActionItem:
    """Process 6.1: the owner reports progress (open, in progress, done); a
    manager may too. The state machine names the step that leads to
    ``status`` (``start``, ``finish``, ``reopen``); asking for the status it
    has already changes nothing. ``done_at`` records when it was done, and
    clears when it is reopened."""
    if status not in ActionItem.Status.values:
        raise ImprovementInvalid(
            _("Choose a status."), fields={"status": [_("Not a valid choice.")]}
        )
    locked = ActionItem.objects.select_for_update().get(pk=item.pk)
    if is_system(user) or not selectors.may_change_action(item=locked, user=user):
        raise ImprovementForbidden(_("Only the action's owner or a manager may change it."))
    if status != locked.status:
        step = selectors.action_step_to(item=locked, status=status)
        if step is None:
            raise ImprovementInvalid(
                _("Choose a status."), fields={"status": [_("Not a valid choice.")]}
            )
        getattr(locked, step)()
        locked.done_at = timezone.now() if locked.status == ActionItem.Status.DONE else None
        locked.save(update_fields=["status", "done_at"])
    copy_fields(locked, item)
    return locked


# --- feedback on a stage (process 4.1) ---------------------------------------------------


@transaction.atomic
def stage_feedback_submit(*, user, stage: str, rating, comment: str = "") -> StageFeedback:
    """Process 4.1: anyone rates a stage of the process from 1 to 5, with a
    comment, at any time; the dashboard shows them next to the figures."""
    _require(user, "feedback.add_stagefeedback", _("Your role may not give stage feedback."))
    errors: dict[str, list[str]] = {}
    if stage not in ProcessStage.values:
        errors["stage"] = [_("Choose the stage of the process.")]
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        errors["rating"] = [_("Rate from 1 to 5.")]
    comment = _text(comment, field="comment", errors=errors, required=False)
    if errors:
        raise ImprovementInvalid(_("The feedback is not complete."), fields=errors)
    return StageFeedback.objects.create(stage=stage, rating=rating, comment=comment, author=user)
