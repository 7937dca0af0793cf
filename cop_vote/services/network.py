"""Setting up an installation: a new empty network, or the kick-off network.

The kick-off data (``cop_vote/data/kickoff-2009.json``) comes from the report
of the PSO kick-off meeting of 4 December 2009; people are invented.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..domain.errors import Conflict
from ..extensions import db
from ..models import Decision, Network, Organisation, Person
from . import audit, decisions, meetings, transitions, translations

KICKOFF_KEY = "kickoff-2009"


def kickoff_data() -> dict[str, Any]:
    """The kick-off network as structured data (shipped with the package)."""
    text = resources.files("cop_vote").joinpath("data/kickoff-2009.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def get_network() -> Network | None:
    """The installation's network, or ``None`` before ``cop init``/``load-demo``."""
    return db.session.execute(select(Network).limit(1)).scalar()


def network_purpose(network: Network | None, language: str, configured: str = "") -> str:
    """What the network is for, in ``language``, for visitors who are not signed in.

    :param configured: the installation's own text (``NETWORK_PURPOSE_NL`` or
        ``_EN``); it wins when given.
    :returns: that text; else, for the kick-off demo network, the demo's; else ``""``.
    """
    if configured.strip():
        return configured.strip()
    if network is None:
        return ""
    demo = kickoff_data()["network"]
    if network.name != demo["name"]:
        return ""
    return str(demo.get(f"purpose_{language}") or demo.get("purpose_en") or "")


def init_network(email: str, name: str, network_name: str, now: datetime) -> Person:
    """A new, empty installation with its first facilitator.

    :raises Conflict: when the installation already has a network.
    """
    if get_network() is not None:
        raise Conflict("This installation already has a network.")
    db.session.add(Network(name=network_name, created_at=now))
    org = Organisation(
        slug="facilitators",
        name="Facilitators",
        short_name="Facilitators",
        kind="facilitator",
        voting=False,
        active=True,
        created_at=now,
    )
    person = Person(name=name, role="representative", active=True, function="")
    db.session.add(org)
    db.session.flush()
    from .organisations import _apply_person

    _apply_person(person, {"name": name, "email": email, "role": "facilitator"})
    person.organisation = org
    db.session.add(person)
    db.session.flush()
    audit.record("network.created", "network", person, {"name": network_name}, at=now)
    return person


def load_demo(now: datetime) -> dict[str, int]:
    """Load the kick-off network and its decisions, open, closing in two weeks.

    Safe to run twice: organisations, people, decisions and the kick-off
    meeting that exist (by slug, e-mail, title, and title and day) are left
    as they are.

    :returns: counts of what was added, e.g. ``{"organisations": 16, ...}``.
    :raises Conflict: the installation runs another network (``cop init``).
    """
    data = kickoff_data()
    added = {"organisations": 0, "people": 0, "decisions": 0, "meetings": 0}
    network = get_network()
    if network is not None and network.name != data["network"]["name"]:
        raise Conflict(
            f"This installation runs the network '{network.name}'; the kick-off demo "
            "loads only into an empty installation or its own."
        )
    if network is None:
        net = data["network"]
        db.session.add(
            Network(
                name=net["name"],
                time_zone=net["time_zone"],
                default_language=net["default_language"],
                created_at=now,
            )
        )
    orgs: dict[str, Organisation] = {
        o.slug: o for o in db.session.execute(select(Organisation)).scalars()
    }
    for item in data["organisations"]:
        if item["slug"] in orgs:
            continue
        org = Organisation(
            slug=item["slug"],
            name=item["name"],
            short_name=item["short_name"],
            kind=item["kind"],
            voting=True,
            active=True,
            created_at=now,
        )
        db.session.add(org)
        orgs[org.slug] = org
        added["organisations"] += 1
    db.session.flush()
    emails = {p.email for p in db.session.execute(select(Person)).scalars()}
    facilitator: Person | None = None
    for item in data["people"]:
        if item["email"] in emails:
            if facilitator is None and item["role"] == "facilitator":
                facilitator = db.session.execute(
                    select(Person).where(Person.email == item["email"])
                ).scalar()
            continue
        person = Person(
            name=item["name"],
            email=item["email"],
            organisation=orgs[item["organisation"]],
            role=item["role"],
            function=item.get("function", ""),
            active=True,
            created_at=now,
        )
        db.session.add(person)
        added["people"] += 1
        if facilitator is None and item["role"] == "facilitator":
            facilitator = person
    db.session.flush()
    closes_at = (now + timedelta(days=14)).isoformat()
    for body, credits in _demo_decisions(data, orgs, now, closes_at):
        exists = db.session.execute(
            select(Decision.id).where(Decision.title == body["title"])
        ).scalar()
        if exists is not None:
            continue
        decision = decisions.create_decision(facilitator, body, now)
        for option, credit in zip(decision.options, credits, strict=True):
            option.proposed_by = credit
            option.proposed_by_name = credit.name if credit is not None else None
        transitions.open_decision(facilitator, decision.id, now)
        added["decisions"] += 1
    added["meetings"] = _demo_meeting(data, facilitator, now)
    return added


def _demo_meeting(data: dict[str, Any], facilitator: Person | None, now: datetime) -> int:
    """The kick-off meeting with the annex's attendance and its four follow-up
    actions, unless a meeting with its title and day exists.

    The actions keep no due date: the report sets none, and a date made up
    here would read as if the meeting had agreed it.

    :returns: 1 when the meeting was added, else 0.
    """
    item = data["meeting"]
    held_on = date.fromisoformat(item["date"])
    if meetings.find_meeting(item["title_en"], held_on) is not None:
        return 0
    meeting = meetings.create_meeting(facilitator, item["title_en"], held_on, "", now)
    translations.set_translations(meeting, "meeting", "en", {"nl": {"title": item["title_nl"]}})
    meetings.set_attendances(
        facilitator,
        meeting.id,
        {o["slug"]: (o["attendance"], o.get("note", "")) for o in data["organisations"]},
        now,
    )
    notes = {o["slug"]: o.get("note_nl", "") for o in data["organisations"]}
    for attendance in meeting.attendance:
        note = notes.get(attendance.organisation.slug, "")
        translations.set_translations(
            attendance, "attendance", "en", {"nl": {"note": note} if note else None}
        )
    for action in data["follow_up_actions"]:
        added = meetings.add_action(
            facilitator, meeting.id, action["text_en"], action["owner"], None, now
        )
        translations.set_translations(added, "action", "en", {"nl": {"text": action["text_nl"]}})
    return 1


def candidate_slots(now: datetime, zone: str, count: int = 3) -> list[tuple[datetime, datetime]]:
    """Afternoon slots (14:00–17:00 local) on the Tuesdays and Thursdays that
    follow three weeks from ``now``, skipping 24 December to 1 January: the
    follow-up meeting's candidate dates."""
    tz = ZoneInfo(zone)
    day = (now + timedelta(days=21)).astimezone(tz).date()
    slots: list[tuple[datetime, datetime]] = []
    while len(slots) < count:
        day += timedelta(days=1)
        holidays = (day.month == 12 and day.day >= 24) or (day.month == 1 and day.day == 1)
        if day.weekday() in (1, 3) and not holidays:
            start = datetime.combine(day, time(14, 0), tzinfo=tz)
            slots.append((start, start + timedelta(hours=3)))
    return slots


def _demo_decisions(
    data: dict[str, Any], orgs: dict[str, Organisation], now: datetime, closes_at: str
) -> list[tuple[dict[str, Any], list[Organisation | None]]]:
    """The kick-off's decision on the form and its three follow-ups, as API bodies
    with the organisation credited for each option (``None``: the facilitator)."""
    by_key = {d["key"]: d for d in data["decisions"]}
    form = by_key["cop-form"]
    questions = [q for q in data["learning_questions"] if q["text_en"]]

    def dutch(item: dict[str, Any], **fields: str) -> dict[str, Any]:
        """The Dutch translation of a demo text: ``field=key`` of the Dutch in ``item``."""
        return {"nl": {field: item.get(key, "") for field, key in fields.items()}}

    agenda = by_key["learning-agenda-2010"]
    meeting = by_key["follow-up-meeting"]
    feedback = by_key["ids-proposal-feedback"]
    slots = candidate_slots(now, data["network"]["time_zone"])
    return [
        (
            {
                "title": form["title_en"],
                "description": form["context_en"],
                "original_language": "en",
                "translations": dutch(form, title="title_nl", description="context_nl"),
                "method": form["method"],
                "results_visibility": form["results_visibility"],
                "options": [
                    {"label": o["label_en"], "translations": dutch(o, label="label_nl")}
                    for o in form["options"]
                ],
                "closes_at": closes_at,
            },
            [None] * len(form["options"]),
        ),
        (
            {
                "title": agenda["title_en"],
                "description": agenda["context_en"],
                "original_language": "en",
                "translations": dutch(agenda, title="title_nl", description="context_nl"),
                "method": "dot_vote",
                "dots": agenda["dots"],
                "results_visibility": "live",
                "options": [
                    {
                        "label": q["text_en"],
                        "description": q.get("remark_en", ""),
                        "translations": dutch(q, label="text_nl", description="remark_nl"),
                    }
                    for q in questions
                ],
                "closes_at": closes_at,
            },
            [orgs[q["organisation"]] for q in questions],
        ),
        (
            {
                "title": meeting["title_en"],
                "description": meeting["context_en"],
                "original_language": "en",
                "translations": dutch(meeting, title="title_nl", description="context_nl"),
                "method": "meeting_time",
                "results_visibility": "live",
                "options": [
                    {"starts_at": start.isoformat(), "ends_at": end.isoformat()}
                    for start, end in slots
                ],
                "closes_at": closes_at,
            },
            [None] * len(slots),
        ),
        (
            {
                "title": feedback["title_en"],
                "description": feedback["context_en"],
                "original_language": "en",
                "translations": dutch(feedback, title="title_nl", description="context_nl"),
                "method": "discussion",
                "closes_at": closes_at,
            },
            [],
        ),
    ]
