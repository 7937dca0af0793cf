"""Sign-in links, browser sessions and personal API tokens.

Every secret handed out is random (``secrets.token_urlsafe``) and only its
SHA-256 is stored, so a copy of the database signs nobody in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.exc import OperationalError

from .. import database
from ..domain.errors import InvalidInput, NotAllowed, NotFound
from ..extensions import db
from ..models import ApiToken, LoginSession, LoginToken, Person
from . import audit, organisations
from .access import has_access
from .text import clean


def digest(secret: str) -> str:
    """The stored form of a secret: hex SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else ``None``.

    Refuses absolute URLs, scheme-relative ``//host`` and backslash tricks, so
    a sign-in link can never send someone to another site.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def issue_login_link(
    email: str, now: datetime, *, minutes: int = 30, next_path: str | None = None
) -> tuple[Person, str] | None:
    """Make a single-use sign-in secret for the active person with ``email``.

    Issuing voids every earlier unused link of that person.

    :returns: ``(person, secret)``, or ``None`` for an unknown address or a
        person without access (:func:`~cop_vote.services.access.has_access`);
        the caller must answer the same either way.
    """
    person = organisations.find_person_by_email(email or "")
    if person is None or not has_access(person):
        return None
    void_login_links(person, now)
    secret = secrets.token_urlsafe(32)
    db.session.add(
        LoginToken(
            person_id=person.id,
            token_hash=digest(secret),
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
            next_path=safe_next(next_path),
        )
    )
    db.session.flush()
    return person, secret


def void_login_links(person: Person, now: datetime) -> int:
    """Void every unused sign-in link of ``person`` (a newer link, an invitation
    sent again, a changed address, access ended).

    :returns: how many links were live.
    """
    result = db.session.execute(
        update(LoginToken)
        .where(
            LoginToken.person_id == person.id,
            LoginToken.used_at.is_(None),
            LoginToken.voided_at.is_(None),
        )
        .values(voided_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def check_login_link(secret: str, now: datetime) -> LoginToken:
    """The usable sign-in link for ``secret`` (not used, voided or expired).

    :raises NotFound: for any link that cannot sign in, with one message, so
        the answer does not tell which.
    """
    token = db.session.execute(
        select(LoginToken).where(LoginToken.token_hash == digest(secret or ""))
    ).scalar()
    if (
        token is None
        or token.used_at is not None
        or token.voided_at is not None
        or token.expires_at <= now
        or not has_access(token.person)
    ):
        raise NotFound(
            "This sign-in link is no longer valid. Ask for a new one.", code="link_invalid"
        )
    return token


def use_login_link(secret: str, now: datetime) -> tuple[Person, str, str | None]:
    """Spend a sign-in link and open a server-side session.

    :returns: ``(person, session_key, next_path)``; the key goes in the cookie.
    :raises NotFound: as :func:`check_login_link`.
    """
    token = check_login_link(secret, now)
    token.used_at = now
    token.person.signed_in_at = now
    key = secrets.token_urlsafe(32)
    db.session.add(LoginSession(person_id=token.person_id, key_hash=digest(key), created_at=now))
    db.session.flush()
    audit.record("person.signed_in", f"person:{token.person_id}", token.person, {}, at=now)
    return token.person, key, token.next_path


# Sent by every request, so built once (building a statement costs about as
# much as running it from SQLAlchemy's cache).
_SESSION_PERSON = (
    select(Person)
    .join(LoginSession, LoginSession.person_id == Person.id)
    .where(LoginSession.key_hash == bindparam("key_hash"), LoginSession.revoked_at.is_(None))
)
_TOKEN_PERSON = (
    select(Person, ApiToken.id, ApiToken.last_used_at)
    .join(ApiToken, ApiToken.person_id == Person.id)
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None))
)


def person_for_session(key: str | None) -> Person | None:
    """The person of a live session key if they have access, else ``None``."""
    if not key:
        return None
    # One query: the session's person with the organisation (joined on Person)
    # that has_access reads.
    person = db.session.execute(_SESSION_PERSON, {"key_hash": digest(key)}).scalar()
    if person is None or not has_access(person):
        return None
    return person


def end_session(key: str | None, now: datetime) -> None:
    """Revoke a session on the server: a copied cookie stops working."""
    if key:
        db.session.execute(
            update(LoginSession).where(LoginSession.key_hash == digest(key)).values(revoked_at=now)
        )


def issue_api_token(email: str, now: datetime, *, label: str = "") -> tuple[Person, str]:
    """Make a personal API token for the person with ``email`` (``flask cop token``).

    :param label: what the token is for, one line of at most 100 characters.
    :returns: ``(person, token)``; the token is shown once and stored hashed.
    :raises InvalidInput: no person with access has that address, or a bad label.
    """
    person = organisations.find_person_by_email(email or "")
    if person is None or not has_access(person):
        raise InvalidInput(
            f"No active person with e-mail address {email!r}.", {"email": "Unknown address."}
        )
    _row, token = issue_own_api_token(person, now, label=label)
    return person, token


def issue_own_api_token(
    actor: Person | None, now: datetime, *, label: Any = ""
) -> tuple[ApiToken, str]:
    """Make a personal API token for ``actor`` themselves (the profile page and
    ``POST /api/v1/me/tokens``); logged as ``token.created``.

    :param label: what the token is for, one line of at most 100 characters.
    :returns: ``(row, token)``; the token is shown once and only its hash is stored.
    :raises NotAllowed: nobody with access is asking.
    :raises InvalidInput: a bad label (field ``label``).
    """
    if actor is None or not has_access(actor):
        raise NotAllowed("Only a person with access can make a token.")
    label = clean(label, "label", max_length=100, required=False, single_line=True)
    token = "cv_" + secrets.token_urlsafe(32)
    row = ApiToken(person_id=actor.id, token_hash=digest(token), label=label, created_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record("token.created", f"person:{actor.id}", actor, {}, at=now)
    return row, token


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header value, else ``None``.

    Only this header carries a token: never a query string, which ends up in
    logs and ``Referer`` headers.
    """
    scheme, _sep, token = (header or "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


#: A token's ``last_used_at`` is written at most this often.
TOKEN_USE_EVERY = timedelta(hours=1)


def person_for_token(token: str | None, now: datetime, *, note_use: bool = False) -> Person | None:
    """The person a live bearer token belongs to if they have access, else ``None``.

    :param note_use: this is the request's authentication: write the token's
        ``last_used_at`` when it is unset or an hour old (:func:`_note_use`).
    """
    if not token:
        return None
    found = db.session.execute(_TOKEN_PERSON, {"token_hash": digest(token)}).first()
    if found is None or not has_access(found[0]):
        return None
    person: Person = found[0]
    token_id: int = found[1]
    last_used_at: datetime | None = found[2]
    if note_use and (last_used_at is None or now - last_used_at >= TOKEN_USE_EVERY):
        _note_use(token_id, now)
    return person


def refused_token(token: str | None) -> str | None:
    """Why a sent bearer token authenticated nobody (for the 401's message):
    ``"no_access"``: a live token whose person, or their organisation, is
    inactive; ``"unknown"``: no live token; ``None``: no token was sent."""
    if not token:
        return None
    found = db.session.execute(_TOKEN_PERSON, {"token_hash": digest(token)}).first()
    return "no_access" if found is not None else "unknown"


def _note_use(token_id: int, now: datetime) -> None:
    """Write a token's last use, at most once an hour (a conditional ``UPDATE``,
    so that concurrent requests write it once).

    Read in the request's transaction, it is written apart from it (a separate
    connection, committed at once) so that a read never takes SQLite's write
    lock for longer than this one row; only a request that holds the write
    lock already (a write on SQLite) writes it in its own transaction.
    """
    change = (
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - TOKEN_USE_EVERY),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    if not database.is_sqlite():
        with db.engine.begin() as connection:
            connection.execute(change)
        return
    if not database.in_reading_transaction():
        db.session.execute(change)
        return
    # SQLite, a reading request: never wait for the write lock (a writer may
    # hold it for a while). Without waiting, a taken lock skips the write; the
    # token's next use writes it.
    with db.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        (waited,) = raw.execute("PRAGMA busy_timeout").fetchone()
        raw.execute("PRAGMA busy_timeout = 0")
        try:
            with database.writing(), connection.begin():
                connection.execute(change)
        except OperationalError:
            pass
        finally:
            raw.execute(f"PRAGMA busy_timeout = {int(waited)}")


def revoke_api_tokens(person: Person, now: datetime) -> int:
    """Revoke every token of ``person``; :returns: how many were live."""
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.person_id == person.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def list_api_tokens(person: Person) -> list[ApiToken]:
    """``person``'s live (unrevoked) API tokens, newest first. The secrets are not kept."""
    return list(
        db.session.execute(
            select(ApiToken)
            .where(ApiToken.person_id == person.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.id.desc())
        ).scalars()
    )


def revoke_own_api_token(actor: Person | None, token_id: object, now: datetime) -> ApiToken:
    """Revoke one of the actor's own live API tokens; it stops working at once.

    :param token_id: the token's identifier (as listed by :func:`list_api_tokens`).
    :returns: the revoked token row, flushed.
    :raises NotFound: no such live token of the actor (another person's token
        is not found either), or nobody with access is asking.
    """
    row = None
    if (
        has_access(actor)
        and isinstance(token_id, int)
        and not isinstance(token_id, bool)
        and 0 < token_id < 2**31
    ):
        row = db.session.get(ApiToken, token_id)
    if row is None or actor is None or row.person_id != actor.id or row.revoked_at is not None:
        raise NotFound(f"No token {token_id} of yours.")
    row.revoked_at = now
    db.session.flush()
    audit.record("token.revoked", f"person:{actor.id}", actor, {"token": row.id}, at=now)
    return row


def end_all_access(person: Person, now: datetime) -> dict[str, int]:
    """Revoke every session and API token of ``person`` and void their unused
    sign-in links, for good: reactivating the person brings none back.

    :returns: how many of each were live: ``{"sessions", "tokens", "links"}``.
    """
    sessions = db.session.execute(
        update(LoginSession)
        .where(LoginSession.person_id == person.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return {
        "sessions": int(getattr(sessions, "rowcount", 0) or 0),
        "tokens": revoke_api_tokens(person, now),
        "links": void_login_links(person, now),
    }
