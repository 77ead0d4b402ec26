"""Process analytics and continuous improvement (process documents 4 and 6).

``OrderFact`` is the analytics read model: one row per order, its stage
timestamps and counts derived in the database from the audit events
(``feedback.analytics.facts_refresh``), never from the order's current
status. The rest is the improvement loop: stage targets, staff feedback on a
stage, suggestions with votes, comments and reward points, and improvement
meetings with their action items."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from .rollup_models import FactRollup, LeadTimeRollup  # noqa: F401 (the rollup's models)


class Stage(models.TextChoices):
    """The stages whose lead time is measured (process 1–4), and end to end."""

    INTAKE = "intake", _("Intake (recorded → submitted)")
    REVIEW = "review", _("Review (submitted → approved)")
    FULFILMENT = "fulfilment", _("Warehouse (approved → packed)")
    HANDOVER = "handover", _("Hand-over (packed → shipped)")
    TRANSIT = "transit", _("Transit (shipped → delivered)")
    END_TO_END = "end_to_end", _("End to end (recorded → delivered)")


class ProcessStage(models.TextChoices):
    """Where in the process a suggestion, a comment or an action belongs."""

    INTAKE = "intake", _("Order intake")
    REVIEW = "review", _("Review and approval")
    FULFILMENT = "fulfilment", _("Picking, QC and packing")
    HANDOVER = "handover", _("Shipping")
    TRANSIT = "transit", _("Delivery")
    AFTER_SALES = "after_sales", _("After-sales")
    ARCHIVE = "archive", _("Records and archive")
    OTHER = "other", _("Other")


RATING = [MinValueValidator(1), MaxValueValidator(5)]


class OrderFact(models.Model):
    """One order as the analytics see it (refreshed from ``OrderEvent``)."""

    order = models.OneToOneField(
        "orders.Order",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="fact",
        verbose_name=_("order"),
    )
    created_at = models.DateTimeField(_("recorded at"), db_index=True)
    submitted_at = models.DateTimeField(_("first submitted at"), null=True)
    approved_at = models.DateTimeField(_("approved at"), null=True)
    packed_at = models.DateTimeField(_("packed at"), null=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True)
    adjustments = models.PositiveIntegerField(_("sent back for adjustment"), default=0)
    qc_failures = models.PositiveIntegerField(_("QC failures"), default=0)
    short_picks = models.PositiveIntegerField(_("short picks"), default=0)
    cases = models.PositiveIntegerField(_("after-sales cases"), default=0)
    satisfaction = models.PositiveSmallIntegerField(_("survey rating"), null=True)
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("salesperson"),
    )
    channel = models.CharField(_("channel"), max_length=20)
    carrier = models.CharField(_("carrier"), max_length=20, blank=True)
    requested_delivery_date = models.DateField(_("requested delivery date"))
    #: The distinct product ids on the order's lines, ascending: what the
    #: rollup counted it under, so a refresh can take that out again.
    products = models.JSONField(_("products"), default=list)
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("order fact")
        verbose_name_plural = _("order facts")
        indexes = [
            models.Index(fields=["salesperson", "created_at"], name="fact_sales_idx"),
            models.Index(fields=["channel", "created_at"], name="fact_channel_idx"),
            models.Index(fields=["carrier", "created_at"], name="fact_carrier_idx"),
        ]

    def __str__(self) -> str:
        return str(self.order_id)


class StageTarget(models.Model):
    """How long a stage should take; orders in it for longer are stuck."""

    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, unique=True)
    target_hours = models.DecimalField(
        _("target (hours)"), max_digits=8, decimal_places=1, validators=[MinValueValidator(0)]
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["stage"]
        verbose_name = _("stage target")
        verbose_name_plural = _("stage targets")

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.target_hours} h"


class StageFeedback(models.Model):
    """Process 4.1: anyone rates and comments on a stage, any time."""

    stage = models.CharField(_("stage"), max_length=20, choices=ProcessStage.choices)
    rating = models.PositiveSmallIntegerField(_("rating (1–5)"), validators=RATING)
    comment = models.TextField(_("comment"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="stage_feedback",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("stage feedback")
        verbose_name_plural = _("stage feedback")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="stage_feedback_rating_1_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.rating}"


class SuggestionStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    ACCEPTED = "accepted", _("Accepted")
    IMPLEMENTED = "implemented", _("Implemented")
    REJECTED = "rejected", _("Rejected")


SS = SuggestionStatus


class Suggestion(models.Model):
    """Process 6.2: a member of staff proposes an improvement; a manager
    moves it on. Accepted and implemented ones earn their author points."""

    title = models.CharField(_("title"), max_length=200)
    stage = models.CharField(_("process stage"), max_length=20, choices=ProcessStage.choices)
    problem = models.TextField(_("problem"))
    proposal = models.TextField(_("proposal"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="suggestions",
        verbose_name=_("author"),
    )
    status = FSMField(
        _("status"), default=SS.SUBMITTED, choices=SuggestionStatus.choices, protected=True
    )
    manager_note = models.TextField(_("manager's note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        permissions = [("decide_suggestion", _("Can review, accept, reject and close suggestions"))]

    def __str__(self) -> str:
        return self.title

    @transition(field=status, source=SS.SUBMITTED, target=SS.UNDER_REVIEW)
    def review(self):
        """A manager takes it up."""

    @transition(field=status, source=SS.UNDER_REVIEW, target=SS.ACCEPTED)
    def accept(self):
        """Worth doing: points for the author."""

    @transition(field=status, source=SS.ACCEPTED, target=SS.IMPLEMENTED)
    def implement(self):
        """Done: more points for the author."""

    @transition(field=status, source=[SS.SUBMITTED, SS.UNDER_REVIEW], target=SS.REJECTED)
    def reject(self):
        """Not now, with the reason in the note."""


class SuggestionDecision(models.Model):
    """Each move a manager made on a suggestion, with the note given then:
    the page shows them all, so an earlier reason is never overwritten by a
    later one (``Suggestion.manager_note`` is the latest)."""

    suggestion = models.ForeignKey(
        Suggestion, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("suggestion")
    )
    from_status = models.CharField(_("from"), max_length=20, choices=SuggestionStatus.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=SuggestionStatus.choices)
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        ordering = ["decided_at", "pk"]
        verbose_name = _("suggestion decision")
        verbose_name_plural = _("suggestion decisions")

    def __str__(self) -> str:
        return f"{self.suggestion_id}: {self.from_status} -> {self.to_status}"


class SuggestionVote(models.Model):
    suggestion = models.ForeignKey(
        Suggestion, on_delete=models.CASCADE, related_name="votes", verbose_name=_("suggestion")
    )
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("voter"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "voter"], name="one_vote_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.voter_id} → {self.suggestion_id}"


class SuggestionComment(models.Model):
    suggestion = models.ForeignKey(
        Suggestion, on_delete=models.CASCADE, related_name="comments", verbose_name=_("suggestion")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return self.text[:50]


class PointAward(models.Model):
    """Reward points (process 6.2): one row per award, so the leaderboard of
    a quarter is a sum over the rows awarded in it."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="point_awards",
        verbose_name=_("recipient"),
    )
    suggestion = models.ForeignKey(
        Suggestion, on_delete=models.PROTECT, related_name="awards", verbose_name=_("suggestion")
    )
    reason = models.CharField(_("reason"), max_length=20, choices=SuggestionStatus.choices)
    points = models.PositiveIntegerField(_("points"))
    awarded_at = models.DateTimeField(_("awarded at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-awarded_at", "-pk"]
        verbose_name = _("point award")
        verbose_name_plural = _("point awards")
        constraints = [
            # Accepting or implementing pays once, however often it is clicked.
            models.UniqueConstraint(fields=["suggestion", "reason"], name="award_once_per_step")
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.points}"


class Meeting(models.Model):
    """Process 6.1: an improvement meeting, its attendees and minutes."""

    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="meetings", verbose_name=_("attendees")
    )
    minutes = models.TextField(_("minutes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("improvement meeting")
        verbose_name_plural = _("improvement meetings")

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.title}"


class ActionItemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


AS = ActionItemStatus


class ActionItem(ConcurrentTransitionMixin, models.Model):
    """Process 6.1: what a meeting decided to do, who does it and by when.
    Its owner (or a manager) moves it between open, in progress and done,
    in any direction: work starts, finishes, or turns out not to be over."""

    Status = ActionItemStatus

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="actions", verbose_name=_("meeting")
    )
    title = models.CharField(_("action"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="action_items",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due on"), db_index=True)
    status = FSMField(
        _("status"), max_length=20, choices=AS.choices, default=AS.OPEN, protected=True
    )
    suggestion = models.ForeignKey(
        Suggestion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("suggestion"),
    )
    stage = models.CharField(
        _("process stage"), max_length=20, choices=ProcessStage.choices, blank=True
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status != AS.DONE

    # --- the action's state machine; only feedback.services calls these ---

    @transition(field=status, source=[AS.OPEN, AS.DONE], target=AS.IN_PROGRESS)
    def start(self):
        """The owner is on it (or it was not done after all)."""

    @transition(field=status, source=[AS.OPEN, AS.IN_PROGRESS], target=AS.DONE)
    def finish(self):
        """Done: the service records when."""

    @transition(field=status, source=[AS.IN_PROGRESS, AS.DONE], target=AS.OPEN)
    def reopen(self):
        """Back to waiting for someone to start it."""
