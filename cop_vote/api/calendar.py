"""Your private calendar feed's address: see it, or get a new one
(``/api/v1/me/calendar``), as on the profile page.

The feed itself (``GET /calendar/<secret>.ics``) needs no token: the secret in
its address is the key, since calendar apps cannot send one. A new address
stops the old one at once.
"""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import DateTime, String
from flask import current_app, url_for
from flask.typing import ResponseReturnValue

from .. import clock
from ..extensions import db
from ..services import calendar_feed
from ..services.timefmt import iso_utc
from . import bp
from .common import actor, auth, checks, error_responses, respond


class CalendarFeedSchema(Schema):
    """Your calendar feed's address (``null`` while you have none)."""

    url = String(
        allow_none=True,
        metadata={
            "format": "uri",
            "description": "the iCalendar feed (text/calendar), readable without a token; "
            "keep it private",
        },
    )
    created_at = DateTime(allow_none=True, metadata={"description": "when the address was made"})


def _feed(found: tuple[str, Any] | None) -> dict[str, Any]:
    if found is None:
        return {"url": None, "created_at": None}
    secret, made = found
    url = url_for("web.calendar_feed_file", secret=secret, _external=True)
    return {"url": url, "created_at": iso_utc(made)}


@bp.get("/me/calendar")
@bp.auth_required(auth)
@bp.output(CalendarFeedSchema)
@bp.doc(responses=error_responses(401))
def get_calendar() -> ResponseReturnValue:
    """Your calendar feed's address, or `null` before you made one."""
    key = str(current_app.config["SECRET_KEY"])
    return respond(_feed(calendar_feed.feed_secret(actor(), key)))


@bp.post("/me/calendar")
@bp.auth_required(auth)
@checks()
@bp.output(CalendarFeedSchema, status_code=201)
@bp.doc(responses=error_responses(400, 401))
def new_calendar() -> ResponseReturnValue:
    """Make a new calendar feed address (no body); the one before stops working at once."""
    key = str(current_app.config["SECRET_KEY"])
    found = calendar_feed.issue_feed(actor(), key, clock.now())
    db.session.commit()
    return respond(_feed(found), 201)
