"""Calendars as iCalendar (RFC 5545) files, made with ``icalendar``: the chosen
meeting slot of one decision, and a person's feed (decision deadlines, the
network's meeting dates, chosen meeting slots) in the network's time zone."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from ..domain.errors import NotFound
from ..models import Decision, Meeting, Option


def _calendar(prodid: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", f"-//cop-vote//{prodid}//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    return calendar


def _local(moment: datetime, zone: ZoneInfo | None) -> datetime:
    """``moment`` in ``zone`` (written with its TZID), or as it is (UTC)."""
    return moment.astimezone(zone) if zone is not None else moment


def _slot_event(
    decision: Decision,
    option: Option,
    *,
    url: str,
    stamp: datetime,
    title: str,
    zone: ZoneInfo | None,
) -> Event:
    """The VEVENT of a chosen time slot (``option`` has its start and end)."""
    assert option.starts_at is not None and option.ends_at is not None
    event = Event()
    event.add("uid", f"decision-{decision.id}-option-{option.id}@cop-vote")
    event.add("dtstamp", stamp)
    event.add("dtstart", _local(option.starts_at, zone))
    event.add("dtend", _local(option.ends_at, zone))
    event.add("summary", title)
    description = (decision.outcome_statement or "").strip()
    event.add("description", f"{description}\n\n{url}".strip())
    event.add("url", url)
    return event


def _to_ical(calendar: Calendar, zone: ZoneInfo | None) -> bytes:
    if zone is not None:
        calendar.add_missing_timezones()  # a VTIMEZONE for the TZID of the times
    ics: bytes = calendar.to_ical()
    return ics


def meeting_calendar(
    decision: Decision,
    *,
    url: str,
    now: datetime,
    title: str | None = None,
    zone: str | None = None,
) -> bytes:
    """The published slot of a ``meeting_time`` decision as a VCALENDAR with one VEVENT.

    :param url: the decision's web address, put in the event's URL and description.
    :param now: the DTSTAMP.
    :param title: the event's summary: the title in the reader's language (default: the original).
    :param zone: an IANA time zone to write the times in, with its VTIMEZONE
        (default: UTC).
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
    tz = ZoneInfo(zone) if zone else None
    calendar = _calendar("meeting date")
    calendar.add_component(
        _slot_event(decision, option, url=url, stamp=now, title=title or decision.title, zone=tz)
    )
    return _to_ical(calendar, tz)


def chosen_slots(decision: Decision) -> list[Option]:
    """The published time slots of a ``meeting_time`` decision (``[]`` for others)."""
    if decision.method != "meeting_time" or decision.status != "published":
        return []
    return [o for o in decision.selected_options if o.starts_at and o.ends_at]


def feed_calendar(
    decisions: Iterable[Decision],
    meetings: Iterable[Meeting],
    *,
    zone: str,
    name: str,
    url: Callable[[Decision], str],
    title: Callable[[object], str],
    deadline_title: Callable[[str], str],
) -> bytes:
    """A person's calendar feed: one VEVENT per decision deadline (a moment:
    DTSTART without DTEND), per chosen meeting slot and per meeting of the
    network (a whole day), with times in ``zone`` and its VTIMEZONE.

    Each event's DTSTAMP is the moment its subject last changed (not the
    request's time), so an unchanged feed is the same file, byte for byte,
    and a conditional GET can answer 304.

    :param decisions: the decisions the person may see (drafts and withdrawn
        ones are left out here).
    :param name: the calendar's name (``X-WR-CALNAME``).
    :param url: a decision's web address.
    :param title: a decision's or meeting's title in the reader's language.
    :param deadline_title: the summary of a deadline event, from the title.
    """
    tz = ZoneInfo(zone)
    calendar = _calendar("calendar feed")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", zone)
    for decision in decisions:
        if decision.status in ("draft", "withdrawn"):
            continue
        link = url(decision)
        changed = decision.published_at or decision.closed_at or decision.opened_at
        stamp = changed or decision.created_at
        if decision.closes_at is not None:
            event = Event()
            event.add("uid", f"decision-{decision.id}-deadline@cop-vote")
            event.add("dtstamp", stamp)
            event.add("dtstart", _local(decision.closes_at, tz))
            event.add("summary", deadline_title(title(decision)))
            event.add("description", link)
            event.add("url", link)
            calendar.add_component(event)
        for option in chosen_slots(decision):
            calendar.add_component(
                _slot_event(decision, option, url=link, stamp=stamp, title=title(decision), zone=tz)
            )
    for meeting in meetings:
        event = Event()
        event.add("uid", f"meeting-{meeting.id}@cop-vote")
        event.add("dtstamp", meeting.created_at)
        event.add("dtstart", meeting.held_on)
        event.add("summary", title(meeting))
        if meeting.location:
            event.add("location", meeting.location)
        calendar.add_component(event)
    return _to_ical(calendar, tz)
