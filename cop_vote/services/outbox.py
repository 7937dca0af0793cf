"""The outbox's bookkeeping: which mail a worker takes, and what became of it.

Mail is written pending by :mod:`cop_vote.services.notify` in the transaction
that causes it. A worker then, in three short transactions that hold no lock
while a mail server is talked to:

1. :func:`take_due` locks due pending mails (on PostgreSQL skipping rows
   another worker holds), counts an attempt and moves ``next_attempt_at`` on
   by a lease, so that no other worker takes them meanwhile;
2. sends them (outside any transaction: :mod:`cop_vote.notifications`);
3. :func:`record_sent` or :func:`record_failure` for each, which schedules the
   next attempt with exponential backoff (:class:`~cop_vote.domain.delivery.RetryPolicy`)
   or gives the mail up: ``failed``, listed for the facilitators
   (:func:`undelivered`) until one of them asks to try again (:func:`retry`).

A mail goes out once per key: a second worker cannot take it while it is
leased, and a sent mail is never taken again. The one gap no outbox closes: a
worker that stops after the mail server accepted a mail and before step 3
committed sends it again once the lease has run out.

Functions flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, case, func, select

from ..domain.delivery import RetryPolicy
from ..domain.errors import Conflict, NotFound
from ..extensions import db
from ..models import Notification, Person
from . import alerts, notify
from .access import require_facilitator
from .notify import Mail, loaded_context, undeliverable
from .text import one_line
from .timefmt import Now, instant

#: What a mail whose person can no longer receive mail says, when it is skipped.
NO_LONGER_RECEIVES = notify.NO_LONGER_RECEIVES


@dataclass(frozen=True)
class Taken:
    """A mail a worker has taken: its outbox row, which attempt this is, and
    the mail to render and send."""

    id: int
    attempt: int
    mail: Mail


def _locked(query: Select[tuple[Notification]]) -> list[Notification]:
    """Run a ``FOR UPDATE`` query, reading every row afresh under the lock."""
    db.session.flush()
    db.session.expire_all()
    return list(db.session.execute(query.execution_options(populate_existing=True)).scalars())


def take_due(now: Now, *, limit: int, lease: timedelta) -> list[Taken]:
    """Take up to ``limit`` pending mails that are due, oldest first.

    Rows another worker has locked are skipped (PostgreSQL ``SKIP LOCKED``; on
    SQLite the transaction holds the write lock). Under the lock each row is
    re-read: it must still be pending and due. Its person must still receive
    mail of its kind (:func:`~cop_vote.services.notify.undeliverable`), else it is
    ``skipped``. Each taken row gets one more attempt, the address it goes to,
    and ``next_attempt_at = now + lease``.

    :param lease: how long the worker may take to send before another may try.
    :returns: the mails to send now.
    """
    # The clock is read before the lock here: it only says which rows are due,
    # and a row that falls due a moment later waits for the next run.
    due_at = instant(now)
    rows = _locked(
        select(Notification)
        .where(Notification.status == "pending", Notification.next_attempt_at <= due_at)
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    at = instant(now)
    taken: list[Taken] = []
    for row in rows:
        if row.status != "pending" or row.next_attempt_at is None or row.next_attempt_at > at:
            continue
        person: Person = row.person
        reason = undeliverable(row.kind, person, row.decision)
        if reason is not None:
            row.status = "skipped"
            row.next_attempt_at = None
            row.last_error = reason
            continue
        row.attempts += 1
        row.address = person.email
        row.next_attempt_at = at + lease
        mail = Mail(row.key, row.kind, person, row.decision, loaded_context(row.context))
        taken.append(Taken(row.id, row.attempts, mail))
    db.session.flush()
    return taken


def _row(notification_id: int) -> Notification:
    rows = _locked(select(Notification).where(Notification.id == notification_id).with_for_update())
    if not rows:
        raise NotFound(f"No mail {notification_id} in the outbox.")
    return rows[0]


def record_sent(notification_id: int, now: Now) -> Notification:
    """The mail server accepted the mail: ``sent``, never taken again."""
    row = _row(notification_id)
    at = instant(now)
    row.status = "sent"
    row.sent_at = at
    row.next_attempt_at = None
    row.last_error = None
    db.session.flush()
    return row


def record_failure(
    notification_id: int, error: str, now: Now, policy: RetryPolicy, *, permanent: bool
) -> Notification:
    """An attempt failed: try again after the policy's delay, or give the mail up.

    :param error: what the mail server or the connection said (kept, one line).
    :param permanent: the server refused this recipient for good (SMTP 5xx).
    A mail given up raises the facilitators' alert
    (:func:`cop_vote.services.alerts.mail_failed`) in the same transaction.

    :returns: the row: ``pending`` with its next attempt, or ``failed``.
    """
    row = _row(notification_id)
    at = instant(now)
    row.last_error = one_line(error)[:1000]
    if row.status != "pending":
        db.session.flush()
        return row
    if policy.gives_up(row.attempts, permanent=permanent):
        row.status = "failed"
        row.failed_at = at
        row.next_attempt_at = None
        db.session.flush()
        alerts.mail_failed(row, at)
    else:
        row.next_attempt_at = at + policy.delay(row.attempts)
    db.session.flush()
    return row


def next_attempt_at() -> datetime | None:
    """When the earliest pending mail falls due (``None``: nothing pending)."""
    return db.session.execute(
        select(func.min(Notification.next_attempt_at)).where(Notification.status == "pending")
    ).scalar()


def undelivered(actor: Person | None) -> list[Notification]:
    """Mail given up (``failed``), newest first, for the facilitators' page.

    :raises NotAllowed: for non-facilitators.
    """
    require_facilitator(actor)
    return list(
        db.session.execute(
            select(Notification)
            .where(Notification.status == "failed")
            .order_by(Notification.failed_at.desc(), Notification.id.desc())
        ).scalars()
    )


def retry(actor: Person | None, notification_id: int, now: Now) -> Notification:
    """A facilitator asks to try a failed mail again (say, after correcting the
    person's address): pending, due now, with a fresh count of attempts.

    :raises NotAllowed: for non-facilitators.
    :raises NotFound: no such mail.
    :raises Conflict: the mail is not failed (sent, pending or skipped).
    """
    require_facilitator(actor)
    row = _row(notification_id)
    at = instant(now)
    if row.status != "failed":
        raise Conflict("Only a mail that could not be delivered can be tried again.")
    row.status = "pending"
    row.attempts = 0
    row.failed_at = None
    row.next_attempt_at = at
    db.session.flush()
    return row


def counts() -> dict[str, int]:
    """How many mails are pending and failed, in one query (for ``/readyz``)."""
    pending, failed = db.session.execute(
        select(
            func.coalesce(func.sum(case((Notification.status == "pending", 1), else_=0)), 0),
            func.coalesce(func.sum(case((Notification.status == "failed", 1), else_=0)), 0),
        ).where(Notification.status.in_(("pending", "failed")))
    ).one()
    return {"pending": int(pending), "failed": int(failed)}
