"""Settings of the Ozgeris Ustasy portal.

Every value comes from the environment, with a default that works on a laptop:
with no variables set the portal runs on SQLite under ``var/``, runs Celery
tasks inline, caches in local memory and writes mail to the console and to
``var/mail/``. ``DATABASE_URL`` and ``REDIS_URL`` switch on the real stack;
``DJANGO_ENV=production`` switches on the deployment checks.
"""

import ipaddress
import math
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("OZGERIS_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_number(name, default, kind=int):
    """A count, a limit or a duration from the environment: ``kind`` (int or float) of the
    variable, ``default`` when it is unset or blank. A value that is not a number, or is
    negative, stops the start with the variable's name, not a bare ValueError from deep in
    the settings."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = kind(value)
    except ValueError:
        expected = "a whole number" if kind is int else "a number"
        raise ImproperlyConfigured(f"{name} must be {expected}, not {value!r}") from None
    if not math.isfinite(number) or number < 0:  # float("nan") and float("inf") parse
        raise ImproperlyConfigured(f"{name} must be a finite number, not negative: {value!r}")
    return number


# ---------------------------------------------------------------------------
# Environment and security
# ---------------------------------------------------------------------------

# Only these two: anything else ("Production", "prod") would otherwise quietly be development,
# with DEBUG on, the public development SECRET_KEY and no secure cookies, HSTS or two-factor
# sign-in for staff, and the deployment checks passing. Blank is unset, like every other value.
DJANGO_ENVIRONMENTS = ("development", "production")
DJANGO_ENV = os.environ.get("DJANGO_ENV") or "development"
if DJANGO_ENV not in DJANGO_ENVIRONMENTS:
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be one of {', '.join(DJANGO_ENVIRONMENTS)} (lower case), "
        f"not {DJANGO_ENV!r}.")
PRODUCTION = DJANGO_ENV == "production"
DEBUG = env_bool("DEBUG", default=not PRODUCTION)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if PRODUCTION:
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_ENV=production.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DJANGO_ENV=production.")
else:
    SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-never-use-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "testserver"]

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Proxies whose X-Forwarded-For is believed when finding the client's address (ozgeris/clients.py:
# the vote's and allauth's rate limits, the fraud review): addresses or CIDR networks, comma
# separated. Only the proxy that connects to gunicorn belongs here, and only when nothing else can
# reach gunicorn. Empty by default: REMOTE_ADDR is the client, and a forwarding header from anyone
# is ignored. docker-compose.yml sets it to its nginx's address.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_error}") from _error
# Votes allowed per account and per client address in a window ("count/unit", unit s/m/h/d).
VOTE_RATE_PER_ACCOUNT = os.environ.get("VOTE_RATE_PER_ACCOUNT", "10/m")
VOTE_RATE_PER_IP = os.environ.get("VOTE_RATE_PER_IP", "60/m")
# Fraud review (voting/review.py): a periodic check puts votes under review, never deletes them.
# More than VOTE_FLAG_ADDRESS_MAX votes from one client address (VOTE_FLAG_SUBNET_MAX from one
# /24 or /48 subnet) within VOTE_FLAG_ADDRESS_WINDOW seconds: an office or a campus may share
# an address, so the defaults are generous.
VOTE_FLAG_ADDRESS_MAX = env_number("VOTE_FLAG_ADDRESS_MAX", 10)
VOTE_FLAG_SUBNET_MAX = env_number("VOTE_FLAG_SUBNET_MAX", 30)
VOTE_FLAG_ADDRESS_WINDOW = env_number("VOTE_FLAG_ADDRESS_WINDOW", 600)
# A burst for one finalist: more than VOTE_FLAG_BURST_FACTOR times its own average number of
# votes per VOTE_FLAG_BURST_WINDOW seconds since the vote opened, and at least VOTE_FLAG_BURST_MIN.
VOTE_FLAG_BURST_WINDOW = env_number("VOTE_FLAG_BURST_WINDOW", 600)
VOTE_FLAG_BURST_FACTOR = env_number("VOTE_FLAG_BURST_FACTOR", 5.0, kind=float)
VOTE_FLAG_BURST_MIN = env_number("VOTE_FLAG_BURST_MIN", 30)
# An account created during the vote that votes within this many seconds of verifying its email.
VOTE_FLAG_FRESH_ACCOUNT_SECONDS = env_number("VOTE_FLAG_FRESH_ACCOUNT_SECONDS", 20)
# This many accounts created during the vote whose email local parts differ only by digits and
# punctuation at the same domain.
VOTE_FLAG_SIMILAR_EMAILS = env_number("VOTE_FLAG_SIMILAR_EMAILS", 3)
# The key of the vote's mailbox hash (voting/mailbox.py): one verified mailbox votes once per
# programme and scope, even after its account is deleted and made again. Set it on its own in
# production and never change it during a vote: rotating SECRET_KEY would otherwise let every
# mailbox vote again.
VOTE_MAILBOX_KEY = os.environ.get("VOTE_MAILBOX_KEY") or SECRET_KEY
# The voters' client addresses and visitor ids serve only the fraud review; they are dropped this
# many days after the results are released (the review has closed by then).
VOTE_ADDRESS_RETENTION_DAYS = env_number("VOTE_ADDRESS_RETENTION_DAYS", 30)
# While the vote is open the staff's live chart moves in steps of this many minutes, so that
# watching it while someone votes does not tell whom they voted for.
VOTE_STAFF_CHART_MINUTES = env_number("VOTE_STAFF_CHART_MINUTES", 5)
# Receipt checks allowed per client address ("count/unit"): receipts are 80 random bits, and the
# limit keeps the page from being a free oracle for guessing them.
VOTE_RECEIPT_RATE_PER_IP = os.environ.get("VOTE_RECEIPT_RATE_PER_IP", "30/m")
# Signed checkpoints of the vote's ledger (voting/checkpoints.py), mailed to the jurors and staff
# every VOTE_CHECKPOINT_MINUTES during the vote and at the close. The key is the base64 or hex of
# a 32-byte Ed25519 private key (`python manage.py voting_checkpoint_key` makes one); it never goes
# into the database. Required in production; elsewhere a development key is derived from
# SECRET_KEY and the checkpoints page says so.
VOTE_CHECKPOINT_KEY = os.environ.get("VOTE_CHECKPOINT_KEY", "")
VOTE_CHECKPOINT_MINUTES = env_number("VOTE_CHECKPOINT_MINUTES", 60)
# After a cache (Redis) failure, leave it alone this long before trying again (per process).
CACHE_RETRY_SECONDS = env_number("CACHE_RETRY_SECONDS", 5.0, kind=float)
# Exported files (the staff's exports page) are kept this long, then removed.
EXPORT_KEEP_HOURS = env_number("EXPORT_KEEP_HOURS", 24)
# An export that has not reported progress for this long is taken as stopped (its worker died),
# and one still queued this long after it was started as lost (its task never ran): either is
# marked failed, so that people start it again instead of watching a bar that never moves.
# Every step of an exporter must report within it (the PDF's layout, the longest, takes seconds).
EXPORT_STALLED_MINUTES = env_number("EXPORT_STALLED_MINUTES", 15)
# First-party visitor counting (voting/visitors.py): a visit is refreshed at most this often.
VISIT_REFRESH_SECONDS = env_number("VISIT_REFRESH_SECONDS", 30)
# Where the portal is reached, for links in mail sent by tasks (no request to build them from).
# Unset, the address `make run` serves: it passes its PORT (8000 by default).
PORTAL_URL = (os.environ.get("PORTAL_URL")
              or f"http://127.0.0.1:{os.environ.get('PORT') or 8000}").rstrip("/")
# The portal's name in mail (allauth's greeting and signature), whatever host served the request.
PORTAL_NAME = os.environ.get("PORTAL_NAME", "Ozgeris Ustasy")

# Behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
# The portal's page for a failed CSRF check (ozgeris.errors), not Django's bare one.
CSRF_FAILURE_VIEW = "ozgeris.errors.csrf_failure"
SECURE_HSTS_SECONDS = env_number("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# /healthz answers plain HTTP to the load balancer's probe.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# ---------------------------------------------------------------------------
# Applications
# ---------------------------------------------------------------------------

INSTALLED_APPS = [
    "ozgeris.apps.OzgerisConfig",
    "applications.apps.ApplicationsConfig",
    "jury.apps.JuryConfig",
    "voting.apps.VotingConfig",
    "events.apps.EventsConfig",
    "reporting.apps.ReportingConfig",
    # Django's admin with the portal's site: its index grouped by the programme's stages.
    "ozgeris.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.facebook",
    "allauth.socialaccount.providers.mailru",
    "allauth.socialaccount.providers.yandex",
    "allauth.socialaccount.providers.vk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Checks the host against ALLOWED_HOSTS and sets Content-Length, for every page.
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The Content-Security-Policy header (CONTENT_SECURITY_POLICY below), on every page: before
    # AnonymousFinalistsPage, whose early answers carry it too.
    "csp.middleware.CSPMiddleware",
    # First-party visitor statistics of the vote (a random id in a cookie; no tracker).
    "voting.visitors.VisitorMiddleware",
    # The anonymous finalists page from memory; everything above still wraps it.
    "voting.middleware.AnonymousFinalistsPage",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ozgeris.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Staff and jurors without a second factor are held at its set-up (MFA_REQUIRED_FOR_STAFF).
    "ozgeris.two_factor.TwoFactorRequiredMiddleware",
]

ROOT_URLCONF = "ozgeris.urls"
WSGI_APPLICATION = "ozgeris.wsgi.application"
AUTH_USER_MODEL = "ozgeris.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
                "ozgeris.context_processors.portal",
            ],
        },
    },
]

# ---------------------------------------------------------------------------
# Database
# ---------------------------------------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get(
        "TEST_DATABASE_NAME", "test_ozgeris"
    )
USING_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")

# ---------------------------------------------------------------------------
# Cache, sessions, Celery
# ---------------------------------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Fails open: a Redis outage slows pages, it never breaks one.
            "BACKEND": "ozgeris.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "ozgeris"),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The sign-in limits (allauth's rate limits, the used TOTP codes) live in the database, not in
# the cache that fails open: a hung Redis must not lift them (ozgeris/accounts.py). The table
# comes from ozgeris migration 0008; expired entries are culled once it holds MAX_ENTRIES, set
# high so that a flood of new keys cannot push out the limits still running.
CACHES["auth"] = {
    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
    "LOCATION": "ozgeris_auth_cache",
    "OPTIONS": {"MAX_ENTRIES": 100_000},
}

SESSION_ENGINE = "django.contrib.sessions.backends.db"

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker that lost Redis tries again for as long as it takes (Celery's default gives up after
# 100 attempts, some 50 minutes, and the worker exits). ozgeris/celery.py keeps kombu from
# killing it on the way (issue 14).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# visibility_timeout: a task a worker took and never acknowledged (the worker was killed, or
# lost its connection while Redis stayed up) is delivered again after this long. It must be
# longer than any task runs (an export without progress for EXPORT_STALLED_MINUTES is failed).
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 2,
                                   "visibility_timeout": 3600}
# A request that queues a task does not retry a broker that is down: the periodic tasks (the
# outbox drain, the ledger seal) catch up, and the request answers at once.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# When the broker connection is lost, the tasks already running finish (Celery 6 would kill
# them by default): a drain killed between the SMTP send and its commit would send that mail
# again. Their acknowledgement is lost with the connection, so such a task may run once more
# after the visibility timeout if Redis kept it; the seal, the drain and an export do nothing
# the second time.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# /healthz (ozgeris/health.py) answers "degraded" when no worker has run beat's heartbeat task
# for HEALTH_WORKER_HEARTBEAT_MAX_AGE seconds, when a vote has waited that long to be sealed
# (HEALTH_UNSEALED_MAX_AGE) or when an outbox message has been due for HEALTH_OUTBOX_MAX_AGE.
HEALTH_HEARTBEAT_SECONDS = env_number("HEALTH_HEARTBEAT_SECONDS", 15.0, kind=float)
HEALTH_WORKER_HEARTBEAT_MAX_AGE = env_number("HEALTH_WORKER_HEARTBEAT_MAX_AGE", 120)
HEALTH_UNSEALED_MAX_AGE = env_number("HEALTH_UNSEALED_MAX_AGE", 120)
HEALTH_OUTBOX_MAX_AGE = env_number("HEALTH_OUTBOX_MAX_AGE", 300)
CELERY_BEAT_SCHEDULE = {
    # A heartbeat older than the limit says nothing any more: it is dropped, not run late.
    "worker-heartbeat": {"task": "ozgeris.tasks.heartbeat", "schedule": HEALTH_HEARTBEAT_SECONDS,
                         "options": {"expires": HEALTH_WORKER_HEARTBEAT_MAX_AGE}},
    "drain-outbox": {"task": "ozgeris.tasks.drain_outbox", "schedule": 30.0},
    "forget-sent-mail": {"task": "ozgeris.tasks.forget_sent_mail", "schedule": 3600.0},
    "application-draft-reminders": {
        "task": "applications.tasks.send_draft_reminders",
        "schedule": 3600.0,
    },
    "jury-scoring-reminders": {"task": "jury.tasks.send_scoring_reminders", "schedule": 3600.0},
    "seal-vote-ledger": {"task": "voting.tasks.seal_ledger", "schedule": 5.0},
    "flag-suspicious-votes": {"task": "voting.tasks.flag_suspicious_votes", "schedule": 60.0},
    "publish-vote-heads": {"task": "voting.tasks.publish_closed_heads", "schedule": 60.0},
    "vote-checkpoints": {"task": "voting.tasks.make_checkpoints",
                         "schedule": VOTE_CHECKPOINT_MINUTES * 60.0},
    "drop-voter-addresses": {"task": "voting.tasks.drop_expired_addresses",
                             "schedule": 3600.0},
    "remove-expired-exports": {"task": "reporting.tasks.remove_expired_exports",
                               "schedule": 3600.0},
    "fail-stalled-exports": {"task": "reporting.tasks.fail_stalled_exports", "schedule": 300.0},
}

# ---------------------------------------------------------------------------
# Accounts (django-allauth)
# ---------------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "home"
LOGIN_URL = "account_login"

ACCOUNT_ADAPTER = "ozgeris.accounts.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "ozgeris.accounts.SocialAccountAdapter"
ACCOUNT_FORMS = {"signup": "ozgeris.forms.SignupForm"}
SOCIALACCOUNT_FORMS = {"signup": "ozgeris.forms.SocialSignupForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Ozgeris Ustasy] "
# Tighter than allauth's defaults: sign-ups and failed logins are what bots try.
ACCOUNT_RATE_LIMITS = {
    "signup": os.environ.get("RATE_LIMIT_SIGNUP", "10/h/ip"),
    "login": os.environ.get("RATE_LIMIT_LOGIN", "20/m/ip"),
    "login_failed": os.environ.get("RATE_LIMIT_LOGIN_FAILED", "5/5m/ip,5/5m/key"),
    "confirm_email": "1/3m/key",
    "reset_password": "5/h/ip,3/h/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
# Two-factor sign-in (allauth.mfa): an authenticator app (TOTP) and recovery codes. Programme
# staff and jurors must use it before any page but the sign-in's own when MFA_REQUIRED_FOR_STAFF
# is on (the default in production; off elsewhere so the demo signs in in one step).
MFA_REQUIRED_FOR_STAFF = env_bool("MFA_REQUIRED_FOR_STAFF", default=PRODUCTION)
MFA_ADAPTER = "ozgeris.two_factor.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Ozgeris Ustasy"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
# A social sign-up still passes through our form: it asks for consent to personal data processing.
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_QUERY_EMAIL = True


def social_provider(env_prefix, **extra):
    """A provider is switched on only when its client id and secret are in the environment."""
    client_id = os.environ.get(f"{env_prefix}_CLIENT_ID", "")
    secret = os.environ.get(f"{env_prefix}_SECRET", "")
    if not (client_id and secret):
        return None
    return {"APPS": [{"client_id": client_id, "secret": secret, "key": ""}], **extra}


SOCIALACCOUNT_PROVIDERS = {
    name: config
    for name, config in {
        "google": social_provider("GOOGLE", SCOPE=["profile", "email"]),
        "facebook": social_provider("FACEBOOK", SCOPE=["email", "public_profile"]),
        "mailru": social_provider("MAILRU"),
        "yandex": social_provider("YANDEX"),
        "vk": social_provider("VK", SCOPE=["email"]),
    }.items()
    if config
}
# Providers whose e-mail addresses we verify ourselves before the account counts as verified.
SOCIAL_PROVIDERS_WITH_UNVERIFIED_EMAIL = {"facebook", "mailru", "vk"}

# ---------------------------------------------------------------------------
# Content-Security-Policy (django-csp)
# ---------------------------------------------------------------------------

# Every page loads scripts, styles, fonts and images from the portal itself: no inline script or
# style anywhere (tests/test_csp.py scans the templates; data for a script goes in data-*
# attributes or a json_script element; the two-factor set-up draws its QR code as inline SVG, not
# a data: image). Exceptions, each for one thing:
# * frame-src: a finalist's video, embedded from YouTube's privacy-enhanced host only when the
#   visitor presses play (voting/templatetags/video.py, static/js/video.js);
# * form-action: a social login posts to the portal, which redirects to the provider's sign-in
#   page, and browsers apply form-action to that redirect; only the providers switched on.
# Downloads keep their own stricter "sandbox" policy (the middleware leaves a set header alone).
SOCIAL_LOGIN_ORIGINS = {
    "google": "https://accounts.google.com",
    "facebook": "https://www.facebook.com",
    "mailru": "https://connect.mail.ru",
    "yandex": "https://oauth.yandex.com",
    "vk": "https://id.vk.ru",
}
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "frame-src": ["https://www.youtube-nocookie.com"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'",
                        *(SOCIAL_LOGIN_ORIGINS[name] for name in SOCIALACCOUNT_PROVIDERS)],
        "frame-ancestors": ["'none'"],
    },
}

# ---------------------------------------------------------------------------
# Languages, time, money
# ---------------------------------------------------------------------------

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("kk", _("Kazakh")), ("en", _("English"))]
# locale/ holds the portal's own strings (`make messages`); vendor_locale/ the Kazakh for
# django-allauth's and Django's strings that have none upstream (else they fall back to Russian),
# corrections of their Kazakh, and the admin's sentences reworded in ru and kk (issue 19).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "vendor_locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Almaty"
# Kazakh dates and numbers (Django has no Kazakh format module); Russian keeps Django's.
FORMAT_MODULE_PATH = ["ozgeris.locale_formats"]
LANGUAGE_COOKIE_NAME = "ozgeris_language"
LANGUAGE_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_SAMESITE = "Lax"

# ---------------------------------------------------------------------------
# Static files and uploads
# ---------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
# Outside production whitenoise serves straight from static/ (finders); the root may stay empty.
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Public uploads (regulations, finalist photos, press releases) live in MEDIA_ROOT/public and
# are served under this URL; private ones (application documents, scans, rosters) live in
# MEDIA_ROOT/private and have no URL at all.
PUBLIC_MEDIA_URL = "/media/public/"
STORAGES = {
    "default": {
        "BACKEND": "ozgeris.storage.PrivateStorage",
    },
    "public": {
        "BACKEND": "ozgeris.storage.PublicStorage",
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        ),
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Each uploaded file is checked against UPLOAD_MAX_BYTES (ozgeris/uploads.py). A whole request
# may carry more: the application form sends its five documents and its fields at once, so
# REQUEST_MAX_BYTES, the largest request body the portal accepts, is five files and 2 MB. The
# proxy refuses a larger body before gunicorn reads any of it: client_max_body_size in
# deploy/nginx/ozgeris.conf is this figure (tests/test_settings.py compares them; change the
# conf with UPLOAD_MAX_BYTES). The fields without the files are read into memory up to
# DATA_UPLOAD_MAX_MEMORY_SIZE, which stays below it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
UPLOAD_MAX_BYTES = env_number("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
REQUEST_MAX_BYTES = 5 * UPLOAD_MAX_BYTES + 2 * 1024 * 1024

# ---------------------------------------------------------------------------
# Email
# ---------------------------------------------------------------------------

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "ozgeris.mail.ConsoleAndFileBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_number("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
# STARTTLS (usually port 587) or implicit TLS (port 465): one or the other.
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL: set one of them, not both.")
# Seconds an SMTP connection may wait: Django's default is none, and a server that accepts the
# connection and never answers would hold the outbox's drain (and its worker) for ever; a send
# that times out is retried later like any failed one.
EMAIL_TIMEOUT = env_number("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Ozgeris Ustasy <noreply@ozgeris.kz>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
OUTBOX_MAX_ATTEMPTS = env_number("OUTBOX_MAX_ATTEMPTS", 8)
# Hours a failing message keeps being retried (hourly once the back-off reaches an hour) before
# the outbox gives it up, if it was also tried OUTBOX_MAX_ATTEMPTS times: a mail server down for
# a weekend during the vote delays the receipts and loses none (manage.py outbox_retry queues
# given-up mail again).
OUTBOX_GIVE_UP_HOURS = env_number("OUTBOX_GIVE_UP_HOURS", 72)
# Days the outbox keeps the text of a message after it was sent or given up (the row itself,
# without it, stays). Account mail keeps none: its link or code is cleared once sent.
OUTBOX_KEEP_SENT_DAYS = env_number("OUTBOX_KEEP_SENT_DAYS", 7)
# Staff writing to a segment (ozgeris/segment_mail.py): a second message to the same segment of
# the same programme within this many minutes needs a ticked confirmation (no double sends).
SEGMENT_MAIL_REPEAT_MINUTES = env_number("SEGMENT_MAIL_REPEAT_MINUTES", 10)

# ---------------------------------------------------------------------------
# Logging
# ---------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "weasyprint": {"level": "WARNING"},
        # Inline (eager) tasks would log every run; the embedded broker has no host to name.
        "celery.app.trace": {"level": "WARNING"},
        "kombu.connection": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
        # qpdf's notes on a PDF being checked (ozgeris.uploads); a refusal says it to the user.
        "pikepdf": {"level": "ERROR"},
    },
}

# ---------------------------------------------------------------------------
# Demo data
# ---------------------------------------------------------------------------

# The password of the demo accounts that ``seed_demo`` creates (never used in production data).
# The README prints this one, so seed_demo refuses it in production (it never runs there
# without --in-production and a DEMO_PASSWORD of the operator's own).
README_DEMO_PASSWORD = "ozgeris-demo-2019"  # noqa: S105 - the demo's, refused in production
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", README_DEMO_PASSWORD)
