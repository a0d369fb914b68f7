"""Django settings for Guanxi, read from the environment.

Every knob an operator may turn is a ``GUANXI_*`` environment variable, documented in
``docs/deploy.md``. The defaults give a working single-machine set-up: a SQLite file under
``var/``, the in-memory channel layer and the database-backed task queue.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("GUANXI_VAR_DIR", Path.cwd() / "var")).resolve()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("GUANXI_DEBUG", False)
SECRET_KEY = os.environ.get("GUANXI_SECRET_KEY", "")
if not SECRET_KEY:
    # Development only: a key kept under var/ so sessions survive restarts. Production sets
    # GUANXI_SECRET_KEY (``guanxi init`` writes one into the environment file it creates).
    _key_file = VAR_DIR / "secret_key"
    if _key_file.exists():
        SECRET_KEY = _key_file.read_text().strip()
    else:
        from django.core.management.utils import get_random_secret_key

        SECRET_KEY = get_random_secret_key()
        try:
            VAR_DIR.mkdir(parents=True, exist_ok=True)
            _key_file.write_text(SECRET_KEY)
            _key_file.chmod(0o600)
        except OSError:
            pass

ALLOWED_HOSTS = env_list("GUANXI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("GUANXI_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_filters",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "guanxi.framework",
    "guanxi.core",
    "guanxi.customers",
    "guanxi.quality",
    "guanxi.sales",
    "guanxi.service",
    "guanxi.portal",
    "guanxi.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "guanxi.core.middleware.UserLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "guanxi.core.middleware.UserTimezoneMiddleware",
    "guanxi.framework.context.ChangeSourceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "guanxi.urls"
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
ASGI_APPLICATION = "guanxi.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "guanxi.framework.navigation.navigation",
            ],
        },
    }
]

DATABASE_URL = os.environ.get("GUANXI_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'guanxi.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("GUANXI_DB_CONN_MAX_AGE", "60")))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and os.environ.get("GUANXI_DB_POOL", "1") != "0":
    # Each web process serves requests in a pool of threads (guanxi/asgi.py) and each task worker in its own;
    # a pool (psycopg_pool) hands a request a connection and takes it back at the end, so a process holds no
    # more connections than it serves requests at once, and none is opened per request (about 5 ms).
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # Django's pool keeps the connections itself
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("GUANXI_DB_POOL_MIN", "2")),
        "max_size": int(os.environ.get("GUANXI_DB_POOL_MAX", "20")),
        "timeout": float(os.environ.get("GUANXI_DB_POOL_TIMEOUT", "10")),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA mmap_size=268435456; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("GUANXI_TEST_SQLITE_NAME") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "guanxi.core.access_cache.CachedPermissionsBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:workspace"
LOGOUT_REDIRECT_URL = "login"

# Lockout after repeated failed log-ins (django-axes), per user name.
AXES_FAILURE_LIMIT = int(os.environ.get("GUANXI_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("GUANXI_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Locking by user name protects each account; locking by IP address as well would lock out a
# whole office behind one NAT or reverse proxy, so it is left off on purpose.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

LANGUAGE_CODE = os.environ.get("GUANXI_LANGUAGE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("GUANXI_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
GUANXI_DEFAULT_CURRENCY = os.environ.get("GUANXI_DEFAULT_CURRENCY", "CNY")
GUANXI_DEFAULT_REGION = os.environ.get("GUANXI_DEFAULT_REGION", "CN")
# Sales: a new or working lead untouched this many hours is escalated to the owner's manager;
# a quote with a line discount above this percentage needs the manager's approval.
GUANXI_LEAD_ESCALATION_HOURS = int(os.environ.get("GUANXI_LEAD_ESCALATION_HOURS", "48"))
GUANXI_QUOTE_APPROVAL_DISCOUNT = os.environ.get("GUANXI_QUOTE_APPROVAL_DISCOUNT", "15")

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# The shared stylesheet, scripts and vendored Bootstrap/htmx live in the project package, which is
# not an installed app, so the app-directories finder alone would not see them.
STATICFILES_DIRS = [BASE_DIR / "static"]
try:  # WhiteNoise warns about a missing STATIC_ROOT; `guanxi upgrade` fills it for production.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
except OSError:
    pass
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("GUANXI_MEDIA_ROOT", VAR_DIR / "media"))
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
GUANXI_MAX_ATTACHMENT_BYTES = int(os.environ.get("GUANXI_MAX_ATTACHMENT_BYTES", str(20 * 1024 * 1024)))

REDIS_URL = os.environ.get("GUANXI_REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Scopes and permission sets are cached per user until a user, team, territory, role or group changes
# (core/access_cache.py). A change made in another process is seen after this many seconds at most,
# unless the cache is shared (GUANXI_REDIS_URL), where it is seen at once.
GUANXI_ACCESS_CACHE_SECONDS = int(os.environ.get("GUANXI_ACCESS_CACHE_SECONDS", "600" if REDIS_URL else "60"))

# Background work goes through the Tasks API (``django.tasks`` in Django 6, the django-tasks
# backport here). The default queue lives in the database, so no extra service is needed;
# GUANXI_TASK_BACKEND=rq moves it to RQ on Redis for workers on other machines.
_task_backend = os.environ.get("GUANXI_TASK_BACKEND", "database")
if _task_backend == "rq":
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0"}}
elif _task_backend == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "guanxi.framework.api_plumbing.SourceTrackingTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["guanxi.framework.api_plumbing.ModelPermissions"],
    "DEFAULT_PAGINATION_CLASS": "guanxi.framework.api_plumbing.CappedPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "guanxi.framework.api.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Guanxi API",
    "DESCRIPTION": "REST API of Guanxi (关系), the open-source CRM.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}

SESSION_COOKIE_HTTPONLY = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("GUANXI_BEHIND_TLS_PROXY") else None
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("GUANXI_SECURE_COOKIES", False)

EMAIL_HOST = os.environ.get("GUANXI_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("GUANXI_SMTP_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("GUANXI_FROM_EMAIL", "guanxi@localhost")
# Customer portal: where links in invitation and reset e-mails point (empty: the host the staff user used),
# the largest upload, and the log-in lockout.
GUANXI_PORTAL_URL = os.environ.get("GUANXI_PORTAL_URL", "")
GUANXI_PORTAL_MAX_UPLOAD_BYTES = int(os.environ.get("GUANXI_PORTAL_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
GUANXI_PORTAL_LOGIN_FAILURE_LIMIT = int(os.environ.get("GUANXI_PORTAL_LOGIN_FAILURE_LIMIT", "5"))
GUANXI_PORTAL_LOCKOUT_MINUTES = int(os.environ.get("GUANXI_PORTAL_LOCKOUT_MINUTES", "15"))
if not os.environ.get("GUANXI_SMTP_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("GUANXI_LOG_LEVEL", "WARNING").upper()},
}
