"""Results per kind of organisation, and the double majority. Standard library only.

Networks that bring unequal partners together (migrant and diaspora
organisations beside development organisations and knowledge institutes)
want to see whether an outcome carries each group, not only the whole: the
winner *leads* within a kind when the decision's own method, applied to the
ballots of that kind's organisations alone, selects it and nothing else. A
decision may require that among named kinds (a double majority, as federations
require per member group). Counted by organisation, never by person.

Secret decisions: a kind with fewer than :data:`MIN_GROUP` ballots is shown
as "too few to show", since its figures would tell how its few organisations
voted. When exactly one kind is hidden so, the smallest other kind is hidden
too, because the hidden figures would otherwise follow from the totals minus
the kinds shown. A double majority over a kind with fewer than
:data:`MIN_GROUP` ballots is not met, whatever they say, with a reason that
depends on the count only: a verdict that followed those few ballots would
tell how they voted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .errors import Message
from .tally import OptionRef, tally

__all__ = ["KIND_GROUPS", "MIN_GROUP", "KindResult", "by_kind", "double_majority_reasons"]

#: The fewest ballots a kind of a secret decision needs to be shown.
MIN_GROUP = 3

#: Each organisation kind as a group, in a sentence ("among diaspora organisations").
KIND_GROUPS: dict[str, Message] = {
    "diaspora": Message("diaspora organisations"),
    "ngo": Message("NGOs"),
    "knowledge": Message("knowledge institutions"),
    "facilitator": Message("facilitating organisations"),
    "government": Message("government bodies"),
    "other": Message("other organisations"),
}


@dataclass(frozen=True)
class KindResult:
    """The decision's method applied to one kind's ballots.

    :param kind: the organisation kind.
    :param eligible: organisations of this kind in the electorate.
    :param ballots: ballots its organisations cast (abstentions included);
        participation is public, so this is shown even when the rest is not.
    :param shown: ``False``: too few to show (a secret decision's small group).
    :param winners: the option ids the method selects among this kind alone
        (several: a tie); kept for the verdict even when not shown.
    :param leads: whether the overall winner is this kind's only winner.
    :param too_few: a secret decision's kind with fewer than :data:`MIN_GROUP`
        ballots (but some): a double majority cannot be checked there.
    """

    kind: str
    eligible: int
    ballots: int
    shown: bool
    winners: list[int]
    leads: bool
    too_few: bool = False

    @property
    def tie(self) -> bool:
        """Whether several options are level among this kind."""
        return len(self.winners) > 1

    def to_dict(self) -> dict[str, object]:
        """JSON-able: ``winners``, ``tie`` and ``leads`` are ``None`` when not shown."""
        return {
            "kind": self.kind,
            "eligible": self.eligible,
            "ballots": self.ballots,
            "shown": self.shown,
            "winners": list(self.winners) if self.shown else None,
            "tie": self.tie if self.shown else None,
            "leads": self.leads if self.shown else None,
        }


def by_kind(
    method: str,
    options: Sequence[OptionRef],
    ballots: Sequence[tuple[str, Mapping[str, object]]],
    eligible: Mapping[str, int],
    winner: int | None,
    *,
    secret: bool,
    counting: str | None = None,
) -> list[KindResult]:
    """Count each kind's ballots with the decision's method.

    :param method: the decision's method (consent and discussion select no
        option: the answer is empty).
    :param options: the decision's options.
    :param ballots: ``(kind, normalised ballot)`` per organisation that cast one.
    :param eligible: organisations per kind in the electorate, in the order
        the kinds are to be shown; kinds with none are left out.
    :param winner: the overall winner (``None`` on a tie or no votes: then
        no kind "leads").
    :param secret: whether the ballot is secret (small groups hidden).
    :param counting: ranked only, as for :func:`~cop_vote.domain.tally.tally`.
    :returns: one :class:`KindResult` per kind with electors.
    :raises ValueError: a ballot of a kind not in ``eligible``, or ballots
        that are not normalised for the method.
    """
    if method in ("consent", "discussion"):
        return []
    grouped: dict[str, list[Mapping[str, object]]] = {k: [] for k, n in eligible.items() if n}
    for kind, ballot in ballots:
        if kind not in grouped:
            raise ValueError(f"a ballot of kind {kind!r}, which has no electors")
        grouped[kind].append(ballot)
    rows: list[KindResult] = []
    for kind, group in grouped.items():
        found = tally(method, options, group, eligible=eligible[kind], counting=counting)
        too_few = secret and 0 < len(group) < MIN_GROUP
        rows.append(
            KindResult(
                kind=kind,
                eligible=eligible[kind],
                ballots=len(group),
                shown=not too_few,
                winners=list(found.winners),
                leads=winner is not None and found.winners == [winner],
                too_few=too_few,
            )
        )
    hidden = [row for row in rows if not row.shown]
    others = [row for row in rows if row.shown and row.ballots]
    if secret and len(hidden) == 1 and others:
        # Hide a second group, or the first follows from the totals by subtraction.
        smallest = min(others, key=lambda row: row.ballots)
        rows = [
            KindResult(r.kind, r.eligible, r.ballots, False, r.winners, r.leads, r.too_few)
            if r is smallest
            else r
            for r in rows
        ]
    return rows


def double_majority_reasons(
    rows: Sequence[KindResult], kinds: Sequence[str], label: str
) -> list[Message]:
    """Why a double majority is not met: one sentence per named kind where
    the winner (``label``) does not lead; empty when it leads in all.

    A named kind with no organisation in the electorate, or none that voted,
    is not carried either: nothing there selects the winner. Nor is a kind
    of a secret decision with too few ballots (:attr:`KindResult.too_few`),
    whatever they say: its reason names the count only.
    """
    found = {row.kind: row for row in rows}
    reasons: list[Message] = []
    for kind in kinds:
        row = found.get(kind)
        group = KIND_GROUPS.get(kind, KIND_GROUPS["other"])
        if row is not None and row.too_few:
            reasons.append(
                Message(
                    "Not carried: too few ballots among %(group)s to check the double "
                    "majority without revealing how they voted (fewer than %(num)s in a "
                    "secret decision).",
                    group=group,
                    num=MIN_GROUP,
                )
            )
        elif row is None or not row.leads:
            reasons.append(
                Message(
                    "Not carried among %(group)s: %(option)s does not lead there, and this "
                    "decision requires a double majority.",
                    group=group,
                    option=label,
                )
            )
    return reasons
