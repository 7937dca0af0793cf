"""Webhooks (facilitators): list, register, delete (``/api/v1/webhooks``).

A registered webhook gets the network's events as signed JSON (docs/API.md,
"Webhooks"); its secret is in the answer to ``POST`` only, never again.
"""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import DateTime, Integer, List, Nested, String
from flask import Response, current_app
from flask.typing import ResponseReturnValue

from .. import clock
from ..extensions import db
from ..models import Webhook
from ..services import access, webhooks
from ..services.timefmt import iso_utc
from . import bp
from .common import actor, auth, checks, error_responses, paginate, respond
from .schemas import EmptySchema, PageQuerySchema, text


class WebhookSchema(Schema):
    """A registered webhook (without its secret)."""

    id = Integer(metadata={"description": "identifier, for DELETE /webhooks/{webhook_id}"})
    url = String(metadata={"format": "uri"})
    created_at = DateTime()


class WebhookCreatedSchema(WebhookSchema):
    """A webhook just registered, with its signing secret: shown this once."""

    secret = String(metadata={"description": "signs every body: X-Cop-Signature"})


class WebhookListSchema(Schema):
    """A page of the registered webhooks, oldest first."""

    items = List(Nested(WebhookSchema))
    next = String(allow_none=True)


class WebhookInSchema(Schema):
    url = text(
        500,
        blank=False,
        required=True,
        metadata={
            "format": "uri",
            "description": "https, to a public address (the host is resolved)",
        },
    )


def _webhook(row: Webhook) -> dict[str, Any]:
    return {"id": row.id, "url": row.url, "created_at": iso_utc(row.created_at)}


@bp.get("/webhooks")
@bp.auth_required(auth)
@checks(role=access.require_facilitator)
@bp.input(PageQuerySchema, location="query", validation=False)
@bp.output(WebhookListSchema)
@bp.doc(responses=error_responses(400, 401, 403))
def list_webhooks(query_data: Any = None) -> ResponseReturnValue:
    """List the registered webhooks (facilitator)."""
    items, next_cursor = paginate(webhooks.list_webhooks(actor()))
    return respond({"items": [_webhook(row) for row in items], "next": next_cursor})


@bp.post("/webhooks")
@bp.auth_required(auth)
@checks(role=access.require_facilitator, body=True)
@bp.input(WebhookInSchema, validation=False)
@bp.output(WebhookCreatedSchema, status_code=201)
@bp.doc(responses=error_responses(400, 401, 403, 409, 413))
def create_webhook(json_data: dict[str, Any]) -> ResponseReturnValue:
    """Register a webhook (facilitator); the answer holds its secret, shown this once."""
    row, secret = webhooks.create_webhook(
        actor(),
        json_data,
        clock.now,
        allow_private=bool(current_app.config["WEBHOOKS_ALLOW_PRIVATE"]),
    )
    db.session.commit()
    return respond({**_webhook(row), "secret": secret}, 201)


@bp.delete("/webhooks/<int:webhook_id>")
@bp.auth_required(auth)
@checks(role=access.require_facilitator)
@bp.output(EmptySchema, status_code=204)
@bp.doc(responses=error_responses(401, 403, 404))
def delete_webhook(webhook_id: int) -> ResponseReturnValue:
    """Delete a webhook (facilitator): nothing more is sent to it."""
    webhooks.delete_webhook(actor(), webhook_id, clock.now)
    db.session.commit()
    return Response(status=204)
