"""Webhooks, for the facilitators: register an ``https`` address (its signing
secret is shown once), see what was delivered lately, delete one.

The API offers the same: ``/api/v1/webhooks``. The events and their signature
are described in docs/API.md ("Webhooks").
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, make_response, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from .. import clock
from ..domain.errors import Conflict, InvalidInput
from ..extensions import db
from ..i18n import translate
from ..services import webhooks
from . import bp
from .admin import _actor, _page, facilitator_required


def _webhooks_page(status: int = 200, **context: Any) -> ResponseReturnValue:
    actor = _actor()
    context.setdefault("url", "")
    context.setdefault("url_error", "")
    context.setdefault("allow_private", bool(current_app.config["WEBHOOKS_ALLOW_PRIVATE"]))
    return _page(
        "admin/webhooks.html",
        status,
        webhooks=webhooks.list_webhooks(actor),
        deliveries=webhooks.recent_deliveries(actor),
        **context,
    )


@bp.get("/admin/webhooks")
@facilitator_required
def admin_webhooks() -> ResponseReturnValue:
    """The webhooks, the latest deliveries, and a form to add one."""
    return _webhooks_page()


@bp.post("/admin/webhooks")
@facilitator_required
def admin_webhook_create() -> ResponseReturnValue:
    """Register a webhook and show its secret once (the CSRF token is checked before)."""
    url = request.form.get("url", "")
    try:
        webhook, secret = webhooks.create_webhook(
            _actor(),
            {"url": url},
            clock.now,
            allow_private=bool(current_app.config["WEBHOOKS_ALLOW_PRIVATE"]),
        )
    except InvalidInput as error:
        db.session.rollback()
        message = translate(error.fields.get("url", error.message))
        return _webhooks_page(400, url=url, url_error=message)
    except Conflict as error:  # a live webhook has this address already
        db.session.rollback()
        return _webhooks_page(409, url=url, url_error=translate(error.message))
    db.session.commit()
    response = make_response(_webhooks_page(created=webhook, secret=secret))
    response.headers["Cache-Control"] = "no-store"  # the secret is in it
    return response


@bp.post("/admin/webhooks/<int:webhook_id>/delete")
@facilitator_required
def admin_webhook_delete(webhook_id: int) -> ResponseReturnValue:
    """Delete a webhook: nothing more is sent to it (404 if there is none)."""
    row = webhooks.delete_webhook(_actor(), webhook_id, clock.now)
    db.session.commit()
    flash(_("The webhook to %(url)s is deleted.", url=row.url), "success")
    return redirect(url_for("web.admin_webhooks"), 303)
