"""Remind the organisations that have not voted, now (``POST /decisions/{id}/reminders``).

The facilitator's "Remind" button does the same through the same service
(:func:`cop_vote.services.reminders.remind`): one reminder to each active
representative of each organisation of the electorate without a cast ballot,
written to the outbox (the worker delivers it) and logged as
``decision.reminded``. Only while the decision is open (409 otherwise).
"""

from __future__ import annotations

from datetime import timedelta

from apiflask import Schema
from apiflask.fields import Integer, List, Nested, String
from flask import current_app
from flask.typing import ResponseReturnValue

from .. import clock
from ..extensions import db
from ..services import access, reminders
from . import bp
from .common import actor, auth, checks, error_responses, respond
from .decisions import find_decision


class RemindedOrganisationSchema(Schema):
    """An organisation whose representatives were reminded."""

    slug = String(required=True)
    name = String(required=True)


class RemindersSchema(Schema):
    """What was written: one reminder per representative of each silent organisation."""

    decision = Integer(required=True)
    reminders = Integer(
        required=True, metadata={"description": "reminders written (one per representative)"}
    )
    organisations = List(
        Nested(RemindedOrganisationSchema),
        required=True,
        metadata={"description": "the organisations without a cast ballot that were reminded"},
    )


@bp.post("/decisions/<int:decision_id>/reminders")
@bp.auth_required(auth)
@checks(role=access.require_facilitator, find=find_decision)
@bp.output(RemindersSchema)
@bp.doc(responses=error_responses(401, 403, 404, 409))
def send_reminders(decision_id: int) -> ResponseReturnValue:
    """Remind the organisations that have not voted, now (facilitator; open decisions only).

    Each call writes one reminder to each active representative of each
    organisation of the electorate without a cast ballot, as the page's
    button does; the worker mails them. Organisations that voted get nothing.
    409 ``reminded_recently`` within ``REMIND_AGAIN_AFTER`` hours (default 12)
    of the last manual reminder that reached someone.
    """
    again = timedelta(hours=current_app.config["REMIND_AGAIN_AFTER"])
    done = reminders.remind(actor(), decision_id, clock.now, again_after=again)
    answer = {
        "decision": decision_id,
        "reminders": done.people,
        "organisations": [{"slug": o.slug, "name": o.name} for o in done.organisations],
    }
    db.session.commit()
    return respond(answer)
