"""Meetings: the decisions on their agenda, attendance and follow-up actions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Translations, UTCDateTime, utcnow
from .decisions import Decision
from .people import Organisation

ATTENDANCE = ("present", "excused", "absent")


class Meeting(db.Model):
    """A meeting of the network (the kick-off of 4 December 2009 and later ones)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    held_on: Mapped[date] = mapped_column(Date)
    location: Mapped[str] = mapped_column(String(300), default="")
    # The minutes: what was said and agreed, as plain text (paragraphs).
    minutes: Mapped[str] = mapped_column(Text, default="", server_default="")
    original_language: Mapped[str] = mapped_column(String(8), default="nl")
    translations: Mapped[Translations | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    attendance: Mapped[list[Attendance]] = relationship(cascade="all, delete-orphan")
    actions: Mapped[list[FollowUpAction]] = relationship(
        cascade="all, delete-orphan", order_by="FollowUpAction.id"
    )
    # The decisions on the meeting's agenda (a decision may be on several agendas).
    decisions: Mapped[list[Decision]] = relationship(
        secondary="meeting_decision", order_by="Decision.id"
    )


class MeetingDecision(db.Model):
    """A decision on a meeting's agenda."""

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decision.id"), primary_key=True, index=True
    )


class Attendance(db.Model):
    """Whether an organisation was present, excused or absent at a meeting."""

    __table_args__ = (CheckConstraint("status IN ('present', 'excused', 'absent')", name="status"),)

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    original_language: Mapped[str] = mapped_column(String(8), default="nl")
    translations: Mapped[Translations | None] = mapped_column(JSON(none_as_null=True))
    # The organisation's name when its attendance was recorded (the minutes
    # keep the names of their time).
    organisation_name: Mapped[str | None] = mapped_column(String(200))

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class FollowUpAction(db.Model):
    """An action agreed at a meeting, with its owner and due date."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    # The owner's name when it was made owner (names at the time of the act).
    owner_name: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    original_language: Mapped[str] = mapped_column(String(8), default="nl")
    translations: Mapped[Translations | None] = mapped_column(JSON(none_as_null=True))

    owner: Mapped[Organisation | None] = relationship(lazy="joined")
