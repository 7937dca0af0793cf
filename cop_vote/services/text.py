"""Text input rules shared by every service: trimming, characters, lines, length.

No database stores every character: PostgreSQL refuses NUL in text, and a lone
surrogate cannot be encoded as UTF-8. Other control characters are invisible
on a page and can break a CSV export or a mail header. So text is refused
(never silently changed) when it holds one; multi-line text keeps tab and line
breaks (each line break stored as LF, however it was sent), single-line text
(titles, names, labels) keeps neither. The bidi overrides and embeddings
(U+202A to U+202E) are refused too: an override shows the text after it
reversed ("\u202eedirrevo" reads "overide"), so a comment or a label could
display other than what it says; the isolates (U+2066 to U+2069), which mix
directions without reordering what is around them, are kept.
"""

from __future__ import annotations

import re
import unicodedata

from ..domain.errors import InvalidInput, Message

# Unicode white space plus the invisible characters that str.strip() keeps.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
_EDGES = re.compile(rf"^[\s{_INVISIBLE}]+|[\s{_INVISIBLE}]+$")

#: C0 controls but tab, line feed and carriage return; DEL; C1 controls; lone
#: surrogates. Never accepted in any text.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
#: LRE, RLE, PDF, LRO, RLO: refused in any text (the isolates LRI, RLI, FSI, PDI are kept).
_DIRECTION_OVERRIDE = re.compile("[\u202a-\u202e]")
#: What ends a line or jumps across it: refused in single-line text.
_LINE_BREAK = re.compile("[\t\n\r\u2028\u2029]")
#: A line break as browsers (CRLF) or old Macs (CR) send it: stored as LF.
_NEWLINES = re.compile("\r\n?")
#: Every run of white space or control characters, for :func:`one_line`.
_RUNS = re.compile("[\\s\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def has_control(value: str) -> bool:
    """Whether ``value`` holds a character :func:`clean` never accepts (see :data:`CONTROL`)."""
    return CONTROL.search(value) is not None


def one_line(value: object) -> str:
    """``value`` as one line: every run of white space or control characters
    becomes one space, and the edges are trimmed.

    For text put where a line break does harm, such as a mail's Subject (text
    stored before single-line fields refused line breaks may hold one).
    """
    return _RUNS.sub(" ", str(value if value is not None else "")).strip()


def clean(
    value: object,
    field: str,
    *,
    max_length: int,
    required: bool = True,
    single_line: bool = False,
) -> str:
    """Trim all Unicode white space and invisible characters, then check characters and length.

    :param value: the raw input (``None`` allowed when not ``required``).
    :param field: the field name used in the error.
    :param max_length: the longest accepted text, in characters, after trimming.
    :param single_line: refuse tab and line breaks too (titles, names, labels).
    :returns: the trimmed text, NFC-normalised, its line breaks LF (CRLF and CR
        become LF before the length is counted).
    :raises InvalidInput: when not a string, holding a control character (NUL
        included) or a bidi override or embedding (U+202A to U+202E) or, for
        single-line text, a line break or tab; blank but required; or too long.
        The error names ``field``.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(
            Message("%(field)s must be text.", field=field), {field: Message("Must be text.")}
        )
    # Browsers send a textarea's line breaks as CRLF but count each as one
    # character against its maxlength: stored and counted as LF, a text that
    # fitted the form fits the service, and reads alike through the API.
    text = unicodedata.normalize("NFC", _EDGES.sub("", _NEWLINES.sub("\n", value)))
    if has_control(text):
        raise InvalidInput(
            Message("%(field)s holds a control character that cannot be stored.", field=field),
            {field: Message("Remove the control character (such as NUL) from this text.")},
        )
    if _DIRECTION_OVERRIDE.search(text):
        raise InvalidInput(
            Message(
                "%(field)s holds a direction override or embedding character "
                "(U+202A to U+202E), which can show text other than it says.",
                field=field,
            ),
            {
                field: Message(
                    "Remove the direction override or embedding character "
                    "(U+202A to U+202E); the isolates U+2066 to U+2069 are allowed."
                )
            },
        )
    if single_line and _LINE_BREAK.search(text):
        raise InvalidInput(
            Message("%(field)s must be one line.", field=field),
            {field: Message("Must be one line, without line breaks or tabs.")},
        )
    if required and not text:
        raise InvalidInput(
            Message("%(field)s is required.", field=field),
            {field: Message("This field is required.")},
        )
    if len(text) > max_length:
        raise InvalidInput(
            Message("%(field)s is too long.", field=field),
            {
                field: Message(
                    "At most %(max)s characters (%(given)s given).",
                    max=max_length,
                    given=len(text),
                )
            },
        )
    return text


def counted(number: int, singular: str, plural: str) -> str:
    """``"1 decision"``, ``"2 decisions"``: an English count for operators' logs and
    commands (the pages and mails count with the catalogue's plural forms)."""
    return f"{number} {singular if number == 1 else plural}"
