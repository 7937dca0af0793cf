"""Results and participation of a decision, counted by organisation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, case, exists, func, select

from ..domain import lifecycle, selection
from ..domain.errors import NotAllowed
from ..domain.selection import Selection
from ..domain.tally import OptionRef, TallyResult, Verdict, tally
from ..extensions import db
from ..models import Ballot, Decision, Elector, InterestDeclaration, Organisation, Person
from . import decision_rules, interests, sealing, tally_cache
from .ballot_reads import cast_ballots
from .decisions import electorate_size, eligible_organisations, quorum_of, status_of


def may_see_results(
    decision: Decision, viewer: Person | None, now: datetime, *, own: bool | None = None
) -> bool:
    """Whether ``viewer`` may see the results now (the decision's visibility rule).

    :param own: whether the viewer's organisation holds a cast ballot, when the
        caller knows it already (e.g. from :func:`cop_vote.services.ballot_reads.own_ballots`).
    """
    if viewer is None or decision.method == "discussion":
        return False
    if own is None:
        own = has_own_ballot(decision, viewer)
    return lifecycle.results_visible(
        visibility=decision.results_visibility,
        secrecy=decision.ballot_secrecy,
        status=status_of(decision, now),
        has_own_ballot=own,
        is_facilitator=viewer.role == "facilitator",
        sealed=sealing.is_sealed(decision),
    )


_OWN_CAST = select(Ballot.is_cast).where(
    Ballot.decision_id == bindparam("decision_id"),
    Ballot.organisation_id == bindparam("organisation_id"),
)


#: Whether the reader's organisation holds a cast ballot, and whether the
#: decision has declared interests and ballots recorded in a meeting: the
#: results page reads those two lists only when they have a row.
_RESULTS_FACTS = select(
    _OWN_CAST.scalar_subquery(),
    exists().where(InterestDeclaration.decision_id == bindparam("decision_id")),
    exists().where(
        Ballot.decision_id == bindparam("decision_id"),
        Ballot.is_cast.is_(True),
        Ballot.recorded_by_id.is_not(None),
    ),
)


@dataclass(frozen=True, slots=True)
class ResultsFacts:
    """What a results page asks of a decision besides its count."""

    #: The reader's organisation holds a cast ballot (an abstention included).
    own_cast: bool
    #: An organisation declared an interest in an option.
    interests: bool
    #: A facilitator recorded a ballot in a meeting.
    recorded: bool


def results_facts(decision: Decision, viewer: Person) -> ResultsFacts:
    """:class:`ResultsFacts` of ``decision`` for ``viewer`` (one query)."""
    own, declared, recorded = db.session.execute(
        _RESULTS_FACTS, {"decision_id": decision.id, "organisation_id": viewer.organisation_id}
    ).one()
    return ResultsFacts(bool(own), bool(declared), bool(recorded))


def has_own_ballot(decision: Decision, viewer: Person) -> bool:
    """Whether ``viewer``'s organisation holds a cast ballot on ``decision`` (one query)."""
    if viewer.organisation_id is None:
        return False
    cast = db.session.execute(
        _OWN_CAST, {"decision_id": decision.id, "organisation_id": viewer.organisation_id}
    ).scalar()
    return bool(cast)


def counted_contents(decision: Decision) -> list[dict[str, Any]]:
    """The contents that count: each organisation's cast ballot, or for a sealed
    secret decision the anonymous ballots.

    :raises NotAllowed: a secret decision whose ballots are not sealed yet:
        nothing may count them, so no count can leak before the cut.
    """
    if sealing.is_secret(decision):
        if not sealing.is_sealed(decision):
            raise NotAllowed(
                "Results are not visible yet for this decision.", code="results_hidden"
            )
        return sealing.anonymous_contents(decision.id)
    return [b.content for b in cast_ballots(decision) if b.content is not None]


def count(decision: Decision, *, fresh: bool = False) -> TallyResult:
    """Tally the counted ballots, one per organisation of the electorate.

    Counted once per change, not once per viewer: the result is kept by the
    decision's ``tally_stamp`` (replaced by every ballot write and by the cut
    at close), its state and its options. A copy is returned, so a caller may
    change it.

    :param fresh: count from the stored ballots, never from the cache, and keep
        nothing: for what checks or records the count (publication, the ballot
        record, a recount), which must read the ballots as they are stored now,
        even if someone changed them behind the application's back.

    :raises NotAllowed: a secret decision not sealed yet (:func:`counted_contents`).
    """
    if sealing.is_secret(decision) and not sealing.is_sealed(decision):
        raise NotAllowed("Results are not visible yet for this decision.", code="results_hidden")
    key = None if fresh else tally_cache.key(decision)
    found = tally_cache.get(key)
    if found is not None:
        return found
    options = [OptionRef(o.id, o.label) for o in decision.options]
    ballots = counted_contents(decision)
    result = tally(
        decision.method,
        options,
        ballots,
        eligible=electorate_size(decision),
        quorum=quorum_of(decision),
        counting=decision.counting,
        max_score=decision.max_score,
        dots=decision.dots,
    )
    tally_cache.put(key, result)
    return result


def results(
    decision: Decision, viewer: Person | None, now: datetime, *, own: bool | None = None
) -> TallyResult:
    """The results, if ``viewer`` may see them.

    :param own: as for :func:`may_see_results`.
    :raises NotAllowed: while hidden by the decision's visibility rule.
    """
    if not may_see_results(decision, viewer, now, own=own):
        raise NotAllowed("Results are not visible yet for this decision.", code="results_hidden")
    return count(decision)


def results_dict(decision: Decision, result: TallyResult, now: datetime) -> dict[str, Any]:
    """The API's results object (API.md, "Results"); for a method whose options
    are ranked by their totals, with ``selects`` and the selection
    (:meth:`~cop_vote.domain.selection.Selection.to_dict`)."""
    body = result.to_dict()
    found = selection_of(decision, result)
    extra = found.to_dict() if found is not None else {}
    rows = decision_rules.results_by_kind(decision, result)
    rule = decision_rules.ruled_verdict(decision, result, rows)
    return {
        "decision": decision.id,
        "status": status_of(decision, now).value,
        **body,
        **extra,
        "rule": {"met": rule.rule_met, "option": rule.option, "reasons": list(rule.reasons)},
        "by_kind": [row.to_dict() for row in rows] if rows is not None else None,
        "interests": [interests.to_dict(i) for i in interests.interests(decision)],
    }


def selection_of(decision: Decision, result: TallyResult) -> Selection | None:
    """The count's ranking and the options it selects, for the decision's
    ``selects``; ``None`` for a method that ranks no totals."""
    return selection.selection_of(result.method, result.options, decision.selects or 1)


def decision_verdict(decision: Decision, result: TallyResult) -> Verdict:
    """Whether the declared decision rule is met, and why not: quorum, the
    method (above one option selected: no tie at the boundary of the
    selection), the declared majority rule and double majority
    (:func:`~cop_vote.services.decision_rules.ruled_verdict`)."""
    return decision_rules.ruled_verdict(decision, result)


@dataclass(frozen=True)
class Participation:
    """One organisation of the electorate and whether it has cast a ballot."""

    organisation: Organisation
    ballot: Ballot | None

    @property
    def has_voted(self) -> bool:
        """Whether a ballot (an abstention included) is cast."""
        return self.ballot is not None and self.ballot.is_cast


def participation(decision: Decision) -> list[Participation]:
    """Every eligible organisation, by name, with its ballot if cast."""
    by_org = {b.organisation_id: b for b in cast_ballots(decision)}
    return [Participation(o, by_org.get(o.id)) for o in eligible_organisations(decision)]


@dataclass(frozen=True)
class Turnout:
    """How many organisations of a decision's electorate cast a ballot, of how many."""

    cast: int
    eligible: int


def _cast_ballot(decision_id: Any, organisation_id: Any) -> ColumnElement[bool]:
    """The join condition of an organisation's cast ballot on a decision."""
    return and_(
        Ballot.decision_id == decision_id,
        Ballot.organisation_id == organisation_id,
        Ballot.is_cast.is_(True),
    )


#: Each fixed electorate's size and cast ballots (built once: every decision page sends it).
_TURNOUT = (
    select(Elector.decision_id, func.count(), func.count(Ballot.id))
    .outerjoin(Ballot, _cast_ballot(Elector.decision_id, Elector.organisation_id))
    .where(Elector.decision_id.in_(bindparam("decision_ids", expanding=True)))
    .group_by(Elector.decision_id)
)


def turnout(decisions: Sequence[Decision]) -> dict[int, Turnout]:
    """The turnout of each decision, by id, counted in SQL: at most two
    queries however many decisions, organisations and ballots there are.

    A draft's electorate is who would be eligible now
    (:func:`~cop_vote.services.decisions.eligible_organisations`); it has no
    ballots yet.
    """
    fixed = [d.id for d in decisions if d.status != lifecycle.Status.DRAFT]
    eligible: dict[int, int] = {}
    cast: dict[int, int] = {}
    if fixed:
        # One query: each elector with its cast ballot, if any (one ballot row
        # per organisation and decision, so the join adds no rows).
        for decision_id, electors, ballots in db.session.execute(
            _TURNOUT, {"decision_ids": fixed}
        ).tuples():
            eligible[decision_id], cast[decision_id] = electors, ballots
    drafts = [d for d in decisions if d.status == lifecycle.Status.DRAFT]
    if drafts:
        members, facilitators = db.session.execute(
            select(
                func.count(case((Organisation.kind != "facilitator", 1))),
                func.count(case((Organisation.kind == "facilitator", 1))),
            ).where(Organisation.active.is_(True), Organisation.voting.is_(True))
        ).one()
        for d in drafts:
            eligible[d.id] = members + (facilitators if d.facilitator_votes else 0)
    return {d.id: Turnout(cast.get(d.id, 0), eligible.get(d.id, 0)) for d in decisions}


#: One fixed electorate's size, its cast ballots and whether an organisation is in it
#: (the decision page adds its other facts: services/decision_page.py).
TURNOUT_FOR = (
    select(
        func.count(),
        func.count(Ballot.id),
        func.count(case((Elector.organisation_id == bindparam("organisation_id"), 1))),
    )
    .select_from(Elector)
    .outerjoin(Ballot, _cast_ballot(Elector.decision_id, Elector.organisation_id))
    .where(Elector.decision_id == bindparam("decision_id"))
)


@dataclass(slots=True)
class ElectorRow:
    """An organisation of a participation page, read as plain columns."""

    id: int
    name: str
    active: bool


@dataclass(slots=True)
class ParticipationRow:
    """One organisation of a participation page and its cast ballot, if any.

    ``recorded_by`` is the name of the facilitator who recorded the ballot in
    a meeting (``None``: cast by the organisation), ``given_by`` who gave it;
    ``added_at`` when a facilitator added the organisation to the open
    decision (``None``: in the electorate from the opening).
    """

    organisation: ElectorRow
    has_voted: bool
    recorded_by: str | None = None
    given_by: str | None = None
    added_at: datetime | None = None


@dataclass(frozen=True)
class ParticipationPage:
    """One page of :func:`participation`, with the whole electorate's turnout."""

    rows: list[ParticipationRow]
    turnout: Turnout
    offset: int
    next_offset: int | None


#: A page of a fixed electorate by name with each cast ballot, and the whole
#: electorate's turnout in window counts (counted before LIMIT); built once.
_PARTICIPATION_PAGE = (
    # The electorate is a live list (today's names); who recorded a ballot is
    # named as then (domain/names.py).
    select(
        Organisation.id,
        Organisation.name,
        Organisation.active,
        Ballot.id,
        Ballot.recorded_by_name,
        Ballot.given_by,
        Elector.added_at,
        func.count().over(),
        func.count(Ballot.id).over(),
    )
    .join(Elector, Elector.organisation_id == Organisation.id)
    .outerjoin(Ballot, _cast_ballot(bindparam("decision_id"), Organisation.id))
    .where(Elector.decision_id == bindparam("decision_id"))
    .order_by(func.lower(Organisation.name), Organisation.id)
    .offset(bindparam("offset"))
    .limit(bindparam("limit"))
)


def participation_page(
    decision: Decision, *, offset: int = 0, limit: int = 100
) -> ParticipationPage:
    """A page of the electorate by name with each organisation's cast ballot
    and who recorded it, as plain rows, with the whole electorate's turnout
    counted beside them (window counts): one query however large the
    electorate (two for a page past its end, which has no row to carry them)."""
    offset, limit = max(0, offset), max(1, min(limit, 500))
    if decision.status == lifecycle.Status.DRAFT:
        conditions: list[ColumnElement[bool]] = [
            Organisation.active.is_(True),
            Organisation.voting.is_(True),
        ]
        if not decision.facilitator_votes:
            conditions.append(Organisation.kind != "facilitator")
        orgs = db.session.execute(
            # The electorate's size beside each row (counted before LIMIT).
            select(Organisation.id, Organisation.name, Organisation.active, func.count().over())
            .where(*conditions)
            .order_by(func.lower(Organisation.name), Organisation.id)
            .offset(offset)
            .limit(limit)
        ).all()
        rows = [
            ParticipationRow(ElectorRow(oid, name, active), False) for oid, name, active, _n in orgs
        ]
        counts = Turnout(0, orgs[0][3]) if orgs else None
    else:
        found = db.session.execute(
            _PARTICIPATION_PAGE, {"decision_id": decision.id, "offset": offset, "limit": limit}
        ).all()
        rows = [
            ParticipationRow(
                ElectorRow(oid, name, active), ballot is not None, recorder, given, added
            )
            for oid, name, active, ballot, recorder, given, added, _n, _v in found
        ]
        counts = Turnout(found[0][8], found[0][7]) if found else None
    if counts is None:  # a page past the end: no row carries the counts
        counts = turnout([decision])[decision.id]
    more = offset + limit < counts.eligible
    return ParticipationPage(rows, counts, offset, offset + limit if more else None)
