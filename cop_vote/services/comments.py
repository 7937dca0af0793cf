"""Comments on a decision or one of its options, with one level of replies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, false, func, or_, select, true
from sqlalchemy.orm import selectinload

from ..domain.errors import Conflict, InvalidInput, Message, NotAllowed, NotFound
from ..domain.lifecycle import Status
from ..extensions import db
from ..models import Comment, Decision, Person
from . import audit
from .access import require_facilitator, require_member
from .decisions import get_decision, status_of
from .text import clean

REVIEW_STATES = ("new", "reviewed", "flagged", "hidden")


def is_visible_to(comment: Comment, decision: Decision, viewer: Person | None) -> bool:
    """Whether ``viewer`` sees this comment at all.

    Under pre-moderation a new comment is seen only by its author and the
    facilitators until it is reviewed. A hidden comment stays visible in place,
    its text replaced by the reason (see :func:`shown_body`).
    """
    if viewer is None:
        return False
    if viewer.role == "facilitator" or comment.author_id == viewer.id:
        return True
    return not (decision.comments == "premoderated" and comment.review == "new")


def shown_body(comment: Comment, viewer: Person | None) -> str | None:
    """The text a viewer sees: ``None`` for a hidden comment (unless facilitator)."""
    if comment.review == "hidden" and (viewer is None or viewer.role != "facilitator"):
        return None
    return comment.body


@dataclass(frozen=True)
class Page:
    """A page of top-level comments; ``next`` is the cursor of the next page."""

    items: list[Comment]
    next: int | None


def _visible_clause(decision: Decision, viewer: Person | None) -> ColumnElement[bool]:
    """:func:`is_visible_to` as a SQL condition on :class:`Comment`."""
    if viewer is None:
        return false()
    if viewer.role == "facilitator" or decision.comments != "premoderated":
        return true()
    return or_(Comment.review != "new", Comment.author_id == viewer.id)


def _top_level(decision: Decision, viewer: Person | None) -> Select[tuple[int]]:
    return select(Comment.id).where(
        Comment.decision_id == decision.id,
        Comment.parent_id.is_(None),
        _visible_clause(decision, viewer),
    )


def list_comments(
    viewer: Person | None, decision: Decision, *, after: int | None = None, limit: int = 50
) -> Page:
    """Visible top-level comments, oldest first, with their visible replies.

    One query for the page (``LIMIT limit + 1``: the extra row says whether a
    next page exists) and one for the replies of all its comments, however many
    comments the decision has.

    :param after: cursor: the id of the last top-level comment already shown.
    :param limit: page size (1..200).
    """
    limit = max(1, min(limit, 200))
    query = (
        select(Comment)
        .where(
            Comment.decision_id == decision.id,
            Comment.parent_id.is_(None),
            _visible_clause(decision, viewer),
        )
        .order_by(Comment.id)
        .limit(limit + 1)
        .options(selectinload(Comment.replies))
    )
    if after is not None:
        query = query.where(Comment.id > after)
    found = list(db.session.execute(query).scalars())
    more = len(found) > limit
    items = found[:limit]
    return Page(items, items[-1].id if more and items else None)


def previous_cursor(
    viewer: Person | None, decision: Decision, after: int | None, limit: int
) -> tuple[bool, int | None]:
    """Whether a page comes before the one that starts after ``after``, and its cursor.

    The ``limit`` visible top-level comments up to ``after`` (included) form
    the previous page; its cursor is the comment before them (``None``: page 1).
    One query with ``LIMIT limit + 1``.
    """
    if after is None:
        return False, None
    limit = max(1, min(limit, 200))
    ids = list(
        db.session.execute(
            _top_level(decision, viewer)
            .where(Comment.id <= after)
            .order_by(Comment.id.desc())
            .limit(limit + 1)
        ).scalars()
    )
    if not ids:
        return False, None
    return True, (ids[limit] if len(ids) > limit else None)


def last_cursor(viewer: Person | None, decision: Decision, limit: int) -> int | None:
    """The cursor of the last page of comments (``None``: there is one page).

    Pages are counted from the first comment, as the page links walk them: two
    queries (a count, and the one row at the last page's edge).
    """
    limit = max(1, min(limit, 200))
    total = db.session.execute(
        select(func.count()).select_from(_top_level(decision, viewer).subquery())
    ).scalar_one()
    if total <= limit:
        return None
    edge = (total - 1) // limit * limit - 1
    return db.session.execute(
        _top_level(decision, viewer).order_by(Comment.id).limit(1).offset(edge)
    ).scalar_one()


@dataclass(slots=True)
class CommentRow:
    """A comment as a page shows it, read as plain columns (no ORM objects).

    ``author_name`` is the author's name when the comment was posted (``""``
    for an erased person); ``organisation`` is the short name of the author's
    organisation then (domain/names.py: a later rename changes neither).
    """

    id: int
    parent_id: int | None
    author_id: int
    author_name: str
    organisation: str | None
    option_id: int | None
    body: str
    created_at: datetime
    edited_at: datetime | None
    review: str
    hidden_reason: str | None


@dataclass(frozen=True)
class Thread:
    """A visible top-level comment and its visible replies, oldest first."""

    comment: CommentRow
    replies: list[CommentRow]


@dataclass(frozen=True)
class ThreadPage:
    """A page of threads; ``next`` is the cursor of the next page."""

    threads: list[Thread]
    next: int | None


_ROW_COLUMNS = (
    Comment.id,
    Comment.parent_id,
    Comment.author_id,
    # The signature of the time (domain/names.py), not today's names.
    Comment.author_name,
    Comment.organisation_short_name,
    Comment.option_id,
    Comment.body,
    Comment.created_at,
    Comment.edited_at,
    Comment.review,
    Comment.hidden_reason,
)


@cache
def _thread_query(visibility: str, replies: bool, after: bool) -> Select[Any]:
    """The statement of :func:`list_threads`, built once per shape: a page of
    top-level comments (``decision_id``, ``limit``, with ``after`` a cursor)
    or the replies of some of them (``decision_id``, ``parent_ids``);
    ``visibility`` is :func:`_visibility`'s (``"author"`` binds ``viewer_id``)."""
    visible: ColumnElement[bool]
    if visibility == "none":
        visible = false()
    elif visibility == "all":
        visible = true()
    else:
        visible = or_(Comment.review != "new", Comment.author_id == bindparam("viewer_id"))
    if replies:
        # The decision too: replies are found by the (decision_id, parent_id, id) index.
        condition = (
            (Comment.decision_id == bindparam("decision_id"))
            & Comment.parent_id.in_(bindparam("parent_ids", expanding=True))
            & visible
        )
    else:
        condition = (
            (Comment.decision_id == bindparam("decision_id"))
            & Comment.parent_id.is_(None)
            & visible
        )
        if after:
            condition = condition & (Comment.id > bindparam("after"))
    query = select(*_ROW_COLUMNS).where(condition).order_by(Comment.id)
    return query if replies else query.limit(bindparam("limit"))


def _visibility(decision: Decision, viewer: Person | None) -> str:
    """:func:`_visible_clause` by name: ``none``, ``all`` or ``author`` (reviewed, or own)."""
    if viewer is None:
        return "none"
    if viewer.role == "facilitator" or decision.comments != "premoderated":
        return "all"
    return "author"


def _rows(query: Select[Any], values: dict[str, Any]) -> list[CommentRow]:
    return [CommentRow(*row) for row in db.session.execute(query, values).tuples()]


def row_of(comment: Comment) -> CommentRow:
    """A loaded comment as a :class:`CommentRow`."""
    return CommentRow(
        comment.id,
        comment.parent_id,
        comment.author_id,
        comment.author_name or "",
        comment.organisation_short_name,
        comment.option_id,
        comment.body,
        comment.created_at,
        comment.edited_at,
        comment.review,
        comment.hidden_reason,
    )


def list_threads(
    viewer: Person | None, decision: Decision, *, after: int | None = None, limit: int = 50
) -> ThreadPage:
    """:func:`list_comments` for reading: the same page and replies (two
    queries), as plain rows, for a page that only shows them.

    :param after: cursor: the id of the last top-level comment already shown.
    :param limit: page size (1..200).
    """
    limit = max(1, min(limit, 200))
    visibility = _visibility(decision, viewer)
    viewer_id = {"viewer_id": viewer.id} if visibility == "author" and viewer else {}
    values: dict[str, Any] = {"decision_id": decision.id, "limit": limit + 1, **viewer_id}
    if after is not None:
        values["after"] = after
    found = _rows(_thread_query(visibility, False, after is not None), values)
    more = len(found) > limit
    top = found[:limit]
    replies: dict[int, list[CommentRow]] = {row.id: [] for row in top}
    if top:
        query = _thread_query(visibility, True, False)
        values = {"decision_id": decision.id, "parent_ids": list(replies), **viewer_id}
        for reply in _rows(query, values):
            replies[reply.parent_id].append(reply)  # type: ignore[index]
    return ThreadPage(
        [Thread(row, replies[row.id]) for row in top], top[-1].id if more and top else None
    )


def visible_replies(comment: Comment, decision: Decision, viewer: Person | None) -> list[Comment]:
    """The replies to ``comment`` that ``viewer`` sees, oldest first."""
    return [r for r in comment.replies if is_visible_to(r, decision, viewer)]


def get_comment(viewer: Person | None, comment_id: int) -> Comment:
    """The comment if visible to ``viewer``.

    :raises NotFound: no such comment, or one ``viewer`` may not see, its
        decision's included: the same answer either way, so that a comment id
        never tells of a decision hidden from ``viewer`` (a draft).
    """
    comment = db.session.get(Comment, comment_id)
    try:
        decision = get_decision(viewer, comment.decision_id) if comment is not None else None
    except NotFound:
        decision = None
    if comment is None or decision is None or not is_visible_to(comment, decision, viewer):
        raise NotFound(f"No comment {comment_id}.")
    return comment


def add_comment(
    actor: Person | None,
    decision_id: int,
    body: Any,
    now: datetime,
    *,
    option_id: Any = None,
    parent_id: Any = None,
    max_length: int = 5000,
) -> Comment:
    """Post a comment, signed "person (organisation)".

    The text is stored as given (trimmed) and always shown escaped. A reply to a
    reply attaches to the top-level comment: one level of replies.

    :raises NotAllowed: observers.
    :raises InvalidInput: blank (also only invisible characters), too long, or
        an option or parent not of this decision.
    :raises Conflict: comments closed, or the decision is not open for comments.
    """
    actor = require_member(actor)
    decision = get_decision(actor, decision_id)
    text = clean(body, "body", max_length=max_length)
    option = None
    if option_id is not None:
        option = next(
            (o for o in decision.options if not isinstance(option_id, bool) and o.id == option_id),
            None,
        )
        if option is None:
            raise InvalidInput(
                Message("Unknown option."),
                {"option": f"{option_id!r} is not an option of this decision."},
            )
    parent = None
    if parent_id is not None:
        parent = (
            db.session.get(Comment, parent_id)
            if isinstance(parent_id, int)
            and not isinstance(parent_id, bool)
            and 0 < parent_id < 2**31
            else None
        )
        if (
            parent is None
            or parent.decision_id != decision.id
            or not is_visible_to(parent, decision, actor)
        ):
            raise InvalidInput(
                Message("Unknown comment to reply to."),
                {"parent": Message("Not a comment of this decision.")},
            )
        while parent.parent_id is not None:
            parent = db.session.get(Comment, parent.parent_id)
            assert parent is not None
        if option is None:
            option = parent.option
    if decision.comments == "closed":
        raise Conflict(Message("Comments are closed for this decision."), code="comments_closed")
    status = status_of(decision, now)
    if status not in (Status.OPEN, Status.DRAFT, Status.CLOSED):
        raise Conflict(
            Message("This decision is %(status)s; it takes no more comments.", status=status),
            code="comments_closed",
        )
    comment = Comment(
        decision_id=decision.id,
        option_id=option.id if option else None,
        parent_id=parent.id if parent else None,
        author_id=actor.id,
        organisation_id=actor.organisation_id,
        body=text,
        created_at=now,
        review="new",
        # The signature of the time (a later rename leaves it).
        author_name=actor.name,
        organisation_short_name=actor.organisation.short_name if actor.organisation else None,
    )
    db.session.add(comment)
    db.session.flush()
    audit.record(
        "comment.added",
        f"comment:{comment.id}",
        actor,
        {"decision": decision.id, "parent": comment.parent_id},
        at=now,
    )
    return comment


def edit_comment(
    actor: Person | None, comment_id: int, body: Any, now: datetime, *, max_length: int = 5000
) -> Comment:
    """The author changes their comment's text while the decision is open.

    The comment goes back to ``new`` in the review queue; the facilitator's
    note stays.

    :raises NotAllowed: someone else's comment.
    :raises Conflict: hidden, or the decision no longer open.
    """
    comment = get_comment(actor, comment_id)
    if actor is None or comment.author_id != actor.id:
        raise NotAllowed(Message("Only the author may change a comment's text."))
    text = clean(body, "body", max_length=max_length)
    if comment.review == "hidden":
        raise Conflict(Message("A hidden comment cannot be changed."))
    if status_of(get_decision(actor, comment.decision_id), now) is not Status.OPEN:
        raise Conflict(Message("Comments can be changed only while the decision is open."))
    comment.body = text
    comment.edited_at = now
    # Changed text is new text: it goes back to the review queue (and, under
    # pre-moderation, out of other members' sight until reviewed again).
    comment.review = "new"
    comment.reviewed_at = None
    db.session.flush()
    audit.record("comment.edited", f"comment:{comment.id}", actor, {}, at=now)
    return comment


def review_comment(
    actor: Person | None,
    comment_id: int,
    review: Any,
    now: datetime,
    *,
    reason: Any = None,
    note: Any = None,
) -> Comment:
    """A facilitator moves a comment through the review queue.

    :param review: ``new``, ``reviewed``, ``flagged`` (for the meeting) or
        ``hidden`` (``reason`` required; shown in place of the text).
    :raises NotAllowed: for non-facilitators.
    :raises InvalidInput: an unknown state, or hiding without a reason.
    :raises Conflict: ``already_hidden``: hiding a comment that is hidden
        (its reason stays as the facilitator gave it).
    """
    actor = require_facilitator(actor)
    comment = get_comment(actor, comment_id)
    if review not in REVIEW_STATES:
        raise InvalidInput(
            Message("Unknown review state."), {"review": "One of " + ", ".join(REVIEW_STATES) + "."}
        )
    hidden_reason = clean(reason, "reason", max_length=1000) if review == "hidden" else None
    new_note = clean(note, "note", max_length=2000, required=False) if note is not None else None
    if review == "hidden" and comment.review == "hidden":  # after the 400s: they win
        raise Conflict(
            Message("Comment %(id)s is hidden already.", id=comment.id), code="already_hidden"
        )
    comment.hidden_reason = hidden_reason
    if note is not None:
        comment.note = new_note or None
    comment.review = review
    comment.reviewed_at = now
    db.session.flush()
    audit.record("comment.reviewed", f"comment:{comment.id}", actor, {"review": review}, at=now)
    return comment
