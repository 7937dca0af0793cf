"""What a decision page (and the API's decision object) reads beside the
decision, in one statement.

Besides the decision, a decision page shows its turnout and whether the
reader's organisation is in the electorate; the API's decision object shows
the turnout and whether the reader's organisation holds a cast ballot. Both
show the decision's outcome history and its change notes, and the page the
meetings that had it on their agenda and the interests organisations
declared. Most decisions have none of these lists, yet reading each was a
query of its own on every view. :func:`page_facts` counts the turnout and
asks whether each list has a row in one statement (built once: every
decision page sends it), so that a page reads only the lists that have
something to show.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import BindParameter, Integer, bindparam, exists, select
from sqlalchemy.orm import aliased

from ..domain import lifecycle
from ..extensions import db
from ..models import (
    Ballot,
    Decision,
    DecisionChange,
    InterestDeclaration,
    MeetingDecision,
    OutcomeHistory,
)
from . import change_notes, results, selections

_DECISION: BindParameter[int] = bindparam("decision_id", type_=Integer)
_ORGANISATION: BindParameter[int] = bindparam("organisation_id", type_=Integer)
#: The reader's organisation's ballot, apart from the electorate's (joined) ones.
_OWN = aliased(Ballot)

#: The turnout (:data:`results.TURNOUT_FOR`), whether the organisation holds a
#: cast ballot, and whether each list has a row for the decision.
_FACTS = results.TURNOUT_FOR.add_columns(
    select(_OWN.is_cast)
    .where(_OWN.decision_id == _DECISION, _OWN.organisation_id == _ORGANISATION)
    .scalar_subquery(),
    exists().where(OutcomeHistory.decision_id == _DECISION),
    exists().where(DecisionChange.decision_id == _DECISION),
    exists().where(MeetingDecision.decision_id == _DECISION),
    exists().where(InterestDeclaration.decision_id == _DECISION),
)


@dataclass(frozen=True, slots=True)
class PageFacts:
    """A decision's turnout, the reader's organisation's place in it, and
    which of the decision's lists have a row."""

    turnout: results.Turnout
    #: The organisation is in the decision's fixed electorate (a draft has none).
    is_elector: bool
    #: The organisation holds a cast ballot (an abstention included).
    own_cast: bool
    history: bool
    changes: bool
    meetings: bool
    interests: bool


def page_facts(decision: Decision, organisation_id: int | None) -> PageFacts:
    """:class:`PageFacts` of ``decision`` for a reader of ``organisation_id``:
    one query (two for a draft, whose turnout is counted from the network)."""
    electors, cast, member, own, history, changes, meetings, interests = db.session.execute(
        _FACTS, {"decision_id": decision.id, "organisation_id": organisation_id}
    ).one()
    turnout = results.Turnout(cast, electors)
    if decision.status == lifecycle.Status.DRAFT:
        turnout, member = results.turnout([decision])[decision.id], 0
    return PageFacts(
        turnout,
        bool(member),
        bool(own),
        bool(history),
        bool(changes),
        bool(meetings),
        bool(interests),
    )


def history_and_changes(
    decision: Decision, facts: PageFacts
) -> tuple[list[OutcomeHistory], list[DecisionChange]]:
    """The decision's outcome history and change notes (a draft has none),
    each read only when ``facts`` says it has rows."""
    history = selections.history([decision.id])[decision.id] if facts.history else []
    changes = (
        change_notes.notes_of([decision.id])[decision.id]
        if facts.changes and decision.opened_at is not None
        else []
    )
    return history, changes
