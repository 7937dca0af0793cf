"""Parsing times given by people and scripts into aware UTC datetimes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ..domain.errors import InvalidInput, Message
from ..domain.errors import iso_utc as iso_utc  # the API's times; Message's too

#: A date without a time: ``2009-12-18``.
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_instant(value: object, field: str, *, local_zone: str | None = None) -> datetime:
    """Parse an ISO 8601 time into an aware UTC datetime.

    :param value: ``"2009-12-18T17:00:00+01:00"`` (offset or ``Z`` required) or,
        when ``local_zone`` is given, a local wall-clock time without offset
        (``"2009-12-18T17:00"``, as an HTML ``datetime-local`` field sends it).
    :param field: the field name used in errors.
    :param local_zone: IANA zone for wall-clock input, e.g. ``"Europe/Amsterdam"``.
    :raises InvalidInput: unparsable text, a date without a time (it is not
        taken as midnight), a missing offset without a zone, or a wall-clock
        time that does not exist in the zone (the spring-forward gap).
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError as exc:
            raise InvalidInput(
                Message("%(field)s is not a valid time.", field=field),
                {field: Message("Use ISO 8601 with an offset, e.g. 2009-12-18T17:00:00+01:00.")},
            ) from exc
        if _DATE_ONLY.fullmatch(text):
            # "2009-12-18" would silently be midnight, the start of that day: refused.
            raise InvalidInput(
                Message("%(field)s needs a time as well as a date.", field=field),
                {
                    field: Message(
                        "Give a time as well as the date, e.g. %(example)s.",
                        example=text + "T17:00",
                    )
                },
            )
    else:
        raise InvalidInput(
            Message("%(field)s must be a time.", field=field),
            {field: Message("Must be an ISO 8601 string.")},
        )
    if parsed.tzinfo is None:
        if local_zone is None:
            raise InvalidInput(
                Message("%(field)s needs a time zone offset.", field=field),
                {field: Message("Give an offset, e.g. +01:00, or Z for UTC.")},
            )
        zone = ZoneInfo(local_zone)
        local = parsed.replace(tzinfo=zone)
        try:
            round_trip = local.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        except OverflowError:  # before year 1 or after 9999 in UTC: refused below
            round_trip = parsed
        # A wall-clock time in the spring-forward gap does not round-trip.
        if round_trip != parsed:
            raise InvalidInput(
                Message(
                    "%(field)s does not exist in %(zone)s (clocks go forward then).",
                    field=field,
                    zone=local_zone,
                ),
                {
                    field: Message(
                        "That time does not exist in %(zone)s; choose another.", zone=local_zone
                    )
                },
            )
        parsed = local
    try:
        result = parsed.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+01:00 is before year 1 in UTC
        result = None
    # Years 1 and 9999 cannot be shown in every time zone: refuse them here.
    if result is None or not 1 < result.year < 9999:
        raise InvalidInput(
            Message("%(field)s is out of range.", field=field),
            {field: Message("A time between the years 2 and 9998.")},
        )
    return result


#: "Now" as a write service takes it: a clock to read once it holds its lock
#: (what views and commands pass), or a fixed instant (scripts and tests).
Now = datetime | Callable[[], datetime]


def instant(now: Now) -> datetime:
    """The instant ``now`` stands for: the clock read at this moment, or the instant itself.

    A write service calls this *after* it has taken its lock, so that a request
    that waited for the lock past a deadline is judged, and stamped, at the
    time it actually writes.
    """
    return now() if callable(now) else now
