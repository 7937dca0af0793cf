"""What goes out: mail in the outbox, calendar feeds and webhooks with their deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .decisions import Decision
from .people import Person

NOTIFICATION_STATUSES = ("pending", "sent", "failed", "skipped")


class Notification(db.Model):
    """One mail to one person: the outbox.

    Written in the transaction of the change that causes it, delivered by the
    worker (``cop_vote/notifications.py``). ``key`` is unique, so a mail is
    written once however often its cause is seen (e.g. ``"reminder:auto:3:17"``,
    ``"decision.closed:41:17"``). ``context`` keeps the values the mail shows,
    as they were when it was written. A pending mail is due at
    ``next_attempt_at``; a worker that takes it moves that time on (a lease),
    so that no other worker sends it meanwhile.
    """

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'failed', 'skipped')", name="status"),
        Index("ix_notification_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id"))
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    context: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The address of the last attempt, and what the mail server (or the
    #: connection) said when it failed.
    address: Mapped[str | None] = mapped_column(String(254))
    last_error: Mapped[str | None] = mapped_column(Text)

    person: Mapped[Person] = relationship()
    decision: Mapped[Decision | None] = relationship()


class CalendarFeed(db.Model):
    """A person's private calendar feed address; only the SHA-256 of its secret
    is kept. The secret is an HMAC of ``nonce`` under the app's ``SECRET_KEY``
    (so the profile can show the address again, while a copy of the database
    alone opens no feed). A new address revokes the one before
    (services/calendar_feed.py)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    nonce: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(lazy="joined")


class Webhook(db.Model):
    """An ``https`` address a facilitator registered to receive the network's
    events, signed with ``secret`` (HMAC-SHA256; kept as it is, since signing
    needs it). Deleting one sets ``deleted_at``: its deliveries stop."""

    __table_args__ = (
        # One live webhook per address: a second would get every event twice.
        Index(
            "uq_webhook_live_url",
            "url",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


#: What became of a webhook delivery: waiting (or being retried), received, given up.
WEBHOOK_DELIVERY_STATUSES = ("pending", "sent", "failed")


class WebhookDelivery(db.Model):
    """One event for one webhook: the webhooks' outbox, written in the
    transaction of the change, delivered by the worker (cop_vote/webhook_sender.py).

    ``payload`` is the JSON body as it is sent (event type, ids, time), never
    ballot contents. One row per (webhook, audit event): an event arrives once.
    """

    __table_args__ = (
        UniqueConstraint("webhook_id", "event_id"),
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
        Index("ix_webhook_delivery_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhook.id"), index=True)
    event_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)

    webhook: Mapped[Webhook] = relationship(lazy="joined")
