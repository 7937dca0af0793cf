"""Latecomers (issue 10, part 7): an organisation added to an open decision's
electorate.

The electorate is fixed when a decision opens
(:func:`cop_vote.services.transitions.open_decision`); an organisation that
joins the network later has no ballot in it, and gets no mail about it,
unless a facilitator adds it explicitly. The addition is logged
(``decision.elector_added``), noted on the decision's page
(:mod:`cop_vote.services.change_notes`), announced to the organisation's
representatives (:mod:`cop_vote.services.change_mail`) and shown on the
participation page; the turnout and quorum count it from then on, like every
elector.

A secret decision takes an organisation only before its first ballot: after
it, comparing the counts before and after the newcomer's ballot would tell
how the newcomer voted (a vote inferred by subtraction).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select

from ..database import is_id
from ..domain.errors import Conflict, InvalidInput, Message
from ..domain.lifecycle import Status
from ..extensions import db
from ..models import Ballot, Decision, Elector, Organisation, Person, new_stamp
from . import audit, change_notes, tally_cache
from .access import require_facilitator
from .ballots import in_electorate
from .decisions import get_decision, status_of
from .timefmt import Now, instant


def add_organisation(
    actor: Person | None, decision_id: int, organisation: Any, now: Now
) -> Decision:
    """Add organisation ``organisation`` (its id) to the electorate of an open decision.

    :raises NotAllowed: not a facilitator.
    :raises NotFound: no such decision.
    :raises InvalidInput: no such organisation, or one that cannot vote
        (inactive, not voting, the facilitator's when the decision does not
        let it vote).
    :raises Conflict: the decision is not open; the organisation is in its
        electorate already; a secret decision that has received a ballot.
    """
    actor = require_facilitator(actor)
    decision = get_decision(actor, decision_id, lock=True)
    at = instant(now)
    if not is_id(organisation):
        raise InvalidInput(
            Message("Choose an organisation to add."),
            {"organisation": Message("The id of an organisation.")},
        )
    org = db.session.get(Organisation, organisation)
    if org is None:
        raise InvalidInput(
            Message("There is no such organisation."),
            {"organisation": Message("The id of an organisation.")},
        )
    if (
        not org.active
        or not org.voting
        or (org.kind == "facilitator" and not decision.facilitator_votes)
    ):
        raise InvalidInput(
            Message("%(name)s cannot vote in this decision.", name=org.name),
            {"organisation": Message("An active voting member organisation.")},
        )
    if status_of(decision, at) is not Status.OPEN:
        raise Conflict(Message("Organisations can be added only to an open decision."))
    if in_electorate(decision, org.id):
        raise Conflict(Message("%(name)s is in this decision's electorate already.", name=org.name))
    if decision.ballot_secrecy == "secret" and _has_ballots(decision.id):
        raise Conflict(
            Message(
                "This secret decision has received ballots, so no organisation can be "
                "added any more: comparing the counts before and after its ballot would "
                "show how it voted."
            ),
            code="secret_ballots_cast",
        )
    db.session.add(
        Elector(decision_id=decision.id, organisation_id=org.id, added_at=at, kind=org.kind)
    )
    # What a count reads has moved (eligible, quorum, the kinds' table): the
    # cached tally's key changes, under the decision's lock, in this transaction.
    decision.tally_stamp = new_stamp()
    tally_cache.mark_written()
    db.session.flush()
    note = change_notes.note_addition(decision, org.id, org.name, actor, at)
    audit.record(
        "decision.elector_added",
        f"decision:{decision.id}",
        actor,
        {"organisation_id": org.id, "change": note.id},
        at=at,
    )
    db.session.expire(decision, ["electorate"])
    return decision


def _has_ballots(decision_id: int) -> bool:
    """Whether any organisation has written a ballot (cast, even if withdrawn since)."""
    return bool(
        db.session.execute(select(exists().where(Ballot.decision_id == decision_id))).scalar()
    )


def addable(decision: Decision) -> list[Organisation]:
    """The organisations a facilitator could add to ``decision`` now, by name:
    active and voting, outside its electorate (the facilitator's only when
    the decision lets it vote). Empty unless the decision is open in the
    database (the service decides the rest under its lock)."""
    if decision.status != Status.OPEN.value:
        return []
    electors = select(Elector.organisation_id).where(Elector.decision_id == decision.id)
    query = select(Organisation).where(
        Organisation.active.is_(True),
        Organisation.voting.is_(True),
        Organisation.id.not_in(electors),
    )
    if not decision.facilitator_votes:
        query = query.where(Organisation.kind != "facilitator")
    return sorted(db.session.execute(query).scalars(), key=lambda o: o.name.lower())
