"""Settings for the archive, read from the environment.

Every variable is documented in `.env.example`. Development defaults are safe: debug on, a SQLite
file under `var/`, and a throwaway secret key that is refused once debug is off.
"""

import datetime
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "development-only-insecure-key-never-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_filters",
    "import_export",
    "csp",
    "axes",
    "archive",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "archive.middleware.ContentSecurityPolicyMiddleware",
    "archive.middleware.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "archive.middleware.AdminLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "archive.middleware.UploadSizeLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "archive.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its refusal page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "archive.context_processors.language_versions",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

if not os.environ.get("DATABASE_URL"):
    VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'archive.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        # A kept connection the database dropped (a restart, a failover) is replaced, not used.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the public site read while an import writes; the busy timeout makes a second
    # writer wait instead of failing with "database is locked". A page cache of 64 MiB (SQLite's
    # default is 2 MiB) keeps a large write's index pages in memory instead of spilling them to
    # the WAL again and again; it is taken only as pages are used.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA cache_size=-65536;",
    }
    # Connections are kept between requests (DATABASE_CONN_MAX_AGE), as on PostgreSQL: a new
    # one would read the schema again and start with an empty page cache, which costs a public
    # list page 5–15 ms of processor time at 100,000 publications. Each kept connection holds
    # up to the 64 MiB of pages it has read.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get("DJANGO_TEST_SQLITE_NAME")
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No just-in-time compilation: the site's queries run in milliseconds, and compiling one that
    # PostgreSQL estimates dear (a probe of every match of a common word) costs more than it saves.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# What is derived from the records (facet counts, list totals, the home page's counts) is kept
# under keys holding the archive's content version (archive/freshness.py), so it is never stale
# and needs no expiry. The kept data are files shared by the web processes of one machine; the
# version is a row in the database, shared by every machine (`migrate` makes its table).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ.get("ARCHIVE_CACHE_DIR") or str(VAR_DIR / "cache"),
        "TIMEOUT": 7 * 24 * 3600,
        "OPTIONS": {"MAX_ENTRIES": 3000},
    },
    "freshness": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "content_version_cache",
        "TIMEOUT": None,
    },
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serves one machine, whose processes share files. And the version is changed from
    # inside a statement's execution (archive/freshness.py): on SQLite, a table of the same
    # database would begin a transaction while an autocommitted INSERT … RETURNING is still
    # open, and its rollback would take the insert with it.
    CACHES["freshness"] = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(Path(CACHES["default"]["LOCATION"]) / "content-version"),
        "TIMEOUT": None,
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Thousands grouped with a comma on Chinese pages too (config/formats/zh_Hans/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# A CDN in front of the static files: its URL here (e.g. https://static.example.org/static/).
STATIC_URL = os.environ.get("DJANGO_STATIC_URL") or "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))

# Uploaded import files are kept out of any public media URL.
IMPORT_STORAGE_ROOT = Path(os.environ.get("ARCHIVE_IMPORT_STORAGE") or VAR_DIR / "imports")
# The whole CSV of each kind, kept until the archive changes (archive/exporting/kept.py): a cache
# local to each app server, which any disk it may write to will do.
ARCHIVE_DOWNLOADS_DIR = Path(os.environ.get("ARCHIVE_DOWNLOADS_DIR") or VAR_DIR / "downloads")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # In production WhiteNoise serves static files compressed, under names that carry a hash of
    # their content (so they can be cached for ever); collectstatic must run first.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
    "import_export": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(IMPORT_STORAGE_ROOT), "base_url": None},
    },
}
# In development WhiteNoise serves from the apps' static folders, as runserver would.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.MediaStorage"
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True

# Largest file a curator may upload for import, in bytes.
ARCHIVE_IMPORT_MAX_BYTES = int(os.environ.get("ARCHIVE_IMPORT_MAX_BYTES", str(50 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # django-axes logs every successful login at INFO; lockouts still come through as warnings.
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- Security headers, cookies, login throttling ---------------------------------------------
# Sessions live in the database, so any web process can serve any request.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # A load balancer probes servers over plain HTTP on its own network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS") or "31536000")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)

# Content-Security-Policy (django-csp): nothing inline runs and nothing loads from elsewhere.
# JSON-LD blocks are data, not script, and need no allowance. The admin adds the hashes of
# django-import-export's few inline attributes (archive/middleware.py).
_STATIC_SOURCES = ["'self'"]
if urlsplit(STATIC_URL).netloc:  # static files from a CDN
    _STATIC_SOURCES.append("{0.scheme}://{0.netloc}".format(urlsplit(STATIC_URL)))
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": _STATIC_SOURCES,
        "style-src": _STATIC_SOURCES,
        "img-src": _STATIC_SOURCES,
        "font-src": _STATIC_SOURCES,
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
    },
}
# Browser features the archive never uses (archive.middleware.PermissionsPolicyMiddleware).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# Admin logins (django-axes): after ARCHIVE_LOGIN_FAILURE_LIMIT failures for one username from
# one address, that pair is refused for ARCHIVE_LOGIN_LOCKOUT_MINUTES; attempts are counted in
# the database, so every web process sees them.
AUTHENTICATION_BACKENDS = [
    "archive.throttling.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("ARCHIVE_LOGIN_FAILURE_LIMIT") or "5")
AXES_COOLOFF_TIME = datetime.timedelta(
    minutes=int(os.environ.get("ARCHIVE_LOGIN_LOCKOUT_MINUTES") or "15")
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "archive.throttling.lockout_response"
AXES_VERBOSE = False  # failures are still logged, without a line at every start
# Behind a load balancer every request comes from its address: name the header in which it
# passes on the client's (one it sets itself, e.g. HTTP_X_REAL_IP), or all clients share a lock.
AXES_IPWARE_META_PRECEDENCE_ORDER = [
    *env_list("ARCHIVE_CLIENT_IP_HEADER", ""),
    "REMOTE_ADDR",
]
