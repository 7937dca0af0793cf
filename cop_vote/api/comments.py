"""Comments on a decision, one level of replies (API.md, "Comments").

Bodies are plain text in JSON strings: never HTML, never escaped here.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask.typing import ResponseReturnValue

from .. import clock, ratelimits
from ..domain.errors import InvalidInput
from ..extensions import db
from ..models import Comment, CommentReport, Decision, Person
from ..services import access, comments, decisions, moderation
from ..services.timefmt import iso_utc
from . import bp, serialize
from .common import (
    actor,
    auth,
    checks,
    comment_cursor,
    comment_page_args,
    error_responses,
    offset_cursor,
    only,
    page_args,
    respond,
)
from .decisions import find_decision
from .schemas import PageQuerySchema
from .schemas_comments import (
    CommentAnswerSchema,
    CommentInSchema,
    CommentListSchema,
    CommentPatchSchema,
    CommentSchema,
    ReportInSchema,
    ReportSchema,
    ReviewListSchema,
    ReviewQuerySchema,
)

REVIEW_FIELDS = ("review", "reason", "note", "option")


def _report(report: CommentReport) -> dict[str, Any]:
    return {"id": report.id, "reason": report.reason, "created_at": iso_utc(report.created_at)}


def review_item(
    comment: Comment,
    decision: Decision,
    viewer: Person,
    reports: list[CommentReport] | None = None,
) -> dict[str, Any]:
    """A comment as the facilitator sees it in the queue: the comment object
    with its decision, ``tag_option`` and unresolved ``reports``; no nested replies."""
    data = serialize.comment(comment, decision, viewer, with_replies=False)
    data["decision"] = comment.decision_id
    data["tag_option"] = comment.tag_option_id
    if reports is None:
        reports = [r for r in comment.reports if r.resolved_at is None]
    data["reports"] = [_report(r) for r in reports]
    return data


def _find_comment(person: Any, comment_id: int) -> None:
    comments.get_comment(person, comment_id)


@bp.post("/decisions/<int:decision_id>/comments")
@ratelimits.comment_writes
@bp.auth_required(auth)
@checks(role=access.require_member, find=find_decision, body=True)
@bp.input(CommentInSchema, validation=False)
@bp.output(CommentSchema, status_code=201)
@bp.doc(responses=error_responses(400, 401, 403, 404, 409, 413, 429))
def add_comment(decision_id: int, json_data: dict[str, Any]) -> ResponseReturnValue:
    """Comment on a decision, or on one option, or reply to a comment."""
    body = only(json_data, ("body", "option", "parent"))
    person = actor()
    comment = comments.add_comment(
        person,
        decision_id,
        body.get("body"),
        clock.now(),
        option_id=body.get("option"),
        parent_id=body.get("parent"),
        max_length=current_app.config["COMMENT_MAX_LENGTH"],
    )
    db.session.commit()
    return respond(
        serialize.comment(comment, decisions.get_decision(person, decision_id), person), 201
    )


@bp.get("/decisions/<int:decision_id>/comments")
@bp.auth_required(auth)
@checks(find=find_decision)
@bp.input(PageQuerySchema, location="query", validation=False)
@bp.output(CommentListSchema)
@bp.doc(responses=error_responses(400, 401, 404))
def list_comments(decision_id: int, query_data: Any = None) -> ResponseReturnValue:
    """Visible comments, oldest first, with their replies nested."""
    person = actor()
    after, limit = comment_page_args()
    decision = decisions.get_decision(person, decision_id)
    page = comments.list_comments(person, decision, after=after, limit=limit)
    return respond(
        {
            "items": [serialize.comment(c, decision, person) for c in page.items],
            "next": comment_cursor(page.next),
        }
    )


@bp.patch("/comments/<int:comment_id>")
@ratelimits.comment_writes
@bp.auth_required(auth)
@checks(role=access.require_member, find=_find_comment, body=True)
@bp.input(CommentPatchSchema, validation=False)
@bp.output(
    CommentAnswerSchema,
    description="The comment: a review item for facilitators, a comment for its author",
)
@bp.doc(responses=error_responses(400, 401, 403, 404, 409, 413, 429))
def update_comment(comment_id: int, json_data: dict[str, Any]) -> ResponseReturnValue:
    """Review a comment (facilitator: review, reason, note, option) or reword it (author: body)."""
    person, now = actor(), clock.now()
    body = only(json_data, ("body", *REVIEW_FIELDS))
    if any(key in body for key in REVIEW_FIELDS):
        access.require_facilitator(person)  # a role that may never review: 403 first
        if "body" in body:
            raise InvalidInput(
                "Review a comment or change its text, not both.",
                {"body": "Send either body, or review with reason and note."},
            )
        if "review" not in body:
            raise InvalidInput("review is required.", {"review": "This field is required."})
        extra = {"tag_option_id": body["option"]} if "option" in body else {}
        comment = moderation.review(
            person,
            comment_id,
            body["review"],
            now,
            reason=body.get("reason"),
            note=body.get("note"),
            **extra,
        )
    elif "body" in body:
        comment = comments.edit_comment(
            person,
            comment_id,
            body["body"],
            now,
            max_length=current_app.config["COMMENT_MAX_LENGTH"],
        )
    else:
        raise InvalidInput("Nothing to change.", {"body": "Send body, or review."})
    db.session.commit()
    decision = decisions.get_decision(person, comment.decision_id)
    if person.role == "facilitator":
        return respond(review_item(comment, decision, person))
    return respond(serialize.comment(comment, decision, person))


@bp.post("/comments/<int:comment_id>/report")
@ratelimits.report_writes
@bp.auth_required(auth)
@checks(role=access.require_member, find=_find_comment, body=True)
@bp.input(ReportInSchema, validation=False)
@bp.output(ReportSchema, status_code=201)
@bp.doc(responses=error_responses(400, 401, 403, 404, 409, 413, 429))
def report_comment(comment_id: int, json_data: dict[str, Any]) -> ResponseReturnValue:
    """Report a comment to the facilitators, with a reason (not one's own comment)."""
    body = only(json_data, ("reason",))
    report = moderation.report_comment(actor(), comment_id, body.get("reason"), clock.now())
    db.session.commit()
    return respond(
        {
            "id": report.id,
            "comment": report.comment_id,
            "reason": report.reason,
            "created_at": iso_utc(report.created_at),
            "resolved_at": None,
        },
        201,
    )


@bp.get("/decisions/<int:decision_id>/review")
@bp.auth_required(auth)
@checks(role=access.require_facilitator, find=find_decision)
@bp.input(ReviewQuerySchema, location="query", validation=False)
@bp.output(ReviewListSchema)
@bp.doc(responses=error_responses(400, 401, 403, 404))
def review_queue(decision_id: int, query_data: Any = None) -> ResponseReturnValue:
    """The review queue of a decision: reported comments first, then new ones."""
    person = actor()
    decision = decisions.get_decision(person, decision_id)
    args = request.args
    filters = moderation.parse_filters(
        decision, args.get("status"), args.get("option"), args.get("organisation")
    )
    offset, limit = page_args("o")
    queue = moderation.review_page(person, decision_id, filters, offset=offset or 0, limit=limit)
    return respond(
        {
            "items": [review_item(i.comment, decision, person, i.reports) for i in queue.items],
            "next": offset_cursor(queue.next_offset),
        }
    )
