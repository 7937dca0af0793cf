"""Reading a CSV file of people to add to the network.

Plain rules: standard library only, no IO. The file is taken as a whole:
:func:`parse` gives every row it could read *and* every problem, by line, so
that the facilitator can correct them all at once; the caller adds nothing
unless there is no problem at all.

The first line names the columns, in any order and case: ``name``,
``email``, ``organisation`` (a slug or a name), ``role``, ``language``; only
``name`` and ``email`` are required. Dutch headings (``naam``, ``e-mail``,
``organisatie``, ``rol``, ``taal``) are understood too, and so are comma,
semicolon (Excel with Dutch settings) and tab as separators. Role and
language may be left empty (a representative; the network's language).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .errors import Message

COLUMNS = ("name", "email", "organisation", "role", "language")
#: The headings and role words a page shows, per language (a file may use
#: either language's, whatever the page's).
SHOWN = {
    "en": {
        "columns": COLUMNS,
        "roles": ("representative", "observer", "facilitator"),
    },
    "nl": {
        "columns": ("naam", "e-mail", "organisatie", "rol", "taal"),
        "roles": ("vertegenwoordiger", "waarnemer", "facilitator"),
    },
}
REQUIRED = ("name", "email")
#: More rows than this in one file are refused (split the file).
MAX_ROWS = 1000

_HEADINGS = {
    "name": "name",
    "naam": "name",
    "email": "email",
    "e-mail": "email",
    "e-mail address": "email",
    "e-mailadres": "email",
    "organisation": "organisation",
    "organization": "organisation",
    "organisatie": "organisation",
    "role": "role",
    "rol": "role",
    "language": "language",
    "taal": "language",
}
_ROLES = {
    "representative": "representative",
    "vertegenwoordiger": "representative",
    "observer": "observer",
    "waarnemer": "observer",
    "facilitator": "facilitator",
}
_LANGUAGES = {
    "nl": "nl",
    "nederlands": "nl",
    "dutch": "nl",
    "en": "en",
    "english": "en",
    "engels": "en",
}


@dataclass(frozen=True)
class PersonRow:
    """One person read from the file: its line (1 is the heading) and values
    (``name``, ``email``, ``organisation`` or ``None``, ``role``, ``language`` or ``None``)."""

    line: int
    name: str
    email: str
    organisation: str | None
    role: str
    language: str | None


@dataclass(frozen=True)
class LineError:
    """A problem on one line: the line (1 is the heading), the column and what is wrong."""

    line: int
    column: str
    message: Message


#: A repeated address: ``line`` is where it first is (:func:`row_message`).
#: (A ``Message`` here only so that the catalogue's extraction finds it.)
SAME_ADDRESS = Message("The same address is on line %(line)s.").template


def decode(data: bytes) -> str:
    """A file's text: UTF-8 (with or without a byte-order mark), else Windows-1252,
    as Excel writes CSV on a Dutch or English Windows."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _delimiter(heading: str) -> str:
    counts = {sep: heading.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: counts[sep]) if any(counts.values()) else ","


def parse(text: str) -> tuple[list[PersonRow], list[LineError]]:
    """The people in a CSV text, and every problem found, by line; rows with a
    problem are left out (:func:`read` keeps them)."""
    rows, errors = read(text)
    bad = {e.line for e in errors}
    return [row for row in rows if row.line not in bad], errors


def read(text: str) -> tuple[list[PersonRow], list[LineError]]:
    """The people in a CSV text, and every problem found, by line.

    Checks the headings, that each line has no more fields than headings,
    that name and e-mail are given, role and language are known, and that no
    address appears twice in the file. Values are stripped; blank lines are
    skipped. Whether an address or an organisation exists is for the caller.

    :param text: the file's text (a leading byte-order mark is ignored).
    :returns: ``(rows, errors)``; ``rows`` holds every line read as a person,
        those with a problem too (their columns with a problem as written, so
        that the caller can check the others: :func:`parse` leaves them out).
    """
    text = text.removeprefix("\ufeff")
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        return [], [LineError(1, "file", Message("The file is empty."))]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(lines[0]))
    errors: list[LineError] = []
    records = _records(reader, errors)
    headings = [h.strip().lower() for h in next(records, [])]
    columns: list[str | None] = []
    for heading in headings:
        column = _HEADINGS.get(heading)
        if column is None and heading:
            errors.append(
                LineError(
                    1,
                    heading,
                    Message(
                        "Unknown column %(column)s: use %(columns)s.",
                        column=heading,
                        columns=list(COLUMNS),
                    ),
                )
            )
        columns.append(column)
    for needed in REQUIRED:
        if needed not in columns:
            errors.append(
                LineError(1, needed, Message("The column %(column)s is missing.", column=needed))
            )
    if errors:
        return [], errors
    rows: list[PersonRow] = []
    seen: dict[str, int] = {}
    for fields in records:
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if len(rows) + len(errors) >= MAX_ROWS:
            errors.append(
                LineError(
                    line, "file", Message("At most %(max)s people in one file.", max=MAX_ROWS)
                )
            )
            break
        if len(fields) > len(columns):
            errors.append(
                LineError(
                    line,
                    "file",
                    Message(
                        "%(found)s fields where the heading has %(expected)s.",
                        found=len(fields),
                        expected=len(columns),
                    ),
                )
            )
            continue
        values = {c: f.strip() for c, f in zip(columns, fields, strict=False) if c is not None}
        rows.append(_row(line, values, seen, errors))
    if not rows and not errors:
        errors.append(LineError(1, "file", Message("The file has no people in it.")))
    return rows, errors


def _records(reader: Any, errors: list[LineError]) -> Iterator[list[str]]:
    """The reader's records; a line the csv module cannot read ends them, with its error."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error:
            unreadable = Message("This line cannot be read as CSV (check its quotes).")
            errors.append(LineError(reader.line_num, "file", unreadable))
            return


def _row(
    line: int, values: dict[str, str], seen: dict[str, int], errors: list[LineError]
) -> PersonRow:
    for needed in REQUIRED:
        if not values.get(needed):
            errors.append(LineError(line, needed, Message("This field is required.")))
    role_text = values.get("role", "").lower()
    role = _ROLES.get(role_text or "representative")
    if role is None:
        errors.append(
            LineError(
                line,
                "role",
                Message(
                    "Unknown role %(role)s: representative, observer or facilitator.",
                    role=role_text,
                ),
            )
        )
    language_text = values.get("language", "").lower()
    language = _LANGUAGES.get(language_text) if language_text else None
    if language_text and language is None:
        errors.append(
            LineError(
                line,
                "language",
                Message("Unknown language %(language)s: nl or en.", language=language_text),
            )
        )
    email = values.get("email", "")
    key = email.lower()
    if key and key in seen:
        errors.append(LineError(line, "email", Message(SAME_ADDRESS, line=seen[key])))
    elif key:
        seen[key] = line
    return PersonRow(
        line,
        values.get("name", ""),
        email,
        values.get("organisation") or None,
        role or role_text,
        language or language_text or None,
    )


def rows_text(rows: Any) -> tuple[str, dict[str, Message]]:
    """People given as objects (the API's JSON rows) as the text of a file, so
    that they are read and checked as a file is (:func:`parse`).

    Each row is an object with the columns as keys (``name`` and ``email``
    required by :func:`parse`), values text or ``null``. Line ``n`` of the
    text holds row ``n - 2`` (line 1 is the heading; see :func:`row_path`).

    :returns: ``(text, problems)``; ``problems`` maps ``"people"``,
        ``"people.<index>"`` or ``"people.<index>.<column>"`` to what is wrong
        with the shape (then ``text`` is not meant to be read).
    """
    problems: dict[str, Message] = {}
    if not isinstance(rows, list):
        return "", {"people": Message("A list of people, each an object with name and email.")}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for index, row in enumerate(rows):
        where = f"people.{index}"
        if not isinstance(row, dict):
            problems[where] = Message("A person is an object with name and email.")
            continue
        for key, value in row.items():
            if key not in COLUMNS:
                problems[f"{where}.{key}"] = Message(
                    "Unknown column %(column)s: use %(columns)s.", column=key, columns=list(COLUMNS)
                )
            elif value is not None and not isinstance(value, str):
                problems[f"{where}.{key}"] = Message("Must be text or null.")
            elif value is not None and ("\n" in value or "\r" in value):
                problems[f"{where}.{key}"] = Message("One line only.")
        if not any(isinstance(v, str) and v.strip() for v in row.values()):
            problems.setdefault(f"{where}.name", Message("This field is required."))
        writer.writerow([row.get(column) or "" for column in COLUMNS])
    return buffer.getvalue(), problems


def row_message(message: str) -> str:
    """A problem's message for rows given as objects: a line that names
    another names its row (``people.<n - 2>``), as the fields do."""
    if isinstance(message, Message) and message.template == SAME_ADDRESS:
        line = message.values["line"]
        assert isinstance(line, int)
        return Message("The same address as people.%(row)s.", row=line - 2)
    return message


def row_path(path: str) -> str:
    """A problem's field for rows given as objects: ``"lines.<n>.<column>"`` of
    :func:`rows_text`'s text as ``"people.<n - 2>.<column>"`` (a problem of
    the whole file, or of its heading, as ``"people"``)."""
    _lines, line, column = (path.split(".", 2) + ["", ""])[:3]
    if not line.isdigit() or int(line) < 2:
        return "people"
    where = f"people.{int(line) - 2}"
    return where if column in ("", "file") else f"{where}.{column}"
