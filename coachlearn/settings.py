"""CoachLearn settings: one file, read from the environment.

Every variable is listed in the README. Development needs none of them; production needs
SECRET_KEY, ALLOWED_HOSTS and usually DATABASE_URL.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: expected 1/0, true/false, yes/no or on/off")


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name}={value!r}: expected a whole number") from error


def env_float(name: str, default: float) -> float:
    value = env_str(name)
    if not value:
        return default
    try:
        return float(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name}={value!r}: expected a number of seconds") from error


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_str(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def _local_secret_key() -> str:
    # One random key per installation, kept out of git. Several app servers must share
    # one key: set SECRET_KEY for them.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


# pytest sets PYTEST_VERSION; tests talk plain HTTP to the test client and live server.
TESTING = "PYTEST_VERSION" in os.environ

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY") or _local_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_NAME = env_str("SITE_NAME", "CoachLearn")
# Absolute address of the site, printed on certificates as the verification link.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Certificates
CERTIFICATE_ISSUER = env_str("CERTIFICATE_ISSUER", SITE_NAME)
CERTIFICATE_PAGE_SIZE = env_str("CERTIFICATE_PAGE_SIZE", "letter").lower()
if CERTIFICATE_PAGE_SIZE not in {"letter", "a4"}:
    raise ImproperlyConfigured("CERTIFICATE_PAGE_SIZE must be letter or a4")
CERTIFICATE_CREDIT_STATEMENT = env_str(
    "CERTIFICATE_CREDIT_STATEMENT",
    "This certificate records participation in the activity named above.",
)
CERTIFICATE_SIGNATORY_NAME = env_str("CERTIFICATE_SIGNATORY_NAME", "Program Director")
CERTIFICATE_SIGNATORY_TITLE = env_str("CERTIFICATE_SIGNATORY_TITLE", "Faculty Coaching Program")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Background jobs, queued in PostgreSQL (coachlearn/jobs.py).
    "procrastinate.contrib.django",
    "coachlearn",
    "accounts",
    "modules",
    "quizzes",
    "certificates",
    "packages",
    "ops",
    "learning",
    # The authoring page, above the domain apps it brings together.
    "nested_admin",
    "authoring",
    "django_prometheus",
]

MIDDLEWARE = [
    # Outermost: the request's id and log line, and Prometheus's timing, cover every answer.
    "coachlearn.request_log.RequestLogMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "coachlearn.middleware.RequestBodyLimitMiddleware",  # before anything reads the body
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "coachlearn.middleware.PrivateResponsesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.StaffTwoFactorMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "coachlearn.urls"
WSGI_APPLICATION = "coachlearn.wsgi.application"

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
                "coachlearn.context_processors.site",
            ],
        },
    }
]

# Database: a real server from DATABASE_URL, otherwise the embedded one under var/postgres.
DATABASE_URL = env_str("DATABASE_URL")
EMBEDDED_POSTGRES_DIR = VAR_DIR / "postgres"
# Where backups find pg_dump and pg_restore: on PATH (the server's version), or the
# embedded server's own.
POSTGRES_CLIENT_DIR = None
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
        raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://…)")
    # Django's backend with django-prometheus's counts of connections, queries and errors
    # (the embedded backend has them too).
    DATABASES["default"]["ENGINE"] = "django_prometheus.db.backends.postgresql"
else:
    # Development and tests only: the devdb extra, which production does not install.
    from devdb import pgserver

    try:
        POSTGRES_CLIENT_DIR = pgserver.binaries()
    except pgserver.EmbeddedPostgresError as error:
        raise ImproperlyConfigured(str(error)) from None
    INSTALLED_APPS += ["devdb"]  # its ready() lets SIGTERM release the server
    DATABASES = {
        "default": {
            "ENGINE": "devdb.embedded_db",
            "NAME": env_str("EMBEDDED_DATABASE_NAME", "coachlearn"),
            "USER": "postgres",
            "CONN_MAX_AGE": 60,
        }
    }
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Fail fast when the database is unreachable: pages answer 503 instead of hanging.
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 3)
# A connection pool per worker (psycopg_pool) in production; health checks let a worker
# survive a database restart. Off in development and tests, where connections are few.
DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", 0 if DEBUG or TESTING else 4)
if DB_POOL_MAX_SIZE > 0:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": 1,
        "max_size": DB_POOL_MAX_SIZE,
        # Seconds a request waits for a pooled connection. The pool holds as many as a
        # worker has threads, so a wait means the database is slow to accept or gone:
        # short, so that an outage costs a worker one second, not five.
        "timeout": env_float("DB_POOL_TIMEOUT", 1.0),
    }
# The connection budget (coachlearn/checks.py warns when it passes the server's limit):
# gunicorn's workers and threads per app server (the defaults of deploy/gunicorn.conf.py),
# how many app servers share the database, what job workers and commands need besides, and
# the server's max_connections.
WEB_CONCURRENCY = env_int("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1)
GUNICORN_THREADS = env_int("GUNICORN_THREADS", 4)
APP_SERVERS = env_int("APP_SERVERS", 1)
DB_OTHER_CONNECTIONS = env_int("DB_OTHER_CONNECTIONS", 10)
DB_MAX_CONNECTIONS = env_int("DB_MAX_CONNECTIONS", 100)
# Behind PgBouncer in transaction mode (DATABASE_PGBOUNCER=1) a connection is the
# server's only for one transaction: no server-side cursors, which live across them.
# Prepared statements are off already (Django's psycopg default, prepare_threshold=None).
if env_bool("DATABASE_PGBOUNCER", False):
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# Lets two test runs share one server without sharing a test database.
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME") or None}
DATABASES["default"]["ATOMIC_REQUESTS"] = False

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# The shared cache: the database by default, Redis when REDIS_URL is set. "local" is each
# worker's own memory, used only for versioned page fragments (modules/page_cache.py) and
# the live modules' rows they are keyed by (modules/live.py).
REDIS_URL = env_str("REDIS_URL")
# Redis may fail: django-redis's IGNORE_EXCEPTIONS makes every cache call during an outage a
# miss (a slower page, never an error), with short socket timeouts so that an unreachable
# host costs a quarter of a second, not a hung worker (coachlearn/cache_backends.py says
# what `add` does meanwhile). django-prometheus counts hits, misses and failures.
REDIS_CACHE = {
    "BACKEND": "coachlearn.cache_backends.RedisCache",
    "LOCATION": REDIS_URL,
    "OPTIONS": {
        "IGNORE_EXCEPTIONS": True,
        "SOCKET_CONNECT_TIMEOUT": 0.25,
        "SOCKET_TIMEOUT": 0.5,
    },
}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "coachlearn.cache"
CACHES = {
    "default": (
        REDIS_CACHE
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "coachlearn_cache",
        }
    ),
    "local": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "coachlearn-fragments",
        "OPTIONS": {"MAX_ENTRIES": env_int("LOCAL_CACHE_ENTRIES", 3000)},
    },
}
CACHES["default"]["TIMEOUT"] = 60 * 60 * 24
# How old, in seconds, a worker's list of live modules and their versions may get before it
# asks the database again (modules/live.py): how long a change may take to show on pages
# served from the cache. The tests look at every request (0), seeing each change at once.
LIVE_MODULES_MAX_AGE = env_int("LIVE_MODULES_MAX_AGE", 0 if TESTING else 1)
# Sessions are kept in the database and, with the database cache, read through it: a
# signed-in request reads its session with one plain indexed read of the cache table
# instead of an ORM query; writes go to both, so a session outlives a cache cull.
#
# With Redis, sessions are read from the database alone (one indexed query): a sign-out
# during a Redis outage deletes the row but cannot delete Redis's copy, which cached_db
# would bring back to life once Redis returns.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.db"
    if REDIS_URL
    else "django.contrib.sessions.backends.cached_db"
)
if not REDIS_URL:
    # Django's default of 300 entries evicts a catalogue's page parts faster than they are
    # reused (five parts per module); the database cache culls a tenth when full.
    CACHES["default"]["OPTIONS"] = {
        "MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 20000),
        "CULL_FREQUENCY": 10,
    }

# Sign-in (django-allauth): email address as the login, no usernames.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/me/"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.CertificateNameSignupForm"
ACCOUNT_FORMS = {"signup": "accounts.signup.SignupForm"}
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# Mandatory verification in production; the demo may relax it.
ACCOUNT_EMAIL_VERIFICATION = env_str(
    "ACCOUNT_EMAIL_VERIFICATION", "optional" if DEBUG else "mandatory"
)
# allauth's rate limits (on by default) are kept; they count in the cache.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}
# The client's address, which the rate limits count by: with N trusted proxies in front
# (nginx: 1), allauth takes the Nth address from the right of X-Forwarded-For, the one our
# own proxy appended; anything a client wrote further left is ignored. 0 (direct): the
# header is never believed and REMOTE_ADDR counts.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("SITE_NAME", "CoachLearn")
# Staff must set up two-factor sign-in before using the admin (production default).
MFA_REQUIRED_FOR_STAFF = env_bool("MFA_REQUIRED_FOR_STAFF", not DEBUG and not TESTING)

# Mail is queued and sent by a background job (accounts/mail.py), through SMTP when
# EMAIL_HOST is set, otherwise printed by the worker and kept under var/mail/.
EMAIL_BACKEND = "accounts.mail.QueuedEmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    MAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    MAIL_DELIVERY_BACKEND = "accounts.mail.ConsoleAndFileBackend"
    EMAIL_FILE_PATH = Path(env_str("MAIL_FILE_DIR") or VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "CoachLearn <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Browser libraries the Makefile installs, pinned, from the npm registry: the files pages
# load are copied to var/vendor (hls.js).
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor", BASE_DIR / "var" / "vendor")]
STATIC_ROOT = Path(env_str("STATIC_ROOT") or VAR_DIR / "static")
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")
# Media (videos, posters, certificate PDFs): files under MEDIA_ROOT, or a private bucket on
# S3-compatible object storage (django-storages) when MEDIA_STORAGE=s3 or a bucket is named;
# with several app servers the bucket is the only media that all of them see.
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
MEDIA_STORAGE = env_str("MEDIA_STORAGE", "s3" if AWS_STORAGE_BUCKET_NAME else "local").lower()
if MEDIA_STORAGE not in {"local", "s3"}:
    raise ImproperlyConfigured("MEDIA_STORAGE must be local or s3")
# How long a presigned media address stays valid (seconds): long enough for one viewing's
# Range requests to start, short enough that a copied address is soon worthless.
MEDIA_URL_EXPIRY = env_int("MEDIA_URL_EXPIRY", 300)
if MEDIA_STORAGE == "s3":
    if not AWS_STORAGE_BUCKET_NAME:
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME")
    MEDIA_STORAGE_BACKEND = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "access_key": env_str("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
            "addressing_style": env_str("AWS_S3_ADDRESSING_STYLE") or None,
            "location": env_str("AWS_LOCATION"),
            "signature_version": "s3v4",
            # Private: no ACL on objects (the bucket's own policy, which should deny public
            # reads), every address signed and short-lived.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": MEDIA_URL_EXPIRY,
            # Names are ours and random (modules/media_files.py); a name that exists is the
            # same file again (a restore, a re-rendered certificate PDF).
            "file_overwrite": True,
        },
    }
else:
    MEDIA_STORAGE_BACKEND = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": MEDIA_STORAGE_BACKEND,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# The certificate fonts are read by WeasyPrint, not browsers: compressing them at every
# collectstatic (with brotli, which WeasyPrint's fonttools brings) only costs time.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "ttf", "otf"]

# How media files reach the browser: "django" streams them with Range support;
# "x-accel" hands the file to nginx after the access check (see README).
# "redirect" (the default with object storage) answers a 302 to a presigned address of the
# bucket, where Range requests go; no media byte passes through a worker.
MEDIA_SERVING = env_str("MEDIA_SERVING", "redirect" if MEDIA_STORAGE == "s3" else "django")
if MEDIA_SERVING not in {"django", "x-accel", "redirect"}:
    raise ImproperlyConfigured("MEDIA_SERVING must be django, x-accel or redirect")
if MEDIA_SERVING == "redirect" and MEDIA_STORAGE != "s3":
    raise ImproperlyConfigured("MEDIA_SERVING=redirect needs object storage (MEDIA_STORAGE=s3)")
MEDIA_ACCEL_PREFIX = env_str("MEDIA_ACCEL_PREFIX", "/protected-media/")

# Security headers. HTTPS is assumed in production and off in development and tests.
HTTPS = env_bool("HTTPS", not DEBUG and not TESTING)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"

if not DEBUG and not TESTING and SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured("SECRET_KEY is an insecure development key")

# Logs: one line per request (coachlearn/request_log.py) at INFO, everything else from
# LOG_LEVEL up; every line with UTC time, level, logger and the request's id, to stderr
# (gunicorn's and systemd's journal). TRUST_X_REQUEST_ID: take the id from the proxy's
# X-Request-ID header (only behind a proxy that sets or replaces it).
TRUST_X_REQUEST_ID = env_bool("TRUST_X_REQUEST_ID", False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "coachlearn.request_log.RequestIdFilter"},
        "once_per_interval": {"()": "coachlearn.request_log.OncePerInterval"},
    },
    "formatters": {"line": {"()": "coachlearn.request_log.LineFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "line",
            "filters": ["request_id"],
        }
    },
    "loggers": {
        "coachlearn.requests": {
            "level": "INFO" if env_bool("REQUEST_LOG", True) else "WARNING",
        },
        # Each cache call fails while Redis is away: said once every 10 s.
        "coachlearn.cache": {"filters": ["once_per_interval"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# Error reports (sentry-sdk, `pip install ".[sentry]"`) only when SENTRY_DSN is set.
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    from coachlearn.error_reports import init_error_reports

    init_error_reports(
        dsn=SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", "production"),
        release=env_str("SENTRY_RELEASE"),
    )

# Prometheus metrics at /metrics, for a scraper that sends "Authorization: Bearer
# METRICS_TOKEN"; without a token set, /metrics is 404 for everyone.
METRICS_TOKEN = env_str("METRICS_TOKEN")

# Authoring
# Largest video the admin form and `import_module` accept (bytes). A proxy in front of the app
# must allow request bodies this large too (nginx: client_max_body_size).
MAX_VIDEO_UPLOAD_BYTES = env_int("MAX_VIDEO_UPLOAD_BYTES", 2 * 10**9)
# Uploads larger than Django's 2.5 MB in-memory limit are streamed to temporary files here.
FILE_UPLOAD_TEMP_DIR = env_str("FILE_UPLOAD_TEMP_DIR") or None
# Where video processing works on local copies (modules/video_pipeline.py): room for a few
# times the largest upload. Each module's folder is emptied when its next run starts.
VIDEO_WORK_DIR = Path(env_str("VIDEO_WORK_DIR") or VAR_DIR / "work")
# Longest video the workers process (a crafted file may claim days).
MAX_VIDEO_SECONDS = env_int("MAX_VIDEO_SECONDS", 4 * 60 * 60)
# Largest request body anywhere but the admin (which takes the uploads above): forms, quiz
# answers and progress reports are kilobytes. Larger is 413 before anything is read.
MAX_REQUEST_BODY_BYTES = env_int("MAX_REQUEST_BODY_BYTES", 10**6)

# Security headers and CSP
# A strict Content-Security-Policy (django-csp 4): only our own scripts, styles, images,
# media and fonts. No inline scripts, handlers or style attributes anywhere, so neither
# 'unsafe-inline' nor 'unsafe-eval'; a page that ever needs an inline script gives it
# nonce="{{ request.csp_nonce }}" and the middleware adds that nonce to script-src.
# The Django admin and allauth's pages (JSON data blocks only) work under the same policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # data: for the two-factor QR code
        # blob: lets the admin read a chosen video's length before uploading it
        # (static/js/video_duration.js); only our own scripts can make blob: URLs.
        "media-src": ["'self'", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# With object storage the player and posters load from the bucket's origin (the presigned
# addresses our 302s point at): allowed for media and images, nothing else.
if MEDIA_STORAGE == "s3":
    from coachlearn.object_storage import bucket_origin

    MEDIA_ORIGIN = env_str("MEDIA_ORIGIN") or bucket_origin(
        bucket=AWS_STORAGE_BUCKET_NAME,
        endpoint_url=MEDIA_STORAGE_BACKEND["OPTIONS"]["endpoint_url"],
        region=MEDIA_STORAGE_BACKEND["OPTIONS"]["region_name"],
        addressing_style=MEDIA_STORAGE_BACKEND["OPTIONS"]["addressing_style"],
    )
    for _directive in ("media-src", "img-src"):
        CONTENT_SECURITY_POLICY["DIRECTIVES"][_directive].append(MEDIA_ORIGIN)
# Browser features the site never uses are switched off for it and anything it embeds;
# the video player keeps fullscreen, autoplay (after ?t=) and picture-in-picture.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "camera": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "payment": [],
    "usb": [],
    "autoplay": ["self"],
    "fullscreen": ["self"],
    "picture-in-picture": ["self"],
}
# No script reads the CSRF cookie (forms carry the token; fetch() takes it from the page).
CSRF_COOKIE_HTTPONLY = True
# Outermost after SecurityMiddleware, so that every response, the 503 page included, gets
# the headers; the database guard sits inside them and outside everything that may query.
_after_security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1
MIDDLEWARE[_after_security:_after_security] = [
    "csp.middleware.CSPMiddleware",
    "coachlearn.middleware.PermissionsPolicyMiddleware",
    "coachlearn.middleware.DatabaseUnavailableMiddleware",
    "coachlearn.middleware.UrlLengthLimitMiddleware",
]
# Longest request address (path and query string) the app answers; longer gets 414.
# nginx's default buffers (8 KB) and gunicorn's request line (4 KB) stop long addresses
# earlier; this bounds the work for any other way of serving, well above real searches.
MAX_URL_LENGTH = 64 * 1024
# How long a browser should wait before retrying while the database is unreachable.
DATABASE_UNAVAILABLE_RETRY_AFTER = 30

# Background jobs (coachlearn/jobs.py). Workers send a heartbeat every few seconds; jobs of
# a worker silent for JOBS_STALLED_AFTER_SECONDS are put back in the queue, checked every
# JOBS_STALLED_CHECK_SECONDS (a divisor of 60).
JOBS_HEARTBEAT_SECONDS = env_int("JOBS_HEARTBEAT_SECONDS", 5)
JOBS_STALLED_AFTER_SECONDS = env_int("JOBS_STALLED_AFTER_SECONDS", 60)
JOBS_STALLED_CHECK_SECONDS = env_int("JOBS_STALLED_CHECK_SECONDS", 30)
if 60 % JOBS_STALLED_CHECK_SECONDS:
    raise ImproperlyConfigured("JOBS_STALLED_CHECK_SECONDS must divide 60")
# Finished jobs are removed from the queue's table after this many hours.
JOBS_KEEP_HOURS = env_int("JOBS_KEEP_HOURS", 72)
PROCRASTINATE_WORKER_DEFAULTS = {
    "update_heartbeat_interval": JOBS_HEARTBEAT_SECONDS,
    "stalled_worker_timeout": JOBS_STALLED_AFTER_SECONDS,
}

# After a failed database connection, a worker answers 503 at once for this many seconds
# before it tries again (coachlearn/middleware.py); 0 turns the breaker off (in-process
# tests, which raise database errors on purpose and go on at once).
# Views that need no database, answered while the breaker is open: liveness must stay 200
# (a restart would not bring the database back), metrics show the outage.
DATABASE_FREE_PATHS = {"/healthz", "/metrics"}
DATABASE_BREAKER_SECONDS = env_float("DATABASE_BREAKER_SECONDS", 0 if TESTING else 2.0)
