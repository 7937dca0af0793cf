"""Member proposals before voting opens, and the facilitator's merge of duplicates."""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue

from .. import clock
from ..domain.errors import InvalidInput, NotFound
from ..extensions import db
from ..services import access, decisions, proposals
from . import bp, serialize
from .common import actor, auth, checks, error_responses, only, respond
from .decisions import find_decision
from .schemas_decisions import DecisionSchema, MergeInSchema, ProposalInSchema, ProposedOptionSchema


def find_option(person: Any, decision_id: int, option_id: int, **_: Any) -> None:
    """404 unless ``person`` may see the decision and ``option_id`` is one of its options."""
    decision = decisions.get_decision(person, decision_id)
    if not any(o.id == option_id for o in decision.options):
        raise NotFound(f"No option {option_id} in decision {decision_id}.")


@bp.post("/decisions/<int:decision_id>/options")
@bp.auth_required(auth)
@checks(role=access.require_member, find=find_decision, body=True)
@bp.input(ProposalInSchema, validation=False)
@bp.output(ProposedOptionSchema, status_code=201)
@bp.doc(responses=error_responses(400, 401, 403, 404, 409, 413))
def propose_option(decision_id: int, json_data: dict[str, Any]) -> ResponseReturnValue:
    """Propose an option for a draft in its proposal phase, credited to your organisation."""
    body = only(json_data, ("label", "description"))
    now = clock.now()
    option = proposals.propose_option(
        actor(), decision_id, body.get("label"), body.get("description"), now
    )
    db.session.commit()
    return respond(serialize.option(option, option.decision.method), 201)


@bp.post("/decisions/<int:decision_id>/options/<int:option_id>/merge")
@bp.auth_required(auth)
@checks(role=access.require_facilitator, find=find_option, body=True)
@bp.input(MergeInSchema, validation=False)
@bp.output(DecisionSchema)
@bp.doc(responses=error_responses(400, 401, 403, 404, 409, 413))
def merge_option(
    decision_id: int, option_id: int, json_data: dict[str, Any]
) -> ResponseReturnValue:
    """Merge a duplicate option into another one of the draft (facilitator)."""
    body = only(json_data, ("into",))
    if "into" not in body:
        raise InvalidInput("into is required.", {"into": "This field is required."})
    now = clock.now()
    decision = proposals.merge_options(actor(), decision_id, option_id, body["into"], now)
    db.session.commit()
    return respond(serialize.decision(decision, actor(), now))
