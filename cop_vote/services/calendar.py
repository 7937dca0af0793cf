"""The chosen meeting slot as an iCalendar (RFC 5545) file, made with ``icalendar``."""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar, Event

from ..domain.errors import NotFound
from ..models import Decision


def meeting_calendar(
    decision: Decision, *, url: str, now: datetime, title: str | None = None
) -> bytes:
    """The published slot of a ``meeting_time`` decision as a VCALENDAR with one VEVENT.

    :param url: the decision's web address, put in the event's URL and description.
    :param now: the DTSTAMP.
    :param title: the event's summary: the title in the reader's language (default: the original).
    :returns: the ``.ics`` file, UTF-8 bytes with CRLF line ends.
    :raises NotFound: not a meeting poll, not published, or no slot chosen.
    """
    option = decision.outcome_option
    if (
        decision.method != "meeting_time"
        or decision.status != "published"
        or option is None
        or option.starts_at is None
        or option.ends_at is None
    ):
        raise NotFound("This decision has no published meeting date.")
    calendar = Calendar()
    calendar.add("prodid", "-//cop-vote//meeting date//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"decision-{decision.id}-option-{option.id}@cop-vote")
    event.add("dtstamp", now)
    event.add("dtstart", option.starts_at)
    event.add("dtend", option.ends_at)
    event.add("summary", title or decision.title)
    description = (decision.outcome_statement or "").strip()
    event.add("description", f"{description}\n\n{url}".strip())
    event.add("url", url)
    calendar.add_component(event)
    ics: bytes = calendar.to_ical()
    return ics
