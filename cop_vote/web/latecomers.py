"""The facilitator's "add an organisation to the electorate" page (issue 10,
part 7): a form (GET) listing the organisations that could be added; the POST
makes one service call (:func:`cop_vote.services.latecomers.add_organisation`,
the same as ``POST /api/v1/decisions/{id}/electorate``), commits once and
redirects to the decision. Works without JavaScript.
"""

from __future__ import annotations

from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField
from wtforms.fields.choices import SelectChoice

from .. import clock
from ..services import latecomers
from . import bp
from .admin import _actor, _decision, _form_status, _page, _row, _submit, facilitator_required


class AddElectorForm(FlaskForm):
    """Choose the organisation to add; the choices are set by the view."""

    organisation = SelectField(_l("Organisation"), choices=[], validate_choice=False)
    submit = SubmitField(_l("Add to the electorate"))


def _organisation_id(raw: object) -> object:
    """The chosen organisation's id, or what was sent (the service refuses it)."""
    return int(raw) if isinstance(raw, str) and raw.isdigit() else raw


@bp.route("/admin/decisions/<int:decision_id>/electorate", methods=["GET", "POST"])
@facilitator_required
def admin_decision_electorate(decision_id: int) -> ResponseReturnValue:
    """Add an organisation to an open decision's electorate."""
    decision = _decision(decision_id)
    form = AddElectorForm()
    status = _form_status(form)
    if form.validate_on_submit():
        outcome = _submit(
            form,
            lambda: latecomers.add_organisation(
                _actor(), decision_id, _organisation_id(form.organisation.data), clock.now
            ),
            done=lambda _decision: _("The organisation is added to the electorate."),
            to=url_for("web.admin_decision", decision_id=decision_id),
        )
        if not isinstance(outcome, int):
            return outcome
        status = outcome
        decision = _decision(decision_id)
    candidates = latecomers.addable(decision)
    form.organisation.choices = [SelectChoice("", _("Choose an organisation"))] + [
        SelectChoice(str(o.id), o.name) for o in candidates
    ]
    return _page(
        "admin/decision_electorate.html",
        status,
        form=form,
        decision=decision,
        row=_row(decision, clock.now()),
        candidates=candidates,
    )
