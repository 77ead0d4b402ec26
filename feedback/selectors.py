"""Improvement reads: suggestions for their list and page, the quarterly
leaderboard, meetings and action items, and stage feedback (with the
summary the dashboard shows next to its figures)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from orders_site.forms import person_name

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

#: The order in which a manager's moves are offered on the page.
MOVE_ORDER = ("review", "accept", "implement", "reject")
SORTS = ("newest", "votes")


def staff_members() -> QuerySet:
    """Active people who take part in improvement (every staff role has
    ``feedback.view_suggestion``; integration clients do not): who can attend
    a meeting or own an action."""
    User = get_user_model()
    perm = Permission.objects.filter(codename="view_suggestion", content_type__app_label="feedback")
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True) | Q(groups__permissions__in=perm) | Q(user_permissions__in=perm)
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


# --- suggestions ---------------------------------------------------------------------


def _count(model, field: str = "suggestion") -> Subquery:
    rows = (
        model.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def suggestions_annotated(*, user) -> QuerySet[Suggestion]:
    """Suggestions with their vote and comment counts and whether ``user``
    voted, each a subquery (two ``Count`` joins would multiply each other)."""
    return Suggestion.objects.select_related("author").annotate(
        vote_count=_count(SuggestionVote),
        comment_count=_count(SuggestionComment),
        voted=Exists(SuggestionVote.objects.filter(suggestion=OuterRef("pk"), voter_id=user.pk)),
    )


def suggestion_list(*, user, filters: dict[str, Any] | None = None) -> QuerySet[Suggestion]:
    """The list page: ``status``, ``stage``, ``mine`` filter; ``sort`` is
    ``newest`` (the default) or ``votes`` (most backed first)."""
    filters = filters or {}
    qs = suggestions_annotated(user=user)
    if status := filters.get("status"):
        qs = qs.filter(status=status)
    if stage := filters.get("stage"):
        qs = qs.filter(stage=stage)
    if filters.get("mine"):
        qs = qs.filter(author_id=user.pk)
    if filters.get("sort") == "votes":
        return qs.order_by("-vote_count", "-created_at", "-pk")
    return qs.order_by("-created_at", "-pk")


def suggestion_detail(*, pk: int, user) -> Suggestion:
    """One suggestion with its counts, the manager who decided and the points
    it paid; raises ``Suggestion.DoesNotExist``."""
    return (
        suggestions_annotated(user=user)
        .select_related("decided_by")
        .prefetch_related(
            Prefetch("awards", queryset=PointAward.objects.order_by("awarded_at")),
            Prefetch(
                "decisions",
                queryset=SuggestionDecision.objects.select_related("decided_by").order_by(
                    "decided_at", "pk"
                ),
            ),
        )
        .get(pk=pk)
    )


def suggestion_comments(*, suggestion: Suggestion) -> QuerySet[SuggestionComment]:
    return suggestion.comments.select_related("author").order_by("created_at", "pk")


def suggestion_voters(*, suggestion: Suggestion) -> QuerySet:
    User = get_user_model()
    return User.objects.filter(pk__in=suggestion.votes.values("voter_id")).order_by("username")


def suggestion_moves(*, suggestion: Suggestion, user) -> list[str]:
    """The moves ``user`` may make on the suggestion now: none unless they
    decide suggestions, none on their own; otherwise what the state machine
    allows from here (``suggestion_decide`` checks all of it again)."""
    if not user.has_perm("feedback.decide_suggestion") or suggestion.author_id == user.pk:
        return []
    names = {t.name for t in suggestion.get_available_status_transitions()}
    return [name for name in MOVE_ORDER if name in names]


def suggestion_decidable(*, suggestion: Suggestion) -> bool:
    """Whether the state machine allows any move from here (a manager can
    still decide on it)."""
    return any(True for _move in suggestion.get_available_status_transitions())


def suggestion_choices() -> QuerySet[Suggestion]:
    """What an action item may be linked to: suggestions not rejected, the
    newest first."""
    return Suggestion.objects.exclude(status=SS.REJECTED).order_by("-created_at", "-pk")


# --- the leaderboard --------------------------------------------------------------------

_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*Q([1-4])\s*$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter in the company's time zone (Asia/Shanghai): an
    award made at 00:30 on 1 October in Shanghai counts in Q4."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str | None) -> Quarter | None:
        match = _QUARTER.match(text or "")
        if not match or not 1900 <= int(match.group(1)) <= 9998:
            return None
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: datetime.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def current(cls) -> Quarter:
        return cls.of(timezone.localdate(timezone=timezone.get_default_timezone()))

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> datetime.date:
        return self.next.first_day - datetime.timedelta(days=1)

    @property
    def start(self) -> datetime.datetime:
        first = self.first_day
        naive = datetime.datetime(first.year, first.month, first.day)
        return timezone.make_aware(naive, timezone.get_default_timezone())

    @property
    def end(self) -> datetime.datetime:
        """The start of the next quarter (exclusive)."""
        return self.next.start

    @property
    def previous(self) -> Quarter:
        if self.number == 1:
            return Quarter(self.year - 1, 4)
        return Quarter(self.year, self.number - 1)

    @property
    def next(self) -> Quarter:
        if self.number == 4:
            return Quarter(self.year + 1, 1)
        return Quarter(self.year, self.number + 1)


@dataclass(frozen=True)
class LeaderboardRow:
    rank: int
    user_id: int
    name: str
    username: str
    points: int
    accepted: int
    implemented: int


def leaderboard(*, quarter: Quarter) -> list[LeaderboardRow]:
    """Process 6.2: the points each person was awarded in ``quarter``, most
    first, with how many of their suggestions were accepted and implemented
    in it. One aggregate query over ``PointAward``; equal points share a rank
    (1, 2, 2, 4)."""
    rows = (
        PointAward.objects.filter(awarded_at__gte=quarter.start, awarded_at__lt=quarter.end)
        .values(
            "recipient_id",
            "recipient__username",
            "recipient__first_name",
            "recipient__last_name",
        )
        .annotate(
            points=Sum("points"),
            accepted=Count("pk", filter=Q(reason=SS.ACCEPTED)),
            implemented=Count("pk", filter=Q(reason=SS.IMPLEMENTED)),
        )
        .order_by("-points", "-implemented", "recipient__username")
    )
    User = get_user_model()
    board: list[LeaderboardRow] = []
    for position, row in enumerate(rows, start=1):
        rank = board[-1].rank if board and board[-1].points == row["points"] else position
        name = person_name(
            User(
                username=row["recipient__username"],
                first_name=row["recipient__first_name"],
                last_name=row["recipient__last_name"],
            )
        )
        board.append(
            LeaderboardRow(
                rank=rank,
                user_id=row["recipient_id"],
                name=name,
                username=row["recipient__username"],
                points=row["points"],
                accepted=row["accepted"],
                implemented=row["implemented"],
            )
        )
    return board


# --- meetings and action items ---------------------------------------------------------

OPEN_ACTION = ~Q(status=ActionItem.Status.DONE)


def meeting_list() -> QuerySet[Meeting]:
    """Meetings, the latest first, with their attendee and action counts."""
    return Meeting.objects.annotate(
        attendee_count=Count("attendees", distinct=True),
        action_count=Count("actions", distinct=True),
        open_action_count=Count(
            "actions", filter=~Q(actions__status=ActionItem.Status.DONE), distinct=True
        ),
    ).order_by("-held_on", "-pk")


def meeting_detail(*, pk: int) -> Meeting:
    """One meeting with its attendees and actions; raises ``Meeting.DoesNotExist``."""
    return (
        Meeting.objects.select_related("created_by")
        .prefetch_related(
            Prefetch(
                "attendees",
                queryset=get_user_model().objects.order_by("last_name", "first_name", "username"),
            ),
            Prefetch(
                "actions",
                queryset=ActionItem.objects.select_related("owner", "suggestion").order_by(
                    "due_on", "pk"
                ),
            ),
        )
        .get(pk=pk)
    )


def actions_open_for(*, user) -> QuerySet[ActionItem]:
    """The user's open actions, the earliest due first (so the overdue ones
    lead)."""
    return (
        ActionItem.objects.filter(OPEN_ACTION, owner_id=user.pk)
        .select_related("meeting", "suggestion")
        .order_by("due_on", "pk")
    )


def actions_overdue(*, today: datetime.date | None = None) -> QuerySet[ActionItem]:
    """Everyone's open actions past their due date, the most overdue first
    (for managers)."""
    today = today or timezone.localdate()
    return (
        ActionItem.objects.filter(OPEN_ACTION, due_on__lt=today)
        .select_related("meeting", "suggestion", "owner")
        .order_by("due_on", "pk")
    )


def may_change_action(*, item: ActionItem, user) -> bool:
    """The action's owner moves it on, and so may a manager."""
    return item.owner_id == user.pk or user.has_perm("feedback.change_actionitem")


def action_steps(*, item: ActionItem) -> dict[str, str]:
    """The statuses ``item`` can move to now, each with the ``@transition``
    that takes it there, as the state machine says."""
    return {t.target: t.name for t in item.get_available_status_transitions()}


def action_step_to(*, item: ActionItem, status: str) -> str | None:
    """The transition that takes ``item`` to ``status`` now, if any."""
    return action_steps(item=item).get(status)


def action_status_choices(*, item: ActionItem) -> list[tuple[str, str]]:
    """The status menu of ``item``: its status and the ones the state machine
    allows from it, in the usual order."""
    reachable = action_steps(item=item)
    return [
        (value, label)
        for value, label in ActionItem.Status.choices
        if value == item.status or value in reachable
    ]


# --- stage feedback (process 4.1) --------------------------------------------------------


def stage_feedback_recent(*, user, stage: str = "") -> QuerySet[StageFeedback]:
    """Recent feedback for the feedback page: everyone's for those who may
    read it (``feedback.view_stagefeedback``: managers), otherwise the user's
    own, so a candid comment on a colleague's stage reaches management and
    not the whole company."""
    qs = StageFeedback.objects.select_related("author").order_by("-created_at", "-pk")
    if not user.has_perm("feedback.view_stagefeedback"):
        qs = qs.filter(author_id=user.pk)
    if stage:
        qs = qs.filter(stage=stage)
    return qs


def stage_feedback_summary(
    *,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
    latest: int = 3,
) -> dict[str, dict[str, Any]]:
    """Per process stage (every ``ProcessStage`` value, in its order):
    ``{"avg_rating": float | None, "count": int, "latest": [StageFeedback,
    ... up to 3, newest first, with ``author`` loaded]}``, optionally for
    feedback given in ``[since, until)``. Two queries whatever the number of
    stages: one aggregate, one window for the latest of each stage."""
    qs = StageFeedback.objects.all()
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    summary: dict[str, dict[str, Any]] = {
        stage: {"avg_rating": None, "count": 0, "latest": []} for stage in ProcessStage.values
    }
    for row in qs.order_by().values("stage").annotate(avg=Avg("rating"), n=Count("pk")):
        if row["stage"] in summary:
            summary[row["stage"]]["avg_rating"] = round(float(row["avg"]), 2)
            summary[row["stage"]]["count"] = row["n"]
    newest = (
        qs.select_related("author")
        .annotate(
            position=Window(
                RowNumber(),
                partition_by=[F("stage")],
                order_by=[F("created_at").desc(), F("pk").desc()],
            )
        )
        .filter(position__lte=latest)
        .order_by("stage", "position")
    )
    for item in newest:
        if item.stage in summary:
            summary[item.stage]["latest"].append(item)
    return summary
