"""Mail that could not be delivered, for the facilitators: listed, and tried again.

The worker gives a mail up when the mail server refuses its address for good,
or after it kept failing for hours (``MAIL_MAX_ATTEMPTS``); it is logged, and
listed here (the overview says how many) until a facilitator tries it again,
say after correcting the person's address.
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from .. import clock
from ..extensions import db
from ..services import outbox
from . import bp
from .admin import _actor, _page, facilitator_required


@bp.get("/admin/mail")
@facilitator_required
def admin_mail() -> ResponseReturnValue:
    """Mail given up, newest first, each with a button to try it again."""
    return _page("admin/mail.html", mails=outbox.undelivered(_actor()))


@bp.post("/admin/mail/<int:notification_id>/retry")
@facilitator_required
def admin_mail_retry(notification_id: int) -> ResponseReturnValue:
    """Try an undelivered mail again (the form's CSRF token is checked before the view)."""
    row = outbox.retry(_actor(), notification_id, clock.now)
    address = row.person.email or ""
    db.session.commit()
    flash(_("The mail to %(address)s will be sent again.", address=address), "success")
    return redirect(url_for("web.admin_mail"), 303)
