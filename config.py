"""Settings for SARA casebook, read from the environment in one place.

`SARA_ENV` picks the profile: `development` (the default, for a laptop), `test` or `production`.
Production refuses to start without SECRET_KEY; development keeps a generated key in instance/ so
that no secret ever lives in the code.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def instance_dir() -> Path:
    """Where SQLite files, the development secret key, the outbox and beat's schedule live."""
    return Path(os.environ.get("SARA_INSTANCE_PATH") or BASE_DIR / "instance")


class ConfigError(RuntimeError):
    """Raised when the environment cannot produce a safe configuration."""


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from exc


def _development_secret_key() -> str:
    """A per-installation key kept in instance/, so a laptop install needs no set-up."""
    instance_dir().mkdir(parents=True, exist_ok=True)
    path = instance_dir() / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def normalise_database_url(url: str) -> str:
    """Accept the common `postgres://` and `postgresql://` spellings and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def build_config(env: str | None = None, overrides: dict | None = None) -> dict:
    env = env or os.environ.get("SARA_ENV", "development")
    if env not in {"development", "test", "production"}:
        raise ConfigError(f"SARA_ENV must be development, test or production, not {env!r}")

    secret_key = os.environ.get("SECRET_KEY", "")
    if not secret_key:
        if env == "production":
            raise ConfigError("SECRET_KEY must be set in production")
        secret_key = "test-only-secret" if env == "test" else _development_secret_key()

    redis_url = os.environ.get("REDIS_URL") or None
    database_url = normalise_database_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{instance_dir() / 'sara.sqlite'}"
    )
    # Migrations run as the role that owns the tables; the app and workers as one that owns
    # nothing (README, "Database roles"). Unset, migrations use DATABASE_URL.
    migration_url = os.environ.get("MIGRATION_DATABASE_URL") or None
    if migration_url:
        migration_url = normalise_database_url(migration_url)
    broker_url = os.environ.get("CELERY_BROKER_URL") or redis_url or (
        f"sqla+sqlite:///{instance_dir() / 'celery-broker.sqlite'}"
    )

    config = {
        "SARA_ENV": env,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MIGRATION_DATABASE_URL": migration_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        # Session cookie: HttpOnly and SameSite=Lax always, Secure outside development and tests.
        "SESSION_COOKIE_NAME": "sara_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", env == "production"),
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=_int("SESSION_IDLE_MINUTES", 30)),
        "SESSION_REFRESH_EACH_REQUEST": True,
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=_int("SESSION_IDLE_MINUTES", 30)),
        "SESSION_ABSOLUTE_TIMEOUT": timedelta(hours=_int("SESSION_ABSOLUTE_HOURS", 12)),
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session, which expires itself
        "MAX_CONTENT_LENGTH": _int("MAX_UPLOAD_MB", 64) * 1024 * 1024,
        # Rate limiting: Redis when available so that every web process shares the counts.
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "sara"),
        "RATELIMIT_HEADERS_ENABLED": False,
        # With Redis down, each web process counts failed sign-ins in memory until it is back:
        # signing in keeps working, and is still throttled (per process).
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Failed sign-ins only (see README, "Signing in"): per account from one address, and per
        # address across all accounts. No limit is per account alone, so that a stranger
        # elsewhere cannot lock the real user out.
        "LOGIN_FAILURES_PER_MINUTE": _int("LOGIN_FAILURES_PER_MINUTE", 5),
        "LOGIN_FAILURES_PER_HOUR": _int("LOGIN_FAILURES_PER_HOUR", 20),
        "LOGIN_FAILURES_PER_IP_PER_HOUR": _int("LOGIN_FAILURES_PER_IP_PER_HOUR", 30),
        "PASSWORD_RESET_MINUTES": _int("PASSWORD_RESET_MINUTES", 60),
        # How many proxies in front of the app set X-Forwarded-For/-Proto/-Host; 0 trusts none,
        # so a client cannot forge the address the audit log and the throttle see.
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        # Only over the HTTPS that production requires: a browser then refuses plain HTTP.
        "STRICT_TRANSPORT_SECURITY": (
            "max-age=31536000; includeSubDomains" if env == "production" else None
        ),
        # Celery
        "CELERY": {
            "broker_url": broker_url,
            "task_ignore_result": True,
            "task_serializer": "json",
            "result_serializer": "json",
            "accept_content": ["json"],
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            "broker_connection_retry_on_startup": True,
            # A request's hand-over to a broker that is down fails fast: the outbox keeps it.
            "broker_connection_timeout": 3,
            "timezone": "Europe/London",
            "enable_utc": True,
        },
        # Argon2id parameters: argon2-cffi's RFC 9106 low-memory profile (t=3, m=64 MiB, p=4) is
        # stronger than OWASP ASVS 5.0's floor of t=2, m=19 MiB. Changing them re-hashes on login.
        "ARGON2_TIME_COST": _int("ARGON2_TIME_COST", 3),
        "ARGON2_MEMORY_COST": _int("ARGON2_MEMORY_COST", 65536),
        "ARGON2_PARALLELISM": _int("ARGON2_PARALLELISM", 4),
        "DISPLAY_TIMEZONE": os.environ.get("DISPLAY_TIMEZONE", "Europe/London"),
        # Mail: SMTP when MAIL_SERVER is set, otherwise .eml files in instance/outbox/.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get(
            "MAIL_DEFAULT_SENDER", "SARA casebook <no-reply@sara-casebook.invalid>"
        ),
        "MAIL_OUTBOX": os.environ.get("MAIL_OUTBOX") or str(instance_dir() / "outbox"),
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000"),
        "CASES_PER_PAGE": 50,
    }
    for name in ("LOGIN_FAILURES_PER_MINUTE", "LOGIN_FAILURES_PER_HOUR",
                 "LOGIN_FAILURES_PER_IP_PER_HOUR", "PASSWORD_RESET_MINUTES"):
        if config[name] < 1:
            raise ConfigError(f"{name} must be at least 1")
    if config["TRUSTED_PROXIES"] < 0:
        raise ConfigError("TRUSTED_PROXIES must be 0 or more")
    if broker_url.startswith(("redis://", "rediss://")):
        # Redis hands an unacknowledged message to another worker after this long: longer than
        # the longest task (a whole force's import, the nightly scans), or it would run twice
        # at once. A worker that dies is noticed at once (task_reject_on_worker_lost); a whole
        # machine that dies is noticed only when this has passed.
        timeout = _int("BROKER_VISIBILITY_TIMEOUT", 6 * 3600)
        if timeout < 1:
            raise ConfigError("BROKER_VISIBILITY_TIMEOUT must be at least 1 (seconds)")
        config["CELERY"]["broker_transport_options"] = {"visibility_timeout": timeout}
    if config["ARGON2_TIME_COST"] < 2 or config["ARGON2_MEMORY_COST"] < 19456:
        raise ConfigError("Argon2 parameters below OWASP ASVS 5.0 (t>=2, m>=19 MiB) are refused")
    if database_url.startswith("sqlite"):
        # SQLite serialises writers; the web app, worker and beat share one file, so wait for locks.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    else:
        # The app's queries run in milliseconds to a second; PostgreSQL's JIT compiler, set off by
        # a misestimated plan, spent 1.5-2 s compiling a dashboard query that then ran in 0.7 s
        # (bench/results/search_dashboard.md).
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True,
                                               "connect_args": {"options": "-c jit=off"}}
    if overrides:
        config.update(overrides)
    return config
