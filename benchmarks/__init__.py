"""Load benchmarks of the API against a naive DRF baseline (``make bench-api``).

Nothing here is imported by the product: the naive routes exist only under
``benchmarks.settings`` (``benchmarks.urls``), never in ``orders_site.urls``.
"""
