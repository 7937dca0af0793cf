"""The facilitators' alerts: what waits for them, by mail as it happens or in a
daily digest, and counted in their menu.

An alert is one of:

* ``alert_reported``: a member reported a comment (event ``comment.reported``);
* ``alert_premoderation``: a comment waits for review on a pre-moderated
  decision (``comment.added`` or ``comment.edited`` by a member);
* ``alert_closed``: a decision closed, by a facilitator or at its deadline by
  the worker (``decision.closed``);
* ``alert_mail_failed``: mail to a person was given up (the outbox's
  :func:`~cop_vote.services.outbox.record_failure`).

Each facilitator chooses (``Person.alerts``): ``immediate`` (one mail per
alert, written to the outbox with the change, keyed
``"<kind>:<cause>:<person>"`` so it is written once however often its cause
is seen), ``digest`` (one mail a day, ``alert_digest``, counting the day
before's alerts; written by the worker from :data:`ALERT_DIGEST_HOUR` on)
or ``none``. The facilitator who caused an alert is not mailed about it.
An alert about mail that failed is never raised for a failed alert, so a
facilitator whose own address fails cannot start a chain of alerts.

Functions flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ..extensions import db
from ..models import ALERT_CHOICES, Comment, CommentReport, Decision, Event, Notification, Person
from .notify import ALERT_PREFIX, Mail, is_alert, queue
from .timefmt import Now, instant

REPORTED = ALERT_PREFIX + "reported"
PREMODERATION = ALERT_PREFIX + "premoderation"
CLOSED = ALERT_PREFIX + "closed"
MAIL_FAILED = ALERT_PREFIX + "mail_failed"
DIGEST = ALERT_PREFIX + "digest"
#: Every kind of alert mail, the digest included.
ALERT_KINDS = (REPORTED, PREMODERATION, CLOSED, MAIL_FAILED, DIGEST)

#: The event kinds that raise an alert, and the alert each raises.
EVENT_ALERTS = {
    "comment.reported": REPORTED,
    "comment.added": PREMODERATION,
    "comment.edited": PREMODERATION,
    "decision.closed": CLOSED,
}


def facilitators(choice: str, *, except_id: int | None = None) -> list[Person]:
    """The active facilitators with an address whose alerts are ``choice``, by id.

    :param choice: one of :data:`~cop_vote.models.ALERT_CHOICES` but ``none``.
    :param except_id: a person left out (who caused the alert).
    """
    assert choice in ALERT_CHOICES
    rows = db.session.execute(
        select(Person)
        .where(
            Person.role == "facilitator",
            Person.active.is_(True),
            Person.erased_at.is_(None),
            Person.email.is_not(None),
            Person.alerts == choice,
        )
        .order_by(Person.id)
    ).scalars()
    return [p for p in rows if p.id != except_id]


def _comment_alert(event: Event) -> tuple[Decision, dict[str, Any]] | None:
    """The decision and context of a comment event's alert, or ``None`` when
    the event raises none (a comment that needs no review)."""
    prefix, _, raw = event.subject.partition(":")
    if prefix != "comment" or not raw.isdigit():
        return None
    comment = db.session.get(Comment, int(raw))
    if comment is None:
        return None
    decision = db.session.get(Decision, comment.decision_id)
    if decision is None:
        return None
    context: dict[str, Any] = {"at": event.at, "comment": comment.id}
    if event.kind == "comment.reported":
        report_id = event.data.get("report")
        report = db.session.get(CommentReport, report_id) if isinstance(report_id, int) else None
        context["reason"] = report.reason if report is not None else ""
        return decision, context
    if decision.comments != "premoderated" or comment.author.role == "facilitator":
        return None
    context["signature"] = comment.author.signature
    return decision, context


def mails_for_event(event: Event) -> list[Mail]:
    """The immediate alerts an audit event raises (see the module); ``[]`` for others.

    :returns: one :class:`~cop_vote.services.notify.Mail` per facilitator who
        chose ``immediate`` (not the event's actor), keyed
        ``"<alert kind>:<event id>:<person id>"``.
    """
    kind = EVENT_ALERTS.get(event.kind)
    if kind is None:
        return []
    if kind == CLOSED:
        prefix, _, raw = event.subject.partition(":")
        decision = db.session.get(Decision, int(raw)) if raw.isdigit() else None
        if prefix != "decision" or decision is None:
            return []
        context: dict[str, Any] = {"at": event.at, "by_deadline": event.actor_id is None}
    else:
        found = _comment_alert(event)
        if found is None:
            return []
        decision, context = found
    return [
        Mail(f"{kind}:{event.id}:{p.id}", kind, p, decision, dict(context))
        for p in facilitators("immediate", except_id=event.actor_id)
    ]


def mail_failed(row: Notification, now: Now) -> int:
    """Alert the facilitators who chose ``immediate`` that mail ``row`` was given
    up (not the person it was for, and never for an alert that failed).

    :returns: how many alerts were written (0 when they exist already).
    """
    if is_alert(row.kind):
        return 0
    person = row.person
    context = {
        "name": person.name,
        "address": row.address or person.email or "",
        "error": row.last_error or "",
        "attempts": row.attempts,
    }
    mails = [
        Mail(f"{MAIL_FAILED}:{row.id}:{p.id}", MAIL_FAILED, p, row.decision, dict(context))
        for p in facilitators("immediate", except_id=row.person_id)
    ]
    return queue(mails, instant(now))


@dataclass(frozen=True)
class Waiting:
    """What waits for the facilitators now: comments with an unresolved report,
    comments waiting for review on pre-moderated decisions, mail given up."""

    reported: int
    premoderation: int
    mail_failed: int

    @property
    def total(self) -> int:
        """Everything waiting, for the count in the menu."""
        return self.reported + self.premoderation + self.mail_failed


def waiting() -> Waiting:
    """What waits for the facilitators now, counted in one query."""
    reported = (
        select(func.count(func.distinct(CommentReport.comment_id)))
        .join(Comment, Comment.id == CommentReport.comment_id)
        .where(CommentReport.resolved_at.is_(None), Comment.review != "hidden")
        .scalar_subquery()
    )
    premoderation = (
        select(func.count(Comment.id))
        .join(Decision, Decision.id == Comment.decision_id)
        .where(Comment.review == "new", Decision.comments == "premoderated")
        .scalar_subquery()
    )
    failed = (
        select(func.count(Notification.id)).where(Notification.status == "failed").scalar_subquery()
    )
    row = db.session.execute(select(reported, premoderation, failed)).one()
    return Waiting(int(row[0] or 0), int(row[1] or 0), int(row[2] or 0))


def _day_before(now: datetime, zone: str) -> tuple[datetime, datetime, str]:
    """The local day before ``now``'s as ``(start, end, today's ISO date)``, UTC-aware."""
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    end = datetime.combine(today, time(0), tz)
    start = datetime.combine(today - timedelta(days=1), time(0), tz)
    return start, end, today.isoformat()


def _counts_between(start: datetime, end: datetime) -> dict[str, int]:
    """The alerts raised in ``[start, end)``, by kind (as the immediate ones count them)."""
    counts = dict.fromkeys((REPORTED, PREMODERATION, CLOSED, MAIL_FAILED), 0)
    events = db.session.execute(
        select(Event)
        .where(Event.kind.in_(tuple(EVENT_ALERTS)), Event.at >= start, Event.at < end)
        .order_by(Event.id)
    ).scalars()
    for event in events:
        kind = EVENT_ALERTS[event.kind]
        if kind == CLOSED or _comment_alert(event) is not None:
            counts[kind] += 1
    failed = db.session.execute(
        select(Notification.kind).where(
            Notification.status == "failed",
            Notification.failed_at >= start,
            Notification.failed_at < end,
        )
    ).scalars()
    counts[MAIL_FAILED] = sum(1 for kind in failed if not is_alert(kind))
    return counts


def send_digests(now: Now, zone: str, hour: int) -> int:
    """Write the day's digests (the worker, each minute; ``cop send-digests``).

    From ``hour`` o'clock in the network's time zone on, each facilitator who
    chose ``digest`` gets one mail a day, keyed ``"alert_digest:<date>:<person>"``,
    counting the alerts of the day before (local midnight to midnight) and
    what waits now. A day without alerts writes none. Safe to run twice, and
    by several workers at once.

    :param zone: the network's time zone (``NETWORK_TIME_ZONE``).
    :param hour: local hour from which the day's digest is written (0-23).
    :returns: how many digests were written now.
    """
    at = instant(now)
    if at.astimezone(ZoneInfo(zone)).hour < hour:
        return 0
    start, end, today = _day_before(at, zone)
    digesting = facilitators("digest")
    keys = {p.id: f"{DIGEST}:{today}:{p.id}" for p in digesting}
    written = set(
        db.session.execute(
            select(Notification.key).where(Notification.key.in_(list(keys.values())))
        ).scalars()
    )
    people = [p for p in digesting if keys[p.id] not in written]
    if not people:
        return 0  # each minute after the first writing costs this one look
    counts = _counts_between(start, end)
    if not any(counts.values()):
        return 0
    now_waiting = waiting()
    context: dict[str, Any] = {
        "day": start,
        "reported": counts[REPORTED],
        "premoderation": counts[PREMODERATION],
        "closed": counts[CLOSED],
        "mail_failed": counts[MAIL_FAILED],
        "waiting": now_waiting.total,
    }
    return queue([Mail(keys[p.id], DIGEST, p, None, dict(context)) for p in people], at)
