"""Facilitation of comments: the review queue and members' reports.

The facilitator reviews comments in a queue (DESIGN.md, "Comments and
facilitation"): ``new`` → ``reviewed``, ``flagged`` for the meeting (with a note
and, optionally, the option it is filed under in the meeting pack) or
``hidden`` with a reason shown in place of the text. Members report a comment
with a reason; a comment with an open report comes first in the queue, and
reviewing it resolves its reports.

The balance of voices shown beside the queue is :mod:`.voices`.

Like every service: the acting person and ``now`` are passed in, roles are
checked first (:mod:`.access`), errors are :mod:`~cop_vote.domain.errors`
types, every state change is audited, and nothing is committed here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import joinedload

from ..domain.errors import Conflict, InvalidInput, Message, NotFound
from ..extensions import db
from ..models import Comment, CommentReport, Decision, Organisation, Person
from . import audit
from .access import require_facilitator, require_member
from .comments import REVIEW_STATES, get_comment, review_comment
from .decisions import get_decision
from .organisations import get_organisation
from .text import clean

#: What the queue can be filtered on besides the review states.
REPORTED = "reported"
STATUS_FILTERS = (*REVIEW_STATES, REPORTED)
#: The actions of the bulk form: the review states.
BULK_ACTIONS = REVIEW_STATES
REASON_MAX = 1000
MAX_BULK = 500


@dataclass(frozen=True)
class QueueItem:
    """One comment in the review queue with its unresolved reports (oldest first)."""

    comment: Comment
    reports: list[CommentReport] = field(default_factory=list)

    @property
    def reported(self) -> bool:
        """Whether a member's report is waiting for the facilitator."""
        return bool(self.reports)


@dataclass(frozen=True)
class QueueFilters:
    """The queue's filters, checked: ``status`` one of :data:`STATUS_FILTERS`,
    ``option_id`` an option id, ``organisation`` an organisation; each ``None`` for all."""

    status: str | None = None
    option_id: int | None = None
    organisation: Organisation | None = None


def _id(value: Any, name: str) -> int:
    """An identifier from a query string or JSON; :raises InvalidInput: otherwise."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or not 0 < value < 2**31:
        raise InvalidInput(f"Unknown {name}.", {name: Message("Not a known identifier.")})
    return value


def parse_filters(
    decision: Decision | None, status: Any = None, option: Any = None, organisation: Any = None
) -> QueueFilters:
    """Check the queue's filters as they come from a query string (empty means all).

    :param decision: the decision of the queue; ``None`` for the queue across
        decisions (an option filter needs a decision).
    :param status: a review state or ``"reported"``.
    :param option: an option id of ``decision``: comments on it or tagged with it.
    :param organisation: an organisation's slug.
    :raises InvalidInput: naming each unknown filter value.
    """
    status = status or None
    if status is not None and status not in STATUS_FILTERS:
        raise InvalidInput(
            Message("Unknown status filter."),
            {"status": "One of " + ", ".join(STATUS_FILTERS) + "."},
        )
    option_id = None
    if option not in (None, ""):
        option_id = _id(option, "option")
        if decision is None or option_id not in {o.id for o in decision.options}:
            raise InvalidInput(
                Message("Unknown option."), {"option": Message("Not an option of this decision.")}
            )
    org = None
    if organisation not in (None, ""):
        try:
            org = get_organisation(organisation)
        except NotFound:
            raise InvalidInput(
                Message("Unknown organisation."), {"organisation": Message("No such organisation.")}
            ) from None
    return QueueFilters(status, option_id, org)


def _open_reports(comment_ids: Sequence[int]) -> dict[int, list[CommentReport]]:
    found: dict[int, list[CommentReport]] = {}
    if not comment_ids:
        return found
    rows = db.session.execute(
        select(CommentReport)
        .where(CommentReport.comment_id.in_(comment_ids), CommentReport.resolved_at.is_(None))
        .order_by(CommentReport.id)
    ).scalars()
    for report in rows:
        found.setdefault(report.comment_id, []).append(report)
    return found


def _queue_query(
    actor: Person | None, decision_id: int | None, filters: QueueFilters | None
) -> tuple[Select[tuple[Comment]], Select[tuple[int]]]:
    """The queue's rows in their order, and their count, as two queries."""
    actor = require_facilitator(actor)
    filters = filters or QueueFilters()
    conditions: list[ColumnElement[bool]] = []
    if decision_id is not None:
        decision = get_decision(actor, decision_id)
        conditions.append(Comment.decision_id == decision.id)
    if filters.status in REVIEW_STATES:
        conditions.append(Comment.review == filters.status)
    if filters.option_id is not None:
        conditions.append(
            (Comment.option_id == filters.option_id) | (Comment.tag_option_id == filters.option_id)
        )
    if filters.organisation is not None:
        conditions.append(Comment.organisation_id == filters.organisation.id)
    reported = (
        select(CommentReport.id)
        .where(CommentReport.comment_id == Comment.id, CommentReport.resolved_at.is_(None))
        .exists()
    )
    if filters.status == REPORTED:
        conditions.append(reported)
    rows = (
        select(Comment)
        .where(*conditions)
        .options(joinedload(Comment.option), joinedload(Comment.tag_option))
        .order_by(
            case((reported, 0), else_=1),
            case((Comment.review == "new", 0), else_=1),
            Comment.id,
        )
    )
    total = select(func.count()).select_from(Comment).where(*conditions)
    return rows, total


def _items(comments: Sequence[Comment]) -> list[QueueItem]:
    reports = _open_reports([c.id for c in comments])
    return [QueueItem(c, reports.get(c.id, [])) for c in comments]


def review_queue(
    actor: Person | None, decision_id: int | None = None, filters: QueueFilters | None = None
) -> list[QueueItem]:
    """The whole review queue: comments with an open report first, then new
    ones, then the rest; oldest first within each group. Replies are listed
    like comments. Pages show it a page at a time (:func:`review_page`).

    :param decision_id: one decision's queue; ``None`` for every decision's.
    :raises NotAllowed: for anyone but a facilitator.
    :raises NotFound: no such decision.
    """
    rows, _total = _queue_query(actor, decision_id, filters)
    return _items(list(db.session.execute(rows).scalars()))


@dataclass(frozen=True)
class QueuePage:
    """One page of the review queue: its items, how many the whole queue holds,
    and the offset of the next page (``None`` on the last)."""

    items: list[QueueItem]
    total: int
    offset: int
    next_offset: int | None


def review_page(
    actor: Person | None,
    decision_id: int | None = None,
    filters: QueueFilters | None = None,
    *,
    offset: int = 0,
    limit: int = 100,
) -> QueuePage:
    """One page of :func:`review_queue` in three queries (the count, the page
    with ``LIMIT``/``OFFSET``, and the page's open reports), whatever its size.

    :raises NotAllowed: for anyone but a facilitator.
    :raises NotFound: no such decision.
    """
    offset, limit = max(0, offset), max(1, min(limit, 500))
    rows, total_query = _queue_query(actor, decision_id, filters)
    total = db.session.execute(total_query).scalar_one()
    comments = list(db.session.execute(rows.limit(limit).offset(offset)).scalars())
    more = offset + limit < total
    return QueuePage(_items(comments), total, offset, offset + limit if more else None)


def _tag_option(comment: Comment, tag_option_id: Any) -> int | None:
    if tag_option_id in (None, ""):
        return None
    option_id = _id(tag_option_id, "option")
    decision = db.session.get(Decision, comment.decision_id)
    assert decision is not None
    if option_id not in {o.id for o in decision.options}:
        raise InvalidInput(
            Message("Unknown option."),
            {"option": f"{option_id} is not an option of this decision."},
        )
    return option_id


_UNSET: Any = object()


def review(
    actor: Person | None,
    comment_id: int,
    review_state: Any,
    now: datetime,
    *,
    reason: Any = None,
    note: Any = None,
    tag_option_id: Any = _UNSET,
) -> Comment:
    """Review one comment; its open reports are resolved unless it goes back to ``new``.

    :param review_state: ``new``, ``reviewed``, ``flagged`` or ``hidden``.
    :param reason: required to hide; shown to members in place of the text.
    :param note: the facilitator's note for the meeting (``""`` clears it;
        ``None`` keeps it).
    :param tag_option_id: the option a comment is filed under in the meeting
        pack; ``None`` or ``""`` clears it; left out keeps it.
    :raises NotAllowed: for anyone but a facilitator.
    :raises NotFound: no such comment.
    :raises InvalidInput: an unknown state, hiding without a reason, a tag
        that is not an option of the comment's decision.
    """
    actor = require_facilitator(actor)
    comment = get_comment(actor, comment_id)
    tag = _UNSET if tag_option_id is _UNSET else _tag_option(comment, tag_option_id)
    comment = review_comment(actor, comment_id, review_state, now, reason=reason, note=note)
    if tag is not _UNSET:
        comment.tag_option_id = tag
    if review_state != "new":
        for report in _open_reports([comment.id]).get(comment.id, []):
            report.resolved_at = now
    db.session.flush()
    return comment


def bulk_review(
    actor: Person | None,
    decision_id: int | None,
    comment_ids: Iterable[Any],
    review_state: Any,
    now: datetime,
    reason: Any = None,
    note: Any = None,
    tag_option_id: Any = None,
) -> list[Comment]:
    """Review several comments at once, all or none.

    :param decision_id: the comments' decision; ``None`` when they may belong
        to any decision (the queue across decisions).
    :param comment_ids: the ids chosen (1 to 500).
    :param tag_option_id: filed under this option (flagging only); ``None`` keeps each tag.
    :raises NotAllowed: for anyone but a facilitator.
    :raises NotFound: no such decision.
    :raises InvalidInput: no comment chosen, a comment not of the decision,
        an unknown state, hiding without a reason, or a bad tag.
    :raises Conflict: ``already_hidden``, naming a chosen comment hidden already.
    """
    actor = require_facilitator(actor)
    if decision_id is not None:
        get_decision(actor, decision_id)
    ids: list[int] = []
    for raw in comment_ids:
        value = _id(raw, "comments")
        if value not in ids:
            ids.append(value)
    if not ids:
        raise InvalidInput(
            Message("Choose at least one comment."), {"comments": Message("Choose a comment.")}
        )
    if len(ids) > MAX_BULK:
        raise InvalidInput(
            Message("Too many comments."), {"comments": f"At most {MAX_BULK} at once."}
        )
    if review_state not in BULK_ACTIONS:
        raise InvalidInput(
            Message("Unknown review state."), {"review": "One of " + ", ".join(BULK_ACTIONS) + "."}
        )
    for comment_id in ids:  # every comment known before any is changed (400 before 409)
        comment = db.session.get(Comment, comment_id)
        if comment is None or (decision_id is not None and comment.decision_id != decision_id):
            raise InvalidInput(
                Message("Unknown comment."),
                {"comments": f"{comment_id} is not a comment of this decision."},
            )
    done = []
    for comment_id in ids:
        # Hiding one that is hidden already refuses the whole request (409
        # already_hidden naming it), rolled back by the caller: all or none.
        tag = (
            tag_option_id
            if review_state == "flagged" and tag_option_id not in (None, "")
            else _UNSET
        )
        done.append(
            review(
                actor, comment_id, review_state, now, reason=reason, note=note, tag_option_id=tag
            )
        )
    return done


def restore(actor: Person | None, comment_id: int, now: datetime) -> Comment:
    """Show a hidden comment again: its review goes back to ``reviewed``.

    :raises NotAllowed: for anyone but a facilitator.
    :raises NotFound: no such comment.
    :raises Conflict: the comment is not hidden.
    """
    actor = require_facilitator(actor)
    comment = get_comment(actor, comment_id)
    if comment.review != "hidden":
        raise Conflict(Message("Only a hidden comment can be restored."), code="not_hidden")
    return review(actor, comment_id, "reviewed", now)


def report_comment(
    actor: Person | None, comment_id: int, reason: Any, now: datetime
) -> CommentReport:
    """A member reports a comment to the facilitators, with a reason.

    :raises NotAllowed: observers and people who are not signed in.
    :raises NotFound: no such comment, or not visible to ``actor``.
    :raises InvalidInput: no reason, or a reason over 1,000 characters;
        one's own comment.
    :raises Conflict: the comment is hidden already, or ``actor`` has an
        unresolved report of it.
    """
    actor = require_member(actor)
    comment = get_comment(actor, comment_id)
    text = clean(reason, "reason", max_length=REASON_MAX)
    if comment.author_id == actor.id:
        raise InvalidInput(
            Message("You cannot report your own comment."),
            {"comment": Message("Change or explain your own comment instead.")},
            code="own_comment",
        )
    if comment.review == "hidden":
        raise Conflict(
            Message("The facilitator has hidden this comment already."), code="already_hidden"
        )
    if any(r.person_id == actor.id for r in _open_reports([comment.id]).get(comment.id, [])):
        raise Conflict(Message("You have reported this comment already."), code="already_reported")
    report = CommentReport(comment_id=comment.id, person_id=actor.id, reason=text, created_at=now)
    db.session.add(report)
    db.session.flush()
    audit.record(
        "comment.reported",
        f"comment:{comment.id}",
        actor,
        {"decision": comment.decision_id, "report": report.id},
        at=now,
    )
    return report


def get_report_target(actor: Person | None, comment_id: int) -> Comment:
    """The comment ``actor`` may report (for the report form).

    :raises NotAllowed: observers and people who are not signed in.
    :raises NotFound: no such comment, or not visible to ``actor``.
    """
    return get_comment(require_member(actor), comment_id)


def commenting_organisations(decision_id: int | None) -> list[tuple[str, str]]:
    """``(slug, name)`` of each organisation with a comment on the decision
    (every decision for ``None``), by name: the queue's organisation filter
    offers only what can match, so it grows with who spoke, not with the network."""
    spoke = select(Comment.id).where(Comment.organisation_id == Organisation.id)
    if decision_id is not None:
        spoke = spoke.where(Comment.decision_id == decision_id)
    rows = db.session.execute(
        select(Organisation.slug, Organisation.name)
        .where(spoke.exists())
        .order_by(func.lower(Organisation.name), Organisation.id)
    ).tuples()
    return list(rows)
