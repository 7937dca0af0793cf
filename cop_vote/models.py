"""Typed models and the constraints that back the rules. No business rules here.

The rule that defines the product, one organisation one ballot, is the unique
constraint ``uq_ballot_decision_id_organisation_id``. Times are stored in UTC
(:class:`UTCDateTime`) and are aware datetimes in Python on every database.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db


class UTCDateTime(TypeDecorator[datetime]):
    """A datetime stored as naive UTC and returned as aware UTC.

    SQLite keeps no offset; PostgreSQL's ``timestamp without time zone`` is used
    on both so that the stored value is the same everywhere. Naive input is
    refused, so a local time can never be stored by mistake.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; times are stored in UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def new_stamp() -> str:
    """A fresh random stamp (32 hexadecimal digits) for :attr:`Decision.tally_stamp`."""
    return secrets.token_hex(16)


ROLES = ("facilitator", "representative", "observer")
#: A facilitator's alerts (reported and pre-moderated comments, closed
#: decisions, mail given up): each by mail as it happens, a daily digest, or none.
ALERT_CHOICES = ("immediate", "digest", "none")
ORG_KINDS = ("diaspora", "ngo", "knowledge", "facilitator", "government", "other")


#: Content translations: ``{language: {field: text}}``, e.g. ``{"nl": {"title":
#: "...", "description": "..."}}``, beside the original in ``original_language``
#: (cop_vote/domain/languages.py reads them; services/translations.py writes them).
Translations = dict[str, dict[str, str]]


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
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
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


class Decision(db.Model):
    """A decision with its options, method and rules. Status per lifecycle.py."""

    __table_args__ = (
        CheckConstraint(
            "status IN ('draft', 'open', 'closed', 'published', 'withdrawn')", name="status"
        ),
        CheckConstraint(
            "results_visibility IN ('live', 'after_own_ballot', 'after_close')",
            name="results_visibility",
        ),
        CheckConstraint("ballot_secrecy IN ('open', 'secret')", name="ballot_secrecy"),
        CheckConstraint("comments IN ('open', 'premoderated', 'closed')", name="comments"),
        CheckConstraint("selects >= 1", name="selects_positive"),
        CheckConstraint(
            "majority_rule IN ('relative', 'absolute', 'two_thirds', 'fraction')",
            name="majority_rule",
        ),
        CheckConstraint(
            "majority_base IN ('option_ballots', 'cast', 'electorate')", name="majority_base"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    method: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Required share of eligible organisations, as an exact decimal string ("0.5").
    quorum: Mapped[str] = mapped_column(String(20), default="0")
    results_visibility: Mapped[str] = mapped_column(String(20), default="after_close")
    ballot_secrecy: Mapped[str] = mapped_column(String(10), default="open")
    counting: Mapped[str | None] = mapped_column(String(16))
    max_score: Mapped[int | None] = mapped_column(Integer)
    dots: Mapped[int | None] = mapped_column(Integer)
    dots_per_option: Mapped[int | None] = mapped_column(Integer)
    facilitator_votes: Mapped[bool] = mapped_column(Boolean, default=False)
    comments: Mapped[str] = mapped_column(String(16), default="open")
    proposals_open: Mapped[bool] = mapped_column(Boolean, default=False)
    # A secret decision gives receipts only when the facilitator turns them on,
    # accepting that a receipt lets an organisation prove its choice.
    secret_receipts: Mapped[bool] = mapped_column(Boolean, default=False)
    # A document or link to read (http/https only), e.g. a research proposal.
    document_url: Mapped[str | None] = mapped_column(String(500))
    # Hours before closes_at for the automatic reminder; None: the app's default.
    reminder_hours: Mapped[int | None] = mapped_column(Integer)
    outcome_option_id: Mapped[int | None] = mapped_column(
        ForeignKey("option.id", use_alter=True, name="fk_decision_outcome_option_id_option")
    )
    outcome_statement: Mapped[str | None] = mapped_column(Text)
    # How many options the decision selects (the top 3 of a dot vote ...);
    # the published outcome is an ordered list of at most this many
    # (``selection``), whose first is ``outcome_option_id``.
    selects: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The declared majority rule beside the quorum (domain/majority.py):
    # ``relative`` (most votes, each method's own rule), ``absolute``,
    # ``two_thirds`` or ``fraction`` (with ``majority_share``, exact, "3/5"),
    # of ``majority_base``; and the organisation kinds among which the winner
    # must lead too (a double majority; ``None``: none).
    majority_rule: Mapped[str] = mapped_column(
        String(16), default="relative", server_default="relative"
    )
    majority_base: Mapped[str] = mapped_column(
        String(16), default="option_ballots", server_default="option_ballots"
    )
    majority_share: Mapped[str | None] = mapped_column(String(20))
    double_majority: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a secret decision's ballots were cut from their organisations
    # (services/sealing.py); ``None`` while they are linked (and for open ballots).
    ballots_sealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The event log's head hash right after publication: the anchor shown on the
    # outcome page and mailed, so that it is kept outside the database too.
    published_log_hash: Mapped[str | None] = mapped_column(String(64))
    # A random stamp replaced in the transaction of every change to what the
    # count reads: each ballot write (cast, change, record, withdrawal) and the
    # cut at close. Read with the decision, it keys the cached tally
    # (services/tally_cache.py), so every server process sees a change as soon
    # as it is committed; being random, it never repeats an earlier state's
    # stamp, even in a database restored from a backup.
    tally_stamp: Mapped[str] = mapped_column(String(32), default=new_stamp)
    # The language title, description and option labels are written in, and
    # their translations (title, description) in the other languages.
    original_language: Mapped[str] = mapped_column(String(8), default="nl")
    translations: Mapped[Translations | None] = mapped_column(JSON(none_as_null=True))

    options: Mapped[list[Option]] = relationship(
        back_populates="decision",
        order_by="Option.position",
        foreign_keys="Option.decision_id",
        cascade="all, delete-orphan",
    )
    electorate: Mapped[list[Elector]] = relationship(cascade="all, delete-orphan")
    outcome_option: Mapped[Option | None] = relationship(foreign_keys=[outcome_option_id])
    selection: Mapped[list[SelectedOption]] = relationship(
        order_by="SelectedOption.position", cascade="all, delete-orphan"
    )

    @property
    def selected_options(self) -> list[Option]:
        """The published options in their order (empty before publication)."""
        return [s.option for s in self.selection]


class Option(db.Model):
    """One option of a decision (a time slot for ``meeting_time``)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    # The proposing organisation's name when it proposed the option (names at
    # the time of the act: a later rename does not rewrite who proposed it).
    proposed_by_name: Mapped[str | None] = mapped_column(String(200))
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Label and description in other languages; the original is the decision's.
    translations: Mapped[Translations | None] = mapped_column(JSON(none_as_null=True))

    decision: Mapped[Decision] = relationship(back_populates="options", foreign_keys=[decision_id])
    proposed_by: Mapped[Organisation | None] = relationship(lazy="joined")


class SelectedOption(db.Model):
    """One option of a published outcome, at its place (0 first) in the order."""

    __table_args__ = (
        UniqueConstraint("decision_id", "option_id"),
        CheckConstraint("position >= 0", name="position_not_negative"),
    )

    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("option.id"))

    option: Mapped[Option] = relationship(lazy="joined")


#: The kinds of entry of a decision's outcome history.
OUTCOME_HISTORY_KINDS = ("published", "amended", "reopened")


class OutcomeHistory(db.Model):
    """One dated entry of how a decision's outcome came about, kept for good:
    its publication, each amendment (options, statement and the reason) and
    each reopening (the reason and the new deadline). The page shows them all,
    so the original stays visible beside what replaced it."""

    __table_args__ = (CheckConstraint("kind IN ('published', 'amended', 'reopened')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    # published, amended: the options in their order (``[]``: none chosen) and the statement.
    option_ids: Mapped[list[int] | None] = mapped_column(JSON(none_as_null=True))
    statement: Mapped[str | None] = mapped_column(Text)
    # amended, reopened: why, as the facilitator stated it.
    reason: Mapped[str | None] = mapped_column(Text)
    # reopened: when the decision had closed, and its new deadline.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


#: The kinds of change note of an open decision.
DECISION_CHANGE_KINDS = ("deadline", "description", "option", "electorate")


class DecisionChange(db.Model):
    """A change made to a decision after it opened, shown as a dated note on
    its page ("changed on ...: ...") and kept for good.

    ``details`` holds what the note says: ``deadline``: ``{"from", "to"}`` (ISO
    8601 UTC); ``option``: ``{"option_id", "before", "after"}`` (labels);
    ``electorate``: ``{"organisation_id", "organisation"}`` (its name then);
    ``description``: ``{}``.
    """

    __table_args__ = (
        CheckConstraint("kind IN ('deadline', 'description', 'option', 'electorate')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Elector(db.Model):
    """An organisation eligible to cast a ballot on a decision, fixed at
    opening; ``added_at`` is set when a facilitator added it later.

    ``kind`` is the organisation's kind when it joined the electorate: the
    results by kind and the double majority count it, so that changing an
    organisation's kind later does not rewrite a decision's results.
    """

    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    added_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(32))

    organisation: Mapped[Organisation] = relationship(lazy="joined")


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


class Comment(db.Model):
    """A comment on a decision, optionally on one option, one level of replies."""

    __table_args__ = (
        CheckConstraint("review IN ('new', 'reviewed', 'flagged', 'hidden')", name="review"),
        # A decision's top-level comments a page at a time (keyset on id).
        Index("ix_comment_decision_id_parent_id_id", "decision_id", "parent_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"), index=True)
    option_id: Mapped[int | None] = mapped_column(ForeignKey("option.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review: Mapped[str] = mapped_column(String(16), default="new")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    # The option a flagged comment is filed under in the meeting pack, when the
    # facilitator tags one (a comment on the whole decision may concern one option).
    tag_option_id: Mapped[int | None] = mapped_column(ForeignKey("option.id"))
    # The signature of the time: the author's name and their organisation's
    # short name when the comment was written (``None``: no organisation). A
    # later rename leaves them; erasing the author empties ``author_name``.
    author_name: Mapped[str | None] = mapped_column(String(200))
    organisation_short_name: Mapped[str | None] = mapped_column(String(64))

    author: Mapped[Person] = relationship(lazy="joined")
    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    option: Mapped[Option | None] = relationship(foreign_keys=[option_id])
    tag_option: Mapped[Option | None] = relationship(foreign_keys=[tag_option_id])
    replies: Mapped[list[Comment]] = relationship(order_by="Comment.id")
    reports: Mapped[list[CommentReport]] = relationship(order_by="CommentReport.id")


class CommentReport(db.Model):
    """A member's report of a comment to the facilitators, with a reason."""

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(lazy="joined")


#: What became of a mail in the outbox: waiting (or being retried), gone out,
#: given up on (reported to the facilitators), or not sent because its person
#: can no longer receive mail.
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


class Event(db.Model):
    """The append-only audit log, chained by SHA-256 hashes (services/audit.py).

    People are referred to by id only, so erasing a person's name keeps the
    chain intact.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


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
