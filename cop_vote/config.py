"""Configuration from the environment; no secrets in code.

Every setting has a default that works on a fresh machine: SQLite in the
instance folder, mail written to the log, a secret key generated once and kept
in the instance folder.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(url: str) -> str:
    """Normalise a PostgreSQL URL to the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def engine_options(url: str, env: Mapping[str, str]) -> dict[str, Any]:
    """SQLAlchemy's pool settings for a server database (none for SQLite).

    Each web worker and each worker thread holds up to ``pool_size +
    max_overflow`` connections: keep their sum under PostgreSQL's
    ``max_connections``. ``pool_pre_ping`` replaces a connection the server
    closed (a restart, a failover) instead of failing a request with it;
    ``pool_recycle`` renews connections before a proxy or firewall drops them.
    """
    if url.startswith("sqlite"):
        return {}
    return {
        "pool_size": int(env.get("DATABASE_POOL_SIZE", "5")),
        "max_overflow": int(env.get("DATABASE_MAX_OVERFLOW", "5")),
        "pool_timeout": float(env.get("DATABASE_POOL_TIMEOUT", "10")),
        "pool_recycle": int(env.get("DATABASE_POOL_RECYCLE", "1800")),
        "pool_pre_ping": _bool(env.get("DATABASE_POOL_PRE_PING"), default=True),
    }


def secret_key(instance_path: str) -> str:
    """``SECRET_KEY`` from the environment, else one generated once and kept.

    :param instance_path: the Flask instance folder; the key lives in
        ``secret_key`` there with mode 0600.
    """
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_hex(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(key)
        return key


def from_environment(instance_path: str) -> dict[str, Any]:
    """Build the configuration mapping from environment variables.

    :param instance_path: the Flask instance folder (SQLite file, secret key).
    :returns: a mapping for ``app.config.update``.
    """
    env = os.environ
    port = int(env.get("PORT", "5000"))
    mail_server = env.get("MAIL_SERVER", "")
    secure_cookie = _bool(env.get("SESSION_COOKIE_SECURE"))
    database_url = _database_url(
        env.get("DATABASE_URL", f"sqlite:///{Path(instance_path) / 'cop-vote.sqlite'}")
    )
    return {
        "SECRET_KEY": secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(database_url, env),
        # The task queue (queue.py): SQLite beside the database by default,
        # redis://... in production, "immediate" to run tasks in place.
        "QUEUE_URL": env.get("QUEUE_URL", f"sqlite:///{Path(instance_path) / 'queue.sqlite'}"),
        "QUEUE_NAME": env.get("QUEUE_NAME", "cop-vote"),
        "PORT": port,
        "BASE_URL": env.get("BASE_URL", f"http://127.0.0.1:{port}").rstrip("/"),
        "NETWORK_TIME_ZONE": env.get("NETWORK_TIME_ZONE", "Europe/Amsterdam"),
        # What the network is for, shown on the sign-in page (the demo has its own).
        "NETWORK_PURPOSE_NL": env.get("NETWORK_PURPOSE_NL", ""),
        "NETWORK_PURPOSE_EN": env.get("NETWORK_PURPOSE_EN", ""),
        # Mail (Flask-Mailman): with no MAIL_SERVER, mail is written to the log.
        "MAIL_BACKEND": env.get("MAIL_BACKEND", "smtp" if mail_server else "console"),
        "MAIL_SERVER": mail_server or "localhost",
        "MAIL_PORT": int(env.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(env.get("MAIL_USE_SSL")),
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "cop-vote <noreply@localhost>"),
        # Seconds to wait for the mail server before an attempt counts as failed.
        "MAIL_TIMEOUT": float(env.get("MAIL_TIMEOUT", "30")),
        # Delivery from the outbox: a failed mail is tried again after
        # MAIL_RETRY_SECONDS, doubling up to MAIL_RETRY_MAX_SECONDS, and given
        # up (reported) after MAIL_MAX_ATTEMPTS attempts; a worker holds a mail
        # it took for MAIL_LEASE_SECONDS before another may take it.
        "MAIL_RETRY_SECONDS": float(env.get("MAIL_RETRY_SECONDS", "30")),
        "MAIL_RETRY_MAX_SECONDS": float(env.get("MAIL_RETRY_MAX_SECONDS", "3600")),
        "MAIL_MAX_ATTEMPTS": int(env.get("MAIL_MAX_ATTEMPTS", "12")),
        "MAIL_LEASE_SECONDS": float(env.get("MAIL_LEASE_SECONDS", "300")),
        # Webhooks (cop_vote/webhook_sender.py): an event not received (no 2xx
        # answer) is tried again after WEBHOOK_RETRY_SECONDS, doubling up to
        # WEBHOOK_RETRY_MAX_SECONDS, for WEBHOOK_MAX_ATTEMPTS attempts in all;
        # each attempt waits at most WEBHOOK_TIMEOUT_SECONDS. Addresses that
        # lead to private, loopback or link-local networks are refused unless
        # WEBHOOKS_ALLOW_PRIVATE (tests, a closed network).
        "WEBHOOK_RETRY_SECONDS": float(env.get("WEBHOOK_RETRY_SECONDS", "30")),
        "WEBHOOK_RETRY_MAX_SECONDS": float(env.get("WEBHOOK_RETRY_MAX_SECONDS", "3600")),
        "WEBHOOK_MAX_ATTEMPTS": int(env.get("WEBHOOK_MAX_ATTEMPTS", "10")),
        "WEBHOOK_TIMEOUT_SECONDS": float(env.get("WEBHOOK_TIMEOUT_SECONDS", "10")),
        "WEBHOOKS_ALLOW_PRIVATE": _bool(env.get("WEBHOOKS_ALLOW_PRIVATE")),
        # Proxies in front that set X-Forwarded-For and -Proto (create_app
        # trusts that many): the rate limits then count the client's address.
        "FORWARDED_PROXIES": int(env.get("FORWARDED_PROXIES", "0")),
        # A form's CSRF token lives as long as the signed-in session (revoked
        # on the server at sign-out), not Flask-WTF's default hour: a comment
        # written slowly is not refused "Form expired".
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookie,
        # Redirect plain HTTP to HTTPS and send HSTS (security.py); off for http://127.0.0.1.
        "FORCE_HTTPS": _bool(env.get("FORCE_HTTPS"), default=secure_cookie),
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", str(256 * 1024))),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), default=True),
        # Keys in a shared Redis start with this (several installations, test runs).
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX", "cop-vote"),
        "RATELIMIT_HEADERS_ENABLED": True,  # X-RateLimit-* and Retry-After
        # A storage that is down must not stop a ballot: count in memory meanwhile.
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "LOGIN_LINK_MINUTES": 30,
        "REMINDER_HOURS": int(env.get("REMINDER_HOURS", "48")),
        # Hours after a facilitator's reminder before the next is accepted.
        "REMIND_AGAIN_AFTER": float(env.get("REMIND_AGAIN_AFTER", "12")),
        # Days an invitation's sign-in link works (a newer one voids it sooner).
        "INVITATION_DAYS": int(env.get("INVITATION_DAYS", "14")),
        # Days personal data is kept once it has served (services/retention.py):
        # sign-in links after they expired, sessions after their revocation, the
        # address and contents of a delivered (or given up) mail after it was written.
        "KEEP_LINKS_DAYS": int(env.get("KEEP_LINKS_DAYS", "30")),
        "KEEP_SESSIONS_DAYS": int(env.get("KEEP_SESSIONS_DAYS", "90")),
        "KEEP_MAIL_LOG_DAYS": int(env.get("KEEP_MAIL_LOG_DAYS", "90")),
        # Who to write to about personal data, named on the privacy notice.
        "PRIVACY_CONTACT": env.get("PRIVACY_CONTACT", ""),
        # Hour (network time) from which the worker writes the day's alert digests.
        "ALERT_DIGEST_HOUR": int(env.get("ALERT_DIGEST_HOUR", "8")),
        "COMMENT_MAX_LENGTH": 5000,
        "COMMENTS_PER_PAGE": 50,
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        # OpenAPI (APIFlask)
        "VALIDATION_ERROR_STATUS_CODE": 400,
        "AUTO_OPERATION_ID": True,
        "INFO": {"description": "cop-vote JSON API: one organisation, one ballot."},
        "SECURITY_SCHEMES": {"BearerAuth": {"type": "http", "scheme": "bearer"}},
    }
