"""The core's own steps, registered like the stages' (``orders.hooks``),
and the order events the outbox offers to webhook subscriptions."""

from notifications.events import webhook_events_register

from . import forms, hooks, notifications, services


def register() -> None:
    hooks.step("submit", services.order_submit)
    hooks.step("request_adjustment", services.order_request_adjustment, form=forms.AdjustmentForm)
    hooks.step("resubmit", services.order_resubmit)
    hooks.step("approve", services.order_approve)
    hooks.step("cancel", services.order_cancel, form=forms.CancelForm)
    hooks.step("archive", services.order_archive)
    # The order events a webhook may subscribe to (the outbox offers them).
    webhook_events_register(notifications.webhook_events)
