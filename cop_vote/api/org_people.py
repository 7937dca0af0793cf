"""An organisation's own people, managed by its lead representative (or a
facilitator): ``/api/v1/organisations/{slug}/people`` (API.md, "Organisation
self-service"). The rules are :mod:`cop_vote.services.org_people`'s."""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue

from .. import clock
from ..extensions import db
from ..services import org_people
from . import bp, serialize
from .common import actor, auth, checks, error_responses, paginate, respond
from .schemas import PageQuerySchema, PersonListSchema, PersonSchema
from .schemas_orgs import OrgPersonInSchema


def _find(person: Any, slug: str, **_: Any) -> None:
    """403 for a lead of another organisation, 404 for no such organisation."""
    org_people.organisation_for(person, slug)


@bp.get("/organisations/<slug>/people")
@bp.auth_required(auth)
@checks(role=org_people.require_lead, find=_find)
@bp.input(PageQuerySchema, location="query", validation=False)
@bp.output(PersonListSchema)
@bp.doc(responses=error_responses(400, 401, 403, 404))
def list_org_people(slug: str, query_data: Any = None) -> ResponseReturnValue:
    """The organisation's people, removed ones included (its lead or a facilitator)."""
    person = actor()
    items, next_cursor = paginate(org_people.list_people(person, slug))
    return respond({"items": [serialize.person(p, person) for p in items], "next": next_cursor})


@bp.post("/organisations/<slug>/people")
@bp.auth_required(auth)
@checks(role=org_people.require_lead, find=_find, body=True)
@bp.input(OrgPersonInSchema, validation=False)
@bp.output(PersonSchema, status_code=201)
@bp.doc(responses=error_responses(400, 401, 403, 404, 413))
def invite_org_person(slug: str, json_data: dict[str, Any]) -> ResponseReturnValue:
    """Invite a representative or observer to the organisation (its lead or a
    facilitator); they are sent an invitation with a sign-in link."""
    person = org_people.invite_person(actor(), slug, json_data, clock.now())
    db.session.commit()
    return respond(serialize.person(person, actor()), 201)


@bp.post("/organisations/<slug>/people/<int:person_id>/invitation")
@bp.auth_required(auth)
@checks(role=org_people.require_lead, find=_find)
@bp.output(PersonSchema)
@bp.doc(responses=error_responses(401, 403, 404, 409))
def reinvite_org_person(slug: str, person_id: int) -> ResponseReturnValue:
    """Send a person of the organisation their invitation again; the new link
    voids the old one. 409 when they cannot sign in."""
    person = org_people.resend_invitation(actor(), slug, person_id, clock.now())
    db.session.commit()
    return respond(serialize.person(person, actor()))


@bp.delete("/organisations/<slug>/people/<int:person_id>")
@bp.auth_required(auth)
@checks(role=org_people.require_lead, find=_find)
@bp.output(PersonSchema)
@bp.doc(responses=error_responses(401, 403, 404, 409))
def remove_org_person(slug: str, person_id: int) -> ResponseReturnValue:
    """Remove a person from the organisation: they are deactivated and their
    access ends; the organisation's ballots stay. A lead cannot remove
    themself. 409 when already removed."""
    person = org_people.remove_person(actor(), slug, person_id, clock.now())
    db.session.commit()
    return respond(serialize.person(person, actor()))
