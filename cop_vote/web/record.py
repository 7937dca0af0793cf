"""The ballot record, objections to a count, and a decision's audit trail (members' pages).

The record is the page from which anyone in the network can recount a closed
decision (services/ballot_record.py); ``?format=json`` gives the same record
as the API does, to keep or to recount with ``cop recount --record``.
"""

from __future__ import annotations

from typing import Any

from flask import flash, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ..clock import now
from ..domain.errors import Conflict, InvalidInput
from ..extensions import db
from ..i18n import option_label, translate
from ..services import ballot_record as record_service
from ..services import decisions as decision_service
from ..services import objections as objection_service
from ..services import trail as trail_service
from . import bp
from .forms import ObjectionForm
from .render import page, person


def _record_page(
    decision_id: int, *, form: ObjectionForm | None = None, status: int = 200, **extra: Any
) -> ResponseReturnValue:
    viewer = person()
    decision = decision_service.get_decision(viewer, decision_id)
    at = now()
    status_value = decision_service.status_of(decision, at).value
    try:
        record = record_service.ballot_record(decision, at)
    except Conflict as refusal:
        return page(
            "decisions/ballot_record.html",
            http_status=409 if status == 200 else status,
            decision=decision,
            status_value=status_value,
            record=None,
            not_ready=translate(refusal.message),
            objections=[],
            may_object=False,
            form=None,
        )
    shown_labels = {o.id: option_label(o) for o in decision.options}
    return page(
        "decisions/ballot_record.html",
        http_status=status,
        decision=decision,
        status_value=status_value,
        record=record,
        # The record keeps the original labels; the page reads them in the reader's language.
        labels={o["id"]: shown_labels.get(o["id"], o["label"]) for o in record["options"]},
        objections=objection_service.list_objections(viewer, decision_id),
        may_object=objection_service.may_object(viewer, decision_id, at),
        form=form or ObjectionForm(formdata=None),
        **extra,
    )


@bp.get("/decisions/<int:decision_id>/ballot-record")
def ballot_record(decision_id: int) -> ResponseReturnValue:
    """The ballot record of a closed decision; ``?format=json`` for the data itself."""
    if request.args.get("format") == "json":
        decision = decision_service.get_decision(person(), decision_id)
        return jsonify(record_service.ballot_record(decision, now()))
    return _record_page(decision_id)


@bp.post("/decisions/<int:decision_id>/objections")
def objection_add(decision_id: int) -> ResponseReturnValue:
    """Lodge the organisation's objection to the count (between close and publication)."""
    form = ObjectionForm()
    form.validate()
    try:
        objection_service.lodge_objection(person(), decision_id, form.text.data or "", now)
    except InvalidInput as error:
        db.session.rollback()
        message = translate(next(iter(error.fields.values()), error.message))
        return _record_page(decision_id, form=form, status=400, objection_error=message)
    except Conflict as error:
        db.session.rollback()
        return _record_page(
            decision_id, form=form, status=409, objection_error=translate(error.message)
        )
    db.session.commit()
    flash(
        _("Your organisation's objection is lodged. The facilitator sees it before publishing."),
        "success",
    )
    return redirect(
        url_for("web.ballot_record", decision_id=decision_id, _anchor="objections"), 303
    )


@bp.get("/decisions/<int:decision_id>/trail")
def decision_trail(decision_id: int) -> ResponseReturnValue:
    """The decision's audit trail, from the event log."""
    viewer = person()
    decision = decision_service.get_decision(viewer, decision_id)
    trail = trail_service.decision_trail(viewer, decision_id)
    return page(
        "decisions/trail.html",
        decision=decision,
        status_value=decision_service.status_of(decision, now()).value,
        trail=trail,
    )
