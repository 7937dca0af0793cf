"""Deliberately naive reference counts, written from the published definitions.

Nothing here is grouped, cached or clever: each rule is the textbook
definition applied ballot by ballot, so the property tests can check
``cop_vote.domain.tally`` against it and ``bench/tally.py`` can time it for
comparison. Inputs are plain Python: option ids, and one ballot per organisation
(abstentions already left out).

Sources: plurality and IRV as in Robert's Rules of Order Newly Revised (12th
ed., 44:11, 45:62–69) with pref_voting's ``instant_runoff`` tie convention
(eliminate all options tied for fewest unless that eliminates everyone; then
they tie); approval after Brams and Fishburn (1978); score as the sum of
scores; Schulze after M. Schulze, Social Choice and Welfare 36 (2011) 267–303,
section 2 (winning votes, strongest paths by their definition).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

INFINITY = float("inf")


def top(totals: dict[int, int]) -> list[int]:
    """All ids with the highest total, in the order of ``totals``."""
    if not totals:
        return []
    best = max(totals.values())
    return [oid for oid, total in totals.items() if total == best]


def plurality(
    option_ids: Sequence[int], choices: Sequence[int]
) -> tuple[dict[int, int], list[int]]:
    """Votes per option and the options with the most votes ([] without ballots)."""
    votes = {oid: 0 for oid in option_ids}
    for choice in choices:
        votes[choice] = votes[choice] + 1
    return votes, (top(votes) if choices else [])


def approval(
    option_ids: Sequence[int], ballots: Sequence[Sequence[int]]
) -> tuple[dict[int, int], list[int]]:
    """Approvals per option and the most approved options ([] without ballots)."""
    votes = {oid: 0 for oid in option_ids}
    for ballot in ballots:
        for oid in option_ids:
            if oid in ballot:
                votes[oid] += 1
    return votes, (top(votes) if ballots else [])


def score(
    option_ids: Sequence[int], ballots: Sequence[dict[int, int]]
) -> tuple[dict[int, int], dict[int, int], list[int]]:
    """Sum and number of scorers per option, and the options with the highest sum."""
    sums = {oid: 0 for oid in option_ids}
    scored_by = {oid: 0 for oid in option_ids}
    for ballot in ballots:
        for oid in option_ids:
            if oid in ballot:
                sums[oid] += ballot[oid]
                scored_by[oid] += 1
    return sums, scored_by, (top(sums) if ballots else [])


def irv(
    option_ids: Sequence[int], rankings: Sequence[Sequence[int]]
) -> tuple[list[int], list[dict[str, object]]]:
    """Instant-runoff: winners and the rounds, re-reading every ballot each round.

    Rounds are ``{"counts": {id: votes}, "exhausted": k, "eliminated": [ids],
    "elected": id | None}``.
    """
    if not rankings:
        return [], []
    continuing = list(option_ids)
    rounds: list[dict[str, object]] = []
    while True:
        counts = {oid: 0 for oid in continuing}
        exhausted = 0
        for ranking in rankings:
            for oid in ranking:
                if oid in continuing:
                    counts[oid] += 1
                    break
            else:
                exhausted += 1
        not_exhausted = len(rankings) - exhausted
        round_ = {"counts": counts, "exhausted": exhausted, "eliminated": [], "elected": None}
        rounds.append(round_)
        for oid in continuing:
            if counts[oid] > not_exhausted / 2:
                round_["elected"] = oid
                return [oid], rounds
        if len(continuing) == 1:
            round_["elected"] = continuing[0]
            return list(continuing), rounds
        fewest = min(counts.values())
        losers = [oid for oid in continuing if counts[oid] == fewest]
        if len(losers) == len(continuing):
            return list(continuing), rounds
        round_["eliminated"] = losers
        continuing = [oid for oid in continuing if oid not in losers]


def pairwise(
    option_ids: Sequence[int], rankings: Sequence[Sequence[int]]
) -> dict[int, dict[int, int]]:
    """``d[a][b]``: ballots ranking ``a`` above ``b``; unranked options rank last, level."""
    d = {a: {b: 0 for b in option_ids if b != a} for a in option_ids}
    for ranking in rankings:
        position = {oid: index for index, oid in enumerate(ranking)}
        for a in option_ids:
            for b in option_ids:
                if a != b and position.get(a, INFINITY) < position.get(b, INFINITY):
                    d[a][b] += 1
    return d


def _links(d: dict[int, dict[int, int]]) -> dict[int, dict[int, int]]:
    return {a: {b: (n if n > d[b][a] else 0) for b, n in row.items()} for a, row in d.items()}


def _simple_paths(option_ids: Sequence[int], start: int, end: int) -> Iterator[list[int]]:
    def extend(path: list[int]) -> Iterator[list[int]]:
        if path[-1] == end:
            yield path
            return
        for nxt in option_ids:
            if nxt not in path:
                yield from extend([*path, nxt])

    yield from extend([start])


def strongest_paths_brute_force(
    option_ids: Sequence[int], d: dict[int, dict[int, int]]
) -> dict[int, dict[int, int]]:
    """``p[a][b]``: the maximum over every simple path of its weakest link (Schulze 2.2)."""
    link = _links(d)
    p = {a: {b: 0 for b in option_ids if b != a} for a in option_ids}
    for a in option_ids:
        for b in option_ids:
            if a == b:
                continue
            for path in _simple_paths(option_ids, a, b):
                strength = min(link[x][y] for x, y in zip(path, path[1:], strict=False))
                p[a][b] = max(p[a][b], strength)
    return p


def strongest_paths_floyd(
    option_ids: Sequence[int], d: dict[int, dict[int, int]]
) -> dict[int, dict[int, int]]:
    """``p[a][b]`` by the plain Floyd–Warshall widest-path loop (Schulze 2.3)."""
    p = _links(d)
    for i in option_ids:
        for j in option_ids:
            if j == i:
                continue
            for k in option_ids:
                if k != i and k != j:
                    p[j][k] = max(p[j][k], min(p[j][i], p[i][k]))
    return p


def schulze(
    option_ids: Sequence[int], rankings: Sequence[Sequence[int]], *, brute_force: bool = True
) -> tuple[list[int], dict[int, dict[int, int]], dict[int, dict[int, int]]]:
    """Schulze winners with the pairwise and strongest-path tables."""
    d = pairwise(option_ids, rankings)
    if brute_force:
        p = strongest_paths_brute_force(option_ids, d)
    else:
        p = strongest_paths_floyd(option_ids, d)
    if not rankings:
        return [], d, p
    winners = [a for a in option_ids if all(p[a][b] >= p[b][a] for b in option_ids if b != a)]
    return winners, d, p


def condorcet_winner(option_ids: Sequence[int], d: dict[int, dict[int, int]]) -> int | None:
    """The option that beats every other one head to head, if there is one."""
    for a in option_ids:
        if all(d[a][b] > d[b][a] for b in option_ids if b != a):
            return a
    return None


def dot_vote(
    option_ids: Sequence[int], ballots: Sequence[dict[int, int]]
) -> tuple[dict[int, int], list[int]]:
    """Dots per option (the sum over ballots) and the options with the most dots.

    Diceman's *Dotmocracy Handbook*: every organisation's dots are added up;
    no winner when nobody placed a dot.
    """
    dots = {oid: 0 for oid in option_ids}
    for ballot in ballots:
        for oid in option_ids:
            dots[oid] += ballot.get(oid, 0)
    return dots, (top(dots) if any(dots.values()) else [])


def meeting_time(
    option_ids: Sequence[int], ballots: Sequence[dict[int, str]]
) -> tuple[dict[str, dict[int, int]], list[int]]:
    """Answers per slot (``yes``, ``if_need_be``, ``no``; unmentioned means ``no``)
    and the best slots: most ``yes``, then most ``if_need_be``, among slots that
    at least one organisation can make."""
    answers = {a: {oid: 0 for oid in option_ids} for a in ("yes", "if_need_be", "no")}
    for ballot in ballots:
        for oid in option_ids:
            answers[ballot.get(oid, "no")][oid] += 1
    possible = [oid for oid in option_ids if answers["yes"][oid] + answers["if_need_be"][oid]]
    if not possible:
        return answers, []
    most_yes = max(answers["yes"][oid] for oid in possible)
    best = [oid for oid in possible if answers["yes"][oid] == most_yes]
    most_maybe = max(answers["if_need_be"][oid] for oid in best)
    return answers, [oid for oid in best if answers["if_need_be"][oid] == most_maybe]


def consent(positions: Sequence[str]) -> tuple[dict[str, int], bool]:
    """Positions counted, and whether the proposal passes: no block, and agree
    outnumbers disagree (DESIGN.md's variant of sociocratic consent)."""
    counts = {p: 0 for p in ("agree", "abstain", "disagree", "block")}
    for position in positions:
        counts[position] += 1
    return counts, counts["block"] == 0 and counts["agree"] > counts["disagree"]
