"""The product's WSGI application, profiled when BENCH_PROFILE_DIR is set
(``run_api.py --profile``): each request runs under cProfile, Django's whole
handling of it included (request object, middleware, view, rendering, the
``request_finished`` signal that returns the connection to the pool). Only
gunicorn's own HTTP parsing and socket work stay outside."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

from orders_site.wsgi import application as product_application  # noqa: E402

from .profiling import ENV, ProfiledApplication  # noqa: E402

application = (
    ProfiledApplication(product_application, os.environ[ENV])
    if os.environ.get(ENV)
    else product_application
)
