"""A decision's results by kind, and its verdict with the declared majority rule.

The rule's fields are read and checked in :mod:`.rule_fields`; the rules
themselves are in :mod:`cop_vote.domain.majority` and
:mod:`cop_vote.domain.by_kind`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..domain import by_kind as kinds
from ..domain import majority, selection
from ..domain.by_kind import KindResult
from ..domain.errors import Message
from ..domain.tally import OptionRef, TallyResult, Verdict, verdict
from ..extensions import db
from ..models import (
    ORG_KINDS,
    AnonymousBallot,
    Decision,
    Elector,
    InterestDeclaration,
)
from . import interests, sealing, tally_cache
from .ballot_reads import cast_ballots
from .rule_fields import rule_of


def electorate_kinds(decision: Decision) -> dict[str, int]:
    """Organisations per kind in the decision's electorate, in the network's
    order; each organisation counted by its kind when it joined the electorate."""
    rows = db.session.execute(
        select(Elector.kind, func.count())
        .where(Elector.decision_id == decision.id)
        .group_by(Elector.kind)
    ).tuples()
    found = Counter({kind: n for kind, n in rows})
    return {kind: found[kind] for kind in ORG_KINDS if found[kind]}


def elector_kinds(decision: Decision) -> dict[int, str]:
    """Each elector's kind when it joined the electorate, by organisation id."""
    rows = db.session.execute(
        select(Elector.organisation_id, Elector.kind).where(Elector.decision_id == decision.id)
    ).tuples()
    return {organisation: kind for organisation, kind in rows}


def _kind_ballots(decision: Decision) -> list[tuple[str, Mapping[str, object]]] | None:
    """``(kind, content)`` per counted ballot; ``None`` when a sealed ballot
    has no kind (sealed before kinds were kept)."""
    if sealing.is_secret(decision):
        rows = db.session.execute(
            select(AnonymousBallot.kind, AnonymousBallot.content).where(
                AnonymousBallot.decision_id == decision.id
            )
        ).tuples()
        pairs = list(rows)
        if any(kind is None for kind, _ in pairs):
            return None
        return [(str(kind), content) for kind, content in pairs]
    found = elector_kinds(decision)
    return [
        (found.get(b.organisation_id, b.organisation.kind), b.content)
        for b in cast_ballots(decision)
        if b.content
    ]


def results_by_kind(
    decision: Decision, result: TallyResult, *, fresh: bool = False
) -> list[KindResult] | None:
    """The decision's method applied to each kind's ballots (small groups of
    a secret decision hidden); ``None`` when it cannot be told (a draft,
    consent or a discussion, or ballots sealed without their kind).

    Counted once per change, like the tally (kept beside it by
    :func:`.tally_cache.kept`).

    Call it only where ``result`` may be seen (it reads the same ballots).

    :param fresh: as for :func:`cop_vote.services.results.count`: from the
        stored ballots, never from the cache.
    """
    if decision.status == "draft" or decision.method in ("consent", "discussion"):
        return None
    key = None if fresh else tally_cache.key(decision)
    return tally_cache.kept(key, "by_kind", lambda: _by_kind(decision, result))


def _by_kind(decision: Decision, result: TallyResult) -> list[KindResult] | None:
    ballots = _kind_ballots(decision)
    if ballots is None:
        return None
    winner = result.winners[0] if len(result.winners) == 1 else None
    return kinds.by_kind(
        decision.method,
        [OptionRef(o.id, o.label) for o in decision.options],
        ballots,
        electorate_kinds(decision),
        winner,
        secret=sealing.is_secret(decision),
        counting=decision.counting,
    )


def ruled_verdict(
    decision: Decision,
    result: TallyResult,
    rows: list[KindResult] | None = None,
    *,
    fresh: bool = False,
) -> Verdict:
    """The method's verdict (or the selection's), with the declared majority
    rule and double majority checked too.

    :param rows: :func:`results_by_kind` when the caller has them already.
    :param fresh: as for :func:`results_by_kind`.
    """
    selects = decision.selects or 1
    base = selection.selection_verdict(result, selects) if selects > 1 else verdict(result)
    rule = rule_of(decision)
    if rule.kinds and rows is None:
        rows = results_by_kind(decision, result, fresh=fresh)
    return majority.apply_rule(base, result, rule, rows or ())


def double_majority_groups(decision: Decision) -> list[Message]:
    """The kinds of a double majority as groups ("diaspora organisations")."""
    return [kinds.KIND_GROUPS[k] for k in decision.double_majority or () if k in kinds.KIND_GROUPS]


@dataclass(frozen=True)
class RulesView:
    """What a results page, the outcome page and the pack show of the declared rule.

    :param verdict: :func:`ruled_verdict`.
    :param sentence: the declared majority rule in words (``None``: relative,
        the method's own rule, already explained beside the count).
    :param by_kind: :func:`results_by_kind` (``None``: cannot be told).
    :param double_majority: the kinds the winner must lead among, as groups.
    :param interests: the declared interests by option id.
    :param majority_kinds: the kinds the double majority names.
    """

    verdict: Verdict
    sentence: Message | None
    by_kind: list[KindResult] | None
    double_majority: list[Message]
    interests: dict[int, list[InterestDeclaration]] = field(default_factory=dict)
    majority_kinds: tuple[str, ...] = ()

    def counts(self, kind: str) -> bool:
        """Whether ``kind`` counts for the double majority."""
        return kind in self.majority_kinds

    @property
    def min_group(self) -> int:
        """The fewest ballots a kind of a secret decision needs to be shown."""
        return kinds.MIN_GROUP

    def group(self, kind: str) -> Message:
        """A kind as a group of organisations, for a table row."""
        return kinds.KIND_GROUPS.get(kind, kinds.KIND_GROUPS["other"])


def rules_view(
    decision: Decision,
    result: TallyResult,
    *,
    declared: dict[int, list[InterestDeclaration]] | None = None,
) -> RulesView:
    """Everything of the declared rule for a page that shows ``result``
    (with the declared interests by option: read here unless given)."""
    rows = results_by_kind(decision, result)
    rule = rule_of(decision)
    return RulesView(
        verdict=ruled_verdict(decision, result, rows),
        sentence=majority.explain(rule) if rule.rule != "relative" else None,
        by_kind=rows,
        double_majority=double_majority_groups(decision),
        interests=interests.by_option(decision) if declared is None else declared,
        majority_kinds=rule.kinds,
    )
