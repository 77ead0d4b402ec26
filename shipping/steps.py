"""What shipping registers with the order core (``orders.hooks``)."""

from orders import hooks

from . import forms, selectors, services


def register() -> None:
    hooks.step("ship", services.order_ship, form=forms.ShipStepForm)
    hooks.step(
        "confirm_delivery", services.order_confirm_delivery, form=forms.ConfirmDeliveryStepForm
    )
    # The earliest feasible delivery date of the review (process 2.1) counts
    # the carrier rules' transit days to the customer's address.
    hooks.provide("transit_days", selectors.transit_days_for)
