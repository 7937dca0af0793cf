"""Writing translations of content: checking and merging the API's ``translations``.

A body's ``translations`` maps a language to the translated fields, or to
``null`` to remove that language's translation:
``{"nl": {"title": "...", "description": "..."}}``. Languages left out keep
their translation. The first field of each kind (a decision's title, an
option's label) is required in a translation; a translation in the original
language is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..domain.errors import InvalidInput, Message
from ..domain.languages import FIELDS, LANGUAGES
from .text import clean

#: The longest text of each field (as the original's column or rule).
LIMITS = {"title": 300, "label": 500, "description": 20000, "note": 5000, "text": 5000}
#: Fields that are a single line (as their originals).
SINGLE_LINE = ("title", "label")

Stored = dict[str, dict[str, str]]

#: What a translation without its first field is refused with.
NEEDS = {
    "title": Message("A translation needs its title."),
    "label": Message("A translation needs its label."),
    "note": Message("A translation needs its note."),
    "text": Message("A translation needs its text."),
}


def language(value: Any, field: str = "original_language") -> str:
    """A content language code (:data:`~cop_vote.domain.languages.LANGUAGES`).

    :raises InvalidInput: any other value, named by ``field``.
    """
    if value not in LANGUAGES:
        raise InvalidInput(
            Message("Unknown language."), {field: "One of " + ", ".join(LANGUAGES) + "."}
        )
    return str(value)


def parse(raw: Any, kind: str, path: str = "translations") -> dict[str, dict[str, str] | None]:
    """Check a body's ``translations`` for content of ``kind`` (``"decision"``, ...).

    :returns: ``{language: {field: text} or None}``; ``None`` (or an empty
        object, or blank texts) removes that language's translation.
    :raises InvalidInput: not an object, an unknown language or field, a bad
        text, or a translation without its first field.
    """
    if not isinstance(raw, Mapping):
        raise InvalidInput("translations must be an object.", {path: "Must be an object."})
    fields = FIELDS[kind]
    parsed: dict[str, dict[str, str] | None] = {}
    for lang, item in raw.items():
        where = f"{path}.{lang}"
        language(lang, where)
        if item is None:
            parsed[lang] = None
            continue
        if not isinstance(item, Mapping):
            raise InvalidInput("A translation is an object.", {where: "Must be an object."})
        unknown = [key for key in item if key not in fields]
        if unknown:
            raise InvalidInput(
                "Unknown translation field: " + ", ".join(map(str, unknown)) + ".",
                {f"{where}.{key}": "Unknown field." for key in unknown},
            )
        texts = {
            key: clean(
                item.get(key),
                f"{where}.{key}",
                max_length=LIMITS[key],
                required=False,
                single_line=key in SINGLE_LINE,
            )
            for key in fields
        }
        texts = {key: text for key, text in texts.items() if text}
        if texts and fields[0] not in texts:
            raise InvalidInput(NEEDS[fields[0]], {f"{where}.{fields[0]}": NEEDS[fields[0]]})
        parsed[lang] = texts or None
    return parsed


def merged(
    current: Mapping[str, Mapping[str, str]] | None,
    changes: Mapping[str, Mapping[str, str] | None],
    original_language: str,
    path: str = "translations",
) -> Stored | None:
    """``current`` with ``changes`` applied, as a new object (``None`` when empty).

    :raises InvalidInput: when a translation would be in ``original_language``.
    """
    result: Stored = {lang: dict(texts) for lang, texts in (current or {}).items()}
    for lang, texts in changes.items():
        if texts is None:
            result.pop(lang, None)
        else:
            result[lang] = dict(texts)
    if original_language in result:
        raise InvalidInput(
            Message("A translation cannot be in the original language."),
            {
                f"{path}.{original_language}": Message(
                    "Remove it (null) or change the original language."
                )
            },
        )
    return result or None


def without_stale(
    stored: Mapping[str, Mapping[str, str]] | None,
    kind: str,
    reworded: Iterable[str],
    given: Iterable[str] = (),
) -> Stored | None:
    """``stored`` without its translations of the ``reworded`` fields of content
    of ``kind``, as a new object (``None`` when empty).

    A field changed in the original language makes its translations stale:
    readers of another language then read the new original (marked as such)
    rather than a translation of the old text. A translation whose first field
    (a title, a label) is stale goes as a whole, as :func:`parse` takes no
    translation without it. The languages the same update ``given`` a
    translation in keep what it gave (:func:`merged` applied it).
    """
    fields, kept, first = set(reworded), set(given), FIELDS[kind][0]
    result: Stored = {}
    for lang, texts in (stored or {}).items():
        if lang in kept:
            result[lang] = dict(texts)
        elif first not in fields:
            left = {k: v for k, v in texts.items() if k not in fields}
            if left:
                result[lang] = left
    return result or None


def reworded(before: Mapping[str, Any], after: Any) -> list[str]:
    """The fields of ``before`` (``{field: text}``) whose text ``after`` (an
    object with those attributes) no longer has."""
    return [field for field, text in before.items() if getattr(after, field) != text]


def texts_of(stored: Mapping[str, Mapping[str, str]] | None, lang: str) -> dict[str, str]:
    """The translated fields in ``lang`` (an empty dict when there is none)."""
    return dict((stored or {}).get(lang) or {})


def changed_fields(
    current: Mapping[str, Mapping[str, str]] | None, new: Mapping[str, Mapping[str, str]] | None
) -> set[str]:
    """The fields whose translation differs between ``current`` and ``new``, in any language."""
    fields: set[str] = set()
    for lang in set(current or {}) | set(new or {}):
        before, after = texts_of(current, lang), texts_of(new, lang)
        fields |= {key for key in set(before) | set(after) if before.get(key) != after.get(key)}
    return fields


def title_reworded(
    current: Mapping[str, Mapping[str, str]] | None, new: Mapping[str, Mapping[str, str]] | None
) -> bool:
    """Whether ``new`` changes or removes a title translation that ``current`` has.

    Adding a title translation where there was none is not a rewording: the
    readers of that language saw the original title until then.
    """
    for lang in current or {}:
        before = texts_of(current, lang).get("title")
        if before and texts_of(new, lang).get("title") != before:
            return True
    return False


def network_language() -> str:
    """The network's default language: what new content is written in unless
    the body says otherwise (``nl`` before a network exists)."""
    from sqlalchemy import select

    from ..extensions import db
    from ..models import Network

    found = db.session.execute(select(Network.default_language).limit(1)).scalar()
    return found if found in LANGUAGES else LANGUAGES[0]


def set_translations(row: Any, kind: str, original_language: str, raw: Any) -> None:
    """Set a row's original language and merge ``raw`` translations into its own
    (meetings, attendance notes and actions; decisions go through their update).

    :raises InvalidInput: as :func:`parse` and :func:`merged`; nothing changes.
    """
    original = language(original_language)
    new = merged(row.translations, parse(raw, kind), original)
    row.original_language = original
    row.translations = new
