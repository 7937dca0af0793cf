"""Add many people at once, as the facilitator's import page does (``POST /people/import``).

The body is either the CSV file itself (``Content-Type: text/csv``: the
page's columns and rules, :mod:`cop_vote.domain.people_csv`) or JSON rows
(``{"people": [{"name", "email", "organisation"?, "role"?, "language"?}]}``).
Both go through the page's service (:func:`cop_vote.services.invitations.import_people`):
every person is checked first, then all are added and invited (each logged
``person.created``, the import ``people.imported``), or none is, with every
problem named: ``lines.<line>.<column>`` for a file (line 1 is the heading),
``people.<index>.<column>`` for rows.
"""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import List, Nested, Raw
from flask import request
from flask.typing import ResponseReturnValue
from marshmallow.validate import Length

from .. import clock
from ..domain import people_csv
from ..domain.errors import InvalidInput
from ..extensions import db
from ..models import Person
from ..services import access, invitations
from . import bp, serialize
from .common import actor, auth, checks, error_responses, only, read_json_object, respond
from .openapi import ALSO_ACCEPTS
from .schemas import PersonItemSchema

_CSV = (
    "the file: a heading line naming the columns (name, email, organisation, role, "
    "language, in any order; Dutch headings too), then one person a line; comma, "
    "semicolon or tab between fields; UTF-8 or Windows-1252"
)


class PeopleImportInSchema(Schema):
    """People to add, each as a line of the import file would give them."""

    people = List(
        Raw(
            metadata={
                "json_schema": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name", "email"],
                    "properties": {
                        column: {"type": ["string", "null"]} for column in people_csv.COLUMNS
                    },
                }
            }
        ),
        required=True,
        validate=Length(min=1, max=people_csv.MAX_ROWS),
        metadata={
            "description": "organisation: a slug or name; role: representative (default), "
            "observer or facilitator; language: nl, en or null"
        },
    )


class ImportedSchema(Schema):
    """The people added and invited, in the order given."""

    items = List(Nested(PersonItemSchema), required=True)


def _people(viewer: Person) -> list[Person]:
    """Add the body's people: a CSV file or JSON rows."""
    now = clock.now()
    if request.mimetype == "text/csv":
        data = request.get_data(cache=True)
        if not data.strip():
            raise InvalidInput("The request needs the CSV file as its body.", {"body": "Empty."})
        return invitations.import_people(viewer, people_csv.decode(data), now)
    body = only(read_json_object(), ("people",))
    if "people" not in body:
        raise InvalidInput("people is required.", {"people": "This field is required."})
    return invitations.import_people_rows(viewer, body["people"], now)


@bp.post("/people/import")
@bp.auth_required(auth)
@checks(role=access.require_facilitator, own_body=True)
@bp.input(PeopleImportInSchema, validation=False)
@bp.output(ImportedSchema, status_code=201)
@bp.doc(
    responses=error_responses(400, 401, 403, 413),
    extensions={ALSO_ACCEPTS: {"text/csv": {"schema": {"type": "string", "description": _CSV}}}},
)
def import_people(json_data: Any = None) -> ResponseReturnValue:
    """Add and invite many people at once from a CSV file or JSON rows, all or none
    (facilitator).

    Every person is checked as ``POST /people`` checks one (address free and
    valid, organisation known by slug or name, a representative with an
    organisation), and the file as the import page checks it; with any
    problem nothing is added and the 400 names each one.
    """
    viewer = actor()
    added = _people(viewer)
    answer = {"items": [serialize.person(p, viewer) for p in added]}
    db.session.commit()
    return respond(answer, 201)
