"""Organisations and people: facilitators write, members read (API.md).

Every signed-in person reads the organisations (observers see them on every
decision anyway); people are personal data, listed to members only.
"""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue

from .. import clock
from ..extensions import db
from ..services import access, invitations, org_people, organisations
from . import bp, serialize
from .common import actor, auth, checks, error_responses, paginate_rows, respond
from .schemas import (
    MePatchSchema,
    MeSchema,
    OrganisationInSchema,
    OrganisationListSchema,
    OrganisationPatchSchema,
    OrganisationSchema,
    PageQuerySchema,
    PersonInSchema,
    PersonListSchema,
    PersonPatchSchema,
    PersonSchema,
)


@bp.post("/organisations")
@bp.auth_required(auth)
@checks(role=access.require_facilitator, body=True)
@bp.input(OrganisationInSchema, validation=False)
@bp.output(OrganisationSchema, status_code=201)
@bp.doc(responses=error_responses(400, 401, 403, 413))
def create_organisation(json_data: dict[str, Any]) -> ResponseReturnValue:
    """Add an organisation (facilitator)."""
    org = organisations.create_organisation(actor(), json_data)
    db.session.commit()
    return respond(serialize.organisation(org), 201)


@bp.get("/organisations")
@bp.auth_required(auth)
@bp.input(PageQuerySchema, location="query", validation=False)
@bp.output(OrganisationListSchema)
@bp.doc(responses=error_responses(400, 401))
def list_organisations(query_data: Any = None) -> ResponseReturnValue:
    """List the organisations (facilitators also see inactive ones)."""
    person = actor()
    items, next_cursor = paginate_rows(
        lambda offset, limit: organisations.list_organisations(
            include_inactive=person.role == "facilitator", offset=offset, limit=limit
        )
    )
    return respond({"items": [serialize.organisation(o) for o in items], "next": next_cursor})


@bp.patch("/organisations/<slug>")
@bp.auth_required(auth)
@checks(
    role=access.require_facilitator,
    find=lambda person, slug: organisations.get_organisation(slug),
    body=True,
)
@bp.input(OrganisationPatchSchema, validation=False)
@bp.output(OrganisationSchema)
@bp.doc(responses=error_responses(400, 401, 403, 404, 413))
def update_organisation(slug: str, json_data: dict[str, Any]) -> ResponseReturnValue:
    """Change an organisation, deactivate it with {active: false}, or name its
    lead representative with {lead: person id | null} (facilitator)."""
    org = org_people.update_organisation(actor(), slug, json_data, clock.now())
    db.session.commit()
    return respond(serialize.organisation(org))


@bp.get("/me")
@bp.auth_required(auth)
@bp.output(MeSchema)
@bp.doc(responses=error_responses(401))
def me() -> ResponseReturnValue:
    """The token's person, with organisation and role."""
    return respond(serialize.me(actor()))


@bp.patch("/me")
@bp.auth_required(auth)
@checks(body=True)
@bp.input(MePatchSchema, validation=False)
@bp.output(MeSchema)
@bp.doc(responses=error_responses(400, 401, 413))
def update_me(json_data: dict[str, Any]) -> ResponseReturnValue:
    """Change your own settings: mail, its language, and a facilitator's alerts."""
    person = organisations.update_own_settings(actor(), json_data, clock.now())
    db.session.commit()
    return respond(serialize.me(person))


@bp.post("/people")
@bp.auth_required(auth)
@checks(role=access.require_facilitator, body=True)
@bp.input(PersonInSchema, validation=False)
@bp.output(PersonSchema, status_code=201)
@bp.doc(responses=error_responses(400, 401, 403, 413))
def create_person(json_data: dict[str, Any]) -> ResponseReturnValue:
    """Add a person (facilitator); they are sent an invitation with a sign-in link."""
    person = organisations.create_person(actor(), json_data, clock.now())
    db.session.commit()
    return respond(serialize.person(person, actor()), 201)


@bp.get("/people")
@bp.auth_required(auth)
@checks(role=access.require_member)
@bp.input(PageQuerySchema, location="query", validation=False)
@bp.output(PersonListSchema)
@bp.doc(responses=error_responses(400, 401, 403))
def list_people(query_data: Any = None) -> ResponseReturnValue:
    """List the people of the network (e-mail addresses for facilitators only)."""
    person = actor()
    items, next_cursor = paginate_rows(
        lambda offset, limit: organisations.list_people(
            include_inactive=person.role == "facilitator", offset=offset, limit=limit
        )
    )
    return respond({"items": [serialize.person(p, person) for p in items], "next": next_cursor})


@bp.patch("/people/<int:person_id>")
@bp.auth_required(auth)
@checks(
    role=access.require_facilitator,
    find=lambda person, person_id: organisations.get_person(person_id),
    body=True,
)
@bp.input(PersonPatchSchema, validation=False)
@bp.output(PersonSchema)
@bp.doc(responses=error_responses(400, 401, 403, 404, 409, 413))
def update_person(person_id: int, json_data: dict[str, Any]) -> ResponseReturnValue:
    """Change a person, or deactivate them with {active: false} (facilitator)."""
    person = organisations.update_person(actor(), person_id, json_data, clock.now())
    db.session.commit()
    return respond(serialize.person(person, actor()))


@bp.post("/people/<int:person_id>/invitation")
@bp.auth_required(auth)
@checks(
    role=access.require_facilitator,
    find=lambda person, person_id: organisations.get_person(person_id),
)
@bp.output(PersonSchema)
@bp.doc(responses=error_responses(401, 403, 404, 409))
def invite_person(person_id: int) -> ResponseReturnValue:
    """Send a person's invitation again (facilitator): a new sign-in link voids the old one.

    409 when the person cannot sign in (inactive, of an inactive organisation,
    or without an address).
    """
    person = invitations.invite(actor(), person_id, clock.now())
    db.session.commit()
    return respond(serialize.person(person, actor()))
