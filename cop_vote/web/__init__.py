"""The HTML pages: thin views over the services.

``views`` holds the members' pages, ``admin`` the facilitator's, ``auth``
signing in and out. All register on one blueprint.
"""

from __future__ import annotations

from flask import Blueprint, request
from werkzeug.wrappers import Response

bp = Blueprint("web", __name__)

from . import (  # noqa: E402,F401  (registers the routes on bp)
    admin,
    admin_backup,
    admin_drafts,
    admin_erasure,
    admin_outcome,
    admin_people,
    alerts,
    auth,
    calendar_feed,
    decision_copies,
    exports,
    guard,
    interests,
    latecomers,
    mail_admin,
    meetings,
    our_organisation,
    outcome,
    privacy,
    proposals,
    record,
    recording,
    reminders,
    results_pages,
    review,
    tokens,
    translation,
    views,
    webhooks,
)

# After auth's sign-in check, so that a visitor who is not signed in is sent to sign in.
bp.before_request(guard.refuse_unusable_input)


@bp.after_request
def land_on_main(response: Response) -> Response:
    """After a form is saved, the page it leads to opens at its main content.

    Forms post to their error summary (``action="...#error-summary"``), and a
    browser keeps that fragment across a redirect whose address has none: the
    next page's address would point at a summary it does not have. A 303 after
    a POST without a fragment of its own goes to ``#main`` instead.
    """
    location = response.headers.get("Location")
    if request.method == "POST" and response.status_code == 303 and location:
        if "#" not in location:
            response.headers["Location"] = location + "#main"
    return response


# Pages are not part of the API's OpenAPI document.
bp.enable_openapi = False  # type: ignore[attr-defined]
