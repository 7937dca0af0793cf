"""The JSON API, version 1 (API.md): ``/api/v1``, bearer tokens, JSON errors.

Routes live by resource in :mod:`.organisations`, :mod:`.decisions`,
:mod:`.ballots` and :mod:`.comments`; every one answers through the services
and commits once. The OpenAPI document (``/api/v1/openapi.json``) is generated
from these routes and :mod:`.schemas`.
"""

from __future__ import annotations

from apiflask import APIBlueprint
from flask.blueprints import BlueprintSetupState

from .. import database

bp = APIBlueprint("api", __name__, url_prefix="/api/v1")


@bp.record_once
def _document_errors(state: BlueprintSetupState) -> None:
    """Declare the API's one error shape for every error answer in the OpenAPI document."""
    from .openapi import JsonSchemaKeywords
    from .schemas import ErrorSchema

    if not any(isinstance(p, JsonSchemaKeywords) for p in state.app.spec_plugins):
        state.app.spec_plugins.append(JsonSchemaKeywords())

    state.app.config["HTTP_ERROR_SCHEMA"] = ErrorSchema
    state.app.config["VALIDATION_ERROR_SCHEMA"] = ErrorSchema
    state.app.config["VALIDATION_ERROR_STATUS_CODE"] = 400
    state.app.config["VALIDATION_ERROR_DESCRIPTION"] = (
        "Malformed or invalid input; `fields` names each bad field."
    )
    # APIFlask reads ``enable_openapi`` from every blueprint that has a
    # before_request hook; plain Flask blueprints (the web pages) lack it.
    for blueprint in state.app.blueprints.values():
        if not hasattr(blueprint, "enable_openapi"):
            blueprint.enable_openapi = False  # type: ignore[attr-defined]


# End a request's transaction at once, so that no lock outlives the request.
bp.teardown_request(database.end_request)


# The route modules register on ``bp``; they import it from here.
from . import (  # noqa: E402,F401
    ballots,
    calendar,
    comments,
    decisions,
    electorate,
    interests,
    mail,
    meetings,
    org_people,
    organisations,
    people_import,
    personal_data,
    proposals,
    record,
    reminders,
    review,
    tokens,
    webhooks,
)
