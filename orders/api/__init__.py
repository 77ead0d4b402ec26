"""The order core's API (``/api/v1/orders/``, ``/api/v1/customers/``): thin
views over ``orders.services``.

``serializers`` holds the order's shapes, ``steps`` the one way a step of the
state machine becomes ``POST /api/v1/orders/{number}/{step-name}/``,
``orders`` the order resource with the core's own steps, ``customers`` the
customer resource. Each stage adds its steps and reads to the order resource
as a mixin in its own ``api.py``; ``orders_site.api_urls`` puts them together.
"""
