"""Files made from a decision: the meeting pack as CSV, the ballots as CSV, and
the rows that the pack's CSV, XLSX and DOCX share (``services/pack_documents.py``
writes the office documents).

Pure functions: they read the objects they are given and touch neither the
database session nor Flask. The words they write (column headings, section
names) are English by default; a caller passes ``words`` to have them in the
reader's language (see :data:`WORDS`), ``labels`` for the options' labels in
it, ``zone`` for the network's time zone (every time in a pack is written in
it, the zone named in the heading) and ``say`` to put a rule's message
(:class:`~cop_vote.domain.errors.Message`) in the reader's language.

CSV files are UTF-8 with a byte order mark (so that Excel reads the accents
right), CRLF line ends, every cell quoted when needed by :mod:`csv`, and every
cell that a spreadsheet could take for a formula neutralised (:func:`neutralise`).
The separator is a comma, or a semicolon for Excel in a Dutch locale (where the
comma is the decimal sign).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from math import ceil
from typing import Any
from zoneinfo import ZoneInfo

from ..domain.errors import NotAllowed
from ..models import Ballot, Decision
from . import pack_rules
from .count_tables import CountTables, count_tables
from .meeting_pack import MeetingPack, PackComment, option_label
from .timefmt import iso_utc

#: The separators a pack's CSV may use, by the name a link gives (``?sep=``).
SEPARATORS: dict[str, str] = {"comma": ",", "semicolon": ";"}

#: The words written into the files, by key; pass a mapping with the same keys
#: (some or all) as ``words`` to translate them.
WORDS: dict[str, str] = {
    "section": "section",
    "option": "option",
    "organisation": "organisation",
    "person": "person",
    "text": "text",
    "note": "note",
    "participation": "participation",
    "results": "results",
    "flagged": "flagged comment",
    "reply": "reply",
    "open_question": "open question",
    "unreviewed": "not reviewed yet",
    "hidden": "hidden comment",
    "whole": "the decision as a whole",
    "cast": "cast",
    "not_cast": "not cast",
    "hidden_because": "Hidden: {reason}",
    "winner": "chosen by the count",
    "tie": "tie",
    "meeting_pack": "Meeting pack",
    "status": "Status",
    "generated": "Made at",
    "ballots_cast": "{cast} of {eligible} organisations cast a ballot.",
    "results_hidden": "The results are not visible.",
    "open_questions": "Open questions",
    "unreviewed_comments": "Comments not reviewed yet",
    "hidden_comments": "Hidden comments",
    "objection": "objection",
    "objections": "Objections to the count",
    "none": "None.",
    "note_label": "Note",
    "abstain": "abstain",
    "ballot": "ballot",
    "version": "version",
    "receipt": "receipt",
    "cast_at": "cast_at (UTC)",
    "cast_by": "cast_by",
    "recorded_by": "recorded_by",
    "given_by": "given_by",
    "former": "former representative of {organisation}",
    "agree": "agree",
    "disagree": "disagree",
    "block": "block",
    "yes": "yes",
    "if_need_be": "if need be",
    "no": "no",
    "votes": "votes",
    "first_preferences": "first preferences",
    "sum": "total score",
    "mean": "mean score",
    "scored_by": "scored by",
    "dots": "dots",
    "reviewed": "reviewed comment",
    "passed_review": "Comments that passed review",
    "flagged_mark": "flagged",
    "comments": "comments",
    "time": "time ({zone})",
    "times_in": "Times are in {zone}.",
    "cast_at_zone": "cast at ({zone})",
    "count": "count",
    "irv_rounds": "Instant-runoff rounds",
    "round": "round {n}",
    "exhausted": "exhausted ballots",
    "eliminated": "eliminated",
    "elected": "elected",
    "pairwise": (
        "Pairwise preferences: organisations ranking the row option above the column option"
    ),
    "strongest_paths": "Strongest paths from the row option to the column option",
    "abstentions": "Abstentions: {num}.",
    "no_quorum": "No quorum is required.",
    "quorum_met": "Quorum met: {needed} of {eligible} organisations needed ({percent}).",
    "quorum_not_met": "Quorum not met: {needed} of {eligible} organisations needed ({percent}).",
    "chosen": "Chosen by the count: {options}",
    "tie_between": "Tie between: {options}",
    "no_votes": "No organisation voted for any option.",
    "condorcet": "Condorcet winner: {option}",
    "rule_met": "Decision rule met: {option}",
    "rule_met_plain": "Decision rule met.",
    "rule_not_met": "Decision rule not met: {reasons}",
}

#: The figures of each method's results, in column order (``result.options`` keys).
RESULT_FIGURES: dict[str, tuple[str, ...]] = {
    "single_choice": ("votes",),
    "approval": ("votes",),
    "ranked": ("first_preferences",),
    "score": ("sum", "mean", "scored_by"),
    "dot_vote": ("dots",),
    "meeting_time": ("yes", "if_need_be", "no"),
    "consent": (),
    "discussion": (),
}

#: First characters that make a spreadsheet read a cell as a formula (OWASP,
#: "CSV Injection"): ``=``, ``+``, ``-``, ``@``, TAB and CR.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: object) -> str:
    """A cell's text that no spreadsheet runs as a formula.

    A cell starting with ``=``, ``+``, ``-``, ``@``, TAB or CR gets a leading
    apostrophe, as the OWASP guidance on CSV injection advises; every other cell
    is its ``str`` unchanged (``None`` is ``""``).
    """
    text = "" if cell is None else str(cell)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def full_words(words: Mapping[str, str] | None) -> dict[str, str]:
    """:data:`WORDS` with the caller's words (some or all keys) in their place."""
    return {**WORDS, **(words or {})}


def _csv(rows: Iterable[Sequence[object]], delimiter: str = ",") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _figure(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else str(value)


def result_rows(
    pack: MeetingPack,
    words: Mapping[str, str] | None = None,
    labels: Mapping[int, str] | None = None,
) -> list[list[str]]:
    """The results as rows ``[option, figure 1, ...]``, a header row first; ``[]``
    when the pack has no visible results. Consent lists its four positions.

    :param labels: option labels in the reader's language by option id (a
        meeting slot's day names); the stored labels otherwise.
    """
    w = full_words(words)
    result = pack.result
    if result is None:
        return []
    if pack.decision.method == "consent":
        positions = result.extra.get("positions")
        counts = positions if isinstance(positions, Mapping) else {}
        return [
            [w["option"], w["organisation"]],
            *[
                [w.get(key, key), str(counts.get(key, 0))]
                for key in ("agree", "abstain", "disagree", "block")
            ],
        ]
    figures = RESULT_FIGURES.get(pack.decision.method, ())
    shown = {o.id: option_label(o) for o in pack.decision.options} | dict(labels or {})
    rows = [[w["option"], *[w.get(key, key) for key in figures]]]
    for option in result.options:
        oid = option.get("id")
        label = shown.get(oid, str(option.get("label", ""))) if isinstance(oid, int) else ""
        if oid in result.winners:
            label += f" ({w['tie'] if result.tie else w['winner']})"
        label += pack_rules.interest_note(pack, oid, w)
        rows.append([label, *[_figure(option.get(key)) for key in figures]])
    return rows


def local_text(value: datetime | None, zone: str) -> str:
    """An aware time in the zone ``zone`` (IANA name) with its abbreviation,
    e.g. ``2026-12-02 10:15 CET``; ``""`` for ``None``. Sortable as text; a
    file names the zone in full once (:data:`WORDS` ``time``)."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(zone))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


@dataclass(frozen=True)
class Table:
    """A titled table of a pack; its first row is the header."""

    title: str
    rows: list[list[str]]


def pack_count(pack: MeetingPack, labels: Mapping[int, str] | None = None) -> CountTables | None:
    """The pack's full count (:func:`services.count_tables.count_tables`), or
    ``None`` when its results are not visible.

    :param labels: option labels in the reader's language (:func:`result_rows`).
    """
    if pack.result is None:
        return None
    shown = {o.id: option_label(o) for o in pack.decision.options} | dict(labels or {})
    rule = pack.rules.verdict if pack.rules is not None else None
    return count_tables(pack.result, shown, pack.decision.counting, pack.decision.selects, rule)


def _percent_text(share: Fraction) -> str:
    """A share as a percentage for people: ``50``, ``66.7``."""
    value = round(float(share) * 100, 1)
    return str(int(value)) if value == int(value) else str(value)


def count_lines(
    pack: MeetingPack,
    words: Mapping[str, str] | None = None,
    labels: Mapping[int, str] | None = None,
    say: Callable[[str], str] = str,
) -> list[str]:
    """The count in sentences, as the results page's summary gives it: ballots
    cast and abstentions, the quorum, the options the count selects (never
    first preferences alone: the winners of the method, IRV or Schulze for a
    ranked decision), the Condorcet winner when named, and the decision rule
    met or not with its reasons. ``[]`` when the results are not visible.

    :param say: puts a rule's message (the verdict's reasons) in the reader's language.
    """
    w = full_words(words)
    result = pack.result
    count = pack_count(pack, labels)
    if result is None or count is None:
        return []
    lines = [
        w["ballots_cast"].format(cast=result.ballots_cast, eligible=result.eligible)
        + " "
        + w["abstentions"].format(num=result.abstentions)
    ]
    if result.quorum == 0:
        lines.append(w["no_quorum"])
    else:
        lines.append(
            w["quorum_met" if result.quorum_met else "quorum_not_met"].format(
                needed=ceil(result.quorum * result.eligible),
                eligible=result.eligible,
                percent=_percent_text(result.quorum) + "%",
            )
        )
    if pack.decision.method != "consent":
        names = ", ".join(count.winners)
        if result.tie:
            lines.append(w["tie_between"].format(options=names))
        elif count.winners:
            lines.append(w["chosen"].format(options=names))
        else:
            lines.append(w["no_votes"])
    if count.condorcet:
        lines.append(w["condorcet"].format(option=count.condorcet))
    lines += pack_rules.rule_lines(pack, say)
    rule = count.verdict
    if rule.rule_met:
        lines.append(
            w["rule_met"].format(option=count.verdict_option)
            if count.verdict_option
            else w["rule_met_plain"]
        )
    else:
        reasons = " ".join(say(reason) for reason in rule.reasons)
        lines.append(w["rule_not_met"].format(reasons=reasons))
    return lines


def count_table_rows(
    pack: MeetingPack,
    words: Mapping[str, str] | None = None,
    labels: Mapping[int, str] | None = None,
) -> list[Table]:
    """The count's tables beyond the results per option: the instant-runoff
    rounds (a column per round, ``3 (eliminated)``, ``5 (elected)``, ``–`` once
    out, then the exhausted ballots) or the Schulze pairwise and
    strongest-path matrices; ``[]`` for other methods or hidden results."""
    w = full_words(words)
    count = pack_count(pack, labels)
    if count is None:
        return []
    tables: list[Table] = []
    if count.counting == "irv" and count.rounds:
        header = [w["option"], *[w["round"].format(n=r.round) for r in count.rounds]]
        rows = [header]
        for row in count.round_rows:
            cells = []
            for cell in row.cells:
                if cell.votes is None:
                    cells.append("–")
                elif cell.elected:
                    cells.append(f"{cell.votes} ({w['elected']})")
                elif cell.eliminated:
                    cells.append(f"{cell.votes} ({w['eliminated']})")
                else:
                    cells.append(str(cell.votes))
            rows.append([row.label, *cells])
        rows.append([w["exhausted"], *[str(n) for n in count.exhausted]])
        tables.append(Table(w["irv_rounds"], rows))
    if count.counting == "schulze" and count.schulze is not None:
        for key, matrix in (
            ("pairwise", count.schulze.pairwise),
            ("strongest_paths", count.schulze.strongest_paths),
        ):
            rows = [[w["option"], *count.schulze.columns]]
            rows += [
                [row.label, *["–" if c is None else str(c) for c in row.cells]] for row in matrix
            ]
            tables.append(Table(w[key], rows))
    shown = {o.id: option_label(o) for o in pack.decision.options} | dict(labels or {})
    return tables + pack_rules.rule_tables(pack, w, shown)


def participation_rows(
    pack: MeetingPack, words: Mapping[str, str] | None = None, zone: str = "UTC"
) -> list[list[str]]:
    """The electorate, a header row first: organisation and ballot (cast or
    not); where ballots are open also when it was cast, by whom, and for a
    ballot recorded in a meeting who recorded it and who gave it."""
    w = full_words(words)
    if not pack.ballots_open:
        return [
            [w["organisation"], w["ballot"]],
            *[
                [p.organisation.name, w["cast" if p.has_voted else "not_cast"]]
                for p in pack.participation
            ],
        ]
    rows = [
        [
            w["organisation"],
            w["ballot"],
            w["cast_at_zone"].format(zone=zone),
            w["cast_by"],
            w["recorded_by"],
            w["given_by"],
        ]
    ]
    for p in pack.participation:
        rows.append(
            [
                p.organisation.name,
                w["cast" if p.has_voted else "not_cast"],
                local_text(p.cast_at, zone),
                p.cast_by,
                p.recorded_by,
                p.given_by,
            ]
        )
    return rows


def _comment_row(
    section: str, option: str, comment: PackComment, w: Mapping[str, str], zone: str
) -> list[str]:
    text = (
        comment.text
        if comment.text is not None
        else w["hidden_because"].format(reason=comment.hidden_reason or "")
    )
    return [
        section,
        option,
        comment.organisation,
        comment.person,
        text,
        comment.note,
        local_text(comment.created_at, zone),
    ]


def comment_rows(
    pack: MeetingPack,
    words: Mapping[str, str] | None = None,
    labels: Mapping[int, str] | None = None,
    zone: str = "UTC",
) -> list[list[str]]:
    """The pack's comments, a header row first. Columns: section, option,
    organisation, person, text, note, time (in ``zone``). Sections, in order:
    the comments that passed review per option (the decision as a whole
    last), ``flagged comment`` or ``reviewed comment``, each followed by its
    replies; open questions; comments not reviewed yet; hidden comments (the
    reason, never the text); objections to the count."""
    w = full_words(words)
    rows = [
        [
            w["section"],
            w["option"],
            w["organisation"],
            w["person"],
            w["text"],
            w["note"],
            w["time"].format(zone=zone),
        ]
    ]
    for section in pack.sections:
        label = (
            (labels or {}).get(section.option.id, section.label)
            if section.option is not None
            else w["whole"]
        )
        for comment in section.comments:
            kind = w["flagged"] if comment.review == "flagged" else w["reviewed"]
            rows.append(_comment_row(kind, label, comment, w, zone))
            for reply in comment.replies:
                rows.append(_comment_row(w["reply"], label, reply, w, zone))
    for comment in pack.open_questions:
        rows.append(_comment_row(w["open_question"], w["whole"], comment, w, zone))
    for comment in pack.unreviewed:
        rows.append(_comment_row(w["unreviewed"], "", comment, w, zone))
    for comment in pack.hidden:
        rows.append(_comment_row(w["hidden"], "", comment, w, zone))
    for objection in pack.objections:
        rows.append(
            [
                w["objection"],
                "",
                objection.organisation_name or "",
                "",
                objection.text,
                "",
                local_text(objection.created_at, zone),
            ]
        )
    return rows


def pack_csv(
    pack: MeetingPack,
    words: Mapping[str, str] | None = None,
    labels: Mapping[int, str] | None = None,
    *,
    zone: str = "UTC",
    say: Callable[[str], str] = str,
    delimiter: str = ",",
    follow_up: Sequence[Table] = (),
) -> bytes:
    """The meeting pack as CSV, one row per line item.

    Columns: section, option, organisation, person, text, note, time (in
    ``zone``, named in the heading). Sections, in order: participation (one
    row per organisation: cast / not cast; where ballots are open the person
    who cast it, when, and who recorded and gave a recorded ballot, in the
    note), results (one row per option, its figures as ``name: value`` in the
    text), the count (its sentences, then the instant-runoff rounds or the
    Schulze matrices, a row per option), then :func:`comment_rows`, then the
    ``follow_up`` tables (changes after opening, the meetings' actions: a row
    each, its cells as ``name: value`` in the text).

    :param labels: option labels in the reader's language (:func:`result_rows`).
    :param zone: the network's time zone (IANA name).
    :param say: puts a rule's message in the reader's language (:func:`count_lines`).
    :param delimiter: ``,`` or ``;`` (:data:`SEPARATORS`).
    :returns: UTF-8 with BOM, CRLF line ends, formula-like cells neutralised.
    """
    w = full_words(words)
    header, *comments = comment_rows(pack, w, labels, zone)
    rows: list[list[str]] = [header]
    for p in pack.participation:
        # PackParticipation leaves who and when empty for a secret decision.
        givers = (
            f"{w['given_by']}: {p.given_by}; {w['recorded_by']}: {p.recorded_by}"
            if p.recorded_by
            else ""
        )
        rows.append(
            [
                w["participation"],
                "",
                p.organisation.name,
                p.cast_by,
                w["cast" if p.has_voted else "not_cast"],
                givers,
                local_text(p.cast_at, zone),
            ]
        )
    for table in [Table(w["results"], result_rows(pack, w, labels))] + count_table_rows(
        pack, w, labels
    ):
        if not table.rows:
            continue
        heading, *body = table.rows
        for row in body:
            figures = "; ".join(
                f"{name}: {value}" for name, value in zip(heading[1:], row[1:], strict=True)
            )
            rows.append([table.title, row[0], "", "", figures, "", ""])
    for line in count_lines(pack, w, labels, say):
        rows.append([w["count"], "", "", "", line, "", ""])
    rows += comments
    for table in follow_up:
        heading, *body = table.rows
        for row in body:
            cells = "; ".join(f"{name}: {value}" for name, value in zip(heading, row, strict=True))
            rows.append([table.title, "", "", "", cells, "", ""])
    return _csv(rows, delimiter)


def ballot_text(
    content: Mapping[str, Any] | None,
    labels: Mapping[int, str],
    words: Mapping[str, str] | None = None,
) -> str:
    """A normalised ballot (domain/ballots.py) in words, e.g. ``1. Memphis; 2. Atlanta``.

    :param labels: option id → label; an unknown id is shown as ``#id``.
    """
    w = full_words(words)
    if not content:
        return ""

    def name(key: object) -> str:
        try:
            return labels.get(int(str(key)), f"#{key}")
        except ValueError:
            return f"#{key}"

    if content.get("abstain") is True:
        return w["abstain"]
    if "option" in content:
        return name(content["option"])
    if "options" in content:
        return "; ".join(name(i) for i in content["options"])
    if "ranking" in content:
        return "; ".join(f"{n}. {name(i)}" for n, i in enumerate(content["ranking"], 1))
    if "position" in content:
        position = w.get(str(content["position"]), str(content["position"]))
        reason = content.get("reason")
        return f"{position}: {reason}" if reason else position
    for key in ("scores", "dots"):
        if key in content:
            return "; ".join(f"{name(i)}: {v}" for i, v in content[key].items())
    if "availability" in content:
        return "; ".join(
            f"{name(i)}: {w.get(str(v), str(v))}" for i, v in content["availability"].items()
        )
    return str(content)


def ballots_csv(
    decision: Decision, ballots: Sequence[Ballot], words: Mapping[str, str] | None = None
) -> bytes:
    """The cast ballots of an open-ballot decision as CSV, one row per organisation.

    Columns: organisation, ballot (in words, :func:`ballot_text`), version,
    receipt, cast_at (UTC, ``...Z``), cast_by, recorded_by, given_by (the last
    two for a ballot the facilitator recorded in a meeting).

    :param ballots: the decision's cast ballots (``services.ballot_reads.cast_ballots``).
    :returns: UTF-8 with BOM, CRLF line ends, formula-like cells neutralised.
    :raises NotAllowed: a secret decision: its ballots are never exported.
    """
    if decision.ballot_secrecy != "open":
        raise NotAllowed(
            "The ballots of a secret decision are not exported.", code="secret_ballots"
        )
    w = full_words(words)
    labels = {o.id: option_label(o) for o in decision.options}
    rows: list[list[str]] = [
        [
            w["organisation"],
            w["ballot"],
            w["version"],
            w["receipt"],
            w["cast_at"],
            w["cast_by"],
            w["recorded_by"],
            w["given_by"],
        ]
    ]
    # Each ballot names its organisation and people as at its last write
    # (domain/names.py): a later rename does not rewrite the export.
    for ballot in sorted(ballots, key=lambda b: (b.organisation_name or "").casefold()):
        rows.append(
            [
                ballot.organisation_name or "",
                ballot_text(ballot.content, labels, w),
                str(ballot.version),
                ballot.receipt or "",
                iso_utc(ballot.cast_at) or "",
                ballot.cast_by_name or "",
                ballot.recorded_by_name or "",
                ballot.given_by or "",
            ]
        )
    return _csv(rows)
