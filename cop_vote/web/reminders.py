"""The facilitator's "remind" action: mail the representatives of organisations
that have not cast a ballot yet (issue #4, item 4).

A confirmation page (GET) with a CSRF-carrying form; the POST makes one service
call, commits once and redirects to the decision with how many mails left.
Works without JavaScript.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import ngettext

from .. import clock
from ..domain.lifecycle import Status
from ..services import notify, reminders
from . import bp
from .admin import (
    _actor,
    _allowed,
    _decision,
    _form_status,
    _not_now,
    _page,
    _row,
    _submit,
    facilitator_required,
)
from .admin_forms import ConfirmForm


@bp.route("/admin/decisions/<int:decision_id>/remind", methods=["GET", "POST"])
@facilitator_required
def admin_decision_remind(decision_id: int) -> ResponseReturnValue:
    """Remind the organisations that have not voted; confirm first."""
    decision = _decision(decision_id)
    now = clock.now()
    if request.method == "GET" and not _allowed(decision, Status.CLOSED):
        return _not_now(decision)  # only an open decision can be closed, or reminded
    again = timedelta(hours=current_app.config["REMIND_AGAIN_AFTER"])
    form = ConfirmForm()
    status = _form_status(form)
    if form.validate_on_submit():
        outcome = _submit(
            form,
            lambda: reminders.remind(_actor(), decision_id, clock.now, again_after=again),
            done=lambda sent: ngettext(
                "%(num)d reminder sent.", "%(num)d reminders sent.", sent.people
            ),
            to=url_for("web.admin_decision", decision_id=decision_id),
        )
        if not isinstance(outcome, int):
            return outcome
        status = outcome
        decision = _decision(decision_id)
    silent = notify.silent_organisations(decision)
    recipients = notify.representatives(o.id for o in silent)
    return _page(
        "admin/decision_remind.html",
        status,
        form=form,
        decision=decision,
        row=_row(decision, now),
        silent=silent,
        recipients=len(recipients),
        last_reminder=reminders.last_manual_reminder(decision_id),
        next_reminder=reminders.next_reminder_at(decision_id, clock.now(), again),
    )
