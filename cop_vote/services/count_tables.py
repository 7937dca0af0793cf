"""The full count of a decision as tables people read: the instant-runoff
rounds, the Schulze matrices, the winners and the verdict.

Shared by the results page and the meeting pack (page, CSV, XLSX, DOCX), so
that both show the same count and mark the same option as chosen. Pure: it
reads a :class:`~cop_vote.domain.tally.TallyResult` and the option labels the
caller gives (in the reader's language); no database, no Flask.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..domain.selection import selection_verdict
from ..domain.tally import TallyResult, Verdict, verdict


@dataclass(frozen=True)
class RoundCell:
    """One option in one instant-runoff round.

    :param votes: its votes in that round; ``None`` once it is out of the count.
    :param eliminated: eliminated at the end of that round.
    :param elected: elected in that round.
    """

    votes: int | None
    eliminated: bool
    elected: bool


@dataclass(frozen=True)
class RoundRow:
    """One option across the instant-runoff rounds."""

    label: str
    cells: list[RoundCell]


@dataclass(frozen=True)
class Round:
    """One instant-runoff round in words.

    :param round: its number, from 1.
    :param eliminated: the labels of the options eliminated at its end.
    :param elected: the label of the option elected in it, or ``None``.
    :param votes: the elected option's votes (0 when none is elected).
    :param active: the ballots still in the count (votes for continuing options).
    :param exhausted: ballots exhausted so far (no continuing option ranked).
    """

    round: int
    eliminated: list[str]
    elected: str | None
    votes: int
    active: int
    exhausted: int


@dataclass(frozen=True)
class MatrixRow:
    """One row of a Schulze matrix: ``cells[j]`` compares this option with
    column ``j`` (``None`` on the diagonal)."""

    label: str
    cells: list[int | None]


@dataclass(frozen=True)
class Schulze:
    """The Schulze method's two matrices, rows and columns in option order.

    :param pairwise: how many organisations rank the row option above the column option.
    :param strongest_paths: the strength of the strongest chain of wins from row to column.
    """

    columns: list[str]
    pairwise: list[MatrixRow]
    strongest_paths: list[MatrixRow]


@dataclass(frozen=True)
class CountTables:
    """The count as the results page and the meeting pack present it.

    :param counting: ``"irv"`` or ``"schulze"`` for a ranked decision, else ``None``.
    :param winners: the labels of the options the count selects (several on a tie).
    :param rounds: the instant-runoff rounds in words (IRV only).
    :param round_rows: one row per option, a cell per round (IRV only).
    :param schulze: the Schulze matrices (Schulze only, when any ballot counts).
    :param verdict: the decision rule applied to the count.
    :param verdict_option: the label of the option the rule selects, or ``None``.
    :param condorcet: the label of the Condorcet winner when the count names one.
    """

    counting: str | None
    winners: list[str]
    verdict: Verdict
    verdict_option: str | None
    condorcet: str | None = None
    rounds: list[Round] = field(default_factory=list)
    round_rows: list[RoundRow] = field(default_factory=list)
    schulze: Schulze | None = None

    @property
    def exhausted(self) -> list[int]:
        """Exhausted ballots after each round (IRV)."""
        return [r.exhausted for r in self.rounds]


def _as_list(value: object) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    return [] if value is None else [value]


def _int(value: object) -> int:
    return int(value) if isinstance(value, int | float | str) else 0


def irv_tables(
    result: TallyResult, labels: Mapping[int, str]
) -> tuple[list[RoundRow], list[Round]]:
    """The IRV rounds as table rows (one per option, a cell per round) and in words.

    :param result: an instant-runoff result; its ``explanation`` holds one
        record per round: ``{"round", "counts": {option id: votes},
        "eliminated", "elected", "exhausted"}``.
    :param labels: option id → label.
    """
    records = [r for r in result.explanation if isinstance(r, dict)]
    rows: list[RoundRow] = []
    for option in result.options:
        oid = option["id"]
        cells = []
        for record in records:
            counts = record.get("counts") or {}
            votes = counts.get(str(oid)) if isinstance(counts, dict) else None
            cells.append(
                RoundCell(
                    votes=None if votes is None else _int(votes),
                    eliminated=oid in _as_list(record.get("eliminated")),
                    elected=record.get("elected") == oid,
                )
            )
        rows.append(RoundRow(labels.get(_int(oid), str(oid)), cells))
    rounds = []
    for record in records:
        counts = record.get("counts") or {}
        counts = counts if isinstance(counts, dict) else {}
        elected = record.get("elected")
        rounds.append(
            Round(
                round=_int(record.get("round")),
                eliminated=[labels.get(e, str(e)) for e in _as_list(record.get("eliminated"))],
                elected=labels.get(elected) if isinstance(elected, int) else None,
                votes=_int(counts.get(str(elected), 0)) if isinstance(elected, int) else 0,
                active=sum(_int(v) for v in counts.values()),
                exhausted=_int(record.get("exhausted", 0)),
            )
        )
    return rows, rounds


def schulze_tables(result: TallyResult, labels: Mapping[int, str]) -> Schulze | None:
    """The pairwise and strongest-path matrices in option order, or ``None``
    when the count has none (no ballot).

    :param result: a Schulze result; ``explanation[0]`` holds ``{"pairwise":
        {a: {b: n}}, "strongest_paths": {a: {b: n}}}`` keyed by option id as text.
    """
    if not result.explanation:
        return None
    tables = result.explanation[0]
    ids = [_int(option["id"]) for option in result.options]

    def matrix(name: str) -> list[MatrixRow]:
        data = tables.get(name) or {}
        data = data if isinstance(data, dict) else {}
        return [
            MatrixRow(
                labels.get(a, str(a)),
                [None if a == b else _int((data.get(str(a)) or {}).get(str(b), 0)) for b in ids],
            )
            for a in ids
        ]

    return Schulze(
        columns=[labels.get(i, str(i)) for i in ids],
        pairwise=matrix("pairwise"),
        strongest_paths=matrix("strongest_paths"),
    )


def count_tables(
    result: TallyResult,
    labels: Mapping[int, str],
    counting: str | None,
    selects: int = 1,
    rule: Verdict | None = None,
) -> CountTables:
    """The whole count of ``result`` for people.

    :param labels: option id → label in the reader's language.
    :param counting: the decision's ranked counting (``irv`` or ``schulze``);
        ignored for other methods (pass the decision's ``counting``).
    :param selects: how many options the decision selects (its verdict then
        asks for no tie at the boundary of the selection).
    :param rule: the decision's verdict with its declared majority rule
        (:func:`~cop_vote.services.decision_rules.ruled_verdict`); ``None``:
        the method's own verdict.
    """
    ranked = (counting or "irv") if result.method == "ranked" else None
    if rule is None:
        rule = selection_verdict(result, selects) if selects > 1 else verdict(result)
    condorcet = result.extra.get("condorcet_winner")
    tables = CountTables(
        counting=ranked,
        winners=[labels[w] for w in result.winners if w in labels],
        verdict=rule,
        verdict_option=labels.get(rule.option) if rule.option is not None else None,
        condorcet=labels.get(condorcet) if isinstance(condorcet, int) else None,
    )
    if ranked == "irv":
        rows, rounds = irv_tables(result, labels)
        return replace(tables, round_rows=rows, rounds=rounds)
    if ranked == "schulze":
        return replace(tables, schulze=schulze_tables(result, labels))
    return tables
