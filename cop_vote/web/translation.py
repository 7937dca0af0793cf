"""The facilitator's translation page of a decision (/admin/decisions/<id>/translation).

The decision's original language and the translation of its title,
description and option labels into the other language. It writes through the
one update path (services.decisions.update_decision, as PATCH in the API), so
the same rules hold: in draft anything; while open the description's and the
options' translations (options shown as edited), and the title's only when it
has none yet.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms import Form as WTForm
from wtforms.fields.choices import SelectChoice

from .. import clock
from ..content import language_name
from ..domain.languages import LANGUAGES
from ..domain.lifecycle import Status
from ..models import Decision
from ..services import decisions as decision_service
from ..services.timefmt import iso_utc
from ..services.translations import texts_of
from . import bp
from .admin import (
    _decision,
    _edition,
    _form_status,
    _page,
    _submit_update,
    facilitator_required,
)
from .admin_forms import MAX_OPTIONS


class OptionTranslationForm(WTForm):
    """One option's label and description in the other language."""

    id = HiddenField()
    label = StringField(_l("Label"))
    description = TextAreaField(_l("Description"))


class TranslationForm(FlaskForm):
    """The original language and the translation into the other one."""

    original_language = SelectField(_l("The decision is written in"))
    title = StringField(_l("Title"))
    description = TextAreaField(_l("Description"))
    options = FieldList(FormField(OptionTranslationForm), max_entries=MAX_OPTIONS)
    submit = SubmitField(_l("Save the translation"))


def other_language(language: str) -> str:
    """The language a translation is written in: the one that is not ``language``."""
    return next(code for code in LANGUAGES if code != language)


def _form_data(decision: Decision) -> dict[str, Any]:
    other = other_language(decision.original_language)
    texts = texts_of(decision.translations, other)
    return {
        "original_language": decision.original_language,
        "title": texts.get("title", ""),
        "description": texts.get("description", ""),
        "options": [
            {
                "id": str(o.id),
                "label": texts_of(o.translations, other).get("label", ""),
                "description": texts_of(o.translations, other).get("description", ""),
            }
            for o in decision.options
        ],
    }


def _form_path(path: str) -> str:
    """The form field of a service's field path: ``translations.nl.title`` is
    the page's ``title``, ``options.2.translations.nl.label`` its ``options.2.label``."""
    parts = path.split(".")
    if "translations" in parts:
        at = parts.index("translations")
        parts = parts[:at] + parts[at + 2 :]
    return ".".join(parts) or "title"


def _changes(
    form: TranslationForm, decision: Decision, status: Status
) -> tuple[dict[str, Any], list[int]]:
    """The update body: the translation into the other language of the chosen
    original; in draft the options as they are with theirs, while open only the
    options whose translation changed (each is then shown as edited). With it,
    the form row of each option sent (for the refusals, see ``_resolve``)."""
    original = form.original_language.data or decision.original_language
    other = other_language(original)
    data: dict[str, Any] = {
        "translations": {
            other: {"title": form.title.data or "", "description": form.description.data or ""},
            original: None,
        }
    }
    if original != decision.original_language:
        data["original_language"] = original
    given = {str(e.form.id.data): (n, e.form) for n, e in enumerate(form.options.entries)}
    options: list[dict[str, Any]] = []
    rows: list[int] = []
    for option in decision.options:
        if str(option.id) not in given:
            continue
        row, entry = given[str(option.id)]
        translation = {
            other: {"label": entry.label.data or "", "description": entry.description.data or ""},
            original: None,
        }
        if status is Status.DRAFT:
            item: dict[str, Any] = {
                "label": option.label,
                "description": option.description,
                "translations": translation,
            }
            if option.starts_at is not None:
                item.update(starts_at=iso_utc(option.starts_at), ends_at=iso_utc(option.ends_at))
            options.append(item)
            rows.append(row)
        else:
            before = {k: v for k, v in texts_of(option.translations, other).items() if v}
            after = {k: v.strip() for k, v in translation[other].items() if v and v.strip()}
            if before != after or original in (option.translations or {}):
                options.append({"id": option.id, "translations": translation})
                rows.append(row)
    if status is Status.DRAFT or options:
        data["options"] = options
    return data, rows


@bp.route("/admin/decisions/<int:decision_id>/translation", methods=["GET", "POST"])
@facilitator_required
def admin_decision_translation(decision_id: int) -> ResponseReturnValue:
    """The translation of a draft or open decision; others are shown, not changed."""
    decision = _decision(decision_id)
    status = decision_service.status_of(decision, clock.now())
    if status not in (Status.DRAFT, Status.OPEN):
        flash(_("Only a draft or open decision can be translated."), "error")
        return redirect(url_for("web.admin_decision", decision_id=decision_id), 303)
    form = (
        TranslationForm()
        if request.method == "POST"
        else TranslationForm(data=_form_data(decision))
    )
    # Named in the reader's language; while open the original language stays.
    codes = LANGUAGES if status is Status.DRAFT else (decision.original_language,)
    form.original_language.choices = [SelectChoice(c, language_name(c)) for c in codes]
    code = _form_status(form)
    if form.validate_on_submit():
        data, rows = _changes(form, decision, status)
        outcome = _submit_update(
            form, decision_id, data, _("Translation saved."), rows, path_of=_form_path
        )
        if not isinstance(outcome, int):
            return outcome
        code = outcome
    decision = _decision(decision_id)
    chosen = form.original_language.data or decision.original_language
    return _page(
        "admin/decision_translation.html",
        code,
        form=form,
        decision=decision,
        status_value=status.value,
        edition=_edition(decision, code),
        other_name=language_name(other_language(chosen)),
        other=other_language(chosen),
        # While open a title translation, once given, is part of what members read.
        title_fixed=status is Status.OPEN
        and bool(texts_of(decision.translations, other_language(chosen)).get("title")),
        options=list(zip(decision.options, form.options.entries, strict=False)),
    )
