"""Production settings for a local benchmark run: the same middleware, pool,
throttling classes and DEBUG=False, with what a loopback run needs.

Used only by ``benchmarks/run_api.py``; adds the baselines' routes via
``benchmarks.urls`` and, first in the middleware, the query counter
(``benchmarks.middleware``, inactive unless BENCH_STATS_DIR is set). The
profiler (``--profile``) wraps the WSGI application instead
(``benchmarks.wsgi``). Never use it for a real deployment.
"""

import os

# production.py refuses to start without these; give local defaults first.
os.environ.setdefault("SECRET_KEY", "benchmark-only-key-not-secret-" + "x" * 32)
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/orders_bench")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from orders_site.settings.production import *  # noqa: E402, F403
from orders_site.settings.production import MIDDLEWARE, REST_FRAMEWORK  # noqa: E402

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SECURE_SSL_REDIRECT = False  # plain HTTP on loopback, no TLS proxy in front
SECURE_HSTS_SECONDS = 0

ROOT_URLCONF = "benchmarks.urls"

# The pages need the collected static files' manifest; the harness collects
# them into its own directory, not the checkout's staticfiles/.
if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]

# Counts requests and queries per worker when the harness sets BENCH_STATS_DIR;
# outside a benchmark run it removes itself (MiddlewareNotUsed).
MIDDLEWARE = ["benchmarks.middleware.QueryCountMiddleware", *MIDDLEWARE]

# The throttle classes stay (they cost the same on both sides); the rates are
# raised so that 16 clients on one token are never refused. A per-second
# window keeps DRF's per-client timestamp history as short as production's.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"user": "100000/s", "anon": "100000/s"},
}

# No request log lines on the console during the run (non-2xx answers are
# counted by the wrk scripts instead).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "ERROR")},
}
