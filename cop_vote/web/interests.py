"""Declared interests on the decision page: a representative declares their
organisation's interest in an option, or withdraws it, while the decision is
open (the service and the API share :mod:`cop_vote.services.interests`)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ..clock import now
from ..domain.errors import Conflict, InvalidInput
from ..domain.lifecycle import Status
from ..extensions import db
from ..i18n import translate
from ..models import Decision, Person
from ..services import decisions as decision_service
from ..services import interests as interest_service
from . import bp
from .forms import ConfirmForm
from .render import page, person


def interest_context(
    decision: Decision,
    viewer: Person,
    status: Status,
    *,
    is_elector: bool,
    any_declared: bool = True,
) -> dict[str, Any]:
    """What the decision page shows of declared interests (one query, none
    when ``any_declared`` says the decision has none)."""
    return {
        "interests": interest_service.interests(decision) if any_declared else [],
        "may_declare": status is Status.OPEN
        and viewer.role == "representative"
        and is_elector
        and bool(decision.options),
        "interest_errors": {},
        "interest_option": "",
        "interest_text": "",
    }


def _back(decision_id: int) -> ResponseReturnValue:
    return redirect(url_for("web.decision", decision_id=decision_id, _anchor="interests"), 303)


def _refused(decision_id: int, errors: dict[str, str], status: int) -> ResponseReturnValue:
    """The decision page again, with the declaration form's errors and entries."""
    from .views import _decision_context  # the page's own context (views imports this module)

    viewer = person()
    found = decision_service.get_decision(viewer, decision_id)
    context = _decision_context(found, viewer)
    context.update(
        interest_errors=errors,
        interest_option=request.form.get("option", ""),
        interest_text=request.form.get("text", ""),
    )
    return page("decisions/decision.html", http_status=status, **context)


@bp.post("/decisions/<int:decision_id>/interests")
def declare_interest(decision_id: int) -> ResponseReturnValue:
    """Declare (or reword) your organisation's interest in an option."""
    form = ConfirmForm()
    if not form.validate():
        return _refused(decision_id, {"form": _("The form expired; send it again.")}, 400)
    raw = request.form.get("option", "")
    data = {"option": int(raw) if raw.isdigit() else raw, "text": request.form.get("text", "")}
    try:
        interest_service.declare_interest(person(), decision_id, data, now())
    except InvalidInput as error:
        db.session.rollback()
        fields = {k: translate(v) for k, v in error.fields.items()}
        return _refused(decision_id, fields or {"form": translate(error.message)}, 400)
    except Conflict as error:
        db.session.rollback()
        return _refused(decision_id, {"form": translate(error.message)}, 409)
    db.session.commit()
    flash(_("Your organisation's interest is declared beside the option."), "success")
    return _back(decision_id)


@bp.post("/decisions/<int:decision_id>/interests/<int:option_id>/withdraw")
def withdraw_interest(decision_id: int, option_id: int) -> ResponseReturnValue:
    """Withdraw your organisation's declared interest in an option."""
    form = ConfirmForm()
    if not form.validate():
        return _refused(decision_id, {"form": _("The form expired; send it again.")}, 400)
    try:
        interest_service.withdraw_interest(person(), decision_id, option_id, now())
    except Conflict as error:
        db.session.rollback()
        return _refused(decision_id, {"form": translate(error.message)}, 409)
    db.session.commit()
    flash(_("Your organisation's declared interest is withdrawn."), "success")
    return _back(decision_id)
