"""Settings for Trust Center.

One file for every environment. Defaults run on a laptop with no configuration
(SQLite, local files, console email); production sets environment variables,
all listed in `.env.example`.
"""

import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from trustcenter.lib.env import env_bool, env_int, env_list, env_str
from trustcenter.lib.storage import private_storage_settings, s3_options

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random value "
            '(python -c "import secrets; print(secrets.token_urlsafe(50))"), or set DEBUG=1 '
            "for local development."
        )
    # Development only: keep one key per checkout so sessions survive a restart.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "dev-secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "trustcenter.core",
    "trustcenter.policies",
    "trustcenter.documents",  # reports and certificates, stamped downloads
    "trustcenter.access",  # the NDA, requests, grants: who may read what
    "trustcenter.exports",  # dated PDFs of policies and of the whole trust center
    "trustcenter.publicsite",  # the anonymous page cache, the static export
    # Accounts (allauth: email login, verification, MFA, session list) and the audit log.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    # Single sign-on with OpenID Connect identity providers (docs/sso.md).
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "trustcenter.accounts",
    "trustcenter.audit",
    "trustcenter.questionnaires",  # the answer library and the questionnaire assistant
    # Background jobs: Django's tasks API (the django-tasks backport) on the database queue.
    "django_tasks",
    "django_tasks_db",
    "trustcenter.jobs",
    "trustcenter.api",  # the JSON API, staff tokens, webhooks, engagement
    "trustcenter.updates",
]

MIDDLEWARE = [
    # Whole public pages for anonymous visitors, served before anything else runs; it also gives
    # every response a Cache-Control header (trustcenter/lib/pagecache.py). It replays responses
    # that went once through everything below, security headers included.
    "trustcenter.lib.pagecache.PageCacheMiddleware",
    # Security headers come first, so every response below gets them: static files, early errors
    # and SecurityMiddleware's own HTTP-to-HTTPS redirect, which answers without calling what follows it.
    "trustcenter.core.middleware.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "trustcenter.core.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Counts page views after the answer: anonymous ones only per page and day. Pages answered from
    # the page cache above never reach it; they are tallied per process (trustcenter/api/counts.py).
    "trustcenter.api.middleware.EngagementMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # after sessions (the language cookie), before CommonMiddleware
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "trustcenter.accounts.middleware.SsoMfaMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "trustcenter.core.middleware.SessionLifetimeMiddleware",
    "trustcenter.accounts.middleware.StaffMfaRequiredMiddleware",
    "trustcenter.core.middleware.RateLimitMiddleware",
]

ROOT_URLCONF = "trustcenter.urls"
WSGI_APPLICATION = "trustcenter.wsgi.application"

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
                "trustcenter.core.context_processors.site",
                "trustcenter.accounts.context_processors.account",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
        # A reused connection is tested before a request uses it, so a database restart costs
        # one reconnect instead of one failed request per worker.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the job worker share the file: WAL lets readers go on while one
    # writes, IMMEDIATE transactions take the write lock up front instead of failing half-way,
    # and a writer waits up to 20 s for the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=wal;", "transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Render each newly published policy's PDF (and the whole trust center's) in a job right
# after the publication, in every language, so no visitor waits for a cold render.
EXPORTS_PRERENDER = env_bool("EXPORTS_PRERENDER", True)

# Background jobs (docs/jobs.md). The queue is a table in the same database, so a job is
# enqueued in the transaction of the change that causes it and no other service is needed.
# `manage.py jobs_worker` runs them (`make run` starts one; production runs them as systemd units).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A job running longer than this is stopped and marked failed.
JOBS_TIME_LIMIT = env_int("JOBS_TIME_LIMIT_SECONDS", 300)
# Workers write a heartbeat this often; one silent for JOBS_WORKER_DEAD_AFTER is taken as dead
# and the jobs it was running are put back in the queue (or failed after JOBS_MAX_RUNS tries).
JOBS_HEARTBEAT_SECONDS = env_int("JOBS_HEARTBEAT_SECONDS", 5)
JOBS_WORKER_DEAD_AFTER = env_int("JOBS_WORKER_DEAD_AFTER_SECONDS", 60)
JOBS_MAX_RUNS = env_int("JOBS_MAX_RUNS", 3)
# Waits in seconds before each retry of a job that failed for a passing reason (mail server
# down, storage timeout); after the last one the job fails for good.
try:
    JOBS_RETRY_DELAYS = [int(v) for v in env_list("JOBS_RETRY_DELAYS", ["10", "60", "300", "1800", "7200"])]
except ValueError:
    raise ImproperlyConfigured("JOBS_RETRY_DELAYS must be whole seconds separated by commas") from None
if JOBS_HEARTBEAT_SECONDS < 1 or JOBS_WORKER_DEAD_AFTER < 3 * JOBS_HEARTBEAT_SECONDS or JOBS_TIME_LIMIT < 1:
    raise ImproperlyConfigured(
        "JOBS_HEARTBEAT_SECONDS and JOBS_TIME_LIMIT_SECONDS must be at least 1, and "
        "JOBS_WORKER_DEAD_AFTER_SECONDS at least three heartbeats"
    )

# Cache: local memory unless REDIS_URL is set. Redis holds everything that several processes
# and servers must share: rate-limit counters, PDF render locks, cached pages and sessions.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"REDIS_URL must start with redis://, rediss:// or unix://; got {REDIS_URL!r}")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "tc"),
            # A Redis outage must fail a request quickly, not hang a worker until gunicorn kills it.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    # Sessions are read from Redis and written through to the database, so they survive a
    # Redis restart and can still be found and ended per user (core.services.user_sessions_end).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "core.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Languages. The interface is in English and German, chosen from the language cookie
# (set by the switcher in the header, /language/<code>/) or else the browser's Accept-Language.
# Policy content stays as written. Translations: locale/<code>/LC_MESSAGES/django.po; the
# compiled .mo files are built by `make` (gettext's msgfmt), never committed.
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates read "1 June 2026" (trustcenter/lib/formats/en/formats.py) rather than Django's US default.
FORMAT_MODULE_PATH = ["trustcenter.lib.formats"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_HTTPONLY = True  # no script reads it
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = not DEBUG
# A __Host- cookie is only accepted over HTTPS for this exact host (see the session cookie).
LANGUAGE_COOKIE_NAME = "django_language" if DEBUG else "__Host-language"

# Static files: served by WhiteNoise, hashed and compressed when DEBUG is off.
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
WHITENOISE_USE_FINDERS = DEBUG
# Hashed files (name.0123abcd.css) are cached for ten years and marked immutable by WhiteNoise;
# the few unhashed ones (favicon) for a day.
WHITENOISE_MAX_AGE = 0 if DEBUG else env_int("STATIC_MAX_AGE", 86400)
MEDIA_ROOT = VAR_DIR / "media"
PRIVATE_ROOT = Path(env_str("PRIVATE_ROOT", str(VAR_DIR / "private")))
STORAGES = {
    # Private files: PRIVATE_ROOT, or an S3-compatible bucket when S3_BUCKET is set (trustcenter/lib/storage.py).
    "default": private_storage_settings(private_root=PRIVATE_ROOT),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}

# Content: Markdown policies and the company profile, published with `manage.py publish`.
CONTENT_DIR = Path(env_str("CONTENT_DIR", str(BASE_DIR / "content")))
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Email: every message is queued (trustcenter.jobs.mail) and sent by a job worker through
# EMAIL_DELIVERY_BACKEND: SMTP when EMAIL_HOST is set, printed to the worker's console otherwise.
EMAIL_BACKEND = "trustcenter.jobs.mail.QueuedEmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    # A mail server that stops answering fails the attempt (and it is retried) instead of holding the worker.
    EMAIL_TIMEOUT = 30
else:
    EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "trust@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security. Production-safe whenever DEBUG is off; see docs/threat-model.md.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Added by trustcenter.core.middleware.SecurityHeadersMiddleware to every response.
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), fullscreen=(), "
    "geolocation=(), gyroscope=(), hid=(), idle-detection=(), magnetometer=(), microphone=(), midi=(), "
    "payment=(), picture-in-picture=(), publickey-credentials-create=(self), publickey-credentials-get=(self), "
    "screen-wake-lock=(), serial=(), "
    "usb=(), xr-spatial-tracking=()"
)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# No JavaScript of ours reads the CSRF token; forms carry it in a hidden field.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# Sessions must be stored on the server (db or cached_db, never signed_cookies): ending them on
# sign-out, password change and deactivation relies on deleting them there.
# Sessions end after this long without a request, and this long after sign-in whatever happens
# (trustcenter.core.middleware.SessionLifetimeMiddleware).
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT_MINUTES", 60) * 60
SESSION_ABSOLUTE_LIFETIME = env_int("SESSION_MAX_AGE_HOURS", 12) * 3600
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_LIFETIME
if SESSION_IDLE_TIMEOUT <= 0 or SESSION_ABSOLUTE_LIFETIME <= 0:
    raise ImproperlyConfigured("SESSION_IDLE_TIMEOUT_MINUTES and SESSION_MAX_AGE_HOURS must be at least 1")
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    if SECURE_HSTS_SECONDS < 31536000:
        raise ImproperlyConfigured("SECURE_HSTS_SECONDS must be at least 31536000 (one year)")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # `__Host-` cookies are only accepted by browsers when Secure, Path=/ and without Domain:
    # no subdomain can set or overwrite them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    if not SECURE_HSTS_PRELOAD:
        # Preloading is a commitment for the whole registered domain that is slow to undo, so it is
        # opt-in (SECURE_HSTS_PRELOAD=1); without it `check --deploy` would always warn.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Health probes from a load balancer often arrive over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies in front of the app append to X-Forwarded-For. 0: use the TCP peer
# address. Set it to the exact number, or clients can choose the IP they are rate-limited as.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Request size limits. Bodies over the limit for their path get 413 before anything reads them;
# the admin takes document uploads of up to 50 MB (plus 1 MB for the rest of the form).
REQUEST_BODY_MAX_BYTES = env_int("REQUEST_BODY_MAX_BYTES", 1024 * 1024)
REQUEST_BODY_LIMITS = {"/admin/": env_int("ADMIN_REQUEST_MAX_BYTES", 51 * 1024 * 1024)}
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # form fields, not counting files
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # larger uploads are streamed to a temporary file
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500
DATA_UPLOAD_MAX_NUMBER_FILES = 10

# Questionnaires: the answer library and the questionnaire assistant.
# An approved answer is flagged stale this many months after its last review.
ANSWER_REVIEW_MONTHS = env_int("ANSWER_REVIEW_MONTHS", 12)
# Suggestions below this confidence (0-100) mark a question "needs an expert".
QUESTIONNAIRE_EXPERT_THRESHOLD = env_int("QUESTIONNAIRE_EXPERT_THRESHOLD", 70)
# The library's sentence vectors, by a hash of each text (questionnaires/services.py).
QUESTIONNAIRE_VECTORS_FILE = VAR_DIR / "questionnaire-vectors.npz"
QUESTIONNAIRE_MAX_UPLOAD_BYTES = env_int("QUESTIONNAIRE_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
QUESTIONNAIRE_MAX_QUESTIONS = 2000
# Limits on a workbook, checked while it is read in the import job (docs/jobs.md: the largest
# common questionnaires are far inside them); a file over one is refused with its numbers.
QUESTIONNAIRE_MAX_UNPACKED_BYTES = env_int("QUESTIONNAIRE_MAX_UNPACKED_BYTES", 50 * 1024 * 1024)
QUESTIONNAIRE_MAX_ROWS = env_int("QUESTIONNAIRE_MAX_ROWS", 20_000)
QUESTIONNAIRE_MAX_COLUMNS = env_int("QUESTIONNAIRE_MAX_COLUMNS", 200)
QUESTIONNAIRE_MAX_CELLS = env_int("QUESTIONNAIRE_MAX_CELLS", 500_000)
QUESTIONNAIRE_IMPORT_SECONDS = env_int("QUESTIONNAIRE_IMPORT_SECONDS", 120)
# Uploads are checked against QUESTIONNAIRE_MAX_UPLOAD_BYTES with a clear message; the body
# limit leaves room for the rest of the form so that check is reached.
REQUEST_BODY_LIMITS["/staff/questionnaires/new/"] = QUESTIONNAIRE_MAX_UPLOAD_BYTES + 1024 * 1024
REQUEST_BODY_LIMITS["/api/v1/staff/questionnaires"] = QUESTIONNAIRE_MAX_UPLOAD_BYTES + 1024 * 1024

# Abuse limits (trustcenter/lib/ratelimit.py): "count/period" per scope, period s, m, h or d.
# Counters live in the default cache, which must be shared by all processes (Redis) in production.
RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
RATE_LIMITS = {
    "search": env_str("RATE_LIMIT_SEARCH", "60/m"),
    "pdf_export": env_str("RATE_LIMIT_PDF_EXPORT", "20/h"),
    "access_request_user": env_str("RATE_LIMIT_ACCESS_REQUEST_USER", "5/h"),
    "access_request_ip": env_str("RATE_LIMIT_ACCESS_REQUEST_IP", "20/h"),
    "download_user": env_str("RATE_LIMIT_DOWNLOAD_USER", "30/h"),
    "api_public": env_str("RATE_LIMIT_API_PUBLIC", "120/m"),
    "api_token": env_str("RATE_LIMIT_API_TOKEN", "600/m"),
    "subscribe_ip": env_str("RATE_LIMIT_SUBSCRIBE_IP", "10/h"),
    "subscribe_address": env_str("RATE_LIMIT_SUBSCRIBE_ADDRESS", "3/h"),
    "objection_user": env_str("RATE_LIMIT_OBJECTION_USER", "10/h"),
}

# Documents and gated access. Uploads are refused above this size; the
# admin request body limit (ADMIN_REQUEST_MAX_BYTES) must stay above it.
DOCUMENT_MAX_UPLOAD_BYTES = env_int("DOCUMENT_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)
# How long an approved access grant lasts unless the organization or the reviewer says otherwise.
ACCESS_GRANT_DAYS = env_int("ACCESS_GRANT_DAYS", 365)
# How long an invitation link can be used (once).
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 7)
# Addresses at these domains never match an organization and are never approved automatically:
# anyone can have one. Replace the list with FREE_MAIL_DOMAINS=a.example,b.example.
FREE_MAIL_DOMAINS = env_list(
    "FREE_MAIL_DOMAINS",
    [
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com",
        "ymail.com", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com", "pm.me",
        "gmx.de", "gmx.net", "gmx.com", "web.de", "t-online.de", "mail.com", "yandex.com", "yandex.ru",
        "zoho.com", "fastmail.com", "tutanota.com", "hey.com", "qq.com", "163.com", "mail.ru",
    ],
)  # fmt: skip
if ACCESS_GRANT_DAYS < 1 or INVITATION_VALID_DAYS < 1:
    raise ImproperlyConfigured("ACCESS_GRANT_DAYS and INVITATION_VALID_DAYS must be at least 1")

# Content-Security-Policy (django-csp): nothing inline, nothing from other hosts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Performance (docs/performance.md): whole public pages are cached for visitors who are not
# signed in, keyed by the latest publication (trustcenter/lib/pagecache.py). A write to any model
# of PUBLICATION_APPS starts a new publication; add an app there when its rows appear on public pages.
PUBLIC_PAGE_CACHE = env_bool("PUBLIC_PAGE_CACHE", True)
PUBLIC_PAGE_CACHE_SECONDS = env_int("PUBLIC_PAGE_CACHE_SECONDS", 24 * 3600)
# Each process asks the shared cache for the latest publication at most this often.
PUBLIC_PAGE_CHECK_SECONDS = env_int("PUBLIC_PAGE_CHECK_SECONDS", 1)
# How long browsers and shared caches (nginx, a CDN) may keep an anonymous public page, and serve
# it stale while they fetch a fresh one: a publication reaches every copy within the sum of the three.
PUBLIC_PAGE_MAX_AGE = env_int("PUBLIC_PAGE_MAX_AGE", 60)
PUBLIC_PAGE_STALE_SECONDS = env_int("PUBLIC_PAGE_STALE_SECONDS", 30)
if min(PUBLIC_PAGE_CHECK_SECONDS, PUBLIC_PAGE_MAX_AGE, PUBLIC_PAGE_STALE_SECONDS) < 0:
    raise ImproperlyConfigured(
        "PUBLIC_PAGE_CHECK_SECONDS, PUBLIC_PAGE_MAX_AGE and PUBLIC_PAGE_STALE_SECONDS must be 0 or more"
    )
PUBLICATION_APPS = ["policies", "documents", "questionnaires"]
# Updates and subscriptions (docs/updates.md). Notices are mailed in batches of this many
# messages, one SMTP connection per batch; a batch the mail server refuses is retried this many
# times in all, waiting UPDATES_MAIL_RETRY_SECONDS, then twice as long each time (when the queue can wait).
UPDATES_MAIL_BATCH_SIZE = env_int("UPDATES_MAIL_BATCH_SIZE", 100)
UPDATES_MAIL_MAX_ATTEMPTS = env_int("UPDATES_MAIL_MAX_ATTEMPTS", 5)
UPDATES_MAIL_RETRY_SECONDS = env_int("UPDATES_MAIL_RETRY_SECONDS", 60)
# How long a subscription confirmation link works.
UPDATES_CONFIRM_HOURS = env_int("UPDATES_CONFIRM_HOURS", 48)
if UPDATES_MAIL_BATCH_SIZE < 1 or UPDATES_MAIL_MAX_ATTEMPTS < 1 or UPDATES_CONFIRM_HOURS < 1:
    raise ImproperlyConfigured(
        "UPDATES_MAIL_BATCH_SIZE, UPDATES_MAIL_MAX_ATTEMPTS and UPDATES_CONFIRM_HOURS must be at least 1"
    )

# Accounts: django-allauth with email as the login, mandatory email
# verification and MFA. See docs/access.md.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_ADAPTER = "trustcenter.accounts.adapter.AccountAdapter"
MFA_ADAPTER = "trustcenter.accounts.adapter.MFAAdapter"
ACCOUNT_ALLOW_SIGNUP = env_bool("ACCOUNT_ALLOW_SIGNUP", True)
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False  # a mail scanner following the link must not confirm the address
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_PREVENT_ENUMERATION = True  # sign-up and password reset never say whether an address exists
ACCOUNT_LOGOUT_ON_GET = False  # signing out is a POST with a CSRF token
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_SESSION_REMEMBER = False  # no "remember me"; the absolute session lifetime applies to everyone
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False  # this session stays; trustcenter.accounts ends all the others
ACCOUNT_EMAIL_NOTIFICATIONS = True  # mail the user when their password, email or MFA changes
ACCOUNT_REAUTHENTICATION_REQUIRED = True  # email changes need a recent sign-in, like password and MFA
ACCOUNT_REAUTHENTICATION_TIMEOUT = env_int("ACCOUNT_REAUTHENTICATION_TIMEOUT", 300)
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# allauth's limits, counted in the default cache (Redis in production, shared by all workers).
# "login_failed" is per IP only: a per-address limit would let anyone lock its owner out. Per
# account, failures slow sign-in down instead (trustcenter.accounts.lockout, ACCOUNT_LOCKOUT_*).
ACCOUNT_RATE_LIMITS = {
    "login": env_str("ACCOUNT_RATE_LIMIT_LOGIN", "30/m/ip"),
    "login_failed": env_str("ACCOUNT_RATE_LIMIT_LOGIN_FAILED", "10/m/ip"),
    "signup": env_str("ACCOUNT_RATE_LIMIT_SIGNUP", "20/h/ip"),
    "reset_password": env_str("ACCOUNT_RATE_LIMIT_RESET_PASSWORD", "20/h/ip,3/h/key"),
    "reset_password_from_key": "20/h/ip",
    "change_password": "5/h/user",
    "manage_email": "10/h/user",
    "reauthenticate": "10/h/user",
    "confirm_email": "1/3m/key",
}
if not RATELIMIT_ENABLED:
    ACCOUNT_RATE_LIMITS = False
# Failed sign-ins per account before each further one doubles the wait (from 30 s up to the
# maximum); the owner is mailed an unlock link for their browser and the security admins are told.
ACCOUNT_LOCKOUT_THRESHOLD = env_int("ACCOUNT_LOCKOUT_THRESHOLD", 5)
ACCOUNT_LOCKOUT_BASE_DELAY = 30
ACCOUNT_LOCKOUT_MAX_DELAY = env_int("ACCOUNT_LOCKOUT_MAX_DELAY", 900)
ACCOUNT_LOCKOUT_WINDOW = 3600  # seconds a count of failures is kept after the last one
ACCOUNT_LOCKOUT_UNLOCK_SECONDS = 86400  # how long an unlock link, and the browser cookie it sets, are valid
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT  # allauth's per-IP limits see the same client IP as ours
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]  # no WebAuthn: its pages need inline script
MFA_REAUTHENTICATION_REQUIRED = True
MFA_RECOVERY_CODE_COUNT = 10
# Off: tracking "last seen" would write to the database on every signed-in request.
USERSESSIONS_TRACK_ACTIVITY = False
# Single sign-on (docs/sso.md): OpenID Connect identity providers through allauth. SSO_PROVIDERS names
# them; each is configured by SSO_<ID>_ISSUER, SSO_<ID>_CLIENT_ID, SSO_<ID>_CLIENT_SECRET and optionally
# SSO_<ID>_NAME (ID upper-cased, "-" as "_"). One may be the company's (SSO_STAFF_PROVIDER); the others
# are assigned to organizations in the admin.
SOCIALACCOUNT_ADAPTER = "trustcenter.accounts.adapter.SocialAccountAdapter"


def _sso_providers() -> list[dict]:
    import re

    apps = []
    for provider_id in env_list("SSO_PROVIDERS"):
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", provider_id):
            raise ImproperlyConfigured(
                f"SSO_PROVIDERS: {provider_id!r} is not a valid provider id (lower-case letters, digits, dashes)"
            )
        prefix = "SSO_" + provider_id.upper().replace("-", "_") + "_"
        issuer, client_id, secret = (env_str(prefix + part) for part in ("ISSUER", "CLIENT_ID", "CLIENT_SECRET"))
        if not (issuer and client_id and secret):
            raise ImproperlyConfigured(
                f"SSO provider {provider_id!r} needs {prefix}ISSUER, {prefix}CLIENT_ID and {prefix}CLIENT_SECRET"
            )
        if not issuer.startswith("https://") and not DEBUG:
            raise ImproperlyConfigured(f"{prefix}ISSUER must be an https:// URL; got {issuer!r}")
        apps.append(
            {
                "provider_id": provider_id,
                "name": env_str(prefix + "NAME", provider_id),
                "client_id": client_id,
                "secret": secret,
                "settings": {"server_url": issuer.rstrip("/")},
            }
        )
    return apps


SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": _sso_providers(), "OAUTH_PKCE_ENABLED": True}}
SSO_STAFF_PROVIDER = env_str("SSO_STAFF_PROVIDER")
SSO_STAFF_ONLY = env_bool("SSO_STAFF_ONLY", False)
_sso_ids = {app["provider_id"] for app in SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"]}
if SSO_STAFF_PROVIDER and SSO_STAFF_PROVIDER not in _sso_ids:
    raise ImproperlyConfigured(f"SSO_STAFF_PROVIDER {SSO_STAFF_PROVIDER!r} is not one of SSO_PROVIDERS")
if SSO_STAFF_ONLY and not SSO_STAFF_PROVIDER:
    raise ImproperlyConfigured("SSO_STAFF_ONLY=1 needs SSO_STAFF_PROVIDER, the company's identity provider")
# An SSO sign-in counts as MFA only when the ID token's `amr` holds one of these (RFC 8176), or
# its `acr` is one of SSO_MFA_ACR; otherwise TOTP is asked as after a password.
SSO_MFA_AMR = env_list("SSO_MFA_AMR", ["mfa", "otp", "hwk"])
SSO_MFA_ACR = env_list("SSO_MFA_ACR")
# SSO signs in accounts by their verified address; only accounts the provider may speak for
# (see trustcenter/accounts/adapter.py): staff for the company's provider, an organization's
# people for its provider.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"  # the provider verified it (email_verified), or sign-in is refused
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False  # starting a sign-in is a POST with a CSRF token
SOCIALACCOUNT_STORE_TOKENS = False

# Staff (sales, security admins, anyone with is_staff) must have MFA before pages under these
# prefixes open (trustcenter.accounts.middleware.StaffMfaRequiredMiddleware).
STAFF_PATH_PREFIXES = ["/admin/", "/staff/"]


# Audit log: a hash chain keyed with AUDIT_HMAC_KEY (kept outside the database), anchored by signed
# checkpoints written where the database role cannot change them. See docs/audit.md.
def _audit_hmac_key() -> str:
    key = env_str("AUDIT_HMAC_KEY")
    if key:
        if len(key) < 32:
            raise ImproperlyConfigured("AUDIT_HMAC_KEY must be at least 32 characters; use secrets.token_urlsafe(50)")
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "AUDIT_HMAC_KEY is not set. Set it to a long random value, kept outside the database and "
            'backed up apart from it (python -c "import secrets; print(secrets.token_urlsafe(50))"), or set '
            "DEBUG=1 for local development."
        )
    # Development only: derived from SECRET_KEY (var/dev-secret-key), which also lives outside the
    # database. Changing SECRET_KEY therefore breaks the chain; production sets its own key.
    import hashlib
    import hmac

    return hmac.new(SECRET_KEY.encode(), b"trustcenter audit key for development", hashlib.sha256).hexdigest()


AUDIT_HMAC_KEY = _audit_hmac_key()
AUDIT_CHECKPOINTS = env_list("AUDIT_CHECKPOINTS", ["file"])
if not AUDIT_CHECKPOINTS or set(AUDIT_CHECKPOINTS) - {"file", "s3", "syslog"}:
    raise ImproperlyConfigured(
        f"AUDIT_CHECKPOINTS must list one or more of file, s3, syslog; got {env_str('AUDIT_CHECKPOINTS')!r}"
    )
# A checkpoint after every this many events (written once the transaction commits), besides
# `manage.py audit_checkpoint` run by a timer (deploy/trustcenter-audit-checkpoint.timer).
AUDIT_CHECKPOINT_EVERY = env_int("AUDIT_CHECKPOINT_EVERY", 100)
if AUDIT_CHECKPOINT_EVERY < 1:
    raise ImproperlyConfigured("AUDIT_CHECKPOINT_EVERY must be at least 1")
AUDIT_CHECKPOINT_FILE = Path(env_str("AUDIT_CHECKPOINT_FILE", str(VAR_DIR / "audit" / "checkpoints.jsonl")))
AUDIT_CHECKPOINT_S3 = None
if "s3" in AUDIT_CHECKPOINTS:
    _checkpoint_bucket = env_str("AUDIT_CHECKPOINT_S3_BUCKET")
    if not _checkpoint_bucket:
        raise ImproperlyConfigured("AUDIT_CHECKPOINTS includes s3, so AUDIT_CHECKPOINT_S3_BUCKET must name a bucket")
    # Same endpoint and keys as private storage (S3_*); never overwrites an object.
    AUDIT_CHECKPOINT_S3 = s3_options(
        bucket=_checkpoint_bucket, location=env_str("AUDIT_CHECKPOINT_S3_PREFIX", "audit-checkpoints")
    )
AUDIT_CHECKPOINT_SYSLOG = env_str("AUDIT_CHECKPOINT_SYSLOG", "/dev/log")

# Background tasks: TASKS, the database queue, is set above with the other job settings (docs/jobs.md).

# API and webhooks (docs/api.md).
# Personal API tokens last at most this many days.
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 365)
# Webhook endpoints may be on private, loopback or link-local addresses, and use plain http.
# For development and tests only: in production it lets staff make the server call internal services.
WEBHOOK_ALLOW_PRIVATE_NETWORKS = env_bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS", False)
# Seconds to wait for a webhook receiver to answer.
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
# Engagement events (who read and downloaded what) older than this many months are purged by
# `manage.py engagement_purge` (run daily by a timer).
ENGAGEMENT_RETENTION_MONTHS = env_int("ENGAGEMENT_RETENTION_MONTHS", 13)
# Count page views (anonymous ones only as a number per page and day, in the cache).
ENGAGEMENT_COUNT_PAGES = env_bool("ENGAGEMENT_COUNT_PAGES", True)
if API_TOKEN_MAX_DAYS < 1 or WEBHOOK_TIMEOUT_SECONDS < 1 or ENGAGEMENT_RETENTION_MONTHS < 1:
    raise ImproperlyConfigured(
        "API_TOKEN_MAX_DAYS, WEBHOOK_TIMEOUT_SECONDS and ENGAGEMENT_RETENTION_MONTHS must be at least 1"
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
