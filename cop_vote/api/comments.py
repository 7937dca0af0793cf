"""Comments on a decision, one level of replies (API.md, "Comments").

Bodies are plain text in JSON strings: never HTML, never escaped here.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.typing import ResponseReturnValue

from .. import clock
from ..domain.errors import InvalidInput
from ..extensions import db
from ..services import access, comments, decisions
from . import bp, serialize
from .common import (
    actor,
    auth,
    checks,
    comment_cursor,
    comment_page_args,
    error_responses,
    only,
    respond,
)
from .decisions import find_decision
from .schemas import (
    CommentInSchema,
    CommentListSchema,
    CommentPatchSchema,
    CommentSchema,
    PageQuerySchema,
)

REVIEW_FIELDS = ("review", "reason", "note")


def _find_comment(person: Any, comment_id: int) -> None:
    comments.get_comment(person, comment_id)


@bp.post("/decisions/<int:decision_id>/comments")
@bp.auth_required(auth)
@checks(role=access.require_member, find=find_decision, body=True)
@bp.input(CommentInSchema, validation=False)
@bp.output(CommentSchema, status_code=201)
@bp.doc(responses=error_responses(400, 401, 403, 404, 409, 413))
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
@bp.auth_required(auth)
@checks(role=access.require_member, find=_find_comment, body=True)
@bp.input(CommentPatchSchema, validation=False)
@bp.output(CommentSchema)
@bp.doc(responses=error_responses(400, 401, 403, 404, 409, 413))
def update_comment(comment_id: int, json_data: dict[str, Any]) -> ResponseReturnValue:
    """Review a comment (facilitator: review, reason, note) or reword it (author: body)."""
    person, now = actor(), clock.now()
    body = only(json_data, ("body", *REVIEW_FIELDS))
    if any(key in body for key in REVIEW_FIELDS):
        if "body" in body:
            raise InvalidInput(
                "Review a comment or change its text, not both.",
                {"body": "Send either body, or review with reason and note."},
            )
        if "review" not in body:
            raise InvalidInput("review is required.", {"review": "This field is required."})
        comment = comments.review_comment(
            person,
            comment_id,
            body["review"],
            now,
            reason=body.get("reason"),
            note=body.get("note"),
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
    return respond(serialize.comment(comment, decision, person))
