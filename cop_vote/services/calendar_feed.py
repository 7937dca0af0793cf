"""A person's private calendar feed: its address (a secret in the URL, no
session needed), a new address that revokes the old one, and what the feed
lists.

The secret is ``cal_`` + an HMAC-SHA256 of a random nonce under the app's
``SECRET_KEY`` (passed in as ``key``); only its SHA-256 is stored, as for API
tokens and sign-in links (:func:`cop_vote.services.auth.digest`). So the
profile can show the address again, and a copy of the database alone opens
no feed. Changing ``SECRET_KEY`` ends every feed address.

Functions flush, never commit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import select, update

from ..domain.errors import NotFound
from ..extensions import db
from ..models import CalendarFeed, Decision, Meeting, Person
from . import audit
from .access import has_access
from .auth import digest
from .decisions import list_decisions
from .meetings import list_meetings

#: Every feed secret starts with this, so that it is recognised when pasted.
PREFIX = "cal_"


def _secret(key: str, nonce: str) -> str:
    mac = hmac.new(key.encode(), f"calendar-feed:{nonce}".encode(), hashlib.sha256).digest()
    return PREFIX + base64.urlsafe_b64encode(mac).decode().rstrip("=")


def _live(person: Person) -> CalendarFeed | None:
    return db.session.execute(
        select(CalendarFeed)
        .where(CalendarFeed.person_id == person.id, CalendarFeed.revoked_at.is_(None))
        .order_by(CalendarFeed.id.desc())
        .limit(1)
    ).scalar()


def _require(actor: Person | None) -> Person:
    if actor is None or not has_access(actor):
        raise NotFound("No calendar feed.")
    return actor


def feed_secret(actor: Person | None, key: str) -> tuple[str, datetime] | None:
    """The secret of ``actor``'s live feed address and when it was made, or
    ``None`` when they have none (never made, or revoked).

    :param key: the app's ``SECRET_KEY``.
    :raises NotFound: nobody with access is asking.
    """
    feed = _live(_require(actor))
    if feed is None:
        return None
    return _secret(key, feed.nonce), feed.created_at


def issue_feed(actor: Person | None, key: str, now: datetime) -> tuple[str, datetime]:
    """Give ``actor`` a new feed address; the one before stops working at once.

    :param key: the app's ``SECRET_KEY``.
    :returns: ``(secret, made at)``.
    :raises NotFound: nobody with access is asking.
    """
    person = _require(actor)
    # The person's row lock: two requests for a new address at once leave one live.
    db.session.execute(select(Person.id).where(Person.id == person.id).with_for_update())
    revoked = revoke_feeds(person, now)
    nonce = secrets.token_hex(32)
    secret = _secret(key, nonce)
    db.session.add(
        CalendarFeed(person_id=person.id, nonce=nonce, token_hash=digest(secret), created_at=now)
    )
    db.session.flush()
    audit.record(
        "calendar_feed.issued", f"person:{person.id}", person, {"revoked": revoked}, at=now
    )
    return secret, now


def revoke_feeds(person: Person, now: datetime) -> int:
    """Revoke every live feed address of ``person``; :returns: how many were live."""
    result = db.session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.person_id == person.id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def person_for_feed(secret: str | None) -> Person:
    """The person whose live feed address holds ``secret``.

    :raises NotFound: an unknown or revoked secret, or a person without access
        (inactive, of an inactive organisation), with one message.
    """
    person = None
    if secret and secret.startswith(PREFIX) and len(secret) < 100:
        person = db.session.execute(
            select(Person)
            .join(CalendarFeed, CalendarFeed.person_id == Person.id)
            .where(CalendarFeed.token_hash == digest(secret), CalendarFeed.revoked_at.is_(None))
        ).scalar()
    if person is None or not has_access(person):
        raise NotFound("No such calendar feed.")
    return person


def feed_items(person: Person) -> tuple[list[Decision], list[Meeting]]:
    """What ``person``'s feed lists: the decisions they may see (but drafts and
    withdrawn ones) and the network's meetings."""
    shown = [d for d in list_decisions(person) if d.status not in ("draft", "withdrawn")]
    return shown, list_meetings()
