"""Refuse input that no page can use before its view runs.

Every page request passes here after the sign-in check (registered in
:mod:`cop_vote.web`):

* a path identifier beyond the databases' ``integer`` range, or a path
  segment holding a control character (NUL included), is 404: no such page;
* a query or form field (name or value) holding a control character other
  than tab and line breaks is 400, naming the field, and nothing is read
  from the database for it.

The services refuse the same characters in every text they store
(:func:`cop_vote.services.text.clean`), so the API is held to the same rule;
this check also covers the fields that are not free text (slugs, choices,
filters), whose values would otherwise reach a query. The API checks its
JSON bodies in :func:`cop_vote.api.common.read_json_object`.
"""

from __future__ import annotations

from flask import request

from ..database import MAX_ID
from ..domain.errors import InvalidInput, Message, NotFound
from ..services.text import has_control


def _name(field: str) -> str:
    """A field's name fit to show: control characters escaped, at most 40 characters."""
    shown = field if not has_control(field) else ascii(field)[1:-1]
    return shown[:40]


def refuse_unusable_input() -> None:
    """404 for an impossible path, 400 naming the first field with a control character.

    :raises NotFound: a path argument holds a control character or an
        identifier beyond the databases' range.
    :raises InvalidInput: a query or form field does.
    """
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not 0 <= value <= MAX_ID:
            raise NotFound("No such page.")
        if isinstance(value, str) and has_control(value):
            raise NotFound("No such page.")
    for source in (request.args, request.form):
        for field, values in source.lists():
            if any(has_control(text) for text in (field, *values)):
                name = _name(field)
                raise InvalidInput(
                    Message(
                        "The field %(field)s holds a control character (such as NUL) "
                        "that cannot be stored; nothing was saved.",
                        field=name,
                    ),
                    {name: Message("Remove the control character (such as NUL) from this text.")},
                )
