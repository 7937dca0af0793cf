"""Your own API tokens: make one, list them, revoke one (``/api/v1/me/tokens``).

A token is made on the profile page, with ``POST /me/tokens`` or with
``flask cop token``; its secret is shown once, in that answer, and never
again, so a list names tokens by identifier, label and creation time.
Revoking a token stops it at once, in every process; revoking the token the
request uses is allowed (the next request with it is 401).
"""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import DateTime, Integer, List, Nested, String
from flask import Response
from flask.typing import ResponseReturnValue

from .. import clock
from ..extensions import db
from ..models import ApiToken
from ..services import auth as auth_service
from ..services.timefmt import iso_utc
from . import bp
from .common import actor, auth, checks, error_responses, only, paginate, respond
from .schemas import EmptySchema, PageQuerySchema, text


class TokenSchema(Schema):
    """One of your live API tokens (the secret itself is never shown again)."""

    id = Integer(metadata={"description": "identifier, for DELETE /me/tokens/{token_id}"})
    label = String(metadata={"description": "what the token is for, as given when made"})
    created_at = DateTime()
    last_used_at = DateTime(
        allow_none=True,
        metadata={"description": "when it was last used, to the hour; null: never"},
    )


class TokenListSchema(Schema):
    """A page of your live API tokens, newest first."""

    items = List(Nested(TokenSchema))
    next = String(allow_none=True)


class TokenInSchema(Schema):
    """The new token's label (optional)."""

    label = text(100, metadata={"description": "what the token is for: one line"})


class NewTokenSchema(TokenSchema):
    """The token just made, with its secret: shown this once, stored only hashed."""

    token = String(
        required=True,
        metadata={"description": "the secret, for `Authorization: Bearer <token>`; shown once"},
    )


def _token(row: ApiToken) -> dict[str, Any]:
    return {
        "id": row.id,
        "label": row.label,
        "created_at": iso_utc(row.created_at),
        "last_used_at": iso_utc(row.last_used_at),
    }


@bp.post("/me/tokens")
@bp.auth_required(auth)
@checks(body=True)
@bp.input(TokenInSchema, validation=False)
@bp.output(NewTokenSchema, status_code=201)
@bp.doc(responses=error_responses(400, 401, 413))
def create_token(json_data: dict[str, Any]) -> ResponseReturnValue:
    """Make a personal API token for yourself; its secret is in this answer only."""
    body = only(json_data, ("label",))
    row, secret = auth_service.issue_own_api_token(actor(), clock.now(), label=body.get("label"))
    answer = {**_token(row), "token": secret}
    db.session.commit()
    return respond(answer, 201)


@bp.get("/me/tokens")
@bp.auth_required(auth)
@bp.input(PageQuerySchema, location="query", validation=False)
@bp.output(TokenListSchema)
@bp.doc(responses=error_responses(400, 401))
def list_tokens(query_data: Any = None) -> ResponseReturnValue:
    """List your live API tokens (not revoked), newest first."""
    items, next_cursor = paginate(auth_service.list_api_tokens(actor()))
    return respond({"items": [_token(row) for row in items], "next": next_cursor})


@bp.delete("/me/tokens/<int:token_id>")
@bp.auth_required(auth)
@checks()
@bp.output(EmptySchema, status_code=204)
@bp.doc(responses=error_responses(401, 404))
def revoke_token(token_id: int) -> ResponseReturnValue:
    """Revoke one of your API tokens; it stops working at once (404: not a live token of yours)."""
    auth_service.revoke_own_api_token(actor(), token_id, clock.now())
    db.session.commit()
    return Response(status=204)
