"""The balance of voices: every organisation of a decision's electorate once,
with its comments, its representatives and whether it has voted.

It counts organisations, never people: an organisation with two
representatives and five comments is one voice, and an organisation that has
neither commented nor voted is *silent*. Silent organisations come first (the
facilitator's question before the meeting is who has not been heard), then
the others, each group by name.

Counted in SQL, a page at a time: two queries (the totals, and the page)
however large the electorate, its comments and its representatives. The
electorate is a live list (today's names, domain/names.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BindParameter,
    Boolean,
    Integer,
    Select,
    Subquery,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
)

from ..domain.lifecycle import Status
from ..extensions import db
from ..models import Ballot, Comment, Decision, Elector, Organisation, Person


@dataclass(frozen=True, slots=True)
class VoiceOrganisation:
    """The organisation of a :class:`Voice`, as plain columns."""

    id: int
    name: str
    slug: str


@dataclass(frozen=True, slots=True)
class Voice:
    """One organisation of the electorate in the balance of voices.

    ``comments`` counts every comment (replies included) by its people;
    ``representatives`` its active representatives; ``has_voted`` whether its
    ballot (an abstention included) is cast.
    """

    organisation: VoiceOrganisation
    comments: int
    representatives: int
    has_voted: bool

    @property
    def silent(self) -> bool:
        """Neither a comment nor a ballot from this organisation."""
        return self.comments == 0 and not self.has_voted


@dataclass(frozen=True, slots=True)
class Balance:
    """The whole electorate's balance in numbers."""

    eligible: int
    silent: int
    commented: int
    voted: int


@dataclass(frozen=True)
class BalancePage:
    """One page of the balance (silent organisations first), with the totals."""

    voices: list[Voice]
    totals: Balance
    offset: int
    next_offset: int | None


def _electorate(*, draft: bool) -> Subquery:
    """Each organisation of the electorate with its counts, as a subquery with
    the columns ``id, name, slug, comments, representatives, voted`` (1 or 0).

    Parameters: ``decision_id``; for a draft (whose electorate is who would be
    eligible now) ``facilitator_votes``.
    """
    decision_id: BindParameter[int] = bindparam("decision_id", type_=Integer)
    comments = (
        select(Comment.organisation_id.label("organisation_id"), func.count().label("n"))
        .where(Comment.decision_id == decision_id)
        .group_by(Comment.organisation_id)
        .subquery()
    )
    representatives = (
        select(Person.organisation_id.label("organisation_id"), func.count().label("n"))
        .where(Person.role == "representative", Person.active.is_(True))
        .group_by(Person.organisation_id)
        .subquery()
    )
    query = (
        select(
            Organisation.id,
            Organisation.name,
            Organisation.slug,
            func.coalesce(comments.c.n, 0).label("comments"),
            func.coalesce(representatives.c.n, 0).label("representatives"),
            case((Ballot.id.is_not(None), 1), else_=0).label("voted"),
        )
        .outerjoin(comments, comments.c.organisation_id == Organisation.id)
        .outerjoin(representatives, representatives.c.organisation_id == Organisation.id)
        .outerjoin(
            Ballot,
            and_(
                Ballot.decision_id == decision_id,
                Ballot.organisation_id == Organisation.id,
                Ballot.is_cast.is_(True),
            ),
        )
    )
    if draft:
        query = query.where(
            Organisation.active.is_(True),
            Organisation.voting.is_(True),
            or_(Organisation.kind != "facilitator", bindparam("facilitator_votes", type_=Boolean)),
        )
    else:
        query = query.join(
            Elector,
            and_(Elector.organisation_id == Organisation.id, Elector.decision_id == decision_id),
        )
    return query.subquery()


def _totals(electorate: Subquery) -> Select[tuple[int, int, int, int]]:
    silent = and_(electorate.c.comments == 0, electorate.c.voted == 0)
    return select(
        func.count(),
        func.coalesce(func.sum(case((silent, 1), else_=0)), 0),
        func.coalesce(func.sum(case((electorate.c.comments > 0, 1), else_=0)), 0),
        func.coalesce(func.sum(electorate.c.voted), 0),
    ).select_from(electorate)


def _page(electorate: Subquery) -> Select[Any]:
    silent = and_(electorate.c.comments == 0, electorate.c.voted == 0)
    return (
        select(electorate)
        .order_by(case((silent, 0), else_=1), func.lower(electorate.c.name), electorate.c.id)
        .offset(bindparam("offset", type_=Integer))
        .limit(bindparam("limit", type_=Integer))
    )


# Built once (building a statement costs about as much as running it): by
# whether the decision is a draft.
_TOTALS = {draft: _totals(_electorate(draft=draft)) for draft in (False, True)}
_PAGE = {draft: _page(_electorate(draft=draft)) for draft in (False, True)}


def _parameters(decision: Decision) -> tuple[bool, dict[str, Any]]:
    draft = decision.status == Status.DRAFT
    values: dict[str, Any] = {"decision_id": decision.id}
    if draft:
        values["facilitator_votes"] = bool(decision.facilitator_votes)
    return draft, values


def totals(decision: Decision) -> Balance:
    """The electorate's balance in numbers: one query."""
    draft, values = _parameters(decision)
    eligible, silent, commented, voted = db.session.execute(_TOTALS[draft], values).one()
    return Balance(int(eligible), int(silent), int(commented), int(voted))


def balance_page(decision: Decision, *, offset: int = 0, limit: int = 100) -> BalancePage:
    """A page of the balance of voices, silent organisations first, then by
    name: two queries, however large the electorate."""
    offset, limit = max(0, offset), max(1, min(limit, 500))
    counts = totals(decision)
    draft, values = _parameters(decision)
    rows = db.session.execute(_PAGE[draft], {**values, "offset": offset, "limit": limit}).tuples()
    voices = [
        Voice(VoiceOrganisation(oid, name, slug), int(n), int(reps), bool(cast))
        for oid, name, slug, n, reps, cast in rows
    ]
    more = offset + limit < counts.eligible
    return BalancePage(voices, counts, offset, offset + limit if more else None)
