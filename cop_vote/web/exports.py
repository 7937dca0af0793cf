"""Downloads: files made from a decision (the meeting date as iCalendar)."""

from __future__ import annotations

from flask import Response, url_for
from flask_login import current_user, login_required

from ..clock import now
from ..services import calendar, decisions
from . import bp


@bp.get("/decisions/<int:decision_id>/meeting.ics")
@login_required
def meeting_calendar(decision_id: int) -> Response:
    """Download the published meeting date as an iCalendar file."""
    decision = decisions.get_decision(current_user, decision_id)
    body = calendar.meeting_calendar(
        decision, url=url_for("web.decision", decision_id=decision.id, _external=True), now=now()
    )
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="meeting-{decision.id}.ics"'},
    )
