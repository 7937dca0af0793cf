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

The names of the time that acts keep (domain/names.py) are emptied too: the
person's name on their comments, the ballots they cast or recorded and the
objections they lodged. A comment is then signed "former representative of"
the organisation named as it was then. Free text is cleared when it names the
person by today's name or by any earlier name those acts kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from ..domain.errors import Conflict, Message
from ..extensions import db
from ..models import Ballot, Comment, Notification, Objection, Person
from . import audit, auth
from .access import require_facilitator
from .organisations import get_person
from .text import clean


def _names(value: str | None, *names: str) -> bool:
    """Whether ``value`` holds any of ``names`` (case aside; empty names never match)."""
    folded = (value or "").casefold()
    return bool(folded) and any(name and name.casefold() in folded for name in names)


def _scrubbed(context: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any] | None:
    """``context`` with every text value that names the person emptied; ``None``: unchanged."""
    changed = False
    cleaned: dict[str, Any] = {}
    for key, value in context.items():
        if isinstance(value, str) and _names(value, *names):
            value, changed = "", True
        cleaned[key] = value
    return cleaned if changed else None


def _snapshots() -> list[tuple[Any, Any, Any]]:
    """The acts' columns that keep a person's name of the time, each with the
    column of the person's id beside it (domain/names.py)."""
    return [
        (Comment, Comment.author_id, Comment.author_name),
        (Ballot, Ballot.cast_by_id, Ballot.cast_by_name),
        (Ballot, Ballot.recorded_by_id, Ballot.recorded_by_name),
        (Objection, Objection.person_id, Objection.person_name),
    ]


def _names_of_the_time(person_id: int) -> set[str]:
    """Every name the person's acts kept (earlier names, before a rename)."""
    found: set[str] = set()
    for _model, id_column, name_column in _snapshots():
        found.update(
            n
            for n in db.session.execute(
                select(name_column).where(id_column == person_id).distinct()
            ).scalars()
            if n
        )
    return found


def _empty_names_of_the_time(person_id: int) -> None:
    """Empty the person's names of the time on their acts (``""``: erased)."""
    for model, id_column, name_column in _snapshots():
        db.session.execute(
            update(model)
            .where(id_column == person_id, name_column.is_not(None))
            .values({name_column.key: ""})
            .execution_options(synchronize_session="fetch")
        )


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
    names = (person.name, person.email or "", *_names_of_the_time(person.id))
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
        if _names(ballot.given_by, *names):
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
            scrubbed = _scrubbed(mail.context, names)
            if scrubbed is not None:
                mail.context = scrubbed
    _empty_names_of_the_time(person.id)
    db.session.flush()
    audit.record(
        "person.erased",
        f"person:{person.id}",
        actor,
        {"reason_digest": audit.text_digest(text), "given_by_cleared": cleared, **ended},
        at=now,
    )
    return person
