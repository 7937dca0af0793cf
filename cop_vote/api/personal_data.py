"""Personal data (GDPR/AVG): your own data (``GET /api/v1/me/data``, as
``/profile/data`` on the site) and a facilitator's erasure of a person
(``POST /api/v1/people/{id}/erasure``, as the confirm page on the site)."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Dict, Integer, List
from flask.typing import ResponseReturnValue

from .. import clock
from ..extensions import db
from ..services import access, erasure, organisations, personal_data
from . import bp, serialize
from .common import actor, auth, checks, error_responses, respond
from .schemas import PersonSchema, text


class PersonalDataSchema(Schema):
    """Everything stored about you: your profile and settings, what you wrote,
    the ballot changes you made for your organisation, your sign-in links,
    sessions, tokens and mail (dates only, never a secret), and the log entries
    that name you as the actor. Lists are oldest first."""

    version = Integer(metadata={"description": "version of this shape (1)"})
    person = Dict(metadata={"description": "profile and settings"})
    comments = List(Dict())
    comment_reports = List(Dict())
    objections = List(Dict())
    ballot_changes = List(Dict(), metadata={"description": "decision, version, action, time"})
    sign_in_links = List(Dict())
    sessions = List(Dict())
    api_tokens = List(Dict())
    mail = List(Dict())
    log = List(Dict(), metadata={"description": "entries with you as the actor"})


@bp.get("/me/data")
@bp.auth_required(auth)
@bp.output(PersonalDataSchema)
@bp.doc(responses=error_responses(401))
def my_data() -> ResponseReturnValue:
    """Everything stored about you, as one JSON object."""
    return respond(personal_data.person_data(actor()))


class ErasureInSchema(Schema):
    """Why the person is erased (logged as a digest only: a reason may name them)."""

    reason = text(2000, blank=False, required=True)


@bp.post("/people/<int:person_id>/erasure")
@bp.auth_required(auth)
@checks(
    role=access.require_facilitator,
    find=lambda person, person_id: organisations.get_person(person_id),
    body=True,
)
@bp.input(ErasureInSchema, validation=False)
@bp.output(PersonSchema)
@bp.doc(responses=error_responses(400, 401, 403, 404, 409, 413))
def erase_person(person_id: int, json_data: dict[str, Any]) -> ResponseReturnValue:
    """Erase a person (facilitator): name, e-mail and function removed everywhere,
    access ended; their organisation's ballots, the counts and the log stay.

    409 for yourself or a person erased already.
    """
    person = erasure.erase_person(actor(), person_id, json_data.get("reason"), clock.now())
    db.session.commit()
    return respond(serialize.person(person, actor()))
