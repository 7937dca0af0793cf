"""Reminders: to the organisations of a decision's electorate that have not
cast a ballot, automatically before the deadline (``cop send-reminders``, the
worker's schedule) or when a facilitator asks (a page and the API).

Written to the outbox like every mail (:func:`cop_vote.services.notify.queue`),
keyed so that a second run, by cron, the scheduler or several workers at
once, writes nothing twice. Functions flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from ..domain.errors import Conflict, Message
from ..domain.lifecycle import Status
from ..extensions import db
from ..models import Decision, Event, Notification, Organisation, Person
from . import audit
from .access import require_facilitator
from .decisions import get_decision, lock_afresh, status_of
from .notify import Mail, queue, representatives, silent_organisations
from .timefmt import Now, instant


def _reminders(
    decision: Decision, key: str, hours: int | None, silent: list[Organisation] | None = None
) -> list[Mail]:
    """Reminders for the silent organisations' representatives; ``key`` is a
    format string with ``{decision}`` and ``{person}``."""
    silent = silent_organisations(decision) if silent is None else silent
    names = {o.id: o.name for o in silent}
    return [
        Mail(
            key.format(decision=decision.id, person=p.id),
            "reminder",
            p,
            decision,
            {
                "organisation": names.get(p.organisation_id or 0, ""),
                "closes_at": decision.closes_at,
                "hours": hours,
            },
        )
        for p in representatives(names)
    ]


def _due_decision_ids(now: datetime) -> list[int]:
    """Open decisions whose deadline is still ahead at ``now``."""
    return list(
        db.session.execute(
            select(Decision.id)
            .where(
                Decision.status == Status.OPEN.value,
                Decision.closes_at.is_not(None),
                Decision.closes_at > now,
            )
            .order_by(Decision.id)
        ).scalars()
    )


def _due_for(decision: Decision, now: datetime, default_hours: int) -> list[Mail]:
    """The automatic reminders of ``decision`` due at ``now`` and not written yet."""
    if status_of(decision, now) is not Status.OPEN or decision.closes_at is None:
        return []
    hours = decision.reminder_hours if decision.reminder_hours is not None else default_hours
    if decision.closes_at - timedelta(hours=hours) > now:
        return []
    candidates = _reminders(decision, "reminder:auto:{decision}:{person}", hours)
    if not candidates:
        return []
    written = set(
        db.session.execute(
            select(Notification.key).where(Notification.key.in_([m.key for m in candidates]))
        ).scalars()
    )
    return [m for m in candidates if m.key not in written]


def due_reminders(now: datetime, default_hours: int) -> list[Mail]:
    """The automatic reminders due at ``now`` that have not been written yet.

    A decision is due when it is open, its deadline is still ahead, and
    ``closes_at - (decision.reminder_hours or default_hours)`` is at or before
    ``now``. Each active representative of each elector organisation without a
    cast ballot gets one, keyed ``"reminder:auto:<decision>:<person>"``.

    :param default_hours: the app's ``REMINDER_HOURS``.
    """
    mails: list[Mail] = []
    for decision_id in _due_decision_ids(now):
        decision = db.session.get(Decision, decision_id)
        if decision is not None:
            mails += _due_for(decision, now, default_hours)
    return mails


def send_reminders(now: Now, default_hours: int) -> int:
    """Write the due automatic reminders to the outbox (``cop send-reminders``
    and the worker's schedule); safe to run twice, and by several at once.

    Each decision is locked and re-read before its reminders are written, so a
    decision closed or voted on meanwhile gets none it should not; the unique
    key writes each reminder once.

    :param default_hours: hours before ``closes_at`` for decisions without their own.
    :returns: how many reminders were written now (0 on a second run).
    """
    written = 0
    for decision_id in _due_decision_ids(instant(now)):
        decision = lock_afresh(decision_id)
        at = instant(now)
        queued = queue(_due_for(decision, at, default_hours), at)
        if queued:
            audit.record(
                "decision.reminded",
                f"decision:{decision_id}",
                None,
                {"manual": False, "people": queued},
                at=at,
            )
            written += queued
    return written


@dataclass(frozen=True)
class Reminded:
    """What :func:`remind` wrote: ``people`` reminders, to the representatives
    of ``organisations`` (those without a cast ballot, by name)."""

    people: int
    organisations: list[Organisation]


#: How long after a manual reminder the next one is refused (``REMIND_AGAIN_AFTER``).
REMIND_AGAIN_AFTER = timedelta(hours=12)


def last_manual_reminder(decision_id: int) -> datetime | None:
    """When a facilitator's reminder of this decision last reached someone, read
    afresh from the log (``decision.reminded`` with ``manual``); ``None``: never."""
    rows = db.session.execute(
        select(Event.at, Event.data)
        .where(Event.kind == "decision.reminded", Event.subject == f"decision:{decision_id}")
        .order_by(Event.id.desc())
    )
    for at, data in rows:
        if data.get("manual") and data.get("people"):
            when: datetime = at
            return when
    return None


def next_reminder_at(
    decision_id: int, now: datetime, again_after: timedelta = REMIND_AGAIN_AFTER
) -> datetime | None:
    """When the next facilitator's reminder of this decision can be sent, if not
    yet at ``now`` (``again_after`` since the last that reached someone); else ``None``."""
    last = last_manual_reminder(decision_id)
    if last is None or now - last >= again_after:
        return None
    return last + again_after


def remind(
    actor: Person | None,
    decision_id: int,
    now: Now,
    *,
    again_after: timedelta = REMIND_AGAIN_AFTER,
) -> Reminded:
    """A facilitator reminds the representatives of organisations that have not voted
    (the facilitator's page and ``POST /api/v1/decisions/{id}/reminders``).

    Keys are ``"reminder:manual:<decision>:<person>:<timestamp>"``: each press
    of the button writes one reminder per person. Organisations that voted get
    nothing. The worker delivers them.

    :returns: how many reminders were written, and to which organisations.
    :raises NotAllowed: for non-facilitators.
    :raises NotFound: no such decision.
    :param again_after: a manual reminder that reached someone less than this
        long ago refuses the next (decided under the decision's lock).
    :raises Conflict: the decision is not open at ``now``; ``reminded_recently``.
    """
    actor = require_facilitator(actor)
    decision = get_decision(actor, decision_id, lock=True)
    at = instant(now)
    if status_of(decision, at) is not Status.OPEN:
        raise Conflict("Reminders can be sent only while the decision is open.")
    next_at = next_reminder_at(decision.id, at, again_after)
    if next_at is not None:
        raise Conflict(
            Message(
                "A reminder was sent less than %(hours)s hours ago; "
                "the next can be sent from %(next)s.",
                hours=f"{again_after.total_seconds() / 3600:g}",
                next=next_at,
            ),
            code="reminded_recently",
        )
    stamp = at.strftime("%Y%m%dT%H%M%S%f")
    silent = silent_organisations(decision)
    mails = _reminders(decision, "reminder:manual:{decision}:{person}:" + stamp, None, silent)
    written = queue(mails, at)
    reached = {m.person.organisation_id or 0 for m in mails}
    audit.record(
        "decision.reminded",
        f"decision:{decision.id}",
        actor,
        {"manual": True, "people": written, "organisations": sorted(reached)},
        at=at,
    )
    # A second request at the same instant writes nothing again, and names nobody.
    return Reminded(written, [o for o in silent if o.id in reached] if written else [])
