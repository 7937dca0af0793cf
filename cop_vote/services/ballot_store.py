"""How a ballot write is stored: the ballot's next version, the decision's
new tally stamp and the history row, written on their tables under the
decision's lock (:mod:`.ballots` decides what to write)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import Ballot, BallotChange, Decision, Organisation, Person, new_stamp
from . import tally_cache

_ADD_CHANGE = insert(BallotChange.__table__)
_UPDATE_BALLOT = update(Ballot.__table__).where(Ballot.__table__.c.id == bindparam("ballot_id"))
_NEW_STAMP = (
    update(Decision.__table__)
    .where(Decision.__table__.c.id == bindparam("decision_id"))
    .values(tally_stamp=bindparam("tally_stamp"))
)
_BALLOT_COLUMNS = (
    "content",
    "is_cast",
    "version",
    "receipt",
    "cast_at",
    "cast_by_id",
    "recorded_by_id",
    "given_by",
    "organisation_name",
    "cast_by_name",
    "recorded_by_name",
)


def _change_in_one_statement() -> Any:
    """PostgreSQL: the ballot's next version, the decision's new tally stamp
    and the history row in one statement (data-modifying ``WITH``), as
    :func:`store` writes them in three elsewhere. The write holds the
    decision's lock: each round trip saved shortens every writer's turn."""
    ballot, decision, change = Ballot.__table__, Decision.__table__, BallotChange.__table__
    column = {name: bindparam(name, type_=ballot.c[name].type) for name in _BALLOT_COLUMNS}
    written = (
        update(ballot)
        .where(ballot.c.id == bindparam("ballot_id"))
        .values(**column)
        .returning(ballot.c.id)
        .cte("written_ballot")
    )
    stamped = (
        update(decision)
        .where(decision.c.id == bindparam("stamped_decision"))
        .values(tally_stamp=bindparam("tally_stamp"))
        .returning(decision.c.id)
        .cte("new_stamp")
    )
    return (
        insert(change)
        .values(
            ballot_id=bindparam("ballot_id"),
            version=column["version"],
            action=bindparam("action"),
            content=column["content"],
            receipt=column["receipt"],
            person_id=bindparam("person_id"),
            at=column["cast_at"],
        )
        .add_cte(written)
        .add_cte(stamped)
    )


_CHANGE_IN_ONE_STATEMENT = _change_in_one_statement()


def ballot_values(
    org: Organisation,
    content: dict[str, Any] | None,
    actor: Person,
    receipt: str | None,
    now: datetime,
    given_by: str | None,
    action: str,
) -> dict[str, Any]:
    """The ballot's columns as this write leaves them (but its version)."""
    record = action == "record"
    return {
        "content": content,
        "is_cast": content is not None,
        "receipt": receipt,
        "cast_at": now,
        "cast_by_id": None if record else actor.id,
        "recorded_by_id": actor.id if record else None,
        "given_by": given_by,
        # The names of this write's time: the ballot record and the pack show
        # them after a later rename.
        "organisation_name": org.name,
        "cast_by_name": None if record else actor.name,
        "recorded_by_name": actor.name if record else None,
    }


def store(
    decision: Decision,
    ballot: Ballot | None,
    values: dict[str, Any],
    change: dict[str, Any],
) -> None:
    """Write the ballot's next version (``ballot``; ``None``: the row was just
    inserted with ``values``), the decision's new tally stamp and the history
    row; the objects then hold them as stored.

    On tables, not through the unit of work (which costs more than the
    statements); on PostgreSQL an update is one statement
    (:func:`_change_in_one_statement`).
    """
    if ballot is not None:
        values = {**values, "version": ballot.version + 1}
        change = {**change, "ballot_id": ballot.id}
    # The cached tally is keyed on this stamp: replaced under the decision's
    # lock, in this write's transaction.
    stamp = new_stamp()
    # (An UPDATE sets each column its parameters name: none but its own.)
    params = {**values, **change, "tally_stamp": stamp}
    if ballot is not None and db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(_CHANGE_IN_ONE_STATEMENT, {**params, "stamped_decision": decision.id})
    else:
        if ballot is not None:
            db.session.execute(_UPDATE_BALLOT, {"ballot_id": ballot.id, **values})
        db.session.execute(_NEW_STAMP, {"decision_id": decision.id, "tally_stamp": stamp})
        # Its history row (nothing in this transaction reads it back).
        db.session.execute(_ADD_CHANGE, _change_row(params))
    if ballot is not None:
        for name, value in values.items():
            set_committed_value(ballot, name, value)
    set_committed_value(decision, "tally_stamp", stamp)
    tally_cache.mark_written()


def _change_row(params: dict[str, Any]) -> dict[str, Any]:
    """The history row of a write's parameters (:func:`store`)."""
    return {
        "ballot_id": params["ballot_id"],
        "version": params["version"],
        "action": params["action"],
        "content": params["content"],
        "receipt": params["receipt"],
        "person_id": params["person_id"],
        "at": params["cast_at"],
    }
