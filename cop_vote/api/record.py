"""The ballot record, objections and a decision's audit trail (API.md, "Trust").

``GET /decisions/{id}/ballot-record`` is what anyone in the network recounts
from after close; objections are lodged between close and publication;
``GET /decisions/{id}/events`` is the decision's audit trail from the log.
"""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue

from .. import clock
from ..extensions import db
from ..models import Objection
from ..services import access, decisions, objections, trail
from ..services import ballot_record as record_service
from ..services.timefmt import iso_utc
from . import bp
from .common import actor, auth, checks, error_responses, only, respond
from .decisions import find_decision
from .schemas_record import (
    BallotRecordSchema,
    EventListSchema,
    ObjectionInSchema,
    ObjectionListSchema,
    ObjectionSchema,
)


def _objection(objection: Objection) -> dict[str, Any]:
    return {
        "id": objection.id,
        "decision": objection.decision_id,
        "organisation": objection.organisation.slug,
        "organisation_name": objection.organisation_name or "",
        "text": objection.text,
        "created_at": iso_utc(objection.created_at),
    }


@bp.get("/decisions/<int:decision_id>/ballot-record")
@bp.auth_required(auth)
@checks(find=find_decision)
@bp.output(BallotRecordSchema)
@bp.doc(responses=error_responses(401, 404, 409))
def get_ballot_record(decision_id: int) -> ResponseReturnValue:
    """The public ballot record of a closed decision, to recount from (409 before close)."""
    decision = decisions.get_decision(actor(), decision_id)
    return respond(record_service.ballot_record(decision, clock.now()))


@bp.get("/decisions/<int:decision_id>/objections")
@bp.auth_required(auth)
@checks(find=find_decision)
@bp.output(ObjectionListSchema)
@bp.doc(responses=error_responses(401, 404))
def list_objections(decision_id: int) -> ResponseReturnValue:
    """Objections to the count: all for facilitators, your organisation's for representatives."""
    found = objections.list_objections(actor(), decision_id)
    return respond({"items": [_objection(o) for o in found], "next": None})


@bp.post("/decisions/<int:decision_id>/objections")
@bp.auth_required(auth)
@checks(role=access.require_member, find=find_decision, body=True)
@bp.input(ObjectionInSchema, validation=False)
@bp.output(ObjectionSchema, status_code=201)
@bp.doc(responses=error_responses(400, 401, 403, 404, 409, 413))
def lodge_objection(decision_id: int, json_data: dict[str, Any]) -> ResponseReturnValue:
    """Lodge your organisation's objection to the count, between close and publication."""
    body = only(json_data, ("text",))
    objection = objections.lodge_objection(actor(), decision_id, body.get("text"), clock.now)
    response = respond(_objection(objection), 201)
    db.session.commit()
    return response


@bp.get("/decisions/<int:decision_id>/events")
@bp.auth_required(auth)
@checks(find=find_decision)
@bp.output(EventListSchema)
@bp.doc(responses=error_responses(401, 404))
def list_events(decision_id: int) -> ResponseReturnValue:
    """The decision's audit trail from the event log, oldest first."""
    found = trail.decision_trail(actor(), decision_id)
    return respond(
        {
            "items": [
                {
                    "id": e.id,
                    "at": iso_utc(e.at),
                    "kind": e.kind,
                    "organisation": e.organisation,
                    "details": e.details,
                    "hash": e.hash,
                }
                for e in found.entries
            ],
            "reviews": found.reviews,
            "next": None,
        }
    )
