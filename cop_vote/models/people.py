"""The network, its organisations and people, and how they sign in."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import ALERT_CHOICES, ROLES, UTCDateTime, utcnow


class Network(db.Model):
    """The one network this installation serves (a single row)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Amsterdam")
    default_language: Mapped[str] = mapped_column(String(8), default="nl")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Organisation(db.Model):
    """A member (or the facilitating) organisation; its ballot is its voice."""

    __table_args__ = (
        # Organisations by name (case aside), as lists and the participation
        # pages show them: a page is read from the index, not sorted whole.
        Index("ix_organisation_lower_name_id", text("lower(name)"), "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32), default="other")
    voting: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    people: Mapped[list[Person]] = relationship(back_populates="organisation")


class Person(UserMixin, db.Model):
    """A facilitator, representative or observer. Signs in by e-mail link."""

    __table_args__ = (
        CheckConstraint(f"role IN {ROLES!r}", name="role"),
        CheckConstraint(f"alerts IN {ALERT_CHOICES!r}", name="alerts"),
        # At most one lead representative per organisation (issue 10, part 12).
        Index(
            "uq_person_lead_organisation_id",
            "organisation_id",
            unique=True,
            sqlite_where=text("is_lead"),
            postgresql_where=text("is_lead"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="representative")
    function: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str | None] = mapped_column(String(8))
    # "immediate" or "none": whether this person gets the network's mail.
    notifications: Mapped[str] = mapped_column(String(16), default="immediate")
    # A facilitator's alerts: "immediate", "digest" (daily) or "none".
    alerts: Mapped[str] = mapped_column(String(16), default="digest")
    # When the last invitation was written to the outbox; when the person last
    # signed in with a link (``None``: never).
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The organisation's lead representative, named by a facilitator: invites
    # and removes the organisation's own representatives and observers.
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    # Loaded with the person (one join): a person is never shown without it.
    organisation: Mapped[Organisation | None] = relationship(back_populates="people", lazy="joined")

    @property
    def is_facilitator(self) -> bool:
        """Whether this person may run decisions."""
        return self.role == "facilitator"

    @property
    def signature(self) -> str:
        """How comments are signed: ``person (organisation)``."""
        if self.organisation is None:
            return self.name
        return f"{self.name} ({self.organisation.short_name})"


class LoginToken(db.Model):
    """A single-use sign-in link; only the SHA-256 of its secret is kept."""

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_path: Mapped[str | None] = mapped_column(String(500))

    person: Mapped[Person] = relationship()


class LoginSession(db.Model):
    """A signed-in browser session; signing out revokes it on the server."""

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()


class ApiToken(db.Model):
    """A personal API token; only the SHA-256 of its secret is kept."""

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()
