"""Schemas of the meeting record and of new drafts from copies and templates
(API.md, "Meetings", "Duplicates and templates"), apart from :mod:`.schemas`.

The limits are the services' (``services/meetings.py``): a title and a
location of 300 characters, minutes of 50,000, an attendance note of 500, an
action of 2,000; days as ``YYYY-MM-DD`` with years 1900–9998.
"""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Date, DateTime, Dict, List, Nested, String
from apiflask.validators import Regexp

from ..domain.ballots import METHODS
from ..models import ATTENDANCE
from ..services.meetings import ACTION_MAX, MINUTES_MAX, NOTE_MAX
from .schemas import LANGUAGES, SLUG_PATTERN, choice, ident, text

DAY = {"description": "a day, YYYY-MM-DD (years 1900–9998)"}


class AttendanceSchema(Schema):
    """An organisation's attendance at a meeting."""

    organisation = String(required=True, validate=Regexp(SLUG_PATTERN))
    organisation_name = String(
        required=True,
        metadata={"description": "the organisation's name when its attendance was recorded"},
    )
    status = choice(ATTENDANCE, required=True)
    note = String(required=True)


class ActionSchema(Schema):
    """A follow-up action agreed at a meeting."""

    id = ident(required=True)
    meeting = ident(required=True)
    text = String(required=True)
    owner = String(
        required=True, allow_none=True, metadata={"description": "the owning organisation's slug"}
    )
    owner_name = String(
        required=True,
        allow_none=True,
        metadata={"description": "the owner's name when it was made owner"},
    )
    due_on = Date(required=True, allow_none=True)
    done = Boolean(required=True)
    done_at = DateTime(required=True, allow_none=True)


class ActionItemSchema(ActionSchema):
    """An action in a meeting."""


class AgendaItemSchema(Schema):
    """A decision on a meeting's agenda (only those the reader may see)."""

    id = ident(required=True)
    title = String(required=True)
    status = String(required=True)


class MeetingSchema(Schema):
    id = ident(required=True)
    title = String(required=True)
    held_on = Date(required=True)
    location = String(required=True)
    minutes = String(required=True)
    attendance = List(Nested(AttendanceSchema), required=True)
    actions = List(Nested(ActionItemSchema), required=True)
    decisions = List(
        Nested(AgendaItemSchema),
        required=True,
        metadata={"description": "the decisions on the agenda that the reader may see"},
    )


class MeetingItemSchema(MeetingSchema):
    """A meeting in a list."""


class MeetingListSchema(Schema):
    items = List(Nested(MeetingItemSchema), required=True)
    next = String(required=True, allow_none=True)


class MeetingInSchema(Schema):
    title = text(300, blank=False, required=True)
    held_on = Date(required=True, metadata=DAY)
    location = text(300)


class MeetingPatchSchema(Schema):
    title = text(300, blank=False)
    held_on = Date(metadata=DAY)
    location = text(300)
    minutes = text(MINUTES_MAX, metadata={"description": "plain text; blank clears them"})


class MinutesInSchema(Schema):
    minutes = text(MINUTES_MAX, required=True, metadata={"description": "blank clears them"})


class AttendanceEntrySchema(Schema):
    status = choice(
        ATTENDANCE,
        required=True,
        allow_none=True,
        metadata={"description": "null removes the organisation's entry"},
    )
    note = text(NOTE_MAX)


class AttendanceInSchema(Schema):
    attendance = Dict(
        keys=String(validate=Regexp(SLUG_PATTERN)),
        values=Nested(AttendanceEntrySchema),
        required=True,
        metadata={
            "description": "organisation slug → its attendance; organisations left out "
            "keep theirs; all are checked before any is saved"
        },
    )


class ActionInSchema(Schema):
    text = text(ACTION_MAX, blank=False, required=True)
    owner = String(
        allow_none=True, metadata={"description": "an organisation's slug; null or empty: none"}
    )
    due_on = Date(allow_none=True, metadata=DAY)


class ActionPatchSchema(Schema):
    text = text(ACTION_MAX, blank=False)
    owner = String(
        allow_none=True, metadata={"description": "an organisation's slug; null or empty: none"}
    )
    due_on = Date(allow_none=True, metadata=DAY)
    done = Boolean(
        metadata={"description": "true: done now (409 when done already); false: open again"}
    )


class AgendaInSchema(Schema):
    decision = ident(required=True, metadata={"description": "the decision to put on the agenda"})


class TemplateTextSchema(Schema):
    title = String(required=True)
    description = String(required=True)
    hint = String(required=True)


class TemplateOptionTextSchema(Schema):
    label = String(required=True)
    description = String(required=True)


class TemplateSchema(Schema):
    key = String(required=True)
    method = choice(METHODS, required=True)
    texts = Dict(
        keys=String(validate=Regexp("^(nl|en)$")),
        values=Nested(TemplateTextSchema),
        required=True,
        metadata={"description": "language → title, description and what the template is for"},
    )
    options = List(
        Dict(keys=String(), values=Nested(TemplateOptionTextSchema)),
        required=True,
        metadata={"description": "per option: language → label and description"},
    )


class TemplateListSchema(Schema):
    items = List(Nested(TemplateSchema), required=True)


class FromTemplateInSchema(Schema):
    template = String(required=True, metadata={"description": "a template's key"})
    language = choice(
        LANGUAGES,
        metadata={
            "description": "the draft's original language (the other is its translation); "
            "default: your own language, else the network's"
        },
    )
