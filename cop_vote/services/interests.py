"""Conflicts of interest: an organisation declares an interest in an option.

A representative declares it for their organisation, with a short text,
while the decision is open; any representative of that organisation may
change the text or withdraw it until the decision closes. The declaration is
shown beside the option's count (results, outcome, meeting pack). Each
declaration and withdrawal is in the event log.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..database import MAX_ID
from ..domain.errors import Conflict, InvalidInput, Message, NotAllowed, NotFound
from ..domain.lifecycle import Status
from ..extensions import db
from ..models import Decision, Elector, InterestDeclaration, Option, Person
from . import audit
from .access import require_member
from .decisions import get_decision, status_of
from .text import clean
from .timefmt import Now, instant, iso_utc

#: The longest declaration, in characters.
TEXT_MAX = 300


def _member_of_electorate(actor: Person | None, decision: Decision) -> Person:
    actor = require_member(actor)
    if actor.role != "representative" or actor.organisation_id is None:
        raise NotAllowed(
            Message("Only a representative declares an interest, for their organisation.")
        )
    found = db.session.get(Elector, (decision.id, actor.organisation_id))
    if found is None:
        raise NotAllowed(Message("Your organisation is not in this decision's electorate."))
    return actor


def _require_open(decision: Decision, now: datetime) -> None:
    status = status_of(decision, now)
    if status is not Status.OPEN:
        raise Conflict(
            Message(
                "Interests are declared or withdrawn while the decision is open; "
                "this decision is %(status)s.",
                status=status,
            ),
            code="decision_not_open",
        )


def _option(decision: Decision, option_id: Any) -> Option:
    if option_id is None or option_id == "":  # the form's "Choose an option", or left out
        raise InvalidInput(
            Message("No option chosen."),
            {"option": Message("Choose the option your organisation has an interest in.")},
        )
    found = next(
        (
            o
            for o in decision.options
            if isinstance(option_id, int) and not isinstance(option_id, bool) and o.id == option_id
        ),
        None,
    )
    if found is None:
        raise InvalidInput(
            Message("Unknown option."),
            {"option": Message("Choose an option of this decision.")},
        )
    return found


def declare_interest(
    actor: Person | None, decision_id: int, data: Any, now: Now
) -> InterestDeclaration:
    """Declare (or reword) the actor's organisation's interest in an option.

    :param data: ``{"option": id, "text": str}`` (text at most :data:`TEXT_MAX`).
    :raises NotAllowed: not a representative of an organisation in the electorate.
    :raises InvalidInput: an unknown option, a blank or too long text.
    :raises Conflict: the decision is not open.
    """
    now = instant(now)
    decision = get_decision(actor, decision_id, lock=True)
    actor = _member_of_electorate(actor, decision)
    if not isinstance(data, dict):
        raise InvalidInput("The body must be a JSON object.", {"body": "Must be an object."})
    unknown = [k for k in data if k not in ("option", "text")]
    if unknown:
        raise InvalidInput(
            "Unknown field: " + ", ".join(unknown) + ".", {k: "Unknown field." for k in unknown}
        )
    option = _option(decision, data.get("option"))
    text = clean(data.get("text"), "text", max_length=TEXT_MAX, single_line=True)
    _require_open(decision, now)
    found = db.session.execute(
        select(InterestDeclaration).where(
            InterestDeclaration.option_id == option.id,
            InterestDeclaration.organisation_id == actor.organisation_id,
        )
    ).scalar()
    if found is None:
        assert actor.organisation_id is not None
        found = InterestDeclaration(
            decision_id=decision.id,
            option_id=option.id,
            organisation_id=actor.organisation_id,
        )
        db.session.add(found)
    found.person_id, found.text, found.created_at = actor.id, text, now
    found.organisation_name = actor.organisation.name if actor.organisation else None
    db.session.flush()
    audit.record(
        "interest.declared",
        f"decision:{decision.id}",
        actor,
        {"option": option.id, "organisation": actor.organisation_id, "text": text},
        at=now,
    )
    return found


def withdraw_interest(actor: Person | None, decision_id: int, option_id: int, now: Now) -> None:
    """Withdraw the actor's organisation's declared interest in ``option_id``.

    :raises NotFound: the organisation declared no interest in that option.
    :raises Conflict: the decision is not open.
    """
    now = instant(now)
    decision = get_decision(actor, decision_id, lock=True)
    actor = _member_of_electorate(actor, decision)
    if not 0 < option_id <= MAX_ID:  # beyond any stored id (and PostgreSQL's integer)
        raise NotFound(Message("Your organisation declared no interest in this option."))
    found = db.session.execute(
        select(InterestDeclaration).where(
            InterestDeclaration.decision_id == decision.id,
            InterestDeclaration.option_id == option_id,
            InterestDeclaration.organisation_id == actor.organisation_id,
        )
    ).scalar()
    if found is None:
        raise NotFound(Message("Your organisation declared no interest in this option."))
    _require_open(decision, now)
    db.session.delete(found)
    db.session.flush()
    audit.record(
        "interest.withdrawn",
        f"decision:{decision.id}",
        actor,
        {"option": option_id, "organisation": actor.organisation_id},
        at=now,
    )


def interests(decision: Decision) -> list[InterestDeclaration]:
    """The decision's declarations, by option order then organisation name (one query)."""
    positions = {o.id: o.position for o in decision.options}
    rows = db.session.execute(
        select(InterestDeclaration).where(InterestDeclaration.decision_id == decision.id)
    ).scalars()
    return sorted(
        rows, key=lambda d: (positions.get(d.option_id, 0), (d.organisation_name or "").casefold())
    )


def by_option(decision: Decision) -> dict[int, list[InterestDeclaration]]:
    """:func:`interests` grouped by option id."""
    grouped: dict[int, list[InterestDeclaration]] = defaultdict(list)
    for found in interests(decision):
        grouped[found.option_id].append(found)
    return dict(grouped)


def to_dict(found: InterestDeclaration) -> dict[str, Any]:
    """The API's interest object."""
    return {
        "id": found.id,
        "option": found.option_id,
        "organisation": found.organisation.slug,
        # The organisation's name when it declared (domain/names.py).
        "organisation_name": found.organisation_name or "",
        "text": found.text,
        "created_at": iso_utc(found.created_at),
    }
