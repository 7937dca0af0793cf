"""Erasing a person (GDPR/AVG, article 17), keeping the network's record whole.

A facilitator erases a person who left: their name, e-mail address and
function are removed, they lose every session, token and sign-in link, and
they are shown as a former representative of their organisation. Their
organisation's ballots, every count and the event log stay as they are: the
log refers to people by id and never held their name, so its hash chain is
untouched and the erasure itself is one more entry (with the reason as a
digest, since a reason may name the person). Free text that names them is
cleared: the "given by" of a ballot recorded in a meeting, and the values of
mail written for others (the outbox keeps what a mail shows).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..domain.errors import Conflict, Message
from ..extensions import db
from ..models import Ballot, Notification, Person
from . import audit, auth
from .access import require_facilitator
from .organisations import get_person
from .text import clean


def _names(value: str | None, name: str) -> bool:
    return bool(value) and bool(name) and name.casefold() in (value or "").casefold()


def _scrubbed(context: dict[str, Any], name: str, email: str) -> dict[str, Any] | None:
    """``context`` with every text value that names the person emptied; ``None``: unchanged."""
    changed = False
    cleaned: dict[str, Any] = {}
    for key, value in context.items():
        if isinstance(value, str) and (_names(value, name) or _names(value, email)):
            value, changed = "", True
        cleaned[key] = value
    return cleaned if changed else None


def erase_person(actor: Person | None, person_id: int, reason: Any, now: datetime) -> Person:
    """Erase a person's name and e-mail everywhere, keeping ballots, counts and the log.

    :param reason: why (required, at most 2000 characters); logged as a digest.
    :returns: the erased person (flushed).
    :raises NotAllowed: the actor is not a facilitator.
    :raises NotFound: no such person.
    :raises InvalidInput: no reason, or an unusable one.
    :raises Conflict: the actor themself, or a person erased already.
    """
    require_facilitator(actor)
    person = get_person(person_id)
    text = clean(reason, "reason", max_length=2000)
    if actor is not None and person.id == actor.id:
        raise Conflict(Message("You cannot erase yourself."))
    if person.erased_at is not None:
        raise Conflict(Message("This person is erased already."))
    name, email = person.name, person.email or ""
    ended = auth.end_all_access(person, now)
    person.name = ""
    person.email = None
    person.function = ""
    person.language = None
    person.notifications = "none"
    person.active = False
    person.is_lead = False  # an erased person leads no organisation
    person.erased_at = now
    given = db.session.execute(select(Ballot).where(Ballot.given_by.is_not(None))).scalars()
    cleared = 0
    for ballot in given:
        if _names(ballot.given_by, name):
            ballot.given_by = None
            cleared += 1
    for mail in db.session.execute(select(Notification)).scalars():
        if mail.person_id == person.id:
            mail.address = None
            mail.context = None
            mail.last_error = None
            if mail.status == "pending":
                mail.status = "skipped"
        elif mail.context:
            scrubbed = _scrubbed(mail.context, name, email)
            if scrubbed is not None:
                mail.context = scrubbed
    db.session.flush()
    audit.record(
        "person.erased",
        f"person:{person.id}",
        actor,
        {"reason_digest": audit.text_digest(text), "given_by_cleared": cleared, **ended},
        at=now,
    )
    return person
