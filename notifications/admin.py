from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from orders_site.admin_mixins import ReadOnlyAdminMixin

from . import services
from .forms import WebhookSubscriptionForm
from .models import OutboxMessage, WebhookSubscription


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What was sent, to whom, and what failed. Rows are written by the
    services and never edited; a failed or dead row can be sent again."""

    list_display = [
        "created_at",
        "event",
        "channel",
        "recipient",
        "order",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["status", "channel", "event", "language"]
    search_fields = ["recipient", "order__number", "subject", "=event_id"]
    list_select_related = ["order"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    fields = [
        "event",
        "event_id",
        "channel",
        "recipient",
        "language",
        "order",
        "subscription",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
        "subject",
        "body",
        "created_at",
    ]

    def has_retry_permission(self, request):
        return request.user.has_perm("notifications.change_outboxmessage")

    @admin.action(
        description=_("Send the selected failed or dead messages again"), permissions=["retry"]
    )
    def retry(self, request, queryset):
        count = services.message_retry(messages=queryset)
        self.message_user(
            request,
            ngettext("%(n)d message queued again.", "%(n)d messages queued again.", count)
            % {"n": count},
        )


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ["name", "url", "owner", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url", "owner__username"]
    list_select_related = ["owner"]
    fields = ["name", "url", "events", "owner", "is_active", "secret", "created_at"]
    readonly_fields = ["secret", "created_at"]

    def get_fields(self, request, obj=None):
        # The secret exists once the subscription is saved; shown from then on.
        fields = super().get_fields(request, obj)
        return fields if obj else [f for f in fields if f not in ("secret", "created_at")]

    def get_changeform_initial_data(self, request):
        return {"owner": request.user.pk}

    def save_model(self, request, obj, form, change):
        # The form has checked the URL and the events and set them on ``obj``.
        fields = {name: getattr(obj, name) for name in ("name", "url", "events", "is_active")}
        if change:
            services.webhook_subscription_update(subscription=obj, owner=obj.owner, **fields)
            return
        saved = services.webhook_subscription_create(owner=obj.owner, **fields)
        obj.pk, obj.secret, obj.created_at = saved.pk, saved.secret, saved.created_at
        obj._state.adding, obj._state.db = False, saved._state.db
