"""The facilitators' alerts on the pages: their choice on the profile page, and
the count of what waits for them beside *Facilitator* in the menu.

The mail itself is written by :mod:`cop_vote.services.alerts`.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from .. import clock
from ..domain.errors import InvalidInput
from ..extensions import db
from ..services import alerts
from ..services import organisations as org_service
from . import bp
from .forms import ConfirmForm
from .render import person


@bp.post("/profile/alerts")
def profile_alerts() -> ResponseReturnValue:
    """A facilitator chooses their alerts: as it happens, a daily digest, or none."""
    viewer = person()
    back = url_for("web.profile", _anchor="alerts-heading")
    if not ConfirmForm().validate_on_submit():
        flash(
            _("The form had expired or came from elsewhere. Go back, reload and try again."),
            "error",
        )
        return redirect(back, 303)
    try:
        org_service.update_own_settings(
            viewer, {"alerts": request.form.get("alerts", "")}, clock.now()
        )
    except InvalidInput:
        db.session.rollback()
        flash(_("Choose how you want the facilitators' alerts."), "error")
        return redirect(back, 303)
    db.session.commit()
    flash(_("Your alert settings are saved."), "success")
    return redirect(back, 303)


@bp.app_context_processor
def _waiting_context() -> dict[str, Any]:
    """``waiting``: for a facilitator, what waits for them (one query); else ``None``."""
    viewer = person()
    if viewer is None or viewer.role != "facilitator" or not request.endpoint:
        return {"waiting": None}
    return {"waiting": alerts.waiting()}
