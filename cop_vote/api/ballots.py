"""An organisation's ballot: cast, change, withdraw, and record (API.md, "Ballots").

A change is based on a version: ``version`` in the body or ``If-Match``
(DESIGN.md, "one organisation, one ballot"); a stale one answers 409 with the
current ballot object. Answers carry the version as ``ETag``.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask.typing import ResponseReturnValue

from .. import clock, database, ratelimits
from ..database import MAX_ID
from ..domain.errors import DecisionClosed, InvalidInput
from ..extensions import db
from ..models import Decision
from ..services import access, ballots, organisations
from ..services.timefmt import iso_utc
from . import bp, serialize
from .common import actor, auth, checks, error_responses, respond
from .decisions import find_decision
from .schemas import (
    BallotInSchema,
    BallotSchema,
    EmptySchema,
    ETagSchema,
    IfMatchSchema,
    RecordInSchema,
)


def _find_decision_and_organisation(person: Any, decision_id: int, slug: str) -> None:
    find_decision(person, decision_id)
    organisations.get_organisation(slug)


def _if_match() -> int | None:
    """The version named by ``If-Match`` (``3``, ``"3"`` or ``W/"3"``), or ``None``."""
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() in ("", "*"):
        return None
    text = raw.strip().removeprefix("W/").strip('"')
    if not text.isascii() or not text.isdigit() or len(text) > 10 or int(text) > MAX_ID:
        raise InvalidInput(
            "If-Match must be a ballot version.", {"If-Match": "A ballot version, e.g. 3."}
        )
    return int(text)


def _version(body: dict[str, Any]) -> Any:
    """The version a change is based on: body ``version`` or ``If-Match``; they must agree."""
    header = _if_match()
    if "version" not in body:
        return header
    version = body.pop("version")
    if version is not None and (
        isinstance(version, bool) or not isinstance(version, int) or not 0 <= version <= MAX_ID
    ):
        raise InvalidInput(
            "version must be a ballot version.",
            {"version": f"A whole number from 0 to {MAX_ID}, or null."},
        )
    if header is not None and version != header:
        raise InvalidInput(
            "version and If-Match disagree.", {"version": f"Differs from If-Match ({header})."}
        )
    return version


def _closed(error: DecisionClosed, decision_id: int) -> DecisionClosed:
    """The same refusal, its message naming when the decision closed."""
    decision = db.session.get(Decision, decision_id)
    when = error.closes_at
    if decision is not None and decision.closed_at is not None:
        when = decision.closed_at
    if when is None or when > clock.now():
        return error
    message = (
        f"This decision closed at {iso_utc(when)} ({serialize.local_time(when)}); "
        "no ballot can be cast or changed."
    )
    refusal = DecisionClosed(message, error.closes_at)
    refusal.code = error.code
    return refusal


def _ballot(ballot: ballots.BallotAck) -> Response:
    response = respond(ballot.to_dict())
    response.headers["ETag"] = f'"{ballot.version}"'
    return response


@bp.put("/decisions/<int:decision_id>/ballot")
@database.locks_late
@ratelimits.ballot_writes
@bp.auth_required(auth)
@checks(role=access.require_member, find=find_decision, body=True)
@bp.input(BallotInSchema, validation=False)
@bp.input(IfMatchSchema, location="headers", validation=False)
@bp.output(BallotSchema, headers=ETagSchema)
@bp.doc(responses=error_responses(400, 401, 403, 404, 409, 413, 429))
def put_ballot(
    decision_id: int, json_data: dict[str, Any], headers_data: Any = None
) -> ResponseReturnValue:
    """Cast or change your organisation's ballot (representatives).

    The body is the ballot for the decision's method (or `{"abstain": true}`).
    Base the change on the ballot you saw with `If-Match` (its `ETag`) or
    `version`: if the ballot changed meanwhile the answer is 409 with the
    current ballot in `error.current`, and nothing changes. Without either,
    the write replaces whatever is current; the change is still recorded in
    the ballot's history.
    """
    body = dict(json_data)
    version = _version(body)
    try:
        ballot = ballots.cast_ballot(actor(), decision_id, body, clock.now, version=version)
    except DecisionClosed as error:
        raise _closed(error, decision_id) from None
    # The answer is built from the write's acknowledgement (plain values),
    # after the commit: not while the lock is held.
    db.session.commit()
    return _ballot(ballot)


@bp.get("/decisions/<int:decision_id>/ballot")
@bp.auth_required(auth)
@checks(role=access.require_member, find=find_decision)
@bp.output(BallotSchema, headers=ETagSchema)
@bp.doc(responses=error_responses(401, 403, 404))
def get_ballot(decision_id: int) -> ResponseReturnValue:
    """Your organisation's current ballot, or 404 when it has none."""
    return _ballot(ballots.BallotAck.of(ballots.own_ballot(actor(), decision_id), reader=actor()))


@bp.delete("/decisions/<int:decision_id>/ballot")
@database.locks_late
@ratelimits.ballot_writes
@bp.auth_required(auth)
@checks(role=access.require_member, find=find_decision)
@bp.input(IfMatchSchema, location="headers", validation=False)
@bp.output(EmptySchema, status_code=204)
@bp.doc(responses=error_responses(400, 401, 403, 404, 409, 429))
def delete_ballot(decision_id: int, headers_data: Any = None) -> ResponseReturnValue:
    """Withdraw your organisation's ballot while the decision is open.

    With `If-Match` the withdrawal happens only if the ballot is still at that
    version (else 409 with the current ballot); without it, whatever is current
    is withdrawn. The version keeps rising; the withdrawal is recorded.
    """
    try:
        ballots.withdraw_ballot(actor(), decision_id, clock.now, version=_if_match())
    except DecisionClosed as error:
        raise _closed(error, decision_id) from None
    db.session.commit()
    return Response(status=204)


@bp.put("/decisions/<int:decision_id>/ballots/<slug>")
@database.locks_late
@ratelimits.ballot_writes
@bp.auth_required(auth)
@checks(role=access.require_facilitator, find=_find_decision_and_organisation, body=True)
@bp.input(RecordInSchema, validation=False)
@bp.input(IfMatchSchema, location="headers", validation=False)
@bp.output(BallotSchema, headers=ETagSchema)
@bp.doc(responses=error_responses(400, 401, 403, 404, 409, 413, 429))
def record_ballot(
    decision_id: int, slug: str, json_data: dict[str, Any], headers_data: Any = None
) -> ResponseReturnValue:
    """Record the ballot an organisation gave in a meeting (facilitator).

    The body is a ballot plus `given_by`. `If-Match`/`version` work as for
    your own ballot: without them the recorded ballot replaces whatever is
    current, still recorded in the history.
    """
    body = dict(json_data)
    version = _version(body)
    given_by = body.pop("given_by", None)
    try:
        ballot = ballots.record_ballot(
            actor(), decision_id, slug, body, given_by, clock.now, version=version
        )
    except DecisionClosed as error:
        raise _closed(error, decision_id) from None
    db.session.commit()
    return _ballot(ballot)
