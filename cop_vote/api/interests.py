"""Declared interests in options (conflicts of interest, API.md, "Interests")."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.typing import ResponseReturnValue

from .. import clock
from ..extensions import db
from ..services import access, decisions, interests
from . import bp
from .common import actor, auth, checks, error_responses, respond
from .decisions import find_decision
from .rule_schemas import DeclaredInterestSchema, InterestInSchema, InterestListSchema
from .schemas import EmptySchema


@bp.get("/decisions/<int:decision_id>/interests")
@bp.auth_required(auth)
@checks(find=find_decision)
@bp.output(InterestListSchema)
@bp.doc(responses=error_responses(401, 404))
def list_interests(decision_id: int) -> ResponseReturnValue:
    """The interests organisations declared in the decision's options."""
    decision = decisions.get_decision(actor(), decision_id)
    return respond({"items": [interests.to_dict(i) for i in interests.interests(decision)]})


@bp.post("/decisions/<int:decision_id>/interests")
@bp.auth_required(auth)
@checks(role=access.require_member, find=find_decision, body=True)
@bp.input(InterestInSchema, validation=False)
@bp.output(DeclaredInterestSchema, status_code=201)
@bp.doc(responses=error_responses(400, 401, 403, 404, 409, 413))
def declare_interest(decision_id: int, json_data: dict[str, Any]) -> ResponseReturnValue:
    """Declare your organisation's interest in an option, or reword it (open decisions)."""
    found = interests.declare_interest(actor(), decision_id, json_data, clock.now())
    response = respond(interests.to_dict(found), 201)
    db.session.commit()
    return response


@bp.delete("/decisions/<int:decision_id>/interests/<int:option_id>")
@bp.auth_required(auth)
@checks(role=access.require_member, find=find_decision)
@bp.output(EmptySchema, status_code=204)
@bp.doc(responses=error_responses(401, 403, 404, 409))
def withdraw_interest(decision_id: int, option_id: int) -> ResponseReturnValue:
    """Withdraw your organisation's declared interest in an option (open decisions)."""
    interests.withdraw_interest(actor(), decision_id, option_id, clock.now())
    db.session.commit()
    return Response(status=204)
