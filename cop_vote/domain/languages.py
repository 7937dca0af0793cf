"""Content in two languages: which text a reader reads, and in which language.

A decision (its title, description and option labels), a meeting, an
attendance note or a follow-up action is written in one language, its
``original_language``, and may carry translations: ``{language: {field:
text}}``. A reader reads a field in their own language when a translation has
it, else the original. No Flask here; cop_vote/content.py shows the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: The languages content may be written and translated in (the interface's).
LANGUAGES = ("nl", "en")

#: The translatable fields of each kind of content; the first one is required
#: in a translation (a translation without a title is no translation).
FIELDS: dict[str, tuple[str, ...]] = {
    "decision": ("title", "description"),
    "option": ("label", "description"),
    "meeting": ("title",),
    "attendance": ("note",),
    "action": ("text",),
}


@dataclass(frozen=True)
class Shown:
    """A field's text as a reader reads it.

    :param text: the text shown.
    :param language: the language of ``text``.
    :param original: the original text (the same as ``text`` when not translated).
    :param original_language: the language of ``original``.
    """

    text: str
    language: str
    original: str
    original_language: str

    @property
    def translated(self) -> bool:
        """Whether the reader reads a translation (so the original is worth offering)."""
        return self.language != self.original_language


def pick(
    original: str,
    original_language: str,
    translations: Mapping[str, Mapping[str, Any]] | None,
    field: str,
    reader: str,
) -> Shown:
    """The text of ``field`` for a reader of ``reader``'s language.

    A translation is used when the reader's language is not the original one
    and the translation holds a non-blank text for the field; else the original.
    """
    text = translated_text(original_language, translations, field, reader)
    if text is not None:
        return Shown(text, reader, original, original_language)
    return Shown(original, original_language, original, original_language)


def translated_text(
    original_language: str,
    translations: Mapping[str, Mapping[str, Any]] | None,
    field: str,
    reader: str,
) -> str | None:
    """The translation :func:`pick` shows a reader of ``reader``'s language, or
    ``None`` when it shows the original."""
    if reader != original_language and translations:
        text = (translations.get(reader) or {}).get(field)
        if isinstance(text, str) and text.strip():
            return text
    return None
