"""Decisions and their lifecycle; results (API.md, "Decisions", "Results")."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask.typing import ResponseReturnValue

from .. import clock
from ..conditional import conditional
from ..extensions import db
from ..services import access, decision_search, decisions, outcomes, results, transitions
from . import bp, serialize
from .common import actor, auth, checks, error_responses, only, paginate_rows, respond
from .schemas import ResultsHeadersSchema
from .schemas_decisions import (
    AmendInSchema,
    DecisionInSchema,
    DecisionListSchema,
    DecisionPatchSchema,
    DecisionSchema,
    PublishInSchema,
    ReopenInSchema,
    WithdrawInSchema,
)
from .schemas_results import ResultsSchema
from .schemas_search import DecisionQuerySchema


def find_decision(person: Any, decision_id: int, **_: Any) -> None:
    """404 unless ``person`` may see decision ``decision_id``.

    The decision is held for the request (the session holds what it loaded
    only weakly), so that the view's service finds it there rather than
    reading it again (a ballot write's checks before its lock).
    """
    g.cop_vote_decision = decisions.get_decision(person, decision_id)


@bp.post("/decisions")
@bp.auth_required(auth)
@checks(role=access.require_facilitator, body=True)
@bp.input(DecisionInSchema, validation=False)
@bp.output(DecisionSchema, status_code=201)
@bp.doc(responses=error_responses(400, 401, 403, 413))
def create_decision(json_data: dict[str, Any]) -> ResponseReturnValue:
    """Draft a decision (facilitator)."""
    now = clock.now()
    decision = decisions.create_decision(actor(), json_data, now)
    response = respond(serialize.decision(decision, actor(), now), 201)
    db.session.commit()
    return response


@bp.get("/decisions")
@bp.auth_required(auth)
@bp.input(DecisionQuerySchema, location="query", validation=False)
@bp.output(DecisionListSchema)
@bp.doc(responses=error_responses(400, 401))
def list_decisions(query_data: Any = None) -> ResponseReturnValue:
    """List the decisions you may see, newest first; ``?q=`` searches, ``?status=``
    and ``?method=`` filter (each page's cursor is used with the same filters)."""
    person, now = actor(), clock.now()
    args = request.args
    where = decision_search.condition(
        decision_search.parse(args.get("q"), args.get("status"), args.get("method")), now
    )
    items, next_cursor = paginate_rows(
        lambda offset, limit: decisions.list_decisions(
            person, offset=offset, limit=limit, where=where
        )
    )
    return respond({"items": serialize.decisions_page(items, person, now), "next": next_cursor})


@bp.get("/decisions/<int:decision_id>")
@bp.auth_required(auth)
@checks()
@bp.output(DecisionSchema)
@bp.doc(responses=error_responses(401, 404))
def get_decision(decision_id: int) -> ResponseReturnValue:
    """A decision with its options, status, participation and links."""
    person = actor()
    decision = decisions.get_decision(person, decision_id)
    return respond(serialize.decision(decision, person, clock.now()))


@bp.patch("/decisions/<int:decision_id>")
@bp.auth_required(auth)
@checks(role=access.require_facilitator, find=find_decision, body=True)
@bp.input(DecisionPatchSchema, validation=False)
@bp.output(DecisionSchema)
@bp.doc(responses=error_responses(400, 401, 403, 404, 409, 413))
def update_decision(decision_id: int, json_data: dict[str, Any]) -> ResponseReturnValue:
    """Change a decision: any field in draft; while open a later deadline and wording."""
    decision = decisions.update_decision(actor(), decision_id, json_data, clock.now)
    response = respond(serialize.decision(decision, actor(), clock.now()))
    db.session.commit()
    return response


@bp.post("/decisions/<int:decision_id>/open")
@bp.auth_required(auth)
@checks(role=access.require_facilitator, find=find_decision)
@bp.output(DecisionSchema)
@bp.doc(responses=error_responses(401, 403, 404, 409))
def open_decision(decision_id: int) -> ResponseReturnValue:
    """Open a draft for ballots, fixing its electorate (facilitator)."""
    decision = transitions.open_decision(actor(), decision_id, clock.now)
    response = respond(serialize.decision(decision, actor(), clock.now()))
    db.session.commit()
    return response


@bp.post("/decisions/<int:decision_id>/close")
@bp.auth_required(auth)
@checks(role=access.require_facilitator, find=find_decision)
@bp.output(DecisionSchema)
@bp.doc(responses=error_responses(401, 403, 404, 409))
def close_decision(decision_id: int) -> ResponseReturnValue:
    """Close an open decision now (facilitator)."""
    decision = transitions.close_decision(actor(), decision_id, clock.now)
    response = respond(serialize.decision(decision, actor(), clock.now()))
    db.session.commit()
    return response


@bp.post("/decisions/<int:decision_id>/publish")
@bp.auth_required(auth)
@checks(role=access.require_facilitator, find=find_decision, body=True)
@bp.input(PublishInSchema, validation=False)
@bp.output(DecisionSchema)
@bp.doc(responses=error_responses(400, 401, 403, 404, 409, 413))
def publish_decision(decision_id: int, json_data: dict[str, Any]) -> ResponseReturnValue:
    """Publish a closed decision with the chosen option and a statement (facilitator)."""
    body = only(json_data, ("option", "options", "statement"))
    decision = transitions.publish_decision(
        actor(),
        decision_id,
        body.get("option"),
        body.get("statement"),
        clock.now,
        option_ids=body.get("options"),
    )
    response = respond(serialize.decision(decision, actor(), clock.now()))
    db.session.commit()
    return response


@bp.post("/decisions/<int:decision_id>/reopen")
@bp.auth_required(auth)
@checks(role=access.require_facilitator, find=find_decision, body=True)
@bp.input(ReopenInSchema, validation=False)
@bp.output(DecisionSchema)
@bp.doc(responses=error_responses(400, 401, 403, 404, 409, 413))
def reopen_decision(decision_id: int, json_data: dict[str, Any]) -> ResponseReturnValue:
    """Reopen a closed decision, not yet published, with a new deadline and a reason
    (facilitator); 409 ``ballots_sealed`` for a secret decision."""
    body = only(json_data, ("closes_at", "reason"))
    decision = outcomes.reopen_decision(
        actor(), decision_id, body.get("closes_at"), body.get("reason"), clock.now
    )
    response = respond(serialize.decision(decision, actor(), clock.now()))
    db.session.commit()
    return response


@bp.post("/decisions/<int:decision_id>/amend")
@bp.auth_required(auth)
@checks(role=access.require_facilitator, find=find_decision, body=True)
@bp.input(AmendInSchema, validation=False)
@bp.output(DecisionSchema)
@bp.doc(responses=error_responses(400, 401, 403, 404, 409, 413))
def amend_outcome(decision_id: int, json_data: dict[str, Any]) -> ResponseReturnValue:
    """Amend a published outcome: other option(s) and/or statement, with a reason (facilitator)."""
    decision = outcomes.amend_outcome(actor(), decision_id, json_data, clock.now)
    response = respond(serialize.decision(decision, actor(), clock.now()))
    db.session.commit()
    return response


@bp.post("/decisions/<int:decision_id>/withdraw")
@bp.auth_required(auth)
@checks(role=access.require_facilitator, find=find_decision, body=True)
@bp.input(WithdrawInSchema, validation=False)
@bp.output(DecisionSchema)
@bp.doc(responses=error_responses(400, 401, 403, 404, 409, 413))
def withdraw_decision(decision_id: int, json_data: dict[str, Any]) -> ResponseReturnValue:
    """Withdraw a draft or open decision, saying why (facilitator)."""
    body = only(json_data, ("statement",))
    decision = transitions.withdraw_decision(actor(), decision_id, body.get("statement"), clock.now)
    response = respond(serialize.decision(decision, actor(), clock.now()))
    db.session.commit()
    return response


@bp.get("/decisions/<int:decision_id>/results")
@bp.auth_required(auth)
@checks(find=find_decision)
@bp.output(ResultsSchema, headers=ResultsHeadersSchema)
@bp.doc(
    responses={
        304: {
            "description": "Not modified: the results are as in the answer whose ETag "
            "was sent as If-None-Match (no body).",
            "content": {},
        },
        **error_responses(401, 403, 404),
    }
)
def get_results(decision_id: int) -> ResponseReturnValue:
    """The results, counted by organisation; 403 while the visibility rule hides them."""
    person, now = actor(), clock.now()
    decision = decisions.get_decision(person, decision_id)
    result = results.results(decision, person, now)
    return conditional(respond(results.results_dict(decision, result, now)))
