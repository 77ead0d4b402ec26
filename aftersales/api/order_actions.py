"""After-sales' step on the order API: ``POST /api/v1/orders/{number}/complete/``
(process 5), composed into the order viewset by ``orders_site.api_urls``."""

from __future__ import annotations

from orders.api.steps import step_action


class AftersalesOrderActions:
    # The order viewset's mixin. No docstring: it would become every order
    # operation's description.

    complete = step_action("complete")
