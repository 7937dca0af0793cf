"""Member proposals on the decision page, and the facilitator's merge of duplicates.

While a draft takes proposals, the decision page shows the proposals with
their organisations and a "Propose an option" form (``decisions/_proposals.html``);
the facilitator's decision page offers a merge form. Plain forms: no JavaScript.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..clock import now
from ..domain.errors import Conflict, InvalidInput, Message, NotFound
from ..extensions import db
from ..i18n import translate
from ..models import Decision, Person
from ..services import access
from ..services import decisions as decision_service
from ..services import proposals as proposal_service
from . import bp
from .admin import facilitator_required
from .render import page, person
from .views import _decision_context

#: The services' messages, translated (the domain speaks English).
MESSAGES = {
    "This field is required.": _l("This field is required."),
    "An option with this label exists already.": _l("An option with this label exists already."),
    "This decision does not take proposals now.": _l("This decision does not take proposals now."),
    "The time slots of a meeting time are set by the facilitator.": _l(
        "The time slots of a meeting time are set by the facilitator."
    ),
    "Options can be merged only while the decision is a draft.": _l(
        "Options can be merged only while the decision is a draft."
    ),
    "Choose another option.": _l("Choose another option."),
}


def _text(message: str, field: str = "label") -> str:
    if message in MESSAGES:
        return str(MESSAGES[message])
    if isinstance(message, Message):
        return translate(message)
    if message.startswith("At most "):
        limit = 500 if field == "label" else 5000
        return str(_("Too long: at most %(max)d characters.", max=limit))
    return message


@bp.app_template_global("may_propose")
def may_propose(decision: Decision, viewer: Person | None) -> bool:
    """Whether ``viewer`` may propose an option for ``decision`` now."""
    return (
        viewer is not None
        and viewer.role in ("facilitator", "representative")
        and viewer.organisation_id is not None
        and decision_service.in_proposal_phase(decision)
        and decision.method != "meeting_time"
    )


@bp.post("/decisions/<int:decision_id>/proposals")
def propose(decision_id: int) -> ResponseReturnValue:
    """Propose an option, credited to the proposer's organisation."""
    viewer = access.require_member(person())  # 403 before 404, as everywhere
    found = decision_service.get_decision(viewer, decision_id)
    label = request.form.get("label", "")
    description = request.form.get("description", "")
    try:
        option = proposal_service.propose_option(viewer, decision_id, label, description, now())
    except (InvalidInput, Conflict) as error:
        db.session.rollback()
        errors: dict[str, str] = {}
        if isinstance(error, InvalidInput):
            for field, sentence in (error.fields or {"label": error.message}).items():
                key = field if field in ("label", "description") else "label"
                errors[key] = _text(sentence, key)
        context = _decision_context(found, viewer)
        return page(
            "decisions/decision.html",
            http_status=409 if isinstance(error, Conflict) else 400,
            proposal_errors=errors,
            proposal_values={"label": label, "description": description},
            proposal_message=None if errors else _text(error.message),
            **context,
        )
    db.session.commit()
    flash(_("Your proposal “%(label)s” is added.", label=option.label), "success")
    return redirect(url_for("web.decision", decision_id=decision_id, _anchor="proposals"), 303)


def _int(name: str) -> int | str:
    raw = request.form.get(name, "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else raw


@bp.post("/admin/decisions/<int:decision_id>/merge")
@facilitator_required
def admin_merge_options(decision_id: int) -> ResponseReturnValue:
    """Merge a duplicate option into another one; the duplicate's organisation is credited."""
    viewer = person()
    decision_service.get_decision(viewer, decision_id)
    back = url_for("web.admin_decision", decision_id=decision_id, _anchor="merge")
    try:
        proposal_service.merge_options(viewer, decision_id, _int("duplicate"), _int("into"), now())
    except (InvalidInput, NotFound, Conflict) as error:
        db.session.rollback()
        sentence = next(iter(error.fields.values()), "") if isinstance(error, InvalidInput) else ""
        message = _text(sentence or error.message)
        if isinstance(error, NotFound):
            message = _("Choose the duplicate option from the list.")
        flash(_("Not merged: %(reason)s", reason=message), "error")
        return redirect(back, 303)
    db.session.commit()
    flash(_("The options are merged."), "success")
    return redirect(back, 303)
