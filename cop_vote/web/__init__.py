"""The HTML pages: thin views over the services.

``views`` holds the members' pages, ``admin`` the facilitator's, ``auth``
signing in and out. All register on one blueprint.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("web", __name__)

from . import admin, auth, exports, meetings, proposals, record, recording, reminders, review, views  # noqa: E402,F401  (registers the routes on bp)

# Pages are not part of the API's OpenAPI document.
bp.enable_openapi = False  # type: ignore[attr-defined]
