"""Schemas of changes in the open and latecomers (issue 10, parts 3 and 7):
a decision's change notes and the body of ``POST /decisions/{id}/electorate``.
Kept apart from :mod:`.schemas`, which imports them (this module imports
nothing of it, so there is no cycle)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import DateTime, Integer, String
from apiflask.validators import OneOf, Range

from ..database import MAX_ID
from ..models import DECISION_CHANGE_KINDS


class ChangeSchema(Schema):
    """One dated change made to a decision after it opened (never changed)."""

    at = DateTime(required=True)
    kind = String(
        required=True,
        validate=OneOf(list(DECISION_CHANGE_KINDS)),
        metadata={
            "description": "deadline (extended), description (reworded), option "
            "(reworded), electorate (an organisation added)"
        },
    )
    text = String(
        required=True, metadata={"description": "what changed, in the language of the answer"}
    )
    option = Integer(
        required=True,
        allow_none=True,
        validate=Range(min=1, max=MAX_ID),
        metadata={"description": "option: the option reworded; else null"},
    )
    organisation = Integer(
        required=True,
        allow_none=True,
        validate=Range(min=1, max=MAX_ID),
        metadata={"description": "electorate: the organisation added; else null"},
    )


class ElectorInSchema(Schema):
    organisation = Integer(
        required=True,
        validate=Range(min=1, max=MAX_ID),
        metadata={"description": "the id of the organisation to add to the electorate"},
    )
