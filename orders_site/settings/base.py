"""Settings every environment shares. Every secret and URL comes from the
environment (12-factor); ``local`` and ``test`` give safe defaults for a laptop."""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default=None)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Project-wide input rules (orders_site/numbers.py: ASCII digits only).
    "orders_site.apps.SiteConfig",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "csp",
    # The layers, bottom up (docs/ARCHITECTURE.md): stock, the order core,
    # then the stages, each importing only what is below it.
    "inventory",
    "orders",
    "shipping",
    "warehouse",
    "aftersales",
    "archive",
    "feedback",
    "integrations",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # Before anything that could call a service: no request acts as the system.
    "orders_site.actors.WebRequestMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # A body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 (in the user's language)
    # before CSRF or any view reads it.
    "orders_site.limits.RequestLimitsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a sign-in that axes refused into the login page with 429.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "orders_site.urls"
WSGI_APPLICATION = "orders_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for the writer instead of failing at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # the screen of the user's job (orders_site.views.home)
LOGOUT_REDIRECT_URL = "login"

# Brute-force protection (orders_site/lockout.py). Failed sign-ins on the site
# and the admin login are counted per username+address and per address within
# the cool-off; the next attempt after a limit gets 429, even with the right
# password, until the cool-off passes or an admin unlocks it (axes_reset_username).
AUTHENTICATION_BACKENDS = [
    "orders_site.lockout.LoginLockoutBackend",  # first: refuses locked sign-ins
    # ModelBackend, with roles and permissions read in one query per request.
    "orders_site.auth.RoleBackend",
]
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env.int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", default=30)
LOGIN_COOLOFF_MINUTES = env.int("LOGIN_COOLOFF_MINUTES", default=15)
# Proxies (addresses or networks) whose X-Forwarded-For is believed, e.g. the
# TLS proxy in front of gunicorn. Empty: REMOTE_ADDR is the client. Behind a
# proxy, set it, or every client counts as the proxy's one address.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
AXES_HANDLER = "orders_site.lockout.LoginAttemptHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_RESET_ON_SUCCESS = True  # this account from this address only (LoginAttemptHandler)
AXES_CLIENT_IP_CALLABLE = "orders_site.lockout.client_address"
AXES_LOCKOUT_CALLABLE = "orders_site.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_DISABLE_ACCESS_LOG = True  # failures are what we need; no row per successful sign-in
AXES_VERBOSE = False  # no banner on every manage.py command
# API tokens (integrations/authentication.py): after this many bad tokens from
# one address within the cool-off, every token request from it gets 429 for
# the cool-off, a valid token too. Counted in the cache: use Redis
# (REDIS_URL) with several gunicorn workers, or each counts on its own.
API_TOKEN_FAILURE_LIMIT = env.int("API_TOKEN_FAILURE_LIMIT", default=20)
API_TOKEN_COOLOFF_MINUTES = env.int("API_TOKEN_COOLOFF_MINUTES", default=10)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
# locale/ is the product's own (make messages); locale_overrides/ fixes
# Django's own Chinese where it ends sentences with an ASCII full stop.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "orders_site" / "locale_overrides"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# Email: EMAIL_URL such as smtp+tls://user:pass@host:587 or consolemail://
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="orders@example.com")

# Redis: the Celery broker and result backend. Without it tasks run eagerly.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
# The cache holds API throttling counters: shared through Redis when there is
# one (several gunicorn workers), in process memory otherwise.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Reliability. Delivery tasks are idempotent, so they are acknowledged after
# they finish and given back to the queue if their worker dies (SIGKILL, OOM).
# One task at a time per worker process: a long send does not hold others back.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
# Redis gives an unacknowledged task to another worker after the visibility
# timeout: it must be longer than any countdown we ask for (retries wait at
# most NOTIFY_MAX_COUNTDOWN_SECONDS in the broker; longer waits stay in the
# database for the sweeper).
# A web request that queues a message must not hang while Redis is down: one
# quick try, then the row waits for the sweeper.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 3,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_BEAT_SCHEDULE_FILENAME = env(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(BASE_DIR / "var" / "celerybeat-schedule")
)
# Scheduled jobs (``celery beat``). Other apps add theirs here; long delays
# live in the database (an outbox row's next attempt, a due date) and a job
# picks them up, never a countdown in the broker.
CELERY_BEAT_SCHEDULE = {
    "sweep-outbox": {
        "task": "notifications.tasks.sweep_outbox",
        "schedule": env.float("NOTIFY_SWEEP_SECONDS", default=60.0),
    },
    "after-sales-daily": {
        "task": "aftersales.tasks.daily",
        "schedule": crontab(hour=env.int("AFTERSALES_DAILY_HOUR", default=7), minute=30),
    },
    "review-digest": {
        "task": "orders.tasks.send_review_digest",
        "schedule": crontab(hour=env.int("REVIEW_DIGEST_HOUR", default=8), minute=0),
    },
    "archive-due-orders": {
        "task": "archive.tasks.archive_due_orders",
        "schedule": crontab(hour=env.int("ARCHIVE_HOUR", default=2), minute=15),
    },
    # The analytics read model: orders with events since the last refresh.
    "refresh-order-facts": {
        "task": "feedback.tasks.refresh_facts",
        "schedule": env.float("ANALYTICS_REFRESH_SECONDS", default=300.0),
    },
}

# Notifications (the outbox in notifications/). SITE_URL makes the links in
# emails absolute.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
NOTIFY_RETRY_BASE_SECONDS = env.float("NOTIFY_RETRY_BASE_SECONDS", default=60.0)
NOTIFY_RETRY_MAX_SECONDS = env.float("NOTIFY_RETRY_MAX_SECONDS", default=6 * 3600.0)
NOTIFY_MAX_ATTEMPTS = env.int("NOTIFY_MAX_ATTEMPTS", default=8)
NOTIFY_MAX_COUNTDOWN_SECONDS = env.float("NOTIFY_MAX_COUNTDOWN_SECONDS", default=900.0)
NOTIFY_SWEEP_GRACE_SECONDS = env.float("NOTIFY_SWEEP_GRACE_SECONDS", default=60.0)
NOTIFY_WEBHOOK_TIMEOUT_SECONDS = env.float("NOTIFY_WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# Webhooks go to public addresses only (notifications/urlguard.py); hosts
# listed here (names or IPs, comma-separated) may be private or loopback.
NOTIFY_WEBHOOK_ALLOWED_HOSTS = env.list("NOTIFY_WEBHOOK_ALLOWED_HOSTS", default=[])
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
# Managers get a daily list of orders waiting in review longer than this.
REVIEW_DIGEST_AFTER_HOURS = env.float("REVIEW_DIGEST_AFTER_HOURS", default=24.0)

# The largest request body accepted (413 `too_large` beyond), and how deep a
# JSON body may nest (400 `invalid` beyond): issue 11 item 3.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("REQUEST_MAX_BODY_BYTES", default=2_621_440)
API_JSON_MAX_DEPTH = env.int("API_JSON_MAX_DEPTH", default=64)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "integrations.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's JSON parser with a depth limit and UTF-8 only (orders_site/limits.py).
    "DEFAULT_PARSER_CLASSES": ["orders_site.limits.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "integrations.pagination.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "integrations.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    # Per client (the token's user): generous for an ERP's sync, bounded for a runaway loop.
    "DEFAULT_THROTTLE_RATES": {
        "user": env("API_THROTTLE_USER", default="6000/min"),
        "anon": env("API_THROTTLE_ANON", default="60/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Sales order management API",
    "DESCRIPTION": (
        "Orders in, status out, safe to retry. Authenticate with `Authorization: Token <key>` "
        "(issue one with `manage.py issue_api_token --user NAME`). Errors always have the shape "
        "`{code, message, fields}`. POSTs that create something accept `Idempotency-Key`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema in English for every reader: names, titles and enums must not
    # change with Accept-Language, or a regenerated client breaks
    # (integrations/schema.py says why English throughout).
    "DEFAULT_GENERATOR_CLASS": "integrations.schema.EnglishSchemaGenerator",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "integrations.schema.postprocess_language_neutral",
    ],
    # Every enum by an explicit name, not one derived from the first field that
    # uses it (which changes with field order and name collisions). The names
    # are those the schema already had: generated clients keep their types.
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.OrderStatus",
        "OrderChannelEnum": "orders.models.Order.Channel",
        "PaymentMethodEnum": "orders.models.Order.PaymentMethod",
        "OrderEventKindEnum": "orders.models.OrderEvent.Kind",
        "AdjustmentReasonEnum": "orders.services.ADJUSTMENT_REASONS",
        "CancelReasonEnum": "orders.services.CANCEL_REASONS",
        "ContactChannelEnum": "orders.models.CustomerContact.Channel",
        "ProvinceEnum": "orders.regions.PROVINCES",
        "PaymentTermsEnum": "orders.models.Customer.PaymentTerms",
        "PreferredLanguageEnum": "orders.models.Customer.Language",
        "CustomerEventKindEnum": "orders.models.CustomerEvent.Kind",
        "StockMovementKindEnum": "inventory.models.StockMovement.Kind",
        "ShippingDocumentKindEnum": "shipping.models.ShippingDocument.Kind",
        "DeliveryStatusEnum": "notifications.models.OutboxMessage.Status",
        # After-sales (process 5): its statuses and kinds by name, not by a hash.
        "FollowUpStatusEnum": "aftersales.models.FollowUp.Status",
        "CaseStatusEnum": "aftersales.models.CaseStatus",
        "CaseKindEnum": "aftersales.models.Case.Kind",
        "DepartmentEnum": "aftersales.models.Case.Department",
        "CaseEntryKindEnum": "aftersales.models.CaseEntry.Kind",
        "CaseEntryInKindEnum": ["note", "contact"],
        "ReturnStatusEnum": "aftersales.models.Return.Status",
        "DispositionEnum": "aftersales.models.ReturnLine.Disposition",
    },
}
# Idempotency records are kept at least this long (issue: >= 24 hours).
IDEMPOTENCY_RETENTION_HOURS = env.int("IDEMPOTENCY_RETENTION_HOURS", default=48)

# Business settings (process 2.1): days the warehouse needs before goods leave,
# added to the transit days of the customer's province for the earliest date.
ORDERS_PROCESSING_DAYS = env.int("ORDERS_PROCESSING_DAYS", default=2)
# The furthest ahead a requested delivery date may be (issue 11: 9999-12-31).
ORDERS_DELIVERY_HORIZON_DAYS = env.int("ORDERS_DELIVERY_HORIZON_DAYS", default=365)

# After-sales (process 5): follow-up calls this many days after delivery; a
# delivered order completes once the last is due and no case is open.
AFTERSALES_FOLLOW_UP_DAYS = [
    int(d) for d in env.list("AFTERSALES_FOLLOW_UP_DAYS", default=["3", "30"])
]
AFTERSALES_SURVEY_VALID_DAYS = env.int("AFTERSALES_SURVEY_VALID_DAYS", default=30)
# Days to resolve a case, by type.
AFTERSALES_CASE_DUE_DAYS = {
    "complaint": 3,
    "return": 7,
    "exchange": 7,
    "repair": 14,
    "inquiry": 2,
}
ORDERS_DEFAULT_TRANSIT_DAYS = env.int("ORDERS_DEFAULT_TRANSIT_DAYS", default=5)
ORDERS_PAGE_SIZE = 25

# The archive (documentation 5): a completed or cancelled order is archived by
# the nightly job this many days after it was completed or cancelled (a
# manager may archive it sooner), and each archived record is reviewed every
# ARCHIVE_REVIEW_INTERVAL_DAYS (5.2). The job archives in batches of
# ARCHIVE_BATCH_SIZE, each order in its own transaction.
ARCHIVE_RETENTION_DAYS = env.int("ARCHIVE_RETENTION_DAYS", default=365)
ARCHIVE_REVIEW_INTERVAL_DAYS = env.int("ARCHIVE_REVIEW_INTERVAL_DAYS", default=365)
ARCHIVE_BATCH_SIZE = env.int("ARCHIVE_BATCH_SIZE", default=200)

# Improvement suggestions (process 6.2): reward points for the author when a
# manager accepts a suggestion, and again when it is implemented. Each award
# stores its points, so changing these leaves past quarters as they were.
FEEDBACK_POINTS_ACCEPTED = env.int("FEEDBACK_POINTS_ACCEPTED", default=10)
FEEDBACK_POINTS_IMPLEMENTED = env.int("FEEDBACK_POINTS_IMPLEMENTED", default=20)

# Content-Security-Policy (issue 11 item 6): scripts, styles, fonts and
# images come only from our own origin (static/ and the vendored Chart.js,
# Swagger UI and Django admin files). No inline <script>, no on*= handlers and
# no style="" attributes in templates: data goes to scripts through data-*
# attributes or json_script, behaviour through addEventListener. Never add
# 'unsafe-inline' to script-src; if a page truly needs an inline block, give
# it a nonce (django-csp's request.csp_nonce) instead.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # axes narrates every sign-in at INFO; failures and lockouts are WARNING.
    "loggers": {"axes": {"level": "WARNING"}},
}
