"""Mail that could not be delivered, for the facilitators (the page ``/admin/mail``).

The worker gives a mail up when the mail server refuses its address for good,
or after it kept failing for hours (``MAIL_MAX_ATTEMPTS``). ``GET /mail`` lists
those, newest first; ``POST /mail/{id}/retry`` tries one again (say, after
correcting the person's address with ``PATCH /people/{id}``), through the
page's service (:func:`cop_vote.services.outbox.retry`).
"""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import DateTime, Integer, List, Nested, String
from flask.typing import ResponseReturnValue

from .. import clock
from ..extensions import db
from ..models import Notification
from ..services import access, outbox
from ..services.timefmt import iso_utc
from . import bp
from .common import actor, auth, checks, error_responses, paginate, respond
from .schemas import PageQuerySchema, PersonRefSchema


class UndeliveredMailSchema(Schema):
    """One mail of the outbox, as the facilitators' mail page shows it."""

    id = Integer(required=True, metadata={"description": "for POST /mail/{notification_id}/retry"})
    status = String(
        required=True,
        metadata={"description": "failed (given up), or pending once tried again"},
    )
    kind = String(required=True, metadata={"description": "what the mail is, e.g. reminder"})
    decision = Integer(required=True, allow_none=True, metadata={"description": "its decision"})
    person = Nested(PersonRefSchema, required=True, metadata={"description": "to whom"})
    address = String(
        required=True, allow_none=True, metadata={"description": "the address last tried"}
    )
    attempts = Integer(required=True, metadata={"description": "attempts since the last retry"})
    last_error = String(
        required=True, allow_none=True, metadata={"description": "what the mail server said"}
    )
    failed_at = DateTime(
        required=True, allow_none=True, metadata={"description": "when it was given up"}
    )
    created_at = DateTime(required=True)


class UndeliveredMailItemSchema(UndeliveredMailSchema):
    """An undelivered mail in a list."""


class UndeliveredMailListSchema(Schema):
    """A page of undelivered mail, newest first."""

    items = List(Nested(UndeliveredMailItemSchema), required=True)
    next = String(required=True, allow_none=True)


def _mail(row: Notification) -> dict[str, Any]:
    return {
        "id": row.id,
        "status": row.status,
        "kind": row.kind,
        "decision": row.decision_id,
        "person": {"id": row.person.id, "name": row.person.name},
        "address": row.address,
        "attempts": row.attempts,
        "last_error": row.last_error,
        "failed_at": iso_utc(row.failed_at) if row.failed_at else None,
        "created_at": iso_utc(row.created_at),
    }


@bp.get("/mail")
@bp.auth_required(auth)
@checks(role=access.require_facilitator)
@bp.input(PageQuerySchema, location="query", validation=False)
@bp.output(UndeliveredMailListSchema)
@bp.doc(responses=error_responses(400, 401, 403))
def list_mail(query_data: Any = None) -> ResponseReturnValue:
    """Mail that could not be delivered (given up), newest first (facilitator)."""
    items, next_cursor = paginate(outbox.undelivered(actor()))
    return respond({"items": [_mail(row) for row in items], "next": next_cursor})


@bp.post("/mail/<int:notification_id>/retry")
@bp.auth_required(auth)
@checks(role=access.require_facilitator)
@bp.output(UndeliveredMailSchema)
@bp.doc(responses=error_responses(401, 403, 404, 409))
def retry_mail(notification_id: int) -> ResponseReturnValue:
    """Try an undelivered mail again now, with a fresh count of attempts (facilitator).

    404: no such mail; 409: the mail was not given up (sent, on its way or skipped).
    """
    row = outbox.retry(actor(), notification_id, clock.now)
    answer = _mail(row)
    db.session.commit()
    return respond(answer)
