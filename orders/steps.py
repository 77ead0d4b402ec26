"""The core's own steps, registered like the stages' (``orders.hooks``)."""

from . import forms, hooks, services


def register() -> None:
    hooks.step("submit", services.order_submit)
    hooks.step("request_adjustment", services.order_request_adjustment, form=forms.AdjustmentForm)
    hooks.step("resubmit", services.order_resubmit)
    hooks.step("approve", services.order_approve)
    hooks.step("cancel", services.order_cancel, form=forms.CancelForm)
    hooks.step("archive", services.order_archive)
