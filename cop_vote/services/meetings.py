"""The meeting record: meetings of the network, each organisation's attendance,
and the follow-up actions agreed there.

The kick-off of 4 December 2009 is the model: the report's annex lists every
organisation as present, excused or absent, with a note, and its section
"Afspraken en follow-up" lists actions with an owner. Facilitators write;
everyone signed in reads (the pages check sign-in). Every change is flushed,
never committed, and written to the event log.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..database import MAX_ID
from ..domain.errors import Conflict, InvalidInput, Message, NotFound
from ..extensions import db
from ..models import (
    ATTENDANCE,
    Attendance,
    Decision,
    FollowUpAction,
    Meeting,
    MeetingDecision,
    Organisation,
    Person,
)
from . import audit, translations
from .access import require_facilitator
from .decisions import get_decision
from .organisations import get_organisation
from .text import clean

#: The longest note on an organisation's attendance, in characters.
NOTE_MAX = 500
#: The longest follow-up action, in characters.
ACTION_MAX = 2000


def parse_day(value: object, field: str, *, required: bool) -> date | None:
    """A calendar day from a :class:`date` or an ISO ``YYYY-MM-DD`` string.

    :returns: the day, or ``None`` when blank and not ``required``.
    :raises InvalidInput: naming ``field`` for a missing, malformed or
        out-of-range day (years 1900–9998).
    """
    if isinstance(value, datetime):
        value = value.date()
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(
                Message("%(field)s is required.", field=field),
                {field: Message("This field is required.")},
            )
        return None
    day: date | None = value if isinstance(value, date) else None
    if isinstance(value, str):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            day = None
    if day is None or not 1900 <= day.year <= 9998:
        raise InvalidInput(
            f"{field} must be a date such as 2009-12-04.",
            {field: Message("Give a date such as 2009-12-04.")},
        )
    return day


#: The fields of a meeting a facilitator may change (``update_meeting``).
MEETING_FIELDS = ("title", "held_on", "location", "minutes")
#: The fields of a follow-up action a facilitator may change (``update_action``).
ACTION_FIELDS = ("text", "owner", "due_on", "done")
#: The longest minutes, in characters.
MINUTES_MAX = 50000


def _meeting_values(data: Mapping[str, object]) -> dict[str, Any]:
    """The checked values of the meeting fields present in ``data``.

    :raises InvalidInput: naming every bad field at once.
    """
    checks: dict[str, Any] = {
        "title": lambda v: clean(v, "title", max_length=300, single_line=True),
        "held_on": lambda v: parse_day(v, "held_on", required=True),
        "location": lambda v: clean(
            v or "", "location", max_length=300, required=False, single_line=True
        ),
        "minutes": lambda v: clean(v or "", "minutes", max_length=MINUTES_MAX, required=False),
    }
    return _checked(data, checks, Message("The meeting was not saved: check the fields named."))


def _checked(
    data: Mapping[str, object], checks: Mapping[str, Any], refusal: Message
) -> dict[str, Any]:
    """``{field: checks[field](value)}`` for each field of ``data``.

    :raises InvalidInput: ``refusal``, naming every bad field at once.
    """
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for field, value in data.items():
        try:
            values[field] = checks[field](value)
        except InvalidInput as error:
            errors.update(error.fields)
    if errors:
        raise InvalidInput(refusal, errors)
    return values


def _unknown(data: Mapping[str, object], allowed: tuple[str, ...]) -> None:
    unknown = [str(k) for k in data if k not in allowed]
    if unknown:
        raise InvalidInput(
            "Unknown field: " + ", ".join(unknown) + ".", {k: "Unknown field." for k in unknown}
        )


def _locked_meeting(meeting_id: int) -> Meeting:
    """The meeting, its row locked for a write and read afresh under the lock.

    :raises NotFound: when there is none.
    """
    db.session.flush()
    db.session.expire_all()  # nothing read before the lock decides anything
    meeting = db.session.execute(
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar()
    if meeting is None:
        raise NotFound(f"No meeting {meeting_id}.")
    return meeting


def list_meetings() -> list[Meeting]:
    """Every meeting, newest first (by day, then by creation), with its
    attendance and actions loaded."""
    query = (
        select(Meeting)
        .options(
            selectinload(Meeting.attendance).selectinload(Attendance.organisation),
            selectinload(Meeting.actions).selectinload(FollowUpAction.owner),
            selectinload(Meeting.decisions),
        )
        .order_by(Meeting.held_on.desc(), Meeting.id.desc())
    )
    return list(db.session.execute(query).scalars())


def get_meeting(meeting_id: int) -> Meeting:
    """The meeting with ``meeting_id``, with its actions loaded.

    :raises NotFound: when there is none.
    """
    meeting = db.session.get(Meeting, meeting_id, options=[selectinload(Meeting.actions)])
    if meeting is None:
        raise NotFound(f"No meeting {meeting_id}.")
    return meeting


def find_meeting(title: str, held_on: date) -> Meeting | None:
    """The meeting with exactly this title on this day, if any (for idempotent loads)."""
    return db.session.execute(
        select(Meeting).where(Meeting.title == title, Meeting.held_on == held_on).limit(1)
    ).scalar()


def create_meeting(
    actor: Person | None, title: object, held_on: object, location: object, now: datetime
) -> Meeting:
    """Record a meeting of the network.

    :param title: up to 300 characters, required.
    :param held_on: the day (a :class:`date` or ``"YYYY-MM-DD"``), required.
    :param location: up to 300 characters, may be blank or ``None``.
    :raises NotAllowed: for anyone but a facilitator.
    :raises InvalidInput: naming ``title``, ``held_on`` or ``location``.
    """
    actor = require_facilitator(actor)
    values = _meeting_values({"title": title, "held_on": held_on, "location": location})
    meeting = Meeting(
        title=values["title"],
        held_on=values["held_on"],
        location=values["location"],
        minutes="",
        created_at=now,
    )
    db.session.add(meeting)
    db.session.flush()
    audit.record(
        "meeting.created",
        f"meeting:{meeting.id}",
        actor,
        {"title": meeting.title, "held_on": meeting.held_on.isoformat()},
        at=now,
    )
    return meeting


def _organisation(slug: object, field: str) -> Organisation:
    try:
        return get_organisation(slug)
    except NotFound:
        raise InvalidInput(
            f"No organisation {str(slug)[:64]!r}.", {field: Message("Choose an organisation.")}
        ) from None


def set_attendances(
    actor: Person | None,
    meeting_id: int,
    entries: Mapping[str, tuple[object, object]],
    now: datetime,
) -> Meeting:
    """Set the attendance of several organisations at once (the attendance grid).

    All entries are checked before any is applied, so bad input changes nothing.

    :param entries: ``{organisation slug: (status, note)}``; status is one of
        ``present``, ``excused``, ``absent``, or ``None``/``""`` to remove the
        organisation's entry; note is text up to 500 characters (blank allowed).
    :raises NotAllowed: for anyone but a facilitator.
    :raises NotFound: no such meeting.
    :raises InvalidInput: naming ``attendance.<slug>`` or ``note.<slug>``.
    """
    actor = require_facilitator(actor)
    meeting = get_meeting(meeting_id)
    errors: dict[str, str] = {}
    checked: list[tuple[Organisation, str | None, str]] = []
    for slug, (status, note) in entries.items():
        try:
            org = _organisation(slug, f"attendance.{slug}")
        except InvalidInput as error:
            errors.update(error.fields)
            continue
        if status in (None, ""):
            status = None
        elif status not in ATTENDANCE:
            errors[f"attendance.{slug}"] = "Choose present, excused or absent."
            continue
        try:
            text = clean(note or "", f"note.{slug}", max_length=NOTE_MAX, required=False)
        except InvalidInput as error:
            errors.update(error.fields)
            continue
        checked.append((org, status, text))
    if errors:
        raise InvalidInput(
            Message("The attendance was not saved: check the organisations named."), errors
        )
    current = {a.organisation_id: a for a in meeting.attendance}
    changes: list[dict[str, Any]] = []
    for org, status, text in checked:
        row = current.get(org.id)
        if status is None:
            if row is not None:
                meeting.attendance.remove(row)
                changes.append({"organisation_id": org.id, "status": None})
            continue
        if row is None:
            meeting.attendance.append(
                Attendance(
                    organisation_id=org.id,
                    organisation=org,
                    organisation_name=org.name,
                    status=status,
                    note=text,
                )
            )
        elif row.status == status and row.note == text:
            continue
        else:
            row.status, row.note, row.organisation_name = status, text, org.name
        changes.append({"organisation_id": org.id, "status": status, "note": text})
    db.session.flush()
    if changes:
        audit.record(
            "meeting.attendance", f"meeting:{meeting.id}", actor, {"changes": changes}, at=now
        )
    return meeting


def set_attendance(
    actor: Person | None,
    meeting_id: int,
    slug: str,
    status: object,
    note: object,
    now: datetime,
) -> Meeting:
    """Set one organisation's attendance: ``present``, ``excused`` or ``absent``,
    with a note (see :func:`set_attendances` for the errors raised)."""
    if status in (None, ""):
        raise InvalidInput(
            Message("Choose present, excused or absent."),
            {f"attendance.{slug}": Message("Choose present, excused or absent.")},
        )
    return set_attendances(actor, meeting_id, {slug: (status, note)}, now)


def add_action(
    actor: Person | None,
    meeting_id: int,
    text: object,
    owner: object,
    due_on: object,
    now: datetime,
) -> FollowUpAction:
    """Add a follow-up action agreed at a meeting.

    :param text: what is to be done, up to 2000 characters, required.
    :param owner: the owning organisation's slug, or ``None``/``""`` for none.
    :param due_on: a :class:`date`, ``"YYYY-MM-DD"`` or ``None``/``""``.
    :raises NotAllowed: for anyone but a facilitator.
    :raises NotFound: no such meeting.
    :raises InvalidInput: naming ``text``, ``owner`` or ``due_on``.
    """
    actor = require_facilitator(actor)
    meeting = get_meeting(meeting_id)
    values = _action_values({"text": text, "owner": owner, "due_on": due_on})
    owner_org = values["owner"]
    action = FollowUpAction(
        meeting_id=meeting.id,
        text=values["text"],
        owner=owner_org,
        owner_name=owner_org.name if owner_org is not None else None,
        due_on=values["due_on"],
    )
    meeting.actions.append(action)
    db.session.flush()
    audit.record(
        "meeting.action_added",
        f"meeting:{meeting.id}",
        actor,
        {
            "action_id": action.id,
            "text": action.text,
            "owner_id": action.owner_id,
            "due_on": action.due_on.isoformat() if action.due_on else None,
        },
        at=now,
    )
    return action


def _action_values(data: Mapping[str, object]) -> dict[str, Any]:
    """The checked values of the action fields present in ``data`` (``owner``:
    an :class:`Organisation` or ``None``).

    :raises InvalidInput: naming every bad field at once.
    """
    checks: dict[str, Any] = {
        "text": lambda v: clean(v, "text", max_length=ACTION_MAX),
        "due_on": lambda v: parse_day(v, "due_on", required=False),
        "owner": lambda v: None if v in (None, "") else _organisation(v, "owner"),
        "done": _done,
    }
    return _checked(data, checks, Message("The action was not saved: check the fields named."))


def _done(value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput("done must be true or false.", {"done": "Must be true or false."})
    return value


def _describe(action: FollowUpAction) -> dict[str, Any]:
    return {
        "action_id": action.id,
        "text": action.text,
        "owner_id": action.owner_id,
        "due_on": action.due_on.isoformat() if action.due_on else None,
        "done": action.done_at is not None,
    }


def update_action(
    actor: Person | None, action_id: int, data: Mapping[str, object], now: datetime
) -> FollowUpAction:
    """Change a follow-up action: any of ``text``, ``owner`` (an organisation's
    slug, or ``None``/``""`` for none), ``due_on`` (a day, or ``None``/``""``)
    and ``done`` (``true`` marks it done at ``now``, ``false`` open again).

    All fields are checked before any is applied. A change that changes
    nothing is not logged.

    :raises NotAllowed: for anyone but a facilitator.
    :raises NotFound: no such action.
    :raises InvalidInput: an unknown field, or naming each bad one.
    :raises Conflict: ``done: true`` for an action done already (nothing changes).
    """
    actor = require_facilitator(actor)
    _unknown(data, ACTION_FIELDS)
    found = db.session.get(FollowUpAction, action_id)
    if found is None:
        raise NotFound(f"No follow-up action {action_id}.")
    _locked_meeting(found.meeting_id)
    action = db.session.get(FollowUpAction, action_id, populate_existing=True)
    if action is None:  # removed with its meeting meanwhile
        raise NotFound(f"No follow-up action {action_id}.")
    values = _action_values(data)
    if values.get("done") is True and action.done_at is not None:
        raise Conflict(Message("This action is marked done already."))
    before = _describe(action)
    if "text" in values and values["text"] != action.text:
        # the old text's translation no longer says what the action is
        action.translations = translations.without_stale(action.translations, "action", ["text"])
        action.text = values["text"]
    if "owner" in values and values["owner"] != action.owner:
        # A new owner: named as it is now; an unchanged one keeps its name of then.
        action.owner = values["owner"]
        action.owner_name = values["owner"].name if values["owner"] is not None else None
    if "due_on" in values:
        action.due_on = values["due_on"]
    if "done" in values:
        action.done_at = (action.done_at or now) if values["done"] else None
    db.session.flush()
    after = _describe(action)
    if after != before:
        kind = "meeting.action_done" if data.get("done") is True else "meeting.action_updated"
        audit.record(kind, f"meeting:{action.meeting_id}", actor, after, at=now)
    return action


def complete_action(actor: Person | None, action_id: int, now: datetime) -> FollowUpAction:
    """Mark a follow-up action done at ``now`` (:func:`update_action` with ``done``).

    :raises NotAllowed: for anyone but a facilitator.
    :raises NotFound: no such action.
    :raises Conflict: the action is done already (nothing changes).
    """
    return update_action(actor, action_id, {"done": True}, now)


def update_meeting(
    actor: Person | None, meeting_id: int, data: Mapping[str, object], now: datetime
) -> Meeting:
    """Change a meeting: any of ``title``, ``held_on``, ``location`` and
    ``minutes`` (plain text up to 50,000 characters, blank allowed).

    All fields are checked before any is applied; a change that changes
    nothing is not logged.

    :raises NotAllowed: for anyone but a facilitator.
    :raises NotFound: no such meeting.
    :raises InvalidInput: an unknown field, or naming each bad one.
    """
    actor = require_facilitator(actor)
    _unknown(data, MEETING_FIELDS)
    meeting = _locked_meeting(meeting_id)
    values = _meeting_values(data)
    changed = {k: v for k, v in values.items() if getattr(meeting, k) != v}
    for field, value in changed.items():
        setattr(meeting, field, value)
    if "title" in changed:  # the old title's translation no longer names the meeting
        meeting.translations = translations.without_stale(
            meeting.translations, "meeting", ["title"]
        )
    db.session.flush()
    if changed:
        logged = {k: v.isoformat() if isinstance(v, date) else v for k, v in changed.items()}
        audit.record("meeting.updated", f"meeting:{meeting.id}", actor, logged, at=now)
    return meeting


def _agenda_decision(actor: Person, decision_id: object) -> Decision:
    if (
        isinstance(decision_id, bool)
        or not isinstance(decision_id, int)
        or not 1 <= decision_id <= MAX_ID
    ):
        raise InvalidInput(
            "decision must be a decision's id.", {"decision": Message("Choose a decision.")}
        )
    try:
        return get_decision(actor, decision_id)
    except NotFound:
        raise InvalidInput(
            f"No decision {decision_id}.", {"decision": Message("Choose a decision.")}
        ) from None


def link_decision(
    actor: Person | None, meeting_id: int, decision_id: object, now: datetime
) -> Meeting:
    """Put a decision (any status) on a meeting's agenda.

    :raises NotAllowed: for anyone but a facilitator.
    :raises NotFound: no such meeting.
    :raises InvalidInput: field ``decision``: not a decision's id, or no such decision.
    :raises Conflict: the decision is on this agenda already (nothing changes).
    """
    actor = require_facilitator(actor)
    meeting = _locked_meeting(meeting_id)
    decision = _agenda_decision(actor, decision_id)
    if decision in meeting.decisions:
        raise Conflict(Message("This decision is on the meeting's agenda already."))
    meeting.decisions.append(decision)
    db.session.flush()
    audit.record(
        "meeting.decision_linked",
        f"meeting:{meeting.id}",
        actor,
        {"decision_id": decision.id},
        at=now,
    )
    return meeting


def unlink_decision(
    actor: Person | None, meeting_id: int, decision_id: int, now: datetime
) -> Meeting:
    """Take a decision off a meeting's agenda.

    :raises NotAllowed: for anyone but a facilitator.
    :raises NotFound: no such meeting, or the decision is not on its agenda.
    """
    actor = require_facilitator(actor)
    meeting = _locked_meeting(meeting_id)
    linked = [d for d in meeting.decisions if d.id == decision_id]
    if not linked:
        raise NotFound(f"Decision {decision_id} is not on meeting {meeting_id}'s agenda.")
    meeting.decisions.remove(linked[0])
    db.session.flush()
    audit.record(
        "meeting.decision_unlinked",
        f"meeting:{meeting.id}",
        actor,
        {"decision_id": decision_id},
        at=now,
    )
    return meeting


def meetings_of(decision_id: int) -> list[Meeting]:
    """The meetings with the decision on their agenda, oldest first, with their
    actions and the actions' owners loaded."""
    query = (
        select(Meeting)
        .join(MeetingDecision, MeetingDecision.meeting_id == Meeting.id)
        .where(MeetingDecision.decision_id == decision_id)
        .options(selectinload(Meeting.actions).selectinload(FollowUpAction.owner))
        .order_by(Meeting.held_on, Meeting.id)
    )
    return list(db.session.execute(query).scalars())
