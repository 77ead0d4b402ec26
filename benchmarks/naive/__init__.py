"""The baselines the benchmark measures the product against. Kept plain on
purpose; none of it is a model for the product, and none of it is routed
outside ``benchmarks.settings`` (``benchmarks.urls``).

- ``/bench-naive/orders/`` (list, create) and ``/bench-naive/orders/<number>/``
  (detail): what a first DRF attempt looks like (the "writable nested
  serializers" recipe of the DRF docs), behind the product's authentication,
  permission and throttle defaults.
- ``/bench-naive/plain/orders/``: the same nested ``ModelSerializer`` with no
  authentication, no throttle and no idempotency: what the bare framework
  costs to store an order with five lines. A benchmark-only reference.
- ``/bench-naive/orders-page/``: a plain Django ``ListView`` rendering the
  same 25 rows as the product's ``/orders/`` page.
- ``/bench-naive/stats/``: the query counters of ``benchmarks.middleware``.
"""
