"""What after-sales registers with the order core (``orders.hooks``)."""

from orders import hooks

from . import selectors, services


def register() -> None:
    # Process 5.1: the follow-ups and the survey link, in the delivery's transaction.
    hooks.after("confirm_delivery", services.order_delivered)
    hooks.step("complete", services.order_complete)
    # The order page's after-sales panel (cases, returns, follow-ups).
    hooks.provide("order_page", order_page)


def order_page(*, order, user) -> dict:
    return {"after_sales": selectors.order_after_sales(order=order, user=user)}
