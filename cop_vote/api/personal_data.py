"""Your own data (GDPR/AVG): ``GET /api/v1/me/data``, as ``/profile/data`` on the site."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Dict, Integer, List
from flask.typing import ResponseReturnValue

from ..services import personal_data
from . import bp
from .common import actor, auth, error_responses, respond


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
