"""Objections: an organisation disputes a count between close and publication.

An organisation that cannot find its ballot in the ballot record, or that
disputes the count, lodges an objection. It is logged, listed on the
facilitator's publish form and in the meeting pack, and shown to the
organisation that lodged it; the facilitator answers it in the meeting and
in the outcome statement.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..domain.errors import Conflict, Message, NotAllowed
from ..domain.lifecycle import Status
from ..extensions import db
from ..models import Objection, Person
from . import audit
from .access import require_member
from .ballots import in_electorate, is_elector
from .decisions import get_decision, status_of
from .text import clean
from .timefmt import Now, instant

OBJECTION_MAX_LENGTH = 5000


def lodge_objection(actor: Person | None, decision_id: int, text: object, now: Now) -> Objection:
    """Lodge an objection for ``actor``'s organisation.

    :param text: what the organisation disputes (required, at most 5,000 characters).
    :raises NotAllowed: observers, or an organisation outside the electorate.
    :raises NotFound: no such decision visible to ``actor``.
    :raises InvalidInput: a blank or too long ``text``.
    :raises Conflict: the decision is not closed, or already published.
    """
    actor = require_member(actor)
    decision = get_decision(actor, decision_id, lock=True)
    at = instant(now)
    if actor.organisation_id is None or not is_elector(decision, actor.organisation_id):
        raise NotAllowed("Your organisation has no ballot in this decision.")
    body = clean(text, "text", max_length=OBJECTION_MAX_LENGTH)
    if status_of(decision, at) is not Status.CLOSED:
        raise Conflict(
            Message("Objections are lodged between the close and the publication of a decision."),
            code="not_closed",
        )
    objection = Objection(
        decision_id=decision.id,
        organisation_id=actor.organisation_id,
        person_id=actor.id,
        text=body,
        created_at=at,
        organisation_name=actor.organisation.name if actor.organisation else None,
        person_name=actor.name,
    )
    db.session.add(objection)
    db.session.flush()
    audit.record(
        "objection.lodged",
        f"decision:{decision.id}",
        actor,
        {
            "objection": objection.id,
            "organisation_id": actor.organisation_id,
            "text_digest": audit.text_digest(body),
        },
        at=at,
    )
    return objection


def list_objections(viewer: Person | None, decision_id: int) -> list[Objection]:
    """The objections ``viewer`` may read: all for a facilitator, their own
    organisation's for a representative, none for anyone else; oldest first.

    :raises NotFound: no such decision visible to ``viewer``.
    """
    decision = get_decision(viewer, decision_id)
    query = select(Objection).where(Objection.decision_id == decision.id).order_by(Objection.id)
    if viewer is None or viewer.role != "facilitator":
        if viewer is None or viewer.organisation_id is None:
            return []
        query = query.where(Objection.organisation_id == viewer.organisation_id)
    return list(db.session.execute(query).scalars())


def may_object(viewer: Person | None, decision_id: int, now: datetime) -> bool:
    """Whether ``viewer`` may lodge an objection now (for showing the form)."""
    if viewer is None or not viewer.active or viewer.role not in ("facilitator", "representative"):
        return False
    decision = get_decision(viewer, decision_id)
    return (
        viewer.organisation_id is not None
        and status_of(decision, now) is Status.CLOSED
        and in_electorate(decision, viewer.organisation_id)
    )
