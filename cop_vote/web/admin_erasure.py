"""Erasing a person (GDPR/AVG): the facilitator's confirm page with a reason.

One write path with ``POST /api/v1/people/{id}/erasure``:
:func:`services.erasure.erase_person`.
"""

from __future__ import annotations

from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import InputRequired

from .. import clock
from ..services import erasure
from ..services import organisations as org_service
from . import bp
from .admin import _actor, _form_status, _page, _submit, facilitator_required
from .admin_forms import REQUIRED


class EraseForm(FlaskForm):
    """Erase a person, saying why."""

    reason = TextAreaField(
        _l("Why is this person erased? (for example: they asked, or they left)"),
        validators=[InputRequired(REQUIRED)],
    )
    submit = SubmitField(_l("Erase"))


@bp.route("/admin/people/<int:person_id>/erase", methods=["GET", "POST"])
@facilitator_required
def admin_person_erase(person_id: int) -> ResponseReturnValue:
    """Erase a person's name and e-mail everywhere; confirm first, with a reason."""
    person = org_service.get_person(person_id)
    form = EraseForm()
    status = _form_status(form)
    if form.validate_on_submit():
        outcome = _submit(
            form,
            lambda: erasure.erase_person(_actor(), person_id, form.reason.data, clock.now()),
            done=lambda _person: _("The person is erased."),
            to=url_for("web.admin_people"),
        )
        if not isinstance(outcome, int):
            return outcome
        status = outcome
    return _page("admin/person_erase.html", status, form=form, person=person)
