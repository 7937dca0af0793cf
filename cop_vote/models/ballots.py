"""Ballots (one per organisation and decision), their record, interests and objections."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
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
from .people import Organisation, Person


class Ballot(db.Model):
    """The ballot of one organisation on one decision: at most one, ever.

    ``content`` is the normalised ballot body (domain/ballots.py) or ``None``
    once withdrawn; the row stays so that ``version`` never goes back.
    ``is_cast`` says whether the organisation holds a cast ballot (an
    abstention included): in a secret decision it outlives the cut at close,
    which empties ``content`` and ``receipt`` and moves the contents to
    :class:`AnonymousBallot`.
    """

    __table_args__ = (
        UniqueConstraint("decision_id", "organisation_id"),
        CheckConstraint("version >= 1", name="version_positive"),
        # The few ballots a facilitator recorded in a meeting (results page),
        # found without reading every ballot of a large decision.
        Index(
            "ix_ballot_decision_id_recorded",
            "decision_id",
            postgresql_where=text("recorded_by_id IS NOT NULL"),
            sqlite_where=text("recorded_by_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    content: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    is_cast: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    receipt: Mapped[str | None] = mapped_column(String(32))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cast_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    given_by: Mapped[str | None] = mapped_column(String(200))
    # Names at the time of the act, written with each write of the ballot
    # (services/ballots.py): the organisation's name, and who cast or recorded
    # it (``""`` once that person is erased). A later rename leaves them.
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    cast_by_name: Mapped[str | None] = mapped_column(String(200))
    recorded_by_name: Mapped[str | None] = mapped_column(String(200))

    decision: Mapped[Decision] = relationship()
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    # Not loaded with the ballot: a write changes ``cast_by_id`` and its
    # acknowledgement then reads ``cast_by`` afresh (services/ballots.py). Lists
    # of ballots load them with the query's options.
    cast_by: Mapped[Person | None] = relationship(foreign_keys=[cast_by_id])
    recorded_by: Mapped[Person | None] = relationship(foreign_keys=[recorded_by_id])


class AnonymousBallot(db.Model):
    """A counted ballot of a secret decision after close, with nothing that
    links it to an organisation, a person or a time.

    ``position`` is a random permutation index, so the order of the rows says
    nothing about the order of casting. ``receipt`` is kept only when the
    decision turned secret receipts on.
    """

    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    receipt: Mapped[str | None] = mapped_column(String(32))
    # The organisation's kind, kept for the results by kind (shown only for
    # groups large enough, domain/by_kind.py); ``None`` for ballots sealed
    # before it was kept.
    kind: Mapped[str | None] = mapped_column(String(32))


class InterestDeclaration(db.Model):
    """An organisation's declared interest in an option (a conflict of
    interest), made by one of its representatives while the decision is open;
    shown beside the option's count. Withdrawing deletes the row (the event
    log keeps both)."""

    __table_args__ = (UniqueConstraint("option_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"), index=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("option.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    text: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The organisation's name when it declared (names at the time of the act).
    organisation_name: Mapped[str | None] = mapped_column(String(200))

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class Objection(db.Model):
    """An organisation's objection to a count, lodged between close and publication."""

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Names when it was lodged (at the time of the act); ``person_name`` is
    # ``""`` once that person is erased.
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    person_name: Mapped[str | None] = mapped_column(String(200))

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    person: Mapped[Person | None] = relationship(lazy="joined")


class BallotChange(db.Model):
    """The change history of a ballot: who, when, what changed (in a secret
    decision, after close: only who acted and when)."""

    __table_args__ = (UniqueConstraint("ballot_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballot.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))  # cast, change, withdraw, record
    content: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    receipt: Mapped[str | None] = mapped_column(String(32))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person | None] = relationship(lazy="joined")
