"""The one settings module. The environment makes production differ (see README)."""

import hashlib
import os
import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DEBUG", default=False)
# With DEBUG: show Django's technical error pages in the browser instead of the portal's.
DEBUG_TECHNICAL_ERRORS = env.bool("DEBUG_TECHNICAL_ERRORS", default=False)
TESTING = "pytest" in sys.modules
# Set by wsgi.py/asgi.py (and true for runserver): this process answers requests.
SERVING = os.environ.get("CHENGJIANG_SERVING") == "1" or "runserver" in sys.argv
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if SERVING and not DEBUG:
        # No default when DEBUG is off: a server must be given its own key.
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    if DEBUG or TESTING:
        SECRET_KEY = "dev-only-insecure-key-not-for-production-0123456789abcdefghijkl"
    else:
        # A one-off management command (migrate, backup, makemigrations …) signs nothing that
        # outlives it, so it gets a throwaway random key rather than a known one.
        from django.core.management.utils import get_random_secret_key

        SECRET_KEY = get_random_secret_key()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "import_export",
    "axes",
    "auditlog",
    "csp",
    "chengjiang",
    "chengjiang.accounts",
    "chengjiang.jobs",
    "branches",
    "cadres",
    "training",
    "chengjiang.worktasks",
]

MIDDLEWARE = [
    # First: every later layer (axes, auditlog) sees the same, proxy-aware client address.
    "chengjiang.middleware.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The idle timeout: an active session's expiry moves forward at most once a minute.
    "chengjiang.middleware.SessionRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Dashboards, reports and exports read from the replica (REPLICA_READ_VIEWS).
    "chengjiang.db_router.ReplicaReadsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Django's LoginRequiredMiddleware, keeping a form posted after the session expired.
    "chengjiang.drafts.DraftKeepingLoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last, so every layer above adds its headers (CSP, frame options) to the page it returns:
    # the portal's Chinese 403/404/500 pages also under DEBUG (the demo runs with DEBUG=1).
    "chengjiang.error_pages.PortalErrorPagesMiddleware",
]

ROOT_URLCONF = "chengjiang.urls"

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
                "chengjiang.context_processors.portal",
                "chengjiang.drafts.kept_draft",
            ],
        },
    },
]

WSGI_APPLICATION = "chengjiang.wsgi.application"

# SQLite under var/ when no DATABASE_URL is set; PostgreSQL in production and in CI.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves one office's concurrent users (issue 14: simultaneous approvals
    # answered "database is locked", readers failed during a long import):
    # - WAL: readers never wait for a writer, and a writer never waits for readers;
    # - IMMEDIATE: a transaction takes the write lock at BEGIN, so two writers queue on the busy
    #   timeout instead of one failing at once when it upgrades a read lock (SQLite's deadlock
    #   rule skips the busy handler there);
    # - a busy timeout long enough for an import; synchronous=NORMAL is safe with WAL.
    _sqlite = DATABASES["default"].setdefault("OPTIONS", {})
    _sqlite.setdefault("timeout", env.int("SQLITE_TIMEOUT", default=30))
    _sqlite.setdefault("transaction_mode", "IMMEDIATE")
    _sqlite.setdefault(
        "init_command",
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    )
    _sqlite_name = str(DATABASES["default"].get("NAME") or "")
    if _sqlite_name and _sqlite_name != ":memory:" and not _sqlite_name.startswith("file:"):
        # A fresh clone has no var/: SQLite creates the file but not its folder.
        Path(_sqlite_name).parent.mkdir(parents=True, exist_ok=True)
# Behind PgBouncer in transaction mode (PGBOUNCER=1) a connection may serve another client
# between two transactions: no server-side cursors (they outlive a transaction), no prepared
# statements (psycopg prepares a statement on one server connection and reuses its name on
# another). CONN_MAX_AGE keeps connections open between requests (0: one per request).
PGBOUNCER = env.bool("PGBOUNCER", default=False)
CONN_MAX_AGE = env.int("CONN_MAX_AGE", default=0)


def _postgres_options(database: dict) -> dict:
    if database["ENGINE"] == "django.db.backends.postgresql":
        database["CONN_MAX_AGE"] = CONN_MAX_AGE
        database["CONN_HEALTH_CHECKS"] = CONN_MAX_AGE > 0
        if PGBOUNCER:
            database["DISABLE_SERVER_SIDE_CURSORS"] = True
            database.setdefault("OPTIONS", {})["prepare_threshold"] = None
    return database


_postgres_options(DATABASES["default"])
# An optional read replica (streaming replication of the primary): dashboards, reports and
# exports read from it inside ``chengjiang.db_router.read_from_replica()``; every write, and every
# read outside that block, goes to the primary (chengjiang/db_router.py).
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = _postgres_options(env.db_url_config(DATABASE_REPLICA_URL))
if TESTING:
    # Tests point both aliases at one server: the replica alias mirrors the test database.
    DATABASES.setdefault("replica", {**DATABASES["default"]})["TEST"] = {"MIRROR": "default"}
# Reads of the views below go to the replica (off in tests unless a test turns it on).
REPLICA_READS = env.bool("REPLICA_READS", default=bool(DATABASE_REPLICA_URL) and not TESTING)
REPLICA_READ_VIEWS = {
    "worktasks:dashboard",
    "worktasks:drilldown",
    "worktasks:report",
    "worktasks:report_current",
    "worktasks:report_docx",
    "worktasks:progress_xlsx",
}
DATABASE_ROUTERS = ["chengjiang.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# The organisation tree everyone scopes by, and its villages (the branches app owns them); the
# shared layer and worktasks resolve them by these names, never by importing branches.
SCOPE_TREE_MODEL = "branches.Organization"
SCOPE_VILLAGE_MODEL = "branches.Village"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "branches:home"
LOGOUT_REDIRECT_URL = "login"

# Caches: in-process by default; Redis when REDIS_URL is set (several app servers).
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    # One machine: a file cache under var/ is shared by every worker process, so the dashboard's
    # cached progress is invalidated for all of them at once (tests use a per-process cache).
    CACHES = {
        "default": (
            {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
            if TESTING
            else {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(BASE_DIR / "var" / "cache"),
            }
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and not TESTING:
        # The embedded database has one writer at a time, and a long import job holds it for
        # its whole transaction: a session saved in the database on every request would wait
        # for it (the job's progress bar would stop, pages would fail with "database is
        # locked"). Sessions live in files under var/ instead: a request writes no row.
        SESSION_ENGINE = "django.contrib.sessions.backends.file"
        SESSION_FILE_PATH = str(BASE_DIR / "var" / "sessions")
        Path(SESSION_FILE_PATH).mkdir(parents=True, exist_ok=True)

# Cached figures are keyed by the database they came from: two databases served from one
# checkout (the demo and a scale copy) or one Redis never read each other's figures. The app
# servers and the workers of one portal compute the same prefix from the same settings
# (CACHE_KEY_PREFIX sets it outright).
_db = DATABASES["default"]
CACHES["default"]["KEY_PREFIX"] = env.str(
    "CACHE_KEY_PREFIX",
    default=hashlib.sha256(
        "|".join(str(_db.get(k) or "") for k in ("ENGINE", "NAME", "HOST", "PORT")).encode()
    ).hexdigest()[:12],
)

# Long work (chengjiang/jobs): on Celery workers when a broker is configured (CELERY_BROKER_URL,
# else REDIS_URL), else in a background thread of the app process that started it ("thread").
# JOBS_BACKEND=eager runs a job inside the request that starts it (tests, debugging).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
JOBS_BACKEND = env.str("JOBS_BACKEND", default="celery" if CELERY_BROKER_URL else "thread")
if JOBS_BACKEND not in ("celery", "thread", "eager"):
    raise ImproperlyConfigured("JOBS_BACKEND must be celery, thread or eager.")
CELERY_TASK_IGNORE_RESULT = True  # the job's row holds its status, progress and result
CELERY_TASK_ACKS_LATE = True  # a worker that dies mid-job leaves it to be run again
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # long tasks: a worker takes one at a time
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="chengjiang")
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Redis hands an unacknowledged task to another worker after this long: longer than any job,
# so a long import is not run twice (a worker that died is noticed by the job's silence).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=6 * 3600)
}
# Above this many rows (or organisations in the scope, for the year-end files) a download is made
# by a job with a progress page instead of inside the request.
JOB_SYNC_MAX_ROWS = env.int("JOB_SYNC_MAX_ROWS", default=2000)
JOB_SYNC_MAX_ORGS = env.int("JOB_SYNC_MAX_ORGS", default=500)
# `manage.py prune_jobs` removes finished jobs (and their files) older than this.
JOB_RETENTION_DAYS = env.int("JOB_RETENTION_DAYS", default=30)
# A running job that has not reported progress for this long is shown as interrupted.
JOB_STALE_SECONDS = env.int("JOB_STALE_SECONDS", default=15 * 60)
# Hooks to other parts of the portal, by dotted path (a job of that kind fails in Chinese while
# the function does not exist): the streamed bulk import and the dashboard's summary rebuild.
JOB_IMPORT_FUNCTION = env.str("JOB_IMPORT_FUNCTION", default="chengjiang.bulkimport.import_rows")
JOB_REBUILD_SUMMARIES_FUNCTION = env.str(
    "JOB_REBUILD_SUMMARIES_FUNCTION", default="chengjiang.worktasks.summary.rebuild_summaries"
)

# Sessions end after idle time (seconds) and when the browser closes: activity moves the expiry
# forward, so SESSION_COOKIE_AGE is an idle timeout. Not by saving on every request
# (SESSION_SAVE_EVERY_REQUEST: three queries and a disk flush per page) but at most once per
# SESSION_REFRESH_SECONDS (chengjiang.middleware.SessionRefreshMiddleware).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_REFRESH_SECONDS = 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Uploaded files are never served as static files: only through scope-checked views.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media-not-served/"

UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)
UPLOAD_MAX_FILES = env.int("UPLOAD_MAX_FILES", default=6)
# Excel/CSV imports (chengjiang/importexport.py): a larger file or more rows is refused in Chinese
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=5000)
# Registers with a bulk importer (members, meetings) import every upload as background jobs
# (preview, then confirm): up to these limits (chengjiang/bulkimport.py reads the rows one).
IMPORT_JOB_MAX_BYTES = env.int("IMPORT_JOB_MAX_BYTES", default=50 * 1024 * 1024)
BULK_IMPORT_MAX_ROWS = env.int("BULK_IMPORT_MAX_ROWS", default=200_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
# chengjiang/importexport.py escapes all six formula starters (= + - @ tab CR) itself; the
# library's own option only handles "=" and turns every xlsx cell into text.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False

# Login protection (django-axes): lock account+address after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The number of reverse proxies in front of the app server (nginx: 1). The client's address is
# the X-Forwarded-For entry PROXY_COUNT places from the right; with 0 the header is ignored.
# django-axes 8 would read it through django-ipware (AXES_IPWARE_PROXY_COUNT), which is not
# installed, so axes would silently fall back to REMOTE_ADDR (the proxy): we give axes the same
# callable the audit trail uses (chengjiang/middleware.py).
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "chengjiang.middleware.client_ip"
AXES_VERBOSE = True
# Every failed attempt is kept (who tried which username, from where, when), not only the counter.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "chengjiang.accounts.lockout.lockout_response"

# Audit trail.
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False
# Masked fields (mask_fields=[...]) in diffs use the portal's own masks (ID: 341802********1234,
# phone: 138****5678) instead of auditlog's "first half starred", which would keep the birth date.
AUDITLOG_MASK_CALLABLE = "chengjiang.personal_data.mask_for_audit"
# Audit entries younger than this are never pruned (Cybersecurity Law art. 21: at least six
# months); `manage.py prune_audit_log` keeps AUDIT_RETENTION_DAYS by default.
AUDIT_MIN_RETENTION_DAYS = 180
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=365)

# Backups (manage.py backup / restore; make backup / make restore).
BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(BASE_DIR / "var" / "backups")))

# Security headers.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
BEHIND_HTTPS = env.bool("BEHIND_HTTPS", default=False)
if BEHIND_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

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
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "django": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
        # Every failed login and every lock-out (axes logs both at WARNING; the username and
        # address are starred in log lines and kept in full in the AccessFailureLog table).
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # chengjiang.personal_data: who viewed which personal field of which record (never the
        # value itself).
        "chengjiang": {"handlers": ["console"], "level": "INFO"},
    },
}

ADMIN_SITE_HEADER = _("Chengjiang Party-building portal")
OFFICE_NAME = env.str("OFFICE_NAME", default="中共澄江街道工作委员会")  # signs the summary .docx
