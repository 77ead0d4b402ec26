"""The archive (documentation 5): the archived orders' records, read-only."""

from __future__ import annotations

from django.contrib import admin

from orders_site.admin_mixins import ReadOnlyAdminMixin

from ..models import ArchiveRecord, ArchiveReview
from .inlines import ReadOnlyInline


class ArchiveReviewInline(ReadOnlyInline):
    model = ArchiveReview
    fields = ["reviewed_at", "reviewer", "note"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reviewer")


@admin.register(ArchiveRecord)
class ArchiveRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: ``order_archive`` writes the records and the review page
    (``/archive/reviews/``) their reviews."""

    list_display = [
        "order",
        "final_status",
        "archived_at",
        "archived_by",
        "next_review_on",
        "last_reviewed_at",
    ]
    list_filter = ["final_status", ("next_review_on", admin.DateFieldListFilter)]
    search_fields = ["order__number", "order__customer__name", "order__customer__company"]
    list_select_related = ["order", "archived_by"]
    date_hierarchy = "archived_at"
    inlines = [ArchiveReviewInline]
