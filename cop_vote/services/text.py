"""Text input rules shared by every service: trimming and length limits."""

from __future__ import annotations

import re
import unicodedata

from ..domain.errors import InvalidInput, Message

# Unicode white space plus the invisible characters that str.strip() keeps.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
_EDGES = re.compile(rf"^[\s{_INVISIBLE}]+|[\s{_INVISIBLE}]+$")


def clean(value: object, field: str, *, max_length: int, required: bool = True) -> str:
    """Trim all Unicode white space and invisible characters, then check length.

    :param value: the raw input (``None`` allowed when not ``required``).
    :param field: the field name used in the error.
    :param max_length: the longest accepted text, in characters, after trimming.
    :returns: the trimmed text, NFC-normalised.
    :raises InvalidInput: when not a string, blank but required, or too long.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(
            Message("%(field)s must be text.", field=field), {field: Message("Must be text.")}
        )
    text = unicodedata.normalize("NFC", _EDGES.sub("", value))
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
