"""Comments and the reports of them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .decisions import Option
from .people import Organisation, Person


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
