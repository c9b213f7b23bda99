"""Configuration: defaults here, then ``instance/config.py``, then the environment."""

import os
from urllib.parse import urlsplit

DEV_SECRET_KEY = "dev-only-secret-key-change-me"
DEV_PUBLIC_URL = "http://127.0.0.1:5000"

# Werkzeug's password hash methods. The strong one is werkzeug's default (scrypt, n=2**15, r=8,
# p=1), slow by design; the quick one lets a test suite create hundreds of accounts.
STRONG_PASSWORD_HASH_METHOD = "scrypt"
QUICK_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


class Defaults:
    SECRET_KEY = DEV_SECRET_KEY
    # None means "SQLite file in the instance folder"; the factory fills it in.
    SQLALCHEMY_DATABASE_URI: str | None = None
    # Pooled connections are pinged before use only after sitting idle this many seconds (see
    # extensions.ping_connections_after_idle); 0 pings on every use, like pool_pre_ping.
    DATABASE_IDLE_PING_SECONDS = 10.0
    APP_ENV = "development"

    # Mail: "file" writes one .eml per message to MAIL_OUTBOX_DIR, "console" logs it,
    # "smtp" sends through Flask-Mail's SMTP settings.
    MAIL_BACKEND = "file"
    MAIL_OUTBOX_DIR: str | None = None  # default: <instance>/outbox
    MAIL_DEFAULT_SENDER = "MRI Match <no-reply@mri-match.example.org>"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None

    # How new passwords are hashed (a werkzeug method). None: the strong method, or the quick one
    # when TESTING. Login checks a stored hash by the method written in it, whichever that is.
    PASSWORD_HASH_METHOD: str | None = None
    PASSWORD_RESET_MAX_AGE = 3600  # seconds a reset link stays valid
    INVITATION_MAX_AGE = 14 * 24 * 3600  # an imported person's "set your password" link
    EMAIL_CONFIRM_HOURS = 48  # a registration's "confirm your email" link stays valid
    # `flask purge` deletes accounts registered this long ago whose email was never confirmed.
    UNCONFIRMED_ACCOUNT_DAYS = 7
    # Privacy: free text and self-identification are purged this long after a cycle completes.
    RETENTION_DAYS = 365
    BULK_IMPORT_MAX_ROWS = 2000
    BULK_IMPORT_MAX_BYTES = 5 * 1024 * 1024
    # Award milestones: the largest report, abstract or poster (PDF or DOCX) a person may upload,
    # and where files are kept ("database": the stored_file table, shared by every app host).
    AWARD_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    AWARD_FILE_STORE = "database"
    PER_PAGE = 25

    BOOTSTRAP_SERVE_LOCAL = True
    WTF_CSRF_TIME_LIMIT = None  # a long application form must not expire under the trainee

    # Deployment: how many reverse proxies to trust for X-Forwarded-*, and the log format.
    PROXY_FIX_HOPS = 0
    LOG_FORMAT = "text"  # or "json"
    LOG_LEVEL = "INFO"

    # Matching runs above this many trainees go to a background worker (RQ on Redis).
    MATCHING_INLINE_LIMIT = 2000
    # statement similarity: "tfidf", "semantic" or "hybrid"; empty: the hybrid when the
    # optional semantic model is installed, else TF-IDF (docs/matching.md)
    STATEMENT_MODEL = ""
    # Imports of more people than this have their statement vectors computed by the worker.
    EMBEDDING_INLINE_LIMIT = 100
    MATCHING_JOB_TIMEOUT = 1800  # seconds
    MATCHING_QUEUE = "matching"
    REDIS_URL = "redis://127.0.0.1:6379/0"

    # Publications (mri_match/publications/): where they are fetched from, who is asking (the
    # user agent and NCBI's email parameter carry the contact address; empty: the address of
    # MAIL_DEFAULT_SENDER), how long to wait for an answer, and the worker's queue. With
    # PUBLICATIONS_INLINE the fetch runs in the mentor's request instead (no worker needed).
    ORCID_API_URL = "https://pub.orcid.org/v3.0"
    NCBI_EUTILS_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
    NCBI_API_KEY = ""  # with a key NCBI allows ten requests a second instead of three
    CROSSREF_API_URL = "https://api.crossref.org"
    PUBLICATIONS_CONTACT_EMAIL = ""
    PUBLICATIONS_TIMEOUT = 15.0  # seconds for each request
    PUBLICATIONS_QUEUE = "publications"
    PUBLICATIONS_JOB_TIMEOUT = 600  # seconds
    PUBLICATIONS_INLINE = False

    # The site's address: every link in an email starts with it (never with the Host header of
    # the request that sent the email). Required in production.
    PUBLIC_URL = DEV_PUBLIC_URL
    # `flask reminder-scheduler` queues a reminders run this often.
    REMINDER_INTERVAL_MINUTES = 60

    RATELIMIT_STORAGE_URI = "memory://"  # e.g. redis://127.0.0.1:6379 to share between workers
    # How many worker processes serve the app (gunicorn.conf.py sets it from gunicorn's own
    # setting); production refuses in-memory rate limits with more than one.
    WEB_CONCURRENCY = 1
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True  # Redis down: limit per process, do not fail

    # Hardening (see mri_match/security.py). None means "on in production, off in development".
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE: bool | None = None
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE: bool | None = None
    HSTS_ENABLED: bool | None = None
    HSTS_MAX_AGE = 31_536_000  # one year
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024  # bytes; larger requests get the 413 page
    TRUSTED_HOSTS: list[str] | None = None  # e.g. ["mri-match.example.org"]; None accepts any


def normalise_database_url(url: str) -> str:
    """Point PostgreSQL URLs at psycopg 3 whichever spelling the platform hands us."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _as_bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment() -> dict:
    """Settings the environment overrides, read at app creation (not import) time."""
    env = os.environ
    settings: dict = {}
    if env.get("DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(env["DATABASE_URL"])
    for key in (
        "SECRET_KEY",
        "APP_ENV",
        "MAIL_BACKEND",
        "MAIL_SERVER",
        "MAIL_USERNAME",
        "MAIL_PASSWORD",
        "MAIL_DEFAULT_SENDER",
        "MAIL_OUTBOX_DIR",
        "RATELIMIT_STORAGE_URI",
        "LOG_FORMAT",
        "LOG_LEVEL",
        "REDIS_URL",
        "PUBLIC_URL",
        "STATEMENT_MODEL",
        "ORCID_API_URL",
        "NCBI_EUTILS_URL",
        "NCBI_API_KEY",
        "CROSSREF_API_URL",
        "PUBLICATIONS_CONTACT_EMAIL",
    ):
        if env.get(key):
            settings[key] = env[key]
    if env.get("DATABASE_IDLE_PING_SECONDS"):
        settings["DATABASE_IDLE_PING_SECONDS"] = float(env["DATABASE_IDLE_PING_SECONDS"])
    if env.get("WEB_CONCURRENCY"):
        settings["WEB_CONCURRENCY"] = int(env["WEB_CONCURRENCY"])
    if env.get("MATCHING_INLINE_LIMIT"):
        settings["MATCHING_INLINE_LIMIT"] = int(env["MATCHING_INLINE_LIMIT"])
    if env.get("REMINDER_INTERVAL_MINUTES"):
        settings["REMINDER_INTERVAL_MINUTES"] = int(env["REMINDER_INTERVAL_MINUTES"])
    if env.get("PROXY_FIX_HOPS"):
        settings["PROXY_FIX_HOPS"] = int(env["PROXY_FIX_HOPS"])
    if env.get("TRUSTED_HOSTS"):  # comma-separated host names
        settings["TRUSTED_HOSTS"] = [
            h.strip() for h in env["TRUSTED_HOSTS"].split(",") if h.strip()
        ]
    if env.get("MAX_CONTENT_LENGTH"):
        settings["MAX_CONTENT_LENGTH"] = int(env["MAX_CONTENT_LENGTH"])
    if env.get("AWARD_UPLOAD_MAX_BYTES"):
        settings["AWARD_UPLOAD_MAX_BYTES"] = int(env["AWARD_UPLOAD_MAX_BYTES"])
    if env.get("AWARD_FILE_STORE"):
        settings["AWARD_FILE_STORE"] = env["AWARD_FILE_STORE"]
    if env.get("PUBLICATIONS_TIMEOUT"):
        settings["PUBLICATIONS_TIMEOUT"] = float(env["PUBLICATIONS_TIMEOUT"])
    for key in ("SESSION_COOKIE_SECURE", "HSTS_ENABLED", "PUBLICATIONS_INLINE"):
        if env.get(key):
            settings[key] = _as_bool(env[key])
    if env.get("MAIL_PORT"):
        settings["MAIL_PORT"] = int(env["MAIL_PORT"])
    for key in ("MAIL_USE_TLS", "MAIL_USE_SSL"):
        if env.get(key):
            settings[key] = _as_bool(env[key])
    return settings


class ConfigurationError(RuntimeError):
    """Raised when the app is configured in a way that is unsafe to serve."""


def settle_password_hash_method(config) -> None:
    """Fill in PASSWORD_HASH_METHOD when unset: the quick method when TESTING, else the strong."""
    if not config.get("PASSWORD_HASH_METHOD"):
        testing = config.get("TESTING")
        config["PASSWORD_HASH_METHOD"] = (
            QUICK_PASSWORD_HASH_METHOD if testing else STRONG_PASSWORD_HASH_METHOD
        )


def check_statement_model(config) -> None:
    """The statement model must be one the engine knows, and installed when it needs the
    optional semantic model."""
    from .engine import semantic
    from .engine.inputs import TEXT_MODELS

    name = config.get("STATEMENT_MODEL") or ""
    if name and name not in TEXT_MODELS:
        raise ConfigurationError(
            f"STATEMENT_MODEL must be one of {', '.join(TEXT_MODELS)} (or empty), not {name!r}."
        )
    if name in ("semantic", "hybrid") and not semantic.available(semantic.model_directory()):
        raise ConfigurationError(f"STATEMENT_MODEL={name}: {semantic.missing_reason()}.")


#: The file stores ``mri_match/awards/storage.py`` implements.
FILE_STORES = ("database",)


def check_file_store(config) -> None:
    """Uploaded files go to a store the app has."""
    name = config.get("AWARD_FILE_STORE")
    if name not in FILE_STORES:
        raise ConfigurationError(
            f"AWARD_FILE_STORE must be one of {', '.join(FILE_STORES)}, not {name!r}."
        )
    if int(config.get("AWARD_UPLOAD_MAX_BYTES") or 0) <= 0:
        raise ConfigurationError("AWARD_UPLOAD_MAX_BYTES must be a positive number of bytes.")


def check_production(config) -> None:
    """Refuse to serve production with a setting that is unsafe there; each message says what
    to set."""
    if config.get("APP_ENV") != "production":
        return
    if config.get("SECRET_KEY") in (DEV_SECRET_KEY, "", None):
        raise ConfigurationError(
            "Refusing to start in production with the development SECRET_KEY: "
            "set SECRET_KEY in the environment or instance/config.py."
        )
    public = urlsplit(str(config.get("PUBLIC_URL") or ""))
    if config.get("PUBLIC_URL") == DEV_PUBLIC_URL or public.scheme not in ("http", "https"):
        raise ConfigurationError(
            "Refusing to start in production without PUBLIC_URL: set it to the site's address, "
            "e.g. https://mri-match.example.org. Every link in an email starts with it."
        )
    if not public.hostname or public.query or public.fragment:
        raise ConfigurationError(f"PUBLIC_URL {config['PUBLIC_URL']!r} is not a site address.")
    if not config.get("TRUSTED_HOSTS"):
        raise ConfigurationError(
            "Refusing to start in production without TRUSTED_HOSTS: set it to the host names "
            f"the site answers to, e.g. {public.hostname}."
        )
    workers = int(config.get("WEB_CONCURRENCY") or 1)
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if config.get("RATELIMIT_ENABLED", True) and storage.startswith("memory://") and workers > 1:
        raise ConfigurationError(
            f"Refusing to start in production with {workers} workers counting log-in attempts "
            "in memory: each would count on its own, multiplying the limit. Set "
            "RATELIMIT_STORAGE_URI to a redis:// URL the workers share, or WEB_CONCURRENCY=1."
        )
