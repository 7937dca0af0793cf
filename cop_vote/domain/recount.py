"""Recounting a decision from its public ballot record. Standard library only.

After close every decision has a ballot record from which anyone in the
network can recount the published totals (DESIGN.md, "Trust"). What the
record publishes depends on the ballot's secrecy and method:

* an **open** ballot: each organisation's counted ballot, with its receipt;
* a **secret** single_choice, approval or consent ballot: the list of who cast
  and, apart, the ballots themselves, with no names, ids, times or receipts;
* a **secret** ranked, score, dot_vote or meeting_time ballot: the list of who
  cast and the aggregate tables from which the count follows (IRV rounds with
  their transfers, the Schulze pairwise matrix, sums per option), because the
  full pattern of such a ballot can serve as a signature that proves how an
  organisation voted.

:func:`record_form` says which; :func:`tables_of` builds the tables from a
count; :func:`recount_tables` recounts from them, checking that each table
follows from the ones before it. Ballot lists are recounted with
:func:`cop_vote.domain.tally.tally` itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .tally import TallyResult

#: Methods whose secret ballots are published one by one (unlinked).
LIST_METHODS = ("single_choice", "approval", "consent")
#: Methods whose secret ballots are published as aggregate tables only.
TABLE_METHODS = ("ranked", "score", "dot_vote", "meeting_time")


def record_form(method: str, secrecy: str) -> str:
    """How a decision's ballot record publishes its ballots.

    :returns: ``"ballots"`` (each ballot; with its organisation when the
        ballot is open), ``"tables"`` (aggregates only: a secret ballot of a
        method in :data:`TABLE_METHODS`) or ``"none"`` (a discussion).
    """
    if method == "discussion":
        return "none"
    if secrecy == "secret" and method in TABLE_METHODS:
        return "tables"
    return "ballots"


def _irv_rounds(result: TallyResult) -> list[dict[str, Any]]:
    rounds: list[dict[str, Any]] = []
    previous: Mapping[str, int] | None = None
    previous_exhausted = 0
    for entry in result.explanation:
        counts: Mapping[str, int] = entry["counts"]  # type: ignore[assignment]
        exhausted = int(entry["exhausted"])  # type: ignore[call-overload]
        transfers: dict[str, int] = {}
        if previous is not None:
            transfers = {key: counts[key] - previous[key] for key in counts}
            transfers["exhausted"] = exhausted - previous_exhausted
        rounds.append(
            {
                "round": entry["round"],
                "counts": dict(counts),
                "exhausted": exhausted,
                "transfers": transfers,
                "eliminated": list(entry["eliminated"]),  # type: ignore[call-overload]
                "elected": entry["elected"],
            }
        )
        previous, previous_exhausted = counts, exhausted
    return rounds


def tables_of(result: TallyResult) -> dict[str, Any]:
    """The aggregate tables of a count, from which its winners follow.

    :returns: ``{"ballots", "abstentions", ...}`` with, by method: ranked IRV
        ``rounds`` (per round ``counts`` of the continuing options,
        ``exhausted``, the ``transfers`` received since the round before,
        ``eliminated`` and ``elected``); ranked Schulze ``pairwise`` (``d[a][b]``,
        ballots ranking ``a`` above ``b``); score ``sums`` and ``scored_by``;
        dot_vote ``dots``; meeting_time ``answers`` (``yes``, ``if_need_be``,
        ``no`` per slot). Option ids are string keys.
    """
    tables: dict[str, Any] = {"ballots": result.ballots_cast, "abstentions": result.abstentions}
    rows = {str(o["id"]): o for o in result.options}
    if result.method == "ranked":
        counting = result.extra.get("counting", "irv")
        tables["counting"] = counting
        if counting == "schulze":
            tables["pairwise"] = result.explanation[0]["pairwise"] if result.explanation else {}
        else:
            tables["rounds"] = _irv_rounds(result)
    elif result.method == "score":
        tables["sums"] = {key: row["sum"] for key, row in rows.items()}
        tables["scored_by"] = {key: row["scored_by"] for key, row in rows.items()}
    elif result.method == "dot_vote":
        tables["dots"] = {key: row["dots"] for key, row in rows.items()}
    elif result.method == "meeting_time":
        tables["answers"] = {
            key: {"yes": row["yes"], "if_need_be": row["if_need_be"], "no": row["no"]}
            for key, row in rows.items()
        }
    else:
        raise ValueError(f"{result.method} ballots are published one by one, not as tables")
    return tables


@dataclass(frozen=True)
class Recount:
    """What a recount from a ballot record gives.

    :param winners: option ids, in the decision's option order.
    :param problems: each place where a table does not follow from the others
        (empty when the record is consistent).
    """

    winners: list[int]
    tie: bool
    problems: list[str] = field(default_factory=list)


def _top(ids: Sequence[int], score: Mapping[int, int]) -> list[int]:
    if not ids:
        return []
    best = max(score[i] for i in ids)
    return [i for i in ids if score[i] == best]


def _recount_irv(ids: Sequence[int], tables: Mapping[str, Any]) -> Recount:
    rounds: list[Mapping[str, Any]] = tables.get("rounds") or []
    problems: list[str] = []
    ranking_ballots = int(tables["ballots"]) - int(tables["abstentions"])
    if not rounds:
        if ranking_ballots:
            problems.append("no rounds, yet ballots rank options")
        return Recount([], False, problems)
    continuing = [i for i in ids if str(i) in rounds[0]["counts"]]
    if continuing != list(ids):
        problems.append("round 1 does not count every option")
    winners: list[int] = []
    for position, entry in enumerate(rounds):
        number = position + 1
        counts = {int(k): int(v) for k, v in entry["counts"].items()}
        exhausted = int(entry["exhausted"])
        if sorted(counts) != sorted(continuing):
            problems.append(f"round {number} counts other options than those continuing")
            break
        if sum(counts.values()) + exhausted != ranking_ballots:
            problems.append(f"round {number}: ballots are not conserved")
        if position > 0:
            before = {int(k): int(v) for k, v in rounds[position - 1]["counts"].items()}
            if any(counts[i] < before[i] for i in counts):
                problems.append(f"round {number}: an option lost ballots")
        active = sum(counts.values())
        leader = max(continuing, key=lambda i: counts[i])
        last = position == len(rounds) - 1
        if counts[leader] * 2 > active or len(continuing) == 1:
            if entry.get("elected") != leader:
                problems.append(f"round {number}: {leader} has a majority but is not elected")
            if not last:
                problems.append(f"round {number}: the count goes on after a majority")
            winners = [leader]
            break
        fewest = min(counts.values())
        losers = [i for i in continuing if counts[i] == fewest]
        if len(losers) == len(continuing):
            winners = list(continuing)
            if not last:
                problems.append(f"round {number}: the count goes on after a tie of all")
            break
        if sorted(entry.get("eliminated") or []) != sorted(losers):
            problems.append(f"round {number}: the eliminated options are not those with fewest")
        continuing = [i for i in continuing if i not in losers]
        if last:
            problems.append(f"round {number}: the count stops before a result")
    return Recount(winners, len(winners) > 1, problems)


def _recount_schulze(ids: Sequence[int], tables: Mapping[str, Any]) -> Recount:
    raw: Mapping[str, Mapping[str, int]] = tables.get("pairwise") or {}
    if not raw:
        problems = (
            ["no pairwise table, yet ballots rank options"]
            if (int(tables["ballots"]) > int(tables["abstentions"]))
            else []
        )
        return Recount([], False, problems)
    d = {a: {b: int(raw[str(a)][str(b)]) for b in ids if b != a} for a in ids}
    p = {a: {b: (d[a][b] if d[a][b] > d[b][a] else 0) for b in ids if b != a} for a in ids}
    for i in ids:
        for j in ids:
            if j == i:
                continue
            for k in ids:
                if k != i and k != j:
                    p[j][k] = max(p[j][k], min(p[j][i], p[i][k]))
    winners = [a for a in ids if all(p[a][b] >= p[b][a] for b in ids if b != a)]
    problems = []
    ranking = int(tables["ballots"]) - int(tables["abstentions"])
    if any(d[a][b] + d[b][a] > ranking for a in ids for b in ids if a != b):
        problems.append("a pair is compared on more ballots than rank options")
    return Recount(winners, len(winners) > 1, problems)


def recount_tables(method: str, option_ids: Sequence[int], tables: Mapping[str, Any]) -> Recount:
    """Recount a secret decision from its published aggregate tables.

    :param method: ``ranked``, ``score``, ``dot_vote`` or ``meeting_time``.
    :param option_ids: the decision's options, in display order.
    :param tables: as :func:`tables_of` publishes them.
    :returns: the winners and tie the tables give, with every inconsistency
        found (the tie rules are those of ``tally.py``).
    """
    ids = list(option_ids)
    voted = int(tables["ballots"]) > int(tables["abstentions"])
    if method == "ranked":
        if tables.get("counting") == "schulze":
            return _recount_schulze(ids, tables)
        return _recount_irv(ids, tables)
    if method == "score":
        sums = {i: int(tables["sums"][str(i)]) for i in ids}
        winners = _top(ids, sums) if voted else []
        return Recount(winners, len(winners) > 1)
    if method == "dot_vote":
        dots = {i: int(tables["dots"][str(i)]) for i in ids}
        winners = _top(ids, dots) if any(dots.values()) else []
        return Recount(winners, len(winners) > 1)
    if method == "meeting_time":
        answers = {i: tables["answers"][str(i)] for i in ids}
        problems = [
            f"slot {i}: answers do not add up to the ballots"
            for i, a in answers.items()
            if int(a["yes"]) + int(a["if_need_be"]) + int(a["no"])
            != int(tables["ballots"]) - int(tables["abstentions"])
        ]
        yes = {i: int(a["yes"]) for i, a in answers.items()}
        maybe = {i: int(a["if_need_be"]) for i, a in answers.items()}
        possible = [i for i in ids if yes[i] + maybe[i] > 0]
        winners = _top(_top(possible, yes), maybe)
        return Recount(winners, len(winners) > 1, problems)
    raise ValueError(f"{method} ballots are published one by one, not as tables")
