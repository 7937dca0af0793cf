"""The meeting pack as office documents: an editable Word document (python-docx)
and a workbook (openpyxl, XLSX).

Pure functions, like ``services/exports.py``, whose rows they share: the same
participation, results, count and comments as the pack's page and CSV, every
time in the network's zone with the zone named, the words in the reader's
language (``words``, ``labels``, ``zone``, ``say`` as there).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from docx import Document
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .exports import (
    Table,
    comment_rows,
    count_lines,
    count_table_rows,
    full_words,
    local_text,
    neutralise,
    participation_rows,
    result_rows,
)
from .meeting_pack import MeetingPack, PackComment

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _docx_comment(
    document: Any, comment: PackComment, w: Mapping[str, str], zone: str, *, reply: bool
) -> None:
    paragraph = document.add_paragraph(style="List Bullet 2" if reply else "List Bullet")
    paragraph.add_run(comment.signed(w["former"])).bold = True
    paragraph.add_run(f" ({local_text(comment.created_at, zone)})")
    if comment.review == "flagged":
        paragraph.add_run(f" [{w['flagged_mark']}]").bold = True
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
    *,
    zone: str = "UTC",
    say: Callable[[str], str] = str,
    follow_up: Sequence[Table] = (),
) -> bytes:
    """The meeting pack as an editable Word document (python-docx).

    Holds: the title, status and when it was made (in ``zone``, named),
    participation (a table: organisation, cast or not; where ballots are open
    when, by whom, and who recorded and gave a recorded ballot), the results
    table when visible with the count in sentences (quorum, the options the
    count selects, the decision rule) and the instant-runoff rounds or Schulze
    matrices, the comments that passed review per option (flagged ones marked)
    with the facilitator's notes and replies, open questions, comments not
    reviewed yet, hidden comments (reason only) and objections.

    :param labels: option labels in the reader's language.
    :param title: the decision's title in the reader's language (default: the original).
    :param zone: the network's time zone (IANA name).
    :param say: puts a rule's message in the reader's language.
    :param follow_up: the follow-up's tables (changes after opening, the
        meetings' actions), each under its heading at the end.
    :returns: the ``.docx`` file's bytes.
    """
    w = full_words(words)
    decision = pack.decision
    document = Document()
    document.add_heading(f"{w['meeting_pack']}: {title or decision.title}", level=0)
    document.add_paragraph(
        f"{w['status']}: {pack.status}. {w['generated']}: {local_text(pack.generated_at, zone)}. "
        + w["times_in"].format(zone=zone)
    )
    document.add_heading(w["participation"].capitalize(), level=1)
    document.add_paragraph(
        w["ballots_cast"].format(cast=pack.ballots_cast, eligible=len(pack.participation))
    )
    if pack.participation:
        _docx_table(document, participation_rows(pack, w, zone))
    if decision.method != "discussion":
        document.add_heading(w["results"].capitalize(), level=1)
        results = result_rows(pack, w, labels)
        if results:
            _docx_table(document, results)
            for line in count_lines(pack, w, labels, say):
                document.add_paragraph(line)
            for table in count_table_rows(pack, w, labels):
                document.add_heading(table.title, level=2)
                _docx_table(document, table.rows)
        else:
            document.add_paragraph(w["results_hidden"])
    document.add_heading(w["passed_review"], level=1)
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
            _docx_comment(document, comment, w, zone, reply=False)
            for reply in comment.replies:
                _docx_comment(document, reply, w, zone, reply=True)
    for key, items in (
        ("open_questions", pack.open_questions),
        ("unreviewed_comments", pack.unreviewed),
        ("hidden_comments", pack.hidden),
    ):
        document.add_heading(w[key], level=1)
        if not items:
            document.add_paragraph(w["none"])
        for comment in items:
            _docx_comment(document, comment, w, zone, reply=False)
    document.add_heading(w["objections"], level=1)
    if not pack.objections:
        document.add_paragraph(w["none"])
    for objection in pack.objections:
        paragraph = document.add_paragraph()
        paragraph.add_run(objection.organisation_name or "").bold = True
        paragraph.add_run(f" ({local_text(objection.created_at, zone)}): {objection.text}")
    for table in follow_up:
        document.add_heading(table.title, level=1)
        _docx_table(document, table.rows)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


#: A figure written as a number in a workbook (``3``, ``2.5``); other text stays text.
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
#: Characters a sheet's name may not hold (Excel's rule), and its longest length.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_SHEET_NAME_MAX = 31


def _sheet_name(text: str) -> str:
    return _SHEET_FORBIDDEN.sub(" ", text.capitalize())[:_SHEET_NAME_MAX] or "-"


def _cell(sheet: Any, value: str, *, bold: bool = False, number: bool = False) -> Any:
    """A cell whose text no spreadsheet runs as a formula (:func:`neutralise`);
    a figure as a number when ``number``."""
    if number and _NUMBER.fullmatch(value):
        content: str | float = float(value) if "." in value else int(value)
    else:
        content = neutralise(value)
    cell = WriteOnlyCell(sheet, value=content)
    if bold:
        cell.font = Font(bold=True)
    return cell


def _write_table(sheet: Any, rows: Sequence[Sequence[str]], *, numbers: bool = False) -> None:
    for n, row in enumerate(rows):
        sheet.append(
            [
                _cell(sheet, value, bold=n == 0, number=numbers and n > 0 and i > 0)
                for i, value in enumerate(row)
            ]
        )


def pack_xlsx(
    pack: MeetingPack,
    words: Mapping[str, str] | None = None,
    labels: Mapping[int, str] | None = None,
    title: str | None = None,
    *,
    zone: str = "UTC",
    say: Callable[[str], str] = str,
    follow_up: Sequence[Table] = (),
) -> bytes:
    """The meeting pack as a workbook (openpyxl, written row by row so that a
    large pack stays small in memory), one sheet per part:

    * **participation**: :func:`services.exports.participation_rows`;
    * **results**: the title and when the pack was made (in ``zone``), the
      count in sentences (:func:`services.exports.count_lines`), the results
      per option (figures as numbers), then the instant-runoff rounds or the
      Schulze matrices, each under its title; "results not visible" when hidden;
    * **comments**: :func:`services.exports.comment_rows`;
    * a sheet per table of ``follow_up`` (changes after opening, the meetings'
      actions), named by its title.

    Headings are in the reader's language; every text cell a spreadsheet could
    take for a formula is neutralised as in the CSV.

    :returns: the ``.xlsx`` file's bytes.
    """
    w = full_words(words)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_sheet_name(w["participation"]))
    _write_table(sheet, participation_rows(pack, w, zone))
    sheet = book.create_sheet(_sheet_name(w["results"]))
    sheet.append([_cell(sheet, f"{w['meeting_pack']}: {title or pack.decision.title}", bold=True)])
    sheet.append(
        [
            _cell(
                sheet,
                f"{w['status']}: {pack.status}. {w['generated']}: "
                f"{local_text(pack.generated_at, zone)}. " + w["times_in"].format(zone=zone),
            )
        ]
    )
    results = result_rows(pack, w, labels)
    if not results:
        sheet.append([_cell(sheet, w["results_hidden"])])
    for line in count_lines(pack, w, labels, say):
        sheet.append([_cell(sheet, line)])
    if results:
        sheet.append([])
        _write_table(sheet, results, numbers=True)
    for table in count_table_rows(pack, w, labels):
        sheet.append([])
        sheet.append([_cell(sheet, table.title, bold=True)])
        _write_table(sheet, table.rows, numbers=True)
    sheet = book.create_sheet(_sheet_name(w["comments"]))
    _write_table(sheet, comment_rows(pack, w, labels, zone))
    for table in follow_up:
        sheet = book.create_sheet(_sheet_name(table.title))
        _write_table(sheet, table.rows)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
