"""Latecomers: adding an organisation to an open decision's electorate
(API.md, "Decisions"; issue 10, part 7)."""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue

from .. import clock
from ..extensions import db
from ..services import access, latecomers
from . import bp, serialize
from .change_schemas import ElectorInSchema
from .common import actor, auth, checks, error_responses, only, respond
from .decisions import find_decision
from .schemas_decisions import DecisionSchema


@bp.post("/decisions/<int:decision_id>/electorate")
@bp.auth_required(auth)
@checks(role=access.require_facilitator, find=find_decision, body=True)
@bp.input(ElectorInSchema, validation=False)
@bp.output(DecisionSchema)
@bp.doc(responses=error_responses(400, 401, 403, 404, 409, 413))
def add_elector(decision_id: int, json_data: dict[str, Any]) -> ResponseReturnValue:
    """Add an organisation to an open decision's electorate (facilitator); for a
    secret decision only before its first ballot (409 ``secret_ballots_cast``)."""
    body = only(json_data, ("organisation",))
    decision = latecomers.add_organisation(
        actor(), decision_id, body.get("organisation"), clock.now
    )
    response = respond(serialize.decision(decision, actor(), clock.now()))
    db.session.commit()
    return response
