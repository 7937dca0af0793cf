"""Review many comments in one request, as the review pages' bulk form does.

``POST /decisions/{id}/review`` reviews comments of one decision,
``POST /review`` comments of any decision (the queue across decisions, whose
first page ``GET /review`` lists). Both call
:func:`cop_vote.services.moderation.bulk_review`, the page's service: all the
comments are reviewed, or none (400 naming the field). Each comment's review is
logged (``comment.reviewed``) and resolves its open reports, as one
``PATCH /comments/{id}`` would. A hidden comment is shown again with
``review: "reviewed"`` (the page's restore button).
"""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import List, Nested
from flask import request
from flask.typing import ResponseReturnValue
from marshmallow.validate import Length

from .. import clock
from ..domain.errors import InvalidInput
from ..extensions import db
from ..models import Comment, CommentReport, Decision, Person
from ..services import access, decisions, moderation
from ..services.comments import REVIEW_STATES
from ..services.moderation import MAX_BULK, REASON_MAX
from . import bp
from .comments import review_item
from .common import actor, auth, checks, error_responses, offset_cursor, only, page_args, respond
from .decisions import find_decision
from .schemas import PageQuerySchema, choice, ident, text
from .schemas_comments import ReviewItemSchema, ReviewListSchema

FIELDS = ("comments", "review", "reason", "note", "option")


class BulkReviewInSchema(Schema):
    """Which comments, and what to do with each of them."""

    comments = List(
        ident(),
        required=True,
        validate=Length(min=1, max=MAX_BULK),
        metadata={"description": "comment ids (repeats count once); all are reviewed, or none"},
    )
    review = choice(REVIEW_STATES, required=True, metadata={"description": "the new review state"})
    reason = text(
        REASON_MAX,
        allow_none=True,
        metadata={"description": "required (not blank) to hide; shown in place of the text"},
    )
    note = text(
        2000,
        allow_none=True,
        metadata={"description": "a note for the meeting on each comment; empty clears it"},
    )
    option = ident(
        allow_none=True,
        metadata={"description": "with review flagged: file each comment under this option"},
    )


class BulkReviewSchema(Schema):
    """The reviewed comments, in the order asked, as the review queue shows them."""

    items = List(Nested(ReviewItemSchema), required=True)


class AllReviewQuerySchema(PageQuerySchema):
    """The filters of the queue across decisions, and paging."""

    status = choice(
        moderation.STATUS_FILTERS, metadata={"description": "a review state, or reported"}
    )
    organisation = text(64, metadata={"description": "an organisation's slug"})


def _body(json_data: dict[str, Any]) -> dict[str, Any]:
    """The bulk body, its shape checked (the service checks the rest)."""
    body = only(json_data, FIELDS)
    for name in ("comments", "review"):
        if name not in body:
            raise InvalidInput(f"{name} is required.", {name: "This field is required."})
    if not isinstance(body["comments"], list):
        raise InvalidInput(
            "comments must be a list.", {"comments": "A list of comment ids, e.g. [12, 14]."}
        )
    if body.get("option") is not None and body["review"] != "flagged":
        raise InvalidInput(
            "option files comments under an option when flagging them.",
            {"option": "Only with review flagged."},
        )
    return body


def _review(decision_id: int | None, json_data: dict[str, Any]) -> ResponseReturnValue:
    """Review the body's comments (of ``decision_id``, or of any decision) and answer them."""
    person, body = actor(), _body(json_data)
    done = moderation.bulk_review(
        person,
        decision_id,
        body["comments"],
        body["review"],
        clock.now(),
        reason=body.get("reason"),
        note=body.get("note"),
        tag_option_id=body.get("option"),
    )
    answer = {"items": _items(person, done)}
    db.session.commit()
    return respond(answer)


def _items(
    person: Person, done: list[Comment], reports: list[list[CommentReport]] | None = None
) -> list[dict[str, Any]]:
    """Review items of ``done``, each with its own decision (read once per decision)
    and its open ``reports`` where the queue read them already."""
    seen: dict[int, Decision] = {}
    items = []
    for i, comment in enumerate(done):
        if comment.decision_id not in seen:
            seen[comment.decision_id] = decisions.get_decision(person, comment.decision_id)
        found = reports[i] if reports is not None else None
        items.append(review_item(comment, seen[comment.decision_id], person, found))
    return items


@bp.post("/decisions/<int:decision_id>/review")
@bp.auth_required(auth)
@checks(role=access.require_facilitator, find=find_decision, body=True)
@bp.input(BulkReviewInSchema, validation=False)
@bp.output(BulkReviewSchema)
@bp.doc(responses=error_responses(400, 401, 403, 404, 409, 413))
def review_decision_comments(decision_id: int, json_data: dict[str, Any]) -> ResponseReturnValue:
    """Review many comments of a decision at once, all or none (facilitator).

    A comment that is not of this decision, an unknown state, hiding without
    a reason or an option not of the decision: 400 naming the field, nothing
    changed. Hiding a comment that is hidden already: 409 ``already_hidden``
    naming it, nothing changed.
    """
    return _review(decision_id, json_data)


@bp.post("/review")
@bp.auth_required(auth)
@checks(role=access.require_facilitator, body=True)
@bp.input(BulkReviewInSchema, validation=False)
@bp.output(BulkReviewSchema)
@bp.doc(responses=error_responses(400, 401, 403, 409, 413))
def review_comments(json_data: dict[str, Any]) -> ResponseReturnValue:
    """Review many comments of any decisions at once, all or none (facilitator).

    As ``POST /decisions/{decision_id}/review``, for the queue across
    decisions; ``option`` must be an option of each comment's decision.
    """
    return _review(None, json_data)


@bp.get("/review")
@bp.auth_required(auth)
@checks(role=access.require_facilitator)
@bp.input(AllReviewQuerySchema, location="query", validation=False)
@bp.output(ReviewListSchema)
@bp.doc(responses=error_responses(400, 401, 403))
def review_queue_all(query_data: Any = None) -> ResponseReturnValue:
    """The review queue across every decision: reported comments first, then new ones."""
    person = actor()
    args = request.args
    filters = moderation.parse_filters(None, args.get("status"), None, args.get("organisation"))
    offset, limit = page_args("o")
    queue = moderation.review_page(person, None, filters, offset=offset or 0, limit=limit)
    return respond(
        {
            "items": _items(
                person, [i.comment for i in queue.items], [i.reports for i in queue.items]
            ),
            "next": offset_cursor(queue.next_offset),
        }
    )
