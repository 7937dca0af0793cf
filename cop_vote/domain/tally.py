"""Counting: one function per method, a registry of methods, quorum and verdict.

Every figure counts organisations, never people: the caller passes exactly one
normalised ballot (see :mod:`cop_vote.domain.ballots`) per organisation that
cast one. Abstentions count as cast, toward quorum, and for no option.

Ties are *reported*, never broken: when a rule ends with several options level,
all of them are ``winners`` and ``tie`` is true; the facilitator decides (and
publishes the chosen option with a statement). Each ``count_*`` function states
its source and its tie rule.

Counting is fast for large electorates because identical ballots are grouped
first (:class:`collections.Counter` of tuples) and every rule then works over
the distinct groups; ranked counts over few options work on bit sets of the
ballots (one big-integer operation counts every ballot at once).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from math import ceil, floor
from operator import itemgetter

from .ballots import (
    AVAILABILITY,
    CONSENT_POSITIONS,
    DEFAULT_DOTS,
    DEFAULT_MAX_SCORE,
    METHODS,
    is_abstention,
)
from .errors import Message, Plural

__all__ = [
    "COUNTING_RULES",
    "METHOD_COUNTERS",
    "MethodCount",
    "OptionRef",
    "TallyResult",
    "Verdict",
    "count_approval",
    "count_consent",
    "count_discussion",
    "count_dot_vote",
    "count_irv",
    "count_meeting_time",
    "count_plurality",
    "count_schulze",
    "count_score",
    "tally",
    "verdict",
]

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


def _bad(ballot: Mapping[str, object], why: str) -> ValueError:
    return ValueError(f"not a normalised ballot ({why}): {ballot!r:.80}")


def _option_ids(options: Sequence[OptionRef]) -> list[int]:
    ids = [option.id for option in options]
    if len(set(ids)) != len(ids):
        raise ValueError(f"option ids repeat: {ids}")
    return ids


def _figures(
    options: Sequence[OptionRef], **figures: Mapping[int, object]
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for option in options:
        row: dict[str, object] = {"id": option.id, "label": option.label}
        for name, values in figures.items():
            row[name] = values[option.id]
        rows.append(row)
    return rows


def _top(ids: Iterable[int], totals: Mapping[int, int]) -> list[int]:
    """Ids with the highest total (all of them when several share it)."""
    ids = list(ids)
    if not ids:
        return []
    best = max(totals[i] for i in ids)
    return [i for i in ids if totals[i] == best]


def _group(ballots: Ballots, key: str, shape: type) -> Counter[object]:
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
                raise _bad(ballot, f"no {key!r} of the right shape")
        except TypeError as error:  # an unhashable element
            raise _bad(ballot, str(error)) from error
    return groups


def _check_id(oid: object, known: set[int], ballot: object) -> int:
    if isinstance(oid, bool) or not isinstance(oid, int) or oid not in known:
        raise ValueError(f"ballot names no option of this decision: {ballot!r:.80}")
    return oid


def _keyed(
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
            pairs.append((_check_id(oid, known, group), value))
        yield pairs, count


def _rankings(options: Sequence[OptionRef], ballots: Ballots) -> Counter[tuple[int, ...]]:
    """Group ranked ballots by their ranking; abstentions are left out.

    Checks that every ranked id is an option and no ranking is empty; repeats
    within a ranking are caught by :func:`_pairwise`, which every ranked count runs.
    """
    known = set(_option_ids(options))
    found = [ballot.get("ranking") for ballot in ballots]
    present = [ranking for ranking in found if isinstance(ranking, (list, tuple))]
    if len(present) != len(found):
        for ballot, ranking in zip(ballots, found, strict=True):
            if not isinstance(ranking, list | tuple) and not is_abstention(ballot):
                raise _bad(ballot, "no 'ranking' list")
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


# --- single_choice, approval, score, dot_vote, meeting_time ------------------------


def count_plurality(options: Sequence[OptionRef], ballots: Ballots) -> MethodCount:
    """Count single_choice ballots by plurality ("first past the post").

    Source: the plurality rule, e.g. Robert's Rules of Order Newly Revised,
    12th ed. (2020), 44:11 ("plurality vote"); each organisation's ballot names
    one option, the option named most often wins.

    Tie rule: every option sharing the highest number of votes is a winner
    (``tie`` true); nothing breaks the tie.

    :param options: the decision's options, in display order.
    :param ballots: normalised ballots ``{"option": id}`` or abstentions.
    :returns: figures ``votes`` (int) per option.
    :raises ValueError: for a ballot that is not normalised or names an unknown option.
    """
    known = set(_option_ids(options))
    votes = dict.fromkeys(known, 0)
    for oid, count in _group(ballots, "option", int).items():
        votes[_check_id(oid, known, oid)] += count
    winners = _top(votes, votes) if any(votes.values()) else []
    return MethodCount(_figures(options, votes=votes), _in_order(options, winners))


def count_approval(options: Sequence[OptionRef], ballots: Ballots) -> MethodCount:
    """Count approval ballots.

    Source: Steven J. Brams and Peter C. Fishburn, "Approval Voting",
    American Political Science Review 72 (1978) 831–847: each organisation
    approves any set of options; the option with the most approvals wins.

    Tie rule: every option sharing the highest number of approvals is a winner
    (``tie`` true); nothing breaks the tie.

    :param options: the decision's options, in display order.
    :param ballots: normalised ballots ``{"options": [ids]}`` or abstentions.
    :returns: figures ``votes`` (approvals, int) per option.
    :raises ValueError: for a ballot that is not normalised or names an unknown option.
    """
    known = set(_option_ids(options))
    votes = dict.fromkeys(known, 0)
    for group, count in _group(ballots, "options", list).items():
        if not isinstance(group, tuple) or not group:
            raise ValueError(f"not a normalised approval ballot: {group!r:.80}")
        if len(set(group)) != len(group):
            raise ValueError(f"approval ballot repeats an option: {group!r:.80}")
        for oid in group:
            votes[_check_id(oid, known, group)] += count
    winners = _top(votes, votes) if any(votes.values()) else []
    return MethodCount(_figures(options, votes=votes), _in_order(options, winners))


def _half_up(numerator: int, denominator: int) -> float:
    """``numerator / denominator`` rounded half up to 2 decimals, exactly."""
    return floor(Fraction(numerator * 100, denominator) + Fraction(1, 2)) / 100


def count_score(options: Sequence[OptionRef], ballots: Ballots) -> MethodCount:
    """Count score ballots (range voting).

    Source: "score voting" / "range voting" as defined by Warren D. Smith,
    "Range voting" (2000), and Claude Hillinger, "The Case for Utilitarian
    Voting", Homo Oeconomicus 22 (2005) 295–321: each organisation gives each
    option a score from 0 to the decision's maximum; the option with the
    highest *sum* of scores wins. Options a ballot leaves unscored add nothing
    to the sum and are not counted in ``scored_by``.

    Tie rule: every option sharing the highest sum is a winner (``tie`` true);
    the mean does not break the tie.

    :param options: the decision's options, in display order.
    :param ballots: normalised ballots ``{"scores": {str(id): int}}`` or abstentions.
    :returns: figures ``sum`` (int), ``mean`` (float, the sum over
        ``scored_by``, rounded half up to 2 decimals; ``None`` when
        ``scored_by`` is 0) and ``scored_by`` (int) per option.
    :raises ValueError: for a ballot that is not normalised or names an unknown option.
    """
    known = set(_option_ids(options))
    sums = dict.fromkeys(known, 0)
    scored_by = dict.fromkeys(known, 0)
    voted = False
    for pairs, count in _keyed(_group(ballots, "scores", dict), known):
        voted = True
        for oid, score in pairs:
            if isinstance(score, bool) or not isinstance(score, int) or score < 0:
                raise ValueError(f"not a score: {score!r}")
            sums[oid] += score * count
            scored_by[oid] += count
    means: dict[int, float | None] = {
        oid: (_half_up(sums[oid], scored_by[oid]) if scored_by[oid] else None) for oid in known
    }
    winners = _top(sums, sums) if voted else []
    rows = _figures(options, sum=sums, mean=means, scored_by=scored_by)
    return MethodCount(rows, _in_order(options, winners))


def count_dot_vote(options: Sequence[OptionRef], ballots: Ballots) -> MethodCount:
    """Count dot_vote ballots (dotmocracy, cumulative voting).

    Source: "dot-voting" as described by Jason Diceman, *Dotmocracy Handbook*
    (2010), a form of cumulative voting: each organisation spreads its dots
    over the options; the option with the most dots wins.

    Tie rule: every option sharing the highest number of dots is a winner
    (``tie`` true); nothing breaks the tie.

    :param options: the decision's options, in display order.
    :param ballots: normalised ballots ``{"dots": {str(id): int}}`` or abstentions.
    :returns: figures ``dots`` (int) per option.
    :raises ValueError: for a ballot that is not normalised or names an unknown option.
    """
    known = set(_option_ids(options))
    dots = dict.fromkeys(known, 0)
    for pairs, count in _keyed(_group(ballots, "dots", dict), known):
        for oid, placed in pairs:
            if isinstance(placed, bool) or not isinstance(placed, int) or placed < 0:
                raise ValueError(f"not a number of dots: {placed!r}")
            dots[oid] += placed * count
    winners = _top(dots, dots) if any(dots.values()) else []
    return MethodCount(_figures(options, dots=dots), _in_order(options, winners))


def count_meeting_time(options: Sequence[OptionRef], ballots: Ballots) -> MethodCount:
    """Count meeting_time ballots (availability poll, as in Doodle-style polls).

    Source: the "yes / if need be / no" poll of meeting schedulers (Doodle's
    "if need be" answer): each organisation answers per time slot; the best
    slot has the most ``yes``, and among those the most ``if_need_be``. A slot
    a ballot does not mention counts as ``no`` for it; abstentions count for
    no slot.

    Tie rule: every slot sharing the highest ``yes`` and then the highest
    ``if_need_be`` is a winner (``tie`` true); nothing breaks the tie. A slot
    that no organisation can make (no ``yes`` and no ``if_need_be``) never
    wins: when every slot is like that there is no winner.

    :param options: the time slots, in display order.
    :param ballots: normalised ballots ``{"availability": {str(id): answer}}``
        or abstentions.
    :returns: figures ``yes``, ``if_need_be``, ``no`` (ints) per slot.
    :raises ValueError: for a ballot that is not normalised or names an unknown slot.
    """
    known = set(_option_ids(options))
    answers = {answer: dict.fromkeys(known, 0) for answer in AVAILABILITY}
    voters = 0
    for pairs, count in _keyed(_group(ballots, "availability", dict), known):
        voters += count
        for oid, answer in pairs:
            if not isinstance(answer, str) or answer not in answers:
                raise ValueError(f"not an availability: {answer!r}")
            answers[answer][oid] += count
    yes, if_need_be = answers["yes"], answers["if_need_be"]
    no = {oid: voters - yes[oid] - if_need_be[oid] for oid in known}
    possible = [oid for oid in known if yes[oid] + if_need_be[oid] > 0]
    winners = _top(_top(possible, yes), if_need_be) if possible else []
    rows = _figures(options, yes=yes, if_need_be=if_need_be, no=no)
    return MethodCount(rows, _in_order(options, winners))


def count_consent(options: Sequence[OptionRef], ballots: Ballots) -> MethodCount:
    """Count consent ballots.

    Source: consent decision-making as in sociocracy (Gerard Endenburg,
    *Sociocracy: The Organization of Decision-Making*, 1998) with the
    "block" of formal consensus (C. T. Butler and Amy Rothstein, *On Conflict
    and Consensus*, 1987), in the variant DESIGN.md fixes: the proposal passes
    when no organisation blocks and ``agree`` outnumbers ``disagree``.

    Tie rule: ``agree == disagree`` does not pass (agree must outnumber);
    there is no tie between options.

    :param options: none, or the one option that is the proposal.
    :param ballots: normalised ballots ``{"position": p, "reason"?: text}``
        (``{"abstain": True}`` counts as ``abstain``).
    :returns: per-option rows ``{"id", "label"}`` only; ``extra`` holds
        ``positions`` ``{agree, abstain, disagree, block}`` (ints), ``blocks``
        ``[{"reason"}]`` sorted by reason text (so their order says nothing
        about who cast them) and ``passed`` (bool); ``winners`` is
        ``[the proposal's id]`` when it passed and there is exactly one option,
        else ``[]``.
    :raises ValueError: for a ballot that is not normalised, or more than one option.
    """
    if len(options) > 1:
        raise ValueError("a consent decision has at most one option, the proposal")
    positions = dict.fromkeys(CONSENT_POSITIONS, 0)
    reasons: list[str] = []
    for ballot in ballots:
        position = ballot.get("position")
        if ballot.get("abstain") is True:
            position = "abstain"
        if not isinstance(position, str) or position not in positions:
            raise _bad(ballot, "no consent position")
        positions[position] += 1
        if position == "block":
            reason = ballot.get("reason")
            reasons.append(reason if isinstance(reason, str) else "")
    passed = positions["block"] == 0 and positions["agree"] > positions["disagree"]
    winners = [options[0].id] if passed and len(options) == 1 else []
    extra: dict[str, object] = {
        "positions": positions,
        "blocks": [{"reason": reason} for reason in sorted(reasons)],
        "passed": passed,
    }
    return MethodCount(_figures(options), winners, [], extra)


def count_discussion(options: Sequence[OptionRef], ballots: Ballots) -> MethodCount:
    """A discussion takes comments only: nothing is counted.

    Tie rule: none; there are never winners.

    :returns: rows ``{"id", "label"}`` and no winners.
    :raises ValueError: when a non-abstaining ballot is given.
    """
    for ballot in ballots:
        if not is_abstention(ballot):
            raise _bad(ballot, "a discussion has no ballots")
    return MethodCount(_figures(options), [])


# --- ranked: IRV and Schulze -------------------------------------------------------


def _in_order(options: Sequence[OptionRef], ids: Iterable[int]) -> list[int]:
    chosen = set(ids)
    return [option.id for option in options if option.id in chosen]


def _first_preferences(ids: Sequence[int], rankings: Counter[tuple[int, ...]]) -> dict[int, int]:
    firsts = dict.fromkeys(ids, 0)
    for ranking, count in rankings.items():
        firsts[ranking[0]] += count
    return firsts


#: Up to this many options, ranked counts work on bit sets of the ballots
#: (:class:`_Places`); above it, over the distinct rankings one at a time.
_BITSET_MAX_OPTIONS = 16


class _Places:
    """Where each ballot ranks each option, as bit sets over the ballots.

    Ballot ``k`` (one per organisation; identical rankings are repeated, not
    grouped) is byte ``k`` of every set: ``at[p][i]`` has bit ``8 * k`` set
    when ballot ``k`` ranks option ``ids[i]`` at place ``p`` (0 = first). The
    columns are built with byte operations that run in C (``bytes.translate``,
    ``int.from_bytes``) and every count is an ``&`` and a ``bit_count``, so the
    cost grows with ``options ** 2 * places`` big-integer operations instead of
    with the number of distinct rankings: 100,000 different full rankings of
    10 options count in a few hundredths of a second.

    Memory: ``options * places * ballots`` bytes (25 MB for 100,000 ballots
    ranking all of 16 options).

    :raises ValueError: when a ranking names an option twice.
    """

    def __init__(self, ids: Sequence[int], rankings: Counter[tuple[int, ...]]) -> None:
        self.ids = list(ids)
        m = len(ids)
        index = {oid: i for i, oid in enumerate(ids)}
        # Longest first, so the ballots that rank a place p are a prefix of rows.
        rows = sorted(rankings.elements(), key=len, reverse=True)
        tables = [bytes(1 if k == i else 0 for k in range(256)) for i in range(m)]
        self.at: list[list[int]] = []
        self.everyone = int.from_bytes(b"\x01" * len(rows), "little")
        reaching = len(rows)
        for p in range(len(rows[0]) if rows else 0):
            while len(rows[reaching - 1]) <= p:
                reaching -= 1
            column = bytes(map(index.__getitem__, map(itemgetter(p), rows[:reaching])))
            self.at.append([int.from_bytes(column.translate(t), "little") for t in tables])
        # within[i]: ballots that rank option i at all.
        self.within = [0] * m
        for column_sets in self.at:
            for i, placed in enumerate(column_sets):
                if self.within[i] & placed:
                    raise ValueError("a ranking names an option twice")
                self.within[i] |= placed

    def pairwise(self) -> dict[int, dict[int, int]]:
        """``d[a][b]``: ballots ranking ``a`` above ``b`` (see :func:`_pairwise`)."""
        m = len(self.ids)
        # before[j][i]: ballots ranking j at an earlier place than i. Counted
        # for j < i only: a ballot that ranks both ranks one before the other.
        before = [[0] * m for _ in range(m)]
        ahead = [0] * m  # ballots that ranked j at a place already passed
        for column_sets in self.at:
            for i, placed in enumerate(column_sets):
                if placed:
                    for j in range(i):
                        if ahead[j]:
                            before[j][i] += (placed & ahead[j]).bit_count()
            for i, placed in enumerate(column_sets):
                ahead[i] |= placed
        for i in range(m):
            for j in range(i):
                both = (self.within[i] & self.within[j]).bit_count()
                before[i][j] = both - before[j][i]
        ranked = [w.bit_count() for w in self.within]
        return {
            a: {b: ranked[i] - before[j][i] for j, b in enumerate(self.ids) if j != i}
            for i, a in enumerate(self.ids)
        }

    def irv_round(self, continuing: Sequence[int]) -> tuple[dict[int, int], int]:
        """Votes per continuing option and exhausted ballots (see :func:`_irv_round`)."""
        index = {oid: i for i, oid in enumerate(self.ids)}
        still = [(oid, index[oid]) for oid in continuing]
        votes = dict.fromkeys(continuing, 0)
        pending = self.everyone  # ballots whose vote is not placed yet
        for column_sets in self.at:
            if not pending:
                break
            taken = 0
            for oid, i in still:
                hit = column_sets[i] & pending
                if hit:
                    votes[oid] += hit.bit_count()
                    taken |= hit
            pending ^= taken
        return votes, pending.bit_count()


def _irv_round(
    continuing: Sequence[int], rankings: Counter[tuple[int, ...]]
) -> tuple[dict[int, int], int]:
    """One IRV round over the distinct rankings: each counts for its highest-ranked
    continuing option; ``(votes per continuing option, exhausted ballots)``."""
    still = set(continuing)
    votes = dict.fromkeys(continuing, 0)
    exhausted = 0
    for ranking, count in rankings.items():
        for oid in ranking:
            if oid in still:
                votes[oid] += count
                break
        else:
            exhausted += count
    return votes, exhausted


def _pairwise(ids: Sequence[int], rankings: Counter[tuple[int, ...]]) -> dict[int, dict[int, int]]:
    """``d[a][b]``: ballots ranking ``a`` above ``b`` (ranked beats unranked).

    A ballot ranks ``a`` above ``b`` when it ranks ``a`` and either leaves
    ``b`` unranked or ranks it later, so ``d[a][b] = ranked[a] - before[b][a]``
    where ``before[b][a]`` counts ballots ranking ``b`` earlier than ``a``.
    This is the way for many options (:class:`_Places` does it for few).
    Every ranked option ``x`` contributes one ``before[s][x]`` for each ``s``
    ranked ahead of it, and that depends only on the *set* ranked ahead. So
    the rankings are first folded into counts per (set ahead, option), of which
    there are at most ``m * 2**(m-1)`` whatever the number of ballots.

    :raises ValueError: when a ranking names an option twice.
    """
    m = len(ids)
    place = {oid: (i, 1 << i) for i, oid in enumerate(ids)}
    # folded[mask * m + i]: ballots ranking option i right after exactly the options in mask.
    folded: dict[int, int] = {}
    for ranking, count in rankings.items():
        mask = 0
        for oid in ranking:
            i, bit = place[oid]
            key = mask * m + i
            folded[key] = folded.get(key, 0) + count
            mask |= bit
    ranked = [0] * m
    before = [[0] * m for _ in range(m)]
    for key, count in folded.items():
        mask, i = divmod(key, m)
        if mask >> i & 1:
            raise ValueError("a ranking names an option twice")
        ranked[i] += count
        s = 0
        while mask:
            if mask & 1:
                before[s][i] += count
            mask >>= 1
            s += 1
    return {
        a: {b: ranked[i] - before[j][i] for j, b in enumerate(ids) if j != i}
        for i, a in enumerate(ids)
    }


class _Ranked:
    """The pairwise table and IRV rounds of grouped rankings, by whichever way
    is faster for the number of options (the answers are the same).

    :raises ValueError: when a ranking names an option twice.
    """

    def __init__(self, ids: Sequence[int], rankings: Counter[tuple[int, ...]]) -> None:
        self.ids = ids
        self.rankings = rankings
        self.places = _Places(ids, rankings) if len(ids) <= _BITSET_MAX_OPTIONS else None
        if self.places is None:
            self.d = _pairwise(ids, rankings)  # checks for repeats, as _Places does

    def pairwise(self) -> dict[int, dict[int, int]]:
        """``d[a][b]``: ballots ranking ``a`` above ``b``."""
        return self.places.pairwise() if self.places is not None else self.d

    def irv_round(self, continuing: Sequence[int]) -> tuple[dict[int, int], int]:
        """``(votes per continuing option, exhausted ballots)`` for one IRV round."""
        if self.places is not None:
            return self.places.irv_round(continuing)
        return _irv_round(continuing, self.rankings)


def _condorcet_winner(ids: Sequence[int], d: Mapping[int, Mapping[int, int]]) -> int | None:
    for a in ids:
        if all(d[a][b] > d[b][a] for b in ids if b != a):
            return a
    return None


def count_irv(options: Sequence[OptionRef], ballots: Ballots) -> MethodCount:
    """Count ranked ballots by instant-runoff voting (IRV), showing every round.

    Source: "instant runoff voting" / "preferential voting" as in Robert's
    Rules of Order Newly Revised, 12th ed. (2020), 45:62–69, and the
    ``instant_runoff`` rule of the pref_voting library (Wesley H. Holliday and
    Eric Pacuit, https://pref-voting.readthedocs.io): in each round each ballot
    counts for its highest-ranked continuing option; an option with a majority
    (more than half) of the ballots that are not exhausted wins; otherwise the
    option with the fewest votes is eliminated and the next round begins. A
    ballot whose ranked options have all been eliminated is *exhausted*. When
    one continuing option remains it wins. Options nobody ranks first are
    eliminated in round 1 as the fewest.

    Tie rule: when several options tie for fewest votes, all of them are
    eliminated together, *unless* that would eliminate every continuing option;
    then the count ends in a tie between all continuing options (``tie``
    true). This is pref_voting's ``instant_runoff`` convention; no lot, no
    earlier-round look-back.

    :param options: the decision's options, in display order.
    :param ballots: normalised ballots ``{"ranking": [ids]}`` (most preferred
        first, may be partial) or abstentions, which do not enter the count.
    :returns: figures ``first_preferences`` per option; ``explanation`` lists
        the rounds ``{"round": n, "counts": {str(id): votes}, "exhausted": k,
        "eliminated": [ids], "elected": id | None}`` (``counts`` holds the
        options continuing in that round; ids as string keys so the result is
        JSON as it stands); ``extra`` holds ``counting: "irv"``,
        ``exhausted`` (ballots exhausted by the last round) and
        ``condorcet_winner`` (id or ``None``).
    :raises ValueError: for a ballot that is not normalised or names an unknown option.
    """
    ids = _option_ids(options)
    rankings = _rankings(options, ballots)
    firsts = _first_preferences(ids, rankings)
    rows = _figures(options, first_preferences=firsts)
    extra: dict[str, object] = {"condorcet_winner": None, "counting": "irv", "exhausted": 0}
    if not rankings:
        return MethodCount(rows, [], [], extra)
    ranked = _Ranked(ids, rankings)
    extra["condorcet_winner"] = _condorcet_winner(ids, ranked.pairwise())

    continuing = list(ids)
    rounds: list[dict[str, object]] = []
    winners: list[int] = []
    while True:
        # Each round recounts every ballot for its highest-ranked continuing option.
        votes, exhausted = ranked.irv_round(continuing)
        active = sum(votes.values())
        record: dict[str, object] = {
            "round": len(rounds) + 1,
            "counts": {str(oid): votes[oid] for oid in continuing},
            "exhausted": exhausted,
            "eliminated": [],
            "elected": None,
        }
        rounds.append(record)
        leader = max(continuing, key=lambda oid: votes[oid])
        if votes[leader] * 2 > active or len(continuing) == 1:
            record["elected"] = leader
            winners = [leader]
            break
        fewest = min(votes[oid] for oid in continuing)
        losers = [oid for oid in continuing if votes[oid] == fewest]
        if len(losers) == len(continuing):
            winners = list(continuing)
            break
        record["eliminated"] = losers
        out = set(losers)
        continuing = [oid for oid in continuing if oid not in out]
    extra["exhausted"] = exhausted
    return MethodCount(rows, winners, rounds, extra)


def count_schulze(options: Sequence[OptionRef], ballots: Ballots) -> MethodCount:
    """Count ranked ballots by the Schulze method, showing the pairwise tables.

    Source: Markus Schulze, "A new monotonic, clone-independent, reversal
    symmetric, and Condorcet-consistent single-winner election method",
    Social Choice and Welfare 36 (2011) 267–303, with winning votes as link
    strength. ``d[a][b]`` is the number of ballots ranking ``a`` above ``b``;
    a ranked option is above every option the ballot leaves unranked, and
    unranked options are level with each other. The link ``a → b`` has
    strength ``d[a][b]`` when ``d[a][b] > d[b][a]`` and 0 otherwise; ``p[a][b]``
    is the strength of the strongest (widest) path from ``a`` to ``b``
    (Floyd–Warshall variant, section 2.3 of the paper). The winners are every
    ``a`` with ``p[a][b] >= p[b][a]`` for all ``b``.

    Tie rule: when several options satisfy that condition they are all
    winners (``tie`` true); the paper's tie-breaking ranking of ballots is not
    applied.

    :param options: the decision's options, in display order.
    :param ballots: normalised ballots ``{"ranking": [ids]}`` or abstentions,
        which do not enter the count.
    :returns: figures ``first_preferences`` per option; ``explanation`` is
        ``[{"pairwise": {str(a): {str(b): d}}, "strongest_paths": {str(a):
        {str(b): p}}}]`` (``a != b``), or ``[]`` with no ballots; ``extra``
        holds ``counting: "schulze"``, ``exhausted: 0`` (Schulze uses every
        ranking in full) and ``condorcet_winner`` (id or ``None``).
    :raises ValueError: for a ballot that is not normalised or names an unknown option.
    """
    ids = _option_ids(options)
    rankings = _rankings(options, ballots)
    firsts = _first_preferences(ids, rankings)
    rows = _figures(options, first_preferences=firsts)
    extra: dict[str, object] = {"condorcet_winner": None, "counting": "schulze", "exhausted": 0}
    if not rankings:
        return MethodCount(rows, [], [], extra)
    d = _Ranked(ids, rankings).pairwise()
    p = {a: {b: (d[a][b] if d[a][b] > d[b][a] else 0) for b in ids if b != a} for a in ids}
    for i in ids:
        p_i = p[i]
        for j in ids:
            if j == i:
                continue
            p_j = p[j]
            via = p_j[i]
            if via == 0:
                continue
            for k in ids:
                if k != i and k != j:
                    width = via if via < p_i[k] else p_i[k]
                    if width > p_j[k]:
                        p_j[k] = width
    winners = [a for a in ids if all(p[a][b] >= p[b][a] for b in ids if b != a)]
    extra["condorcet_winner"] = _condorcet_winner(ids, d)
    explanation: list[dict[str, object]] = [
        {
            "pairwise": {str(a): {str(b): n for b, n in row.items()} for a, row in d.items()},
            "strongest_paths": {
                str(a): {str(b): n for b, n in row.items()} for a, row in p.items()
            },
        }
    ]
    return MethodCount(rows, winners, explanation, extra)


# --- registry, tally, verdict ---------------------------------------------------

CountingRule = Callable[[Sequence[OptionRef], Ballots], MethodCount]

#: The counting function of each method (every entry of ``ballots.METHODS``).
#: ``"ranked"`` maps to its default rule, IRV; :data:`COUNTING_RULES` holds
#: the rule a ranked decision chooses with ``counting``.
METHOD_COUNTERS: dict[str, CountingRule] = {
    "single_choice": count_plurality,
    "approval": count_approval,
    "ranked": count_irv,
    "score": count_score,
    "consent": count_consent,
    "dot_vote": count_dot_vote,
    "meeting_time": count_meeting_time,
    "discussion": count_discussion,
}

#: The counting rules a ranked decision may choose (API.md: ``counting``).
COUNTING_RULES: dict[str, CountingRule] = {"irv": count_irv, "schulze": count_schulze}


def _exact_share(quorum: Fraction | Decimal | int | float) -> Fraction:
    if isinstance(quorum, bool):
        raise ValueError("quorum must be a number from 0 to 1")
    # A float such as 0.6 means the decimal 0.6, not its binary neighbour.
    share = Fraction(repr(quorum)) if isinstance(quorum, float) else Fraction(quorum)
    if not 0 <= share <= 1:
        raise ValueError(f"quorum must be from 0 to 1, not {quorum}")
    return share


def tally(
    method: str,
    options: Sequence[OptionRef],
    ballots: Ballots,
    *,
    eligible: int,
    quorum: Fraction | Decimal | int | float = Fraction(0),
    counting: str | None = None,
    max_score: int | None = None,
    dots: int | None = None,
) -> TallyResult:
    """Count a decision's ballots with its method and check quorum.

    :param method: one of ``ballots.METHODS``.
    :param options: the decision's options in display order (consent: none or
        the single proposal).
    :param ballots: normalised ballot bodies, *one per organisation* (the
        caller guarantees that); abstentions included.
    :param eligible: organisations in the decision's electorate (>= 0).
    :param quorum: share of ``eligible`` that must cast a ballot, 0..1; kept
        exact (a ``float`` is read as the decimal it prints as, ``0.6 == 3/5``).
    :param counting: ranked only: ``"irv"`` (default when ``None``) or
        ``"schulze"``; ignored by the other methods.
    :param max_score: score only: copied into the result as ``max_score``
        (default 5) so a mean can be shown "out of" it.
    :param dots: dot_vote only: copied into the result as ``dots_per_organisation``
        (default 3).
    :returns: the :class:`TallyResult`.
    :raises ValueError: for an unknown method or counting rule, a quorum
        outside 0..1, a negative ``eligible``, or ballots that are not
        normalised for this method.
    """
    if method not in METHOD_COUNTERS:
        raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")
    if counting is not None and counting not in COUNTING_RULES:
        raise ValueError(f"unknown counting {counting!r}; expected one of {tuple(COUNTING_RULES)}")
    if eligible < 0:
        raise ValueError(f"eligible must be >= 0, not {eligible}")
    share = _exact_share(quorum)
    if method == "ranked":
        counter = COUNTING_RULES[counting or "irv"]
    else:
        counter = METHOD_COUNTERS[method]
    counted = counter(options, ballots)
    abstentions = sum(map(is_abstention, ballots))
    cast = len(ballots)
    quorum_met = share == 0 if eligible == 0 else Fraction(cast, eligible) >= share
    extra = dict(counted.extra)
    if method == "score":
        extra["max_score"] = DEFAULT_MAX_SCORE if max_score is None else max_score
    if method == "dot_vote":
        extra["dots_per_organisation"] = DEFAULT_DOTS if dots is None else dots
    return TallyResult(
        method=method,
        eligible=eligible,
        ballots_cast=cast,
        abstentions=abstentions,
        quorum=share,
        quorum_met=quorum_met,
        options=counted.options,
        winners=counted.winners,
        tie=len(counted.winners) > 1,
        explanation=counted.explanation,
        extra=extra,
    )


@dataclass(frozen=True)
class Verdict:
    """Whether a decision's rule is met, and why not.

    :param rule_met: quorum met and the method selects something (consent: passed).
    :param option: the option id the rule selects; ``None`` when not met, on a
        tie, and always for consent (the proposal passes or not).
    :param reasons: plain English sentences saying why the rule is not met
        (empty when it is).
    """

    rule_met: bool
    option: int | None
    reasons: list[str]


def _percent(share: Fraction) -> str:
    percent = share * 100
    if percent.denominator == 1:
        return f"{percent.numerator}%"
    return f"{float(percent):.1f}%"


def verdict(result: TallyResult) -> Verdict:
    """Apply the decision rule to a result: quorum first, then the method's outcome.

    Every reason that applies is given, quorum first. Consent passes only with
    no block and ``agree > disagree`` (then ``rule_met`` is true and
    ``option`` ``None``). Other methods select their single winner; a tie or no
    votes for any option means the rule is not met.

    :param result: a :class:`TallyResult` from :func:`tally`.
    :returns: the :class:`Verdict`. Example reasons: ``"Quorum not met: 5 of
        15 organisations cast a ballot; 8 needed (50%)."``, ``"Tie between
        Memphis and Nashville."``, ``"Blocked by 1 organisation."``.
    """
    reasons: list[str] = []
    if not result.quorum_met:
        if result.eligible == 0:
            reasons.append(Message("Quorum not met: no organisation is eligible to vote."))
        else:
            needed = ceil(result.quorum * result.eligible)
            values: dict[str, object] = {
                "eligible": result.eligible,
                "needed": needed,
                "percent": _percent(result.quorum),
            }
            # English says "cast" for one and many; Dutch verbs follow the count.
            reasons.append(
                Message(
                    "Quorum not met: %(cast)s of %(eligible)s organisation cast a ballot; "
                    "%(needed)s needed (%(percent)s).",
                    cast=result.ballots_cast,
                    **values,
                )
                if result.eligible == 1
                else Plural(
                    "Quorum not met: %(num)s of %(eligible)s organisations cast a ballot; "
                    "%(needed)s needed (%(percent)s).",
                    "Quorum not met: %(num)s of %(eligible)s organisations cast a ballot; "
                    "%(needed)s needed (%(percent)s).",
                    num=result.ballots_cast,
                    **values,
                )
            )
    option: int | None = None
    if result.method == "discussion":
        reasons.append(Message("This decision takes comments only; nothing is counted."))
    elif result.method == "consent":
        positions = result.extra.get("positions", {})
        agree = int(positions.get("agree", 0)) if isinstance(positions, dict) else 0
        disagree = int(positions.get("disagree", 0)) if isinstance(positions, dict) else 0
        blocks = int(positions.get("block", 0)) if isinstance(positions, dict) else 0
        if blocks:
            reasons.append(
                Plural(
                    "Blocked by %(num)s organisation.",
                    "Blocked by %(num)s organisations.",
                    num=blocks,
                )
            )
        if agree <= disagree:
            reasons.append(
                Message(
                    "Agree (%(agree)s) does not outnumber disagree (%(disagree)s).",
                    agree=agree,
                    disagree=disagree,
                )
            )
    elif not result.winners:
        reasons.append(Message("No organisation voted for any option."))
    elif result.tie:
        labels = {row["id"]: str(row["label"]) for row in result.options}
        reasons.append(Message("Tie between %(names)s.", names=[labels[w] for w in result.winners]))
    else:
        option = result.winners[0]
    if reasons:
        return Verdict(False, None, reasons)
    return Verdict(True, option, [])
