"""Reading ballots, never writing them: an organisation's ballot as its
pages show it, its history, the ballots counted and those recorded in a
meeting. The writes and what they answer are in
:mod:`cop_vote.services.ballots`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select

from ..extensions import db
from ..models import Ballot, BallotChange, Decision, Elector


@dataclass(frozen=True)
class PersonRef:
    """A person as a ballot names them: id and name."""

    id: int
    name: str


@dataclass(frozen=True)
class BallotView:
    """An organisation's ballot row as its decision page shows it, read as
    plain columns with the name of who cast it (:func:`ballot_view`)."""

    is_cast: bool
    content: dict[str, Any] | None
    version: int
    receipt: str | None
    cast_at: datetime
    cast_by: PersonRef | None
    given_by: str | None


_BALLOT_VIEW = select(
    Ballot.is_cast,
    Ballot.content,
    Ballot.version,
    Ballot.receipt,
    Ballot.cast_at,
    Ballot.cast_by_id,
    # Who cast it, named as they were then (domain/names.py).
    Ballot.cast_by_name,
    Ballot.given_by,
).where(
    Ballot.decision_id == bindparam("decision_id"),
    Ballot.organisation_id == bindparam("organisation_id"),
)


def ballot_view(decision_id: int, organisation_id: int) -> BallotView | None:
    """:func:`find_ballot` for reading, with who cast it, in one query."""
    found = db.session.execute(
        _BALLOT_VIEW, {"decision_id": decision_id, "organisation_id": organisation_id}
    ).first()
    if found is None:
        return None
    is_cast, content, version, receipt, cast_at, person_id, name, given_by = found
    cast_by = PersonRef(person_id, name or "") if person_id is not None else None
    return BallotView(is_cast, content, version, receipt, cast_at, cast_by, given_by)


def own_ballots(decision_ids: Sequence[int], organisation_id: int | None) -> dict[int, Ballot]:
    """The organisation's ballot rows (cast or withdrawn) on these decisions,
    by decision id, in one query."""
    if organisation_id is None or not decision_ids:
        return {}
    rows = db.session.execute(
        select(Ballot).where(
            Ballot.decision_id.in_(decision_ids), Ballot.organisation_id == organisation_id
        )
    ).scalars()
    return {b.decision_id: b for b in rows}


def history(decision_id: int, organisation_id: int) -> list[BallotChange]:
    """The change history of an organisation's ballot on a decision, oldest first."""
    return list(
        db.session.execute(
            select(BallotChange)
            .join(Ballot, Ballot.id == BallotChange.ballot_id)
            .where(Ballot.decision_id == decision_id, Ballot.organisation_id == organisation_id)
            .order_by(BallotChange.version)
        ).scalars()
    )


@dataclass(frozen=True)
class RecordedBallot:
    """A cast ballot a facilitator recorded in a meeting: whose, and who gave it."""

    organisation: str
    given_by: str | None


_RECORDED = (
    select(Ballot.organisation_name, Ballot.given_by)
    .join(
        Elector,
        (Elector.decision_id == Ballot.decision_id)
        & (Elector.organisation_id == Ballot.organisation_id),
    )
    .where(
        Ballot.decision_id == bindparam("decision_id"),
        Ballot.is_cast.is_(True),
        Ballot.recorded_by_id.is_not(None),
    )
    .order_by(Ballot.id)
)


def recorded_ballots(decision: Decision) -> list[RecordedBallot]:
    """The cast ballots of the electorate that a facilitator recorded in a
    meeting, by organisation name (one query)."""
    found = db.session.execute(_RECORDED, {"decision_id": decision.id}).tuples()
    return [RecordedBallot(name or "", given_by) for name, given_by in found]


def cast_ballots(decision: Decision) -> list[Ballot]:
    """The organisations' cast ballots (abstentions included), one per
    organisation of the electorate. In a sealed secret decision their
    ``content`` is ``None``: it is in :class:`AnonymousBallot`."""
    electors = select(Elector.organisation_id).where(Elector.decision_id == decision.id)
    return list(
        db.session.execute(
            select(Ballot).where(
                Ballot.decision_id == decision.id,
                Ballot.is_cast.is_(True),
                Ballot.organisation_id.in_(electors),
            )
        ).scalars()
    )
