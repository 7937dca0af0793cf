"""The meeting record, duplicates and templates (API.md, "Meetings",
"Duplicates and templates").

Every signed-in person reads the meetings, as on the network page; only
facilitators write, through the services the pages call
(``services/meetings.py``, ``services/decision_copies.py``), and each route
commits once.
"""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue

from .. import clock
from ..domain.errors import InvalidInput, NotFound
from ..extensions import db
from ..models import FollowUpAction, Meeting, Person
from ..services import access, decision_copies, decisions, meetings, translations
from ..services.timefmt import iso_utc
from . import bp, serialize
from .common import actor, auth, checks, error_responses, only, paginate, respond
from .schemas import PageQuerySchema
from .schemas_decisions import DecisionSchema
from .schemas_meetings import (
    ActionInSchema,
    ActionPatchSchema,
    ActionSchema,
    AgendaInSchema,
    AttendanceInSchema,
    FromTemplateInSchema,
    MeetingInSchema,
    MeetingListSchema,
    MeetingPatchSchema,
    MeetingSchema,
    MinutesInSchema,
    TemplateListSchema,
)


def action_json(action: FollowUpAction) -> dict[str, Any]:
    """The API's follow-up action object."""
    return {
        "id": action.id,
        "meeting": action.meeting_id,
        "text": action.text,
        "owner": action.owner.slug if action.owner else None,
        # Named as when it was made owner (domain/names.py); the slug is today's.
        "owner_name": action.owner_name if action.owner_id is not None else None,
        "due_on": action.due_on.isoformat() if action.due_on else None,
        "done": action.done_at is not None,
        "done_at": iso_utc(action.done_at),
    }


def meeting_json(meeting: Meeting, viewer: Person) -> dict[str, Any]:
    """The API's meeting object; the agenda lists the decisions ``viewer`` may see."""
    return {
        "id": meeting.id,
        "title": meeting.title,
        "held_on": meeting.held_on.isoformat(),
        "location": meeting.location,
        "minutes": meeting.minutes,
        "attendance": [
            {
                "organisation": a.organisation.slug,
                # Named as when the attendance was recorded (domain/names.py).
                "organisation_name": a.organisation_name or "",
                "status": a.status,
                "note": a.note,
            }
            for a in sorted(meeting.attendance, key=lambda a: a.organisation.slug)
        ],
        "actions": [action_json(a) for a in meeting.actions],
        "decisions": [
            {"id": d.id, "title": d.title, "status": d.status}
            for d in meeting.decisions
            if decisions.is_visible(d, viewer)
        ],
    }


def find_meeting(_person: Any, meeting_id: int, **_: Any) -> None:
    """404 unless meeting ``meeting_id`` exists."""
    meetings.get_meeting(meeting_id)


def find_action(_person: Any, meeting_id: int, action_id: int) -> None:
    """404 unless action ``action_id`` belongs to meeting ``meeting_id``."""
    if not any(a.id == action_id for a in meetings.get_meeting(meeting_id).actions):
        raise NotFound(f"No follow-up action {action_id} in meeting {meeting_id}.")


def _meeting_answer(meeting_id: int, status: int = 200) -> ResponseReturnValue:
    """The meeting as it stands after this request's write, then the commit."""
    db.session.expire_all()
    response = respond(meeting_json(meetings.get_meeting(meeting_id), actor()), status)
    db.session.commit()
    return response


@bp.get("/meetings")
@bp.auth_required(auth)
@bp.input(PageQuerySchema, location="query", validation=False)
@bp.output(MeetingListSchema)
@bp.doc(responses=error_responses(400, 401))
def list_meetings(query_data: Any = None) -> ResponseReturnValue:
    """List the network's meetings, newest first."""
    items, next_cursor = paginate(meetings.list_meetings())
    person = actor()
    return respond({"items": [meeting_json(m, person) for m in items], "next": next_cursor})


@bp.post("/meetings")
@bp.auth_required(auth)
@checks(role=access.require_facilitator, body=True)
@bp.input(MeetingInSchema, validation=False)
@bp.output(MeetingSchema, status_code=201)
@bp.doc(responses=error_responses(400, 401, 403, 413))
def create_meeting(json_data: dict[str, Any]) -> ResponseReturnValue:
    """Record a meeting (facilitator)."""
    body = only(json_data, ("title", "held_on", "location"))
    meeting = meetings.create_meeting(
        actor(), body.get("title"), body.get("held_on"), body.get("location"), clock.now()
    )
    return _meeting_answer(meeting.id, 201)


@bp.get("/meetings/<int:meeting_id>")
@bp.auth_required(auth)
@checks(find=find_meeting)
@bp.output(MeetingSchema)
@bp.doc(responses=error_responses(401, 404))
def get_meeting(meeting_id: int) -> ResponseReturnValue:
    """A meeting with its attendance, actions, minutes and agenda."""
    return respond(meeting_json(meetings.get_meeting(meeting_id), actor()))


@bp.patch("/meetings/<int:meeting_id>")
@bp.auth_required(auth)
@checks(role=access.require_facilitator, find=find_meeting, body=True)
@bp.input(MeetingPatchSchema, validation=False)
@bp.output(MeetingSchema)
@bp.doc(responses=error_responses(400, 401, 403, 404, 413))
def update_meeting(meeting_id: int, json_data: dict[str, Any]) -> ResponseReturnValue:
    """Change a meeting's title, day, location or minutes (facilitator)."""
    meetings.update_meeting(actor(), meeting_id, json_data, clock.now())
    return _meeting_answer(meeting_id)


@bp.put("/meetings/<int:meeting_id>/minutes")
@bp.auth_required(auth)
@checks(role=access.require_facilitator, find=find_meeting, body=True)
@bp.input(MinutesInSchema, validation=False)
@bp.output(MeetingSchema)
@bp.doc(responses=error_responses(400, 401, 403, 404, 413))
def set_minutes(meeting_id: int, json_data: dict[str, Any]) -> ResponseReturnValue:
    """Write a meeting's minutes (facilitator); the same as PATCH with ``minutes``."""
    body = only(json_data, ("minutes",))
    meetings.update_meeting(actor(), meeting_id, {"minutes": body.get("minutes")}, clock.now())
    return _meeting_answer(meeting_id)


@bp.put("/meetings/<int:meeting_id>/attendance")
@bp.auth_required(auth)
@checks(role=access.require_facilitator, find=find_meeting, body=True)
@bp.input(AttendanceInSchema, validation=False)
@bp.output(MeetingSchema)
@bp.doc(responses=error_responses(400, 401, 403, 404, 413))
def set_attendance(meeting_id: int, json_data: dict[str, Any]) -> ResponseReturnValue:
    """Set the attendance of some or all organisations (facilitator)."""
    body = only(json_data, ("attendance",))
    raw = body.get("attendance")
    entries: dict[str, tuple[object, object]] = {}
    if not isinstance(raw, dict):
        raise InvalidInput("attendance must be an object.", {"attendance": "Must be an object."})
    for slug, entry in raw.items():
        if not isinstance(entry, dict):
            entries[slug] = ("not an object", None)
            continue
        only(entry, ("status", "note"))
        entries[slug] = (entry.get("status"), entry.get("note"))
    meetings.set_attendances(actor(), meeting_id, entries, clock.now())
    return _meeting_answer(meeting_id)


@bp.post("/meetings/<int:meeting_id>/actions")
@bp.auth_required(auth)
@checks(role=access.require_facilitator, find=find_meeting, body=True)
@bp.input(ActionInSchema, validation=False)
@bp.output(ActionSchema, status_code=201)
@bp.doc(responses=error_responses(400, 401, 403, 404, 413))
def add_action(meeting_id: int, json_data: dict[str, Any]) -> ResponseReturnValue:
    """Add a follow-up action with an optional owner and due date (facilitator)."""
    body = only(json_data, ("text", "owner", "due_on"))
    action = meetings.add_action(
        actor(), meeting_id, body.get("text"), body.get("owner"), body.get("due_on"), clock.now()
    )
    response = respond(action_json(action), 201)
    db.session.commit()
    return response


@bp.patch("/meetings/<int:meeting_id>/actions/<int:action_id>")
@bp.auth_required(auth)
@checks(role=access.require_facilitator, find=find_action, body=True)
@bp.input(ActionPatchSchema, validation=False)
@bp.output(ActionSchema)
@bp.doc(responses=error_responses(400, 401, 403, 404, 409, 413))
def update_action(
    meeting_id: int, action_id: int, json_data: dict[str, Any]
) -> ResponseReturnValue:
    """Change an action's text, owner, due date, or mark it done or open (facilitator)."""
    action = meetings.update_action(actor(), action_id, json_data, clock.now())
    response = respond(action_json(action))
    db.session.commit()
    return response


@bp.post("/meetings/<int:meeting_id>/decisions")
@bp.auth_required(auth)
@checks(role=access.require_facilitator, find=find_meeting, body=True)
@bp.input(AgendaInSchema, validation=False)
@bp.output(MeetingSchema)
@bp.doc(responses=error_responses(400, 401, 403, 404, 409, 413))
def link_decision(meeting_id: int, json_data: dict[str, Any]) -> ResponseReturnValue:
    """Put a decision on the meeting's agenda (facilitator)."""
    body = only(json_data, ("decision",))
    meetings.link_decision(actor(), meeting_id, body.get("decision"), clock.now())
    return _meeting_answer(meeting_id)


@bp.delete("/meetings/<int:meeting_id>/decisions/<int:decision_id>")
@bp.auth_required(auth)
@checks(role=access.require_facilitator, find=find_meeting)
@bp.output(MeetingSchema)
@bp.doc(responses=error_responses(401, 403, 404))
def unlink_decision(meeting_id: int, decision_id: int) -> ResponseReturnValue:
    """Take a decision off the meeting's agenda (facilitator)."""
    meetings.unlink_decision(actor(), meeting_id, decision_id, clock.now())
    return _meeting_answer(meeting_id)


# --- duplicates and templates ---------------------------------------------------


@bp.post("/decisions/<int:decision_id>/duplicate")
@bp.auth_required(auth)
@checks(role=access.require_facilitator)
@bp.output(DecisionSchema, status_code=201)
@bp.doc(responses=error_responses(401, 403, 404))
def duplicate_decision(decision_id: int) -> ResponseReturnValue:
    """Copy a decision, whatever its status, as a new draft (facilitator)."""
    now = clock.now()
    copy = decision_copies.duplicate_decision(actor(), decision_id, now)
    response = respond(serialize.decision(copy, actor(), now), 201)
    db.session.commit()
    return response


@bp.get("/templates")
@bp.auth_required(auth)
@bp.output(TemplateListSchema)
@bp.doc(responses=error_responses(401))
def list_templates() -> ResponseReturnValue:
    """The built-in decision templates, in Dutch and English."""
    return respond(
        {
            "items": [
                {
                    "key": t.key,
                    "method": t.method,
                    "texts": {lang: dict(texts) for lang, texts in t.texts.items()},
                    "options": [
                        {lang: dict(texts) for lang, texts in o.items()} for o in t.options
                    ],
                }
                for t in decision_copies.list_templates()
            ]
        }
    )


@bp.post("/decisions/from-template")
@bp.auth_required(auth)
@checks(role=access.require_facilitator, body=True)
@bp.input(FromTemplateInSchema, validation=False)
@bp.output(DecisionSchema, status_code=201)
@bp.doc(responses=error_responses(400, 401, 403, 413))
def draft_from_template(json_data: dict[str, Any]) -> ResponseReturnValue:
    """Draft a decision from a built-in template (facilitator), written in
    ``language`` with the other language as its translation."""
    body = only(json_data, ("template", "language"))
    person, now = actor(), clock.now()
    language = body.get("language") or person.language or translations.network_language()
    language = translations.language(language, "language")
    draft = decision_copies.draft_from_template(person, body.get("template"), language, now)
    response = respond(serialize.decision(draft, person, now), 201)
    db.session.commit()
    return response
