"""Files made from a decision: the meeting pack as CSV and DOCX, the ballots as CSV.

Pure functions: they read the objects they are given and touch neither the
database session nor Flask. The words they write (column headings, section
names) are English by default; a caller passes ``words`` to have them in the
reader's language (see :data:`WORDS`).

CSV files are UTF-8 with a byte order mark (so that Excel reads the accents
right), CRLF line ends, every cell quoted when needed by :mod:`csv`, and every
cell that a spreadsheet could take for a formula neutralised (:func:`neutralise`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from docx import Document

from ..domain.errors import NotAllowed
from ..models import Ballot, Decision
from .meeting_pack import MeetingPack, PackComment, option_label
from .timefmt import iso_utc

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
    "flagged_comments": "Flagged comments",
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


def _words(words: Mapping[str, str] | None) -> dict[str, str]:
    return {**WORDS, **(words or {})}


def _csv(rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
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
    w = _words(words)
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
        rows.append([label, *[_figure(option.get(key)) for key in figures]])
    return rows


def _comment_rows(
    section: str, option: str, comment: PackComment, w: Mapping[str, str]
) -> list[list[str]]:
    text = (
        comment.text
        if comment.text is not None
        else w["hidden_because"].format(reason=comment.hidden_reason or "")
    )
    return [[section, option, comment.organisation, comment.person, text, comment.note]]


def pack_csv(
    pack: MeetingPack,
    words: Mapping[str, str] | None = None,
    labels: Mapping[int, str] | None = None,
) -> bytes:
    """The meeting pack as CSV, one row per line item.

    Columns: section, option, organisation, person, text, note. Sections, in
    order: participation (one row per organisation: cast / not cast), results
    (one row per option, its figures as ``name: value`` in the text), flagged
    comments per option (the decision as a whole last) each followed by its
    replies, open questions, comments not reviewed yet, hidden comments (the
    reason, never the text).

    :param labels: option labels in the reader's language (:func:`result_rows`).
    :returns: UTF-8 with BOM, CRLF line ends, formula-like cells neutralised.
    """
    w = _words(words)
    rows: list[list[str]] = [
        [w["section"], w["option"], w["organisation"], w["person"], w["text"], w["note"]]
    ]
    for p in pack.participation:
        rows.append(
            [
                w["participation"],
                "",
                p.organisation.name,
                "",
                w["cast" if p.has_voted else "not_cast"],
                "",
            ]
        )
    results = result_rows(pack, w, labels)
    if results:
        heading, *body = results
        for row in body:
            figures = "; ".join(
                f"{name}: {value}" for name, value in zip(heading[1:], row[1:], strict=True)
            )
            rows.append([w["results"], row[0], "", "", figures, ""])
    for section in pack.sections:
        label = (
            (labels or {}).get(section.option.id, section.label)
            if section.option is not None
            else w["whole"]
        )
        for comment in section.comments:
            rows += _comment_rows(w["flagged"], label, comment, w)
            for reply in comment.replies:
                rows += _comment_rows(w["reply"], label, reply, w)
    for comment in pack.open_questions:
        rows += _comment_rows(w["open_question"], w["whole"], comment, w)
    for comment in pack.unreviewed:
        rows += _comment_rows(w["unreviewed"], "", comment, w)
    for comment in pack.hidden:
        rows += _comment_rows(w["hidden"], "", comment, w)
    for objection in pack.objections:
        rows.append([w["objection"], "", objection.organisation.name, "", objection.text, ""])
    return _csv(rows)


def ballot_text(
    content: Mapping[str, Any] | None,
    labels: Mapping[int, str],
    words: Mapping[str, str] | None = None,
) -> str:
    """A normalised ballot (domain/ballots.py) in words, e.g. ``1. Memphis; 2. Atlanta``.

    :param labels: option id → label; an unknown id is shown as ``#id``.
    """
    w = _words(words)
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

    :param ballots: the decision's cast ballots (``services.ballots.cast_ballots``).
    :returns: UTF-8 with BOM, CRLF line ends, formula-like cells neutralised.
    :raises NotAllowed: a secret decision: its ballots are never exported.
    """
    if decision.ballot_secrecy != "open":
        raise NotAllowed(
            "The ballots of a secret decision are not exported.", code="secret_ballots"
        )
    w = _words(words)
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
    for ballot in sorted(ballots, key=lambda b: b.organisation.name.casefold()):
        rows.append(
            [
                ballot.organisation.name,
                ballot_text(ballot.content, labels, w),
                str(ballot.version),
                ballot.receipt or "",
                iso_utc(ballot.cast_at) or "",
                ballot.cast_by.name if ballot.cast_by else "",
                ballot.recorded_by.name if ballot.recorded_by else "",
                ballot.given_by or "",
            ]
        )
    return _csv(rows)


def _docx_comment(
    document: Any, comment: PackComment, w: Mapping[str, str], *, reply: bool
) -> None:
    paragraph = document.add_paragraph(style="List Bullet 2" if reply else "List Bullet")
    paragraph.add_run(comment.signature).bold = True
    paragraph.add_run(": ")
    if comment.text is not None:
        paragraph.add_run(comment.text)
    else:
        paragraph.add_run(
            w["hidden_because"].format(reason=comment.hidden_reason or "")
        ).italic = True
    if comment.note:
        note = document.add_paragraph(style="List Continue 2" if reply else "List Continue")
        note.add_run(f"{w['note_label']}: ").bold = True
        note.add_run(comment.note).italic = True


def _docx_table(document: Any, rows: Sequence[Sequence[str]]) -> None:
    table = document.add_table(rows=0, cols=len(rows[0]))
    table.style = "Table Grid"
    for n, row in enumerate(rows):
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = value
            if n == 0:
                for run in cell.paragraphs[0].runs:
                    run.bold = True


def pack_docx(
    pack: MeetingPack,
    words: Mapping[str, str] | None = None,
    labels: Mapping[int, str] | None = None,
    title: str | None = None,
) -> bytes:
    """The meeting pack as an editable Word document (python-docx).

    Holds: the title and status, participation (a table: organisation, cast or
    not), the results table when visible, the flagged comments per option with
    the facilitator's notes and replies, open questions, comments not reviewed
    yet and hidden comments (reason only).

    :param labels: option labels in the reader's language (:func:`result_rows`).
    :param title: the decision's title in the reader's language (default: the original).
    :returns: the ``.docx`` file's bytes.
    """
    w = _words(words)
    decision = pack.decision
    document = Document()
    document.add_heading(f"{w['meeting_pack']}: {title or decision.title}", level=0)
    document.add_paragraph(
        f"{w['status']}: {pack.status}. {w['generated']}: {iso_utc(pack.generated_at)}"
    )
    document.add_heading(w["participation"].capitalize(), level=1)
    document.add_paragraph(
        w["ballots_cast"].format(cast=pack.ballots_cast, eligible=len(pack.participation))
    )
    if pack.participation:
        _docx_table(
            document,
            [
                [w["organisation"], w["ballot"]],
                *[
                    [p.organisation.name, w["cast" if p.has_voted else "not_cast"]]
                    for p in pack.participation
                ],
            ],
        )
    if decision.method != "discussion":
        document.add_heading(w["results"].capitalize(), level=1)
        results = result_rows(pack, w, labels)
        if results:
            _docx_table(document, results)
        else:
            document.add_paragraph(w["results_hidden"])
    document.add_heading(w["flagged_comments"], level=1)
    for section in pack.sections:
        document.add_heading(
            (labels or {}).get(section.option.id, section.label)
            if section.option is not None
            else w["whole"].capitalize(),
            level=2,
        )
        if not section.comments:
            document.add_paragraph(w["none"])
        for comment in section.comments:
            _docx_comment(document, comment, w, reply=False)
            for reply in comment.replies:
                _docx_comment(document, reply, w, reply=True)
    for key, items in (
        ("open_questions", pack.open_questions),
        ("unreviewed_comments", pack.unreviewed),
        ("hidden_comments", pack.hidden),
    ):
        document.add_heading(w[key], level=1)
        if not items:
            document.add_paragraph(w["none"])
        for comment in items:
            _docx_comment(document, comment, w, reply=False)
    document.add_heading(w["objections"], level=1)
    if not pack.objections:
        document.add_paragraph(w["none"])
    for objection in pack.objections:
        paragraph = document.add_paragraph()
        paragraph.add_run(objection.organisation.name).bold = True
        paragraph.add_run(f": {objection.text}")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
