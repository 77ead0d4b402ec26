"""The improvement records in the admin, for managers to look up: suggestions
with their votes, comments and awards, point awards, meetings with their
action items, stage feedback. They are written through ``feedback.services``
(the improvement pages), so the admin shows them and never edits them; a
suggestion's decisions are admin actions that call the same service, one
suggestion at a time, each with its own message."""

from django.contrib import admin, messages
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders_site.admin_mixins import ReadOnlyAdminMixin
from orders_site.errors import DomainError

from . import services
from .models import (
    ActionItem,
    Meeting,
    PointAward,
    StageFeedback,
    Suggestion,
    SuggestionComment,
    SuggestionVote,
)


class ReadOnlyInline(admin.TabularInline):
    """Rows shown under their record, never edited there. (Inlines take
    ``obj`` in ``has_add_permission``, which ``ReadOnlyAdminMixin`` does not.)"""

    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SuggestionPartInline(ReadOnlyInline):
    """Comments and votes are public on the suggestion's page, so whoever may
    see the suggestion sees them here (the roles grant no separate view
    permission for them)."""

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("feedback.view_suggestion")


class CommentInline(SuggestionPartInline):
    model = SuggestionComment
    fields = ["created_at", "author", "text"]
    readonly_fields = fields


class VoteInline(SuggestionPartInline):
    model = SuggestionVote
    fields = ["voter", "created_at"]
    readonly_fields = fields


class AwardInline(ReadOnlyInline):
    model = PointAward
    fields = ["reason", "points", "recipient", "awarded_at"]
    readonly_fields = fields


@admin.register(Suggestion)
class SuggestionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "stage", "author", "status", "votes", "decided_by", "created_at"]
    list_filter = ["status", "stage"]
    search_fields = ["title", "problem", "proposal", "author__username", "author__last_name"]
    list_select_related = ["author", "decided_by"]
    date_hierarchy = "created_at"
    inlines = [AwardInline, VoteInline, CommentInline]
    actions = ["review", "accept", "implement"]

    def view_on_site(self, obj):
        return reverse("feedback:suggestion_detail", args=[obj.pk])

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(vote_count=Count("votes"))

    @admin.display(description=_("votes"), ordering="vote_count")
    def votes(self, obj) -> int:
        return obj.vote_count

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm("feedback.decide_suggestion")

    def _decide(self, request, queryset, move: str):
        # Rejecting needs a reason, written on the suggestion's page.
        for suggestion in queryset.order_by("pk"):
            try:
                services.suggestion_decide(suggestion=suggestion, user=request.user, move=move)
            except DomainError as exc:
                self.message_user(request, f"{suggestion}: {exc.message}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"{suggestion}: {suggestion.get_status_display()}",
                    messages.SUCCESS,
                )

    @admin.action(description=_("Take selected suggestions under review"), permissions=["decide"])
    def review(self, request, queryset):
        self._decide(request, queryset, "review")

    @admin.action(
        description=_("Accept selected suggestions (awards points)"), permissions=["decide"]
    )
    def accept(self, request, queryset):
        self._decide(request, queryset, "accept")

    @admin.action(
        description=_("Mark selected suggestions implemented (awards points)"),
        permissions=["decide"],
    )
    def implement(self, request, queryset):
        self._decide(request, queryset, "implement")


@admin.register(PointAward)
class PointAwardAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["awarded_at", "recipient", "points", "reason", "suggestion"]
    list_filter = ["reason"]
    search_fields = ["recipient__username", "recipient__last_name", "suggestion__title"]
    list_select_related = ["recipient", "suggestion"]
    date_hierarchy = "awarded_at"


class ActionInline(ReadOnlyInline):
    model = ActionItem
    fields = ["title", "owner", "due_on", "status", "suggestion", "stage", "done_at"]
    readonly_fields = fields


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["held_on", "title", "created_by", "attendee_count"]
    search_fields = ["title", "minutes"]
    list_select_related = ["created_by"]
    date_hierarchy = "held_on"
    inlines = [ActionInline]

    def view_on_site(self, obj):
        return reverse("feedback:meeting_detail", args=[obj.pk])

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_attendees=Count("attendees"))

    @admin.display(description=_("attendees"), ordering="n_attendees")
    def attendee_count(self, obj) -> int:
        return obj.n_attendees


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(status=ActionItem.Status.DONE).filter(
                due_on__lt=timezone.localdate()
            )
        return queryset


@admin.register(ActionItem)
class ActionItemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "owner", "due_on", "status", "meeting", "suggestion", "stage"]
    list_filter = [OverdueFilter, "status", "stage"]
    search_fields = ["title", "owner__username", "owner__last_name", "meeting__title"]
    list_select_related = ["owner", "meeting", "suggestion"]
    date_hierarchy = "due_on"


@admin.register(StageFeedback)
class StageFeedbackAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "stage", "rating", "author", "comment"]
    list_filter = ["stage", "rating"]
    search_fields = ["comment", "author__username", "author__last_name"]
    list_select_related = ["author"]
    date_hierarchy = "created_at"
