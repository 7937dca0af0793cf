"""OpenAPI schemas of comments, replies, the review queue and reports; apart
from :mod:`cop_vote.api.schemas`, whose conventions hold here too."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import DateTime, List, Nested, Raw, String
from apiflask.validators import Length
from marshmallow import INCLUDE

from ..services.comments import REVIEW_STATES
from ..services.moderation import REASON_MAX, STATUS_FILTERS
from .schemas import COMMENT_MAX, PageQuerySchema, PersonRefSchema, choice, ident, text

# --- comments -------------------------------------------------------------------


class ReplySchema(Schema):
    """A reply: a comment one level deep, with no replies of its own."""

    id = ident(required=True)
    body = String(
        required=True, allow_none=True, metadata={"description": "plain text; null when hidden"}
    )
    hidden_reason = String(required=True, allow_none=True)
    author = Nested(PersonRefSchema, required=True)
    organisation = String(
        required=True, allow_none=True, metadata={"description": "organisation slug"}
    )
    signature = String(required=True, metadata={"description": "person (organisation)"})
    option = ident(required=True, allow_none=True)
    parent = ident(required=True, allow_none=True)
    created_at = DateTime(required=True)
    edited_at = DateTime(required=True, allow_none=True)
    review = choice(REVIEW_STATES, metadata={"description": "facilitators only"})
    note = String(allow_none=True, metadata={"description": "facilitators only"})
    replies = List(Raw(), required=True, validate=Length(max=0))


class CommentSchema(ReplySchema):
    """A top-level comment with its visible replies, oldest first."""

    replies = List(Nested(ReplySchema), required=True)


class CommentItemSchema(CommentSchema):
    """A comment in a list."""


class CommentListSchema(Schema):
    items = List(Nested(CommentItemSchema), required=True)
    next = String(required=True, allow_none=True)


class CommentInSchema(Schema):
    body = text(COMMENT_MAX, blank=False, required=True)
    option = ident(allow_none=True, metadata={"description": "an option of this decision"})
    parent = ident(
        allow_none=True,
        metadata={"description": "a comment of this decision; a reply to a reply joins its parent"},
    )


class CommentPatchSchema(Schema):
    """Author: ``body`` alone. Facilitator: ``review`` with ``reason``, ``note``, ``option``."""

    class Meta:
        json_schema = {
            "oneOf": [{"required": ["body"]}, {"required": ["review"]}],
            "dependentRequired": {key: ["review"] for key in ("reason", "note", "option")},
        }

    body = text(COMMENT_MAX, blank=False, metadata={"description": "author: the new text"})
    review = choice(REVIEW_STATES, metadata={"description": "facilitator"})
    reason = text(
        REASON_MAX,
        allow_none=True,
        metadata={"description": "facilitator: required (not blank) to hide"},
    )
    note = text(
        2000,
        allow_none=True,
        metadata={"description": "facilitator: a note for the meeting; empty clears it"},
    )
    option = ident(
        allow_none=True,
        metadata={"description": "facilitator: the option the comment is filed under (or null)"},
    )


class ReportRefSchema(Schema):
    """An unresolved report of a comment."""

    id = ident(required=True)
    reason = String(required=True)
    created_at = DateTime(required=True)


class ReviewItemSchema(ReplySchema):
    """A comment in the review queue (facilitators): replies are items of their own."""

    review = choice(REVIEW_STATES, required=True)
    note = String(required=True, allow_none=True)
    decision = ident(required=True)
    tag_option = ident(
        required=True, allow_none=True, metadata={"description": "filed under this option"}
    )
    reports = List(
        Nested(ReportRefSchema), required=True, metadata={"description": "unresolved reports"}
    )


class CommentAnswerSchema(Schema):
    """The changed comment: a review item for facilitators, a comment for its author."""

    class Meta:
        unknown = INCLUDE
        json_schema = {"oneOf": [ReviewItemSchema, CommentItemSchema]}


class ReviewListSchema(Schema):
    """A page of the review queue."""

    items = List(Nested(ReviewItemSchema), required=True)
    next = String(required=True, allow_none=True)


class ReviewQuerySchema(PageQuerySchema):
    """The queue's filters and paging."""

    status = choice(STATUS_FILTERS, metadata={"description": "a review state, or reported"})
    option = ident(metadata={"description": "on or filed under this option of the decision"})
    organisation = String(
        validate=Length(max=64), metadata={"description": "an organisation's slug"}
    )


class ReportInSchema(Schema):
    """A member's report: the reason."""

    reason = text(
        REASON_MAX,
        blank=False,
        required=True,
        metadata={"description": "why the facilitators should look"},
    )


class ReportSchema(Schema):
    """A report as stored."""

    id = ident(required=True)
    comment = ident(required=True)
    reason = String(required=True)
    created_at = DateTime(required=True)
    resolved_at = DateTime(required=True, allow_none=True)
