"""OpenAPI schemas of an organisation's self-service (issue 10, part 12);
apart from :mod:`cop_vote.api.schemas`, which is long enough."""

from __future__ import annotations

from apiflask import Schema

from ..services.org_people import LEAD_ROLES
from .schemas import LANGUAGES, choice, text


class OrgPersonInSchema(Schema):
    """A representative or observer whom an organisation's lead invites."""

    name = text(200, blank=False, required=True)
    email = text(
        254,
        blank=False,
        required=True,
        metadata={"format": "email", "description": "unique (ignoring case)"},
    )
    role = choice(LEAD_ROLES, metadata={"description": "default: representative"})
    function = text(200)
    language = choice(LANGUAGES, allow_none=True, metadata={"description": "null: the default"})
