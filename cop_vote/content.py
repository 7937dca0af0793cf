"""Content in the reader's language: decisions, options, meetings and actions.

:func:`shown` gives a field's text as the reader reads it
(:func:`cop_vote.domain.languages.pick`) as a :class:`LangText`: a ``str``
that, put into an HTML page, wraps itself in ``<span lang="..">`` when its
language is not the page's, so a screen reader reads it in its own voice.
In plain text (mails, subjects, ``<title>``: the ``plain`` filter) it is
just the text.
"""

from __future__ import annotations

from typing import Any

from babel import Locale
from flask import Flask
from markupsafe import Markup, escape

from .domain.languages import Shown, pick, translated_text
from .i18n import current_language

#: The kind of content each model is, for its translatable fields.
_KINDS = {
    "Decision": "decision",
    "Option": "option",
    "Meeting": "meeting",
    "Attendance": "attendance",
    "FollowUpAction": "action",
}


def reader_language() -> str:
    """The language the reader reads (the interface's)."""
    return current_language()


class LangText(str):
    """Text that knows its language (``lang``) and the original it translates."""

    lang: str
    shown: Shown

    def __new__(cls, shown: Shown) -> LangText:
        text = super().__new__(cls, shown.text)
        text.lang = shown.language
        text.shown = shown
        return text

    def __html__(self) -> Markup:
        body = escape(str(self))
        if self.lang == reader_language():
            return body
        return Markup('<span lang="{0}">{1}</span>').format(self.lang, body)


def original_language_of(obj: Any) -> str:
    """The language ``obj``'s text is written in (an option: its decision's)."""
    language = getattr(obj, "original_language", None)
    if language is None and type(obj).__name__ == "Option":
        decision = getattr(obj, "decision", None)
        language = getattr(decision, "original_language", None)
    return str(language or "nl")


def shown(
    obj: Any, field: str, language: str | None = None, *, original_language: str | None = None
) -> LangText:
    """``obj.field`` as the reader (or ``language``) reads it.

    :param original_language: ``obj``'s original language when the caller
        knows it (an option's is its decision's), else looked up.
    """
    original = getattr(obj, field, None) or ""
    return LangText(
        pick(
            str(original),
            original_language or original_language_of(obj),
            getattr(obj, "translations", None),
            field,
            language or reader_language(),
        )
    )


def plain(value: Any) -> str:
    """Text without its language mark-up (for ``<title>``, ``<option>``, attributes)."""
    return str.__str__(value) if isinstance(value, str) else str(value)


def lang_attr(value: Any) -> Markup:
    """`` lang="en"`` for text in another language than the page's; else nothing."""
    return written_in(getattr(value, "lang", None))


def written_in(language: str | None) -> Markup:
    """`` lang="en"`` for an element whose text is written in ``language`` (a
    decision's statement: its original language), when that is not the page's."""
    if language is None or language == reader_language():
        return Markup("")
    return Markup(' lang="{0}"').format(language)


def in_language(text: Any, language: str) -> Markup:
    """``text`` marked as written in ``language`` (when that is not the page's)."""
    body = escape(plain(text))
    if language == reader_language():
        return body
    return Markup('<span lang="{0}">{1}</span>').format(language, body)


def language_name(code: str) -> str:
    """A language's name in the reader's language: ``en`` → ``Engels`` (Dutch)."""
    return str(Locale.parse(code).get_display_name(reader_language()))


def has_translation_shown(obj: Any, fields: tuple[str, ...] = ("title", "description")) -> bool:
    """Whether the reader reads any of ``obj``'s fields (or its options') translated."""
    reader = reader_language()
    language = original_language_of(obj)  # its options' too
    if reader == language:
        return False  # nothing is shown translated to a reader of the original
    if any(
        translated_text(language, getattr(obj, "translations", None), field, reader) is not None
        for field in fields
    ):
        return True
    return any(
        translated_text(language, option.translations, field, reader) is not None
        for option in getattr(obj, "options", None) or ()
        for field in ("label", "description")
    )


def init_app(app: Flask) -> None:
    """Register the helpers for templates."""
    app.add_template_filter(shown, "shown")
    app.add_template_filter(plain, "plain")
    app.add_template_global(lang_attr, "lang_attr")
    app.add_template_global(written_in, "written_in")
    app.add_template_global(language_name, "language_name")
    app.add_template_global(in_language, "in_language")
    app.add_template_global(has_translation_shown, "has_translation_shown")
