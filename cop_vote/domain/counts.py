"""What every count is made of: the options it speaks of, what a method's
count and a decision's tally hold, and the helpers that read normalised ballots
(grouped first, so that every rule works over the distinct ballots).

Used by the counting methods in :mod:`.tally` and :mod:`.ranked`; callers
import from :mod:`.tally`, which re-exports the types.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from .ballots import is_abstention

Ballots = Sequence[Mapping[str, object]]


@dataclass(frozen=True)
class OptionRef:
    """An option as the counting sees it.

    :param id: the option's id (as in ballots).
    :param label: the option's label, used in explanations and verdict reasons.
    """

    id: int
    label: str


@dataclass
class MethodCount:
    """What a counting rule found, before quorum and participation are added.

    :param options: one dict per option, in the order given: ``{"id", "label",
        ...the method's figures}``.
    :param winners: option ids the rule selects, in option order; several means a tie.
    :param explanation: IRV rounds or the Schulze tables; ``[]`` for other rules.
    :param extra: method-specific top-level figures (consent positions, ranked
        ``condorcet_winner``/``counting``/``exhausted`` ...).
    """

    options: list[dict[str, object]]
    winners: list[int]
    explanation: list[dict[str, object]] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)


@dataclass
class TallyResult:
    """The result of a decision (API.md, "Results").

    :param method: the decision's method.
    :param eligible: number of organisations in the electorate.
    :param ballots_cast: ballots cast, abstentions included.
    :param abstentions: how many of those abstain.
    :param quorum: the share of ``eligible`` that must cast a ballot (exact).
    :param quorum_met: ``ballots_cast / eligible >= quorum``, compared exactly;
        with ``eligible == 0`` met only when ``quorum == 0``.
    :param options: one dict per option in the given order: ``{"id", "label",
        ...figures}``.
    :param winners: option ids; empty when no organisation voted for an option.
    :param tie: ``len(winners) > 1``.
    :param explanation: IRV rounds or the Schulze tables; ``[]`` otherwise.
    :param extra: method-specific figures, merged at the top level by :meth:`to_dict`.
    """

    method: str
    eligible: int
    ballots_cast: int
    abstentions: int
    quorum: Fraction
    quorum_met: bool
    options: list[dict[str, object]]
    winners: list[int]
    tie: bool
    explanation: list[dict[str, object]]
    extra: dict[str, object]

    def to_dict(self) -> dict[str, object]:
        """The result as JSON-able data: ``quorum`` as a float, ``extra`` merged in.

        :returns: ``{"method", "eligible", "ballots_cast", "abstentions",
            "quorum", "quorum_met", "options", "winners", "tie",
            "explanation", ...extra}``.
        """
        data: dict[str, object] = {
            "method": self.method,
            "eligible": self.eligible,
            "ballots_cast": self.ballots_cast,
            "abstentions": self.abstentions,
            "quorum": float(self.quorum),
            "quorum_met": self.quorum_met,
            "options": [dict(option) for option in self.options],
            "winners": list(self.winners),
            "tie": self.tie,
            "explanation": list(self.explanation),
        }
        data.update(self.extra)
        return data


# --- helpers ------------------------------------------------------------------


def bad_ballot(ballot: Mapping[str, object], why: str) -> ValueError:
    return ValueError(f"not a normalised ballot ({why}): {ballot!r:.80}")


def option_ids(options: Sequence[OptionRef]) -> list[int]:
    ids = [option.id for option in options]
    if len(set(ids)) != len(ids):
        raise ValueError(f"option ids repeat: {ids}")
    return ids


def option_figures(
    options: Sequence[OptionRef], **figures: Mapping[int, object]
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for option in options:
        row: dict[str, object] = {"id": option.id, "label": option.label}
        for name, values in figures.items():
            row[name] = values[option.id]
        rows.append(row)
    return rows


def top(ids: Iterable[int], totals: Mapping[int, int]) -> list[int]:
    """Ids with the highest total (all of them when several share it)."""
    ids = list(ids)
    if not ids:
        return []
    best = max(totals[i] for i in ids)
    return [i for i in ids if totals[i] == best]


def group_ballots(ballots: Ballots, key: str, shape: type) -> Counter[object]:
    """Group the non-abstaining ballots by ``ballot[key]``, made hashable.

    :param shape: ``int`` (one id), ``list`` (ids) or ``dict`` (``{str(id): value}``,
        grouped as a tuple of its items).
    :raises ValueError: for a ballot that is neither an abstention nor of that shape.
    """
    groups: Counter[object] = Counter()
    for ballot in ballots:
        value = ballot.get(key)
        try:
            if shape is list and isinstance(value, list | tuple):
                groups[tuple(value)] += 1
            elif shape is dict and isinstance(value, Mapping):
                groups[tuple(value.items())] += 1
            elif shape is int and isinstance(value, int):
                groups[value] += 1
            elif not is_abstention(ballot):
                raise bad_ballot(ballot, f"no {key!r} of the right shape")
        except TypeError as error:  # an unhashable element
            raise bad_ballot(ballot, str(error)) from error
    return groups


def check_id(oid: object, known: set[int], ballot: object) -> int:
    if isinstance(oid, bool) or not isinstance(oid, int) or oid not in known:
        raise ValueError(f"ballot names no option of this decision: {ballot!r:.80}")
    return oid


def keyed(
    groups: Counter[object], known: set[int]
) -> Iterable[tuple[list[tuple[int, object]], int]]:
    """Turn grouped ``{str(id): value}`` ballots into ``([(id, value)], count)``."""
    for group, count in groups.items():
        if not isinstance(group, tuple):
            raise ValueError(f"not a normalised ballot: {group!r:.80}")
        pairs: list[tuple[int, object]] = []
        for item in group:
            key, value = item
            oid = int(key) if isinstance(key, str) and key.isdecimal() else key
            pairs.append((check_id(oid, known, group), value))
        yield pairs, count


def rankings_of(options: Sequence[OptionRef], ballots: Ballots) -> Counter[tuple[int, ...]]:
    """Group ranked ballots by their ranking; abstentions are left out.

    Checks that every ranked id is an option and no ranking is empty; repeats
    within a ranking are caught by :func:`.ranked._pairwise`, which every ranked count runs.
    """
    known = set(option_ids(options))
    found = [ballot.get("ranking") for ballot in ballots]
    present = [ranking for ranking in found if isinstance(ranking, (list, tuple))]
    if len(present) != len(found):
        for ballot, ranking in zip(ballots, found, strict=True):
            if not isinstance(ranking, list | tuple) and not is_abstention(ballot):
                raise bad_ballot(ballot, "no 'ranking' list")
    try:
        rankings: Counter[tuple[int, ...]] = Counter(map(tuple, present))
    except TypeError as error:  # an unhashable element
        raise ValueError(f"not a normalised ranking: {error}") from error
    if () in rankings:
        raise ValueError("a ranking is empty")
    unknown = set().union(*rankings) - known
    if unknown:
        raise ValueError(
            f"rankings name options this decision does not have: {sorted(unknown, key=repr)}"
        )
    return rankings


def in_order(options: Sequence[OptionRef], ids: Iterable[int]) -> list[int]:
    chosen = set(ids)
    return [option.id for option in options if option.id in chosen]
