"""After-sales records in the admin, for managers to look up and audit.
They are written by ``aftersales.services`` (the after-sales screens and the
API), so the admin shows them and never changes them."""

from django.contrib import admin

from orders_site.admin_mixins import ReadOnlyAdminMixin

from .models import Case, CaseEntry, FollowUp, Return, ReturnLine, Survey


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["order", "owner", "offset_days", "due_on", "status", "satisfaction", "done_at"]
    list_filter = ["status", "channel", "satisfaction"]
    search_fields = ["order__number", "order__customer__name", "owner__username"]
    list_select_related = ["order", "owner"]
    date_hierarchy = "due_on"


@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["order", "rating", "answered_at", "expires_at"]
    list_filter = ["rating"]
    search_fields = ["order__number", "comment"]
    list_select_related = ["order"]
    exclude = ["token_hash"]


class CaseEntryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CaseEntry
    fields = ["created_at", "kind", "channel", "from_status", "to_status", "text", "author"]
    readonly_fields = fields
    extra = 0


@admin.register(Case)
class CaseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "order", "kind", "subject", "department", "owner", "status", "due_on"]
    list_filter = ["status", "kind", "department"]
    search_fields = ["order__number", "subject", "order__customer__name"]
    list_select_related = ["order", "owner"]
    inlines = [CaseEntryInline]


class ReturnLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ReturnLine
    fields = ["order_line", "quantity", "disposition", "stock_movement"]
    readonly_fields = fields
    extra = 0


@admin.register(Return)
class ReturnAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "order", "case", "status", "refund_amount", "created_at"]
    list_filter = ["status"]
    search_fields = ["order__number", "reason"]
    list_select_related = ["order", "case"]
    inlines = [ReturnLineInline]
