"""Decisions, their options, outcome, changes and electorate."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Translations, UTCDateTime, new_stamp, utcnow
from .people import Organisation


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
