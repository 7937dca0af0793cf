"""Personal data (GDPR/AVG): the privacy notice, and your own data as a file.

The notice is public: a visitor reads it before signing in. ``/profile/data``
is the signed-in person's own data (:func:`services.personal_data.person_data`),
the same as ``GET /api/v1/me/data``.
"""

from __future__ import annotations

import json

from flask import Response, current_app
from flask.typing import ResponseReturnValue

from ..services import personal_data
from . import bp
from .render import page, person


@bp.get("/privacy")
def privacy() -> ResponseReturnValue:
    """The privacy notice: what is stored, why, how long, who to ask, your rights."""
    config = current_app.config
    return page(
        "privacy.html",
        invitation_days=config["INVITATION_DAYS"],
        link_minutes=config["LOGIN_LINK_MINUTES"],
        keep_links_days=config["KEEP_LINKS_DAYS"],
        keep_sessions_days=config["KEEP_SESSIONS_DAYS"],
        keep_mail_days=config["KEEP_MAIL_LOG_DAYS"],
        contact=config.get("PRIVACY_CONTACT") or "",
    )


@bp.get("/profile/data")
def profile_data() -> ResponseReturnValue:
    """Download everything stored about you, as JSON."""
    viewer = person()
    assert viewer is not None  # the blueprint lets only signed-in people here
    body = json.dumps(personal_data.person_data(viewer), ensure_ascii=False, indent=1)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="my-cop-vote-data.json"',
            "Cache-Control": "no-store",
        },
    )
