"""Change notes (:mod:`cop_vote.services.change_notes`) in the reader's language:
one sentence each, for the decision page, the API's ``changes`` and the mail."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import gettext as _
from markupsafe import Markup, escape

from .content import in_language
from .i18n import local_time
from .models import DecisionChange
from .services import change_notes


def change_text(note: DecisionChange, labels_in: str | None = None) -> str:
    """What ``note`` says, e.g. "Deadline extended to 18 Dec 2009 17:00 CET (Europe/Amsterdam)."

    :param labels_in: for a page, the language of the decision whose option
        labels the note quotes: the text is mark-up then, each label marked with
        its language when that is not the reader's (:func:`cop_vote.content.in_language`).
    """
    if labels_in is not None and note.kind == "option":
        return _option_html(note.details or {}, labels_in)
    text = _text(note)
    return text if labels_in is None else escape(text)


def _option_html(details: dict[str, object], language: str) -> Markup:
    before, after = str(details.get("before", "")), str(details.get("after", ""))
    if before != after:
        sentence = escape(_("Option “%(before)s” reworded as “%(after)s”."))
        quoted = {"before": in_language(before, language), "after": in_language(after, language)}
    else:
        sentence = escape(_("The wording of option “%(label)s” changed."))
        quoted = {"label": in_language(after, language)}
    return sentence % quoted


def _text(note: DecisionChange) -> str:
    details = note.details or {}
    if note.kind == "deadline":
        raw = details.get("to")
        when = local_time(datetime.fromisoformat(raw)) if isinstance(raw, str) else ""
        return _("Deadline extended to %(when)s.", when=when)
    if note.kind == "option":
        before, after = str(details.get("before", "")), str(details.get("after", ""))
        if before != after:
            return _("Option “%(before)s” reworded as “%(after)s”.", before=before, after=after)
        return _("The wording of option “%(label)s” changed.", label=after)
    if note.kind == "electorate":
        return _(
            "%(organisation)s was added to the electorate.",
            organisation=str(details.get("organisation", "")),
        )
    return _("The description was reworded.")


def notes_named(ids: object) -> list[DecisionChange]:
    """The notes a mail names (its context's ``changes``: ids joined by commas)."""
    if not isinstance(ids, str):
        return []
    return change_notes.notes_by_id([int(i) for i in ids.split(",") if i.isdigit()])


def init_app(app: Flask) -> None:
    """The ``change_text`` and ``change_notes`` template filters."""
    app.add_template_filter(change_text, "change_text")
    app.add_template_filter(notes_named, "change_notes")
