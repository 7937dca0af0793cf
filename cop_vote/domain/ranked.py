"""Ranked counts: instant-runoff and Schulze.

Both group identical rankings first; over few options they work on bit sets
of the ballots (:class:`_Places`: one big-integer operation counts every
ballot at once), over more on the distinct rankings. Ties are reported, never
broken (see :mod:`.tally`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from operator import itemgetter

from .counts import Ballots, MethodCount, OptionRef, option_figures, option_ids, rankings_of

# --- ranked: IRV and Schulze -------------------------------------------------------


def in_order(options: Sequence[OptionRef], ids: Iterable[int]) -> list[int]:
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
    ids = option_ids(options)
    rankings = rankings_of(options, ballots)
    firsts = _first_preferences(ids, rankings)
    rows = option_figures(options, first_preferences=firsts)
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
    ids = option_ids(options)
    rankings = rankings_of(options, ballots)
    firsts = _first_preferences(ids, rankings)
    rows = option_figures(options, first_preferences=firsts)
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
