"""The HTML pages: thin views over the services.

``views`` holds the members' pages, ``admin`` the facilitator's, ``auth``
signing in and out. All register on one blueprint.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("web", __name__)

from . import (  # noqa: E402,F401  (registers the routes on bp)
    admin,
    admin_drafts,
    admin_outcome,
    auth,
    exports,
    guard,
    mail_admin,
    meetings,
    outcome,
    proposals,
    record,
    recording,
    reminders,
    review,
    tokens,
    translation,
    views,
)

# After auth's sign-in check, so that a visitor who is not signed in is sent to sign in.
bp.before_request(guard.refuse_unusable_input)

# Pages are not part of the API's OpenAPI document.
bp.enable_openapi = False  # type: ignore[attr-defined]
