"""The keyset pages of a decision's comments, walked through the service the
decision page uses: each page's items and ``next`` cursor, the cursor of the
page before (``previous_cursor``) and of the last page (``last_cursor``),
counted over what the viewer sees, with the page size clamped to 1..200."""

from __future__ import annotations

from typing import Any

import pytest

from cop_vote.domain.errors import NotAllowed
from cop_vote.extensions import db
from cop_vote.models import Comment, Decision
from cop_vote.services import comments
from tests.dbstate import snapshot
from tests.web.helpers import make_decision


def _post(person: Any, decision_id: int, count: int, now: Any) -> list[int]:
    ids = [comments.add_comment(person, decision_id, f"Comment {n}.", now).id for n in range(count)]
    db.session.commit()
    return ids


def _page(viewer: Any, decision: Decision, after: int | None, limit: int) -> tuple[list[int], Any]:
    page = comments.list_comments(viewer, decision, after=after, limit=limit)
    return [c.id for c in page.items], page.next


def _seven(network: dict[str, Any], clock: Any) -> tuple[Any, Decision, list[int]]:
    """A member of another organisation, an open decision, and its seven comments."""
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    ids = _post(people["adpc"], did, 7, clock.now)
    decision = db.session.get(Decision, did)
    assert decision is not None
    return people["stro"], decision, ids


def test_pages_walk_forward_with_the_last_shown_id_as_cursor(
    network: dict[str, Any], clock: Any
) -> None:
    viewer, decision, c = _seven(network, clock)
    assert _page(viewer, decision, None, 3) == (c[0:3], c[2])
    assert _page(viewer, decision, c[2], 3) == (c[3:6], c[5])
    assert _page(viewer, decision, c[5], 3) == ([c[6]], None)
    # Exactly a page left: no next page.
    assert _page(viewer, decision, c[3], 3) == (c[4:7], None)
    assert _page(viewer, decision, None, 7) == (c, None)
    # The size is clamped: 0 and below mean 1, more than 200 means 200.
    assert _page(viewer, decision, None, 0) == ([c[0]], c[0])
    assert _page(viewer, decision, c[0], -5) == ([c[1]], c[1])
    assert _page(viewer, decision, None, 500) == (c, None)


def test_previous_cursor_names_the_page_before(network: dict[str, Any], clock: Any) -> None:
    viewer, decision, c = _seven(network, clock)
    # Page 1 has no page before it.
    assert comments.previous_cursor(viewer, decision, None, 3) == (False, None)
    # A cursor before every comment: nothing before it either.
    assert comments.previous_cursor(viewer, decision, c[0] - 1, 3) == (False, None)
    # Page 2 (after c[2]): the page before is page 1, whose cursor is None.
    assert comments.previous_cursor(viewer, decision, c[2], 3) == (True, None)
    # Page 3 (after c[5]): the page before starts after c[2].
    assert comments.previous_cursor(viewer, decision, c[5], 3) == (True, c[2])
    # A page that does not start on a page boundary: the previous `limit` comments.
    assert comments.previous_cursor(viewer, decision, c[4], 3) == (True, c[1])
    assert comments.previous_cursor(viewer, decision, c[1], 3) == (True, None)
    # The size is clamped to 1..200.
    assert comments.previous_cursor(viewer, decision, c[2], 0) == (True, c[1])
    assert comments.previous_cursor(viewer, decision, c[0], 0) == (True, None)
    assert comments.previous_cursor(viewer, decision, c[6], 500) == (True, None)


def test_last_cursor_is_where_the_last_page_starts(network: dict[str, Any], clock: Any) -> None:
    viewer, decision, c = _seven(network, clock)
    # Pages of 3 from the first: c0-c2, c3-c5, c6; the last starts after c5.
    assert comments.last_cursor(viewer, decision, 3) == c[5]
    assert _page(viewer, decision, c[5], 3) == ([c[6]], None)
    # Pages of 4: c0-c3, c4-c6.
    assert comments.last_cursor(viewer, decision, 4) == c[3]
    assert comments.last_cursor(viewer, decision, 6) == c[5]
    # One page: no cursor.
    assert comments.last_cursor(viewer, decision, 7) is None
    assert comments.last_cursor(viewer, decision, 500) is None
    c.extend(_post(viewer, decision.id, 1, clock.now))
    # Eight comments. Pages of 1 end at c7, pages of 2 at c6-c7.
    assert comments.last_cursor(viewer, decision, 1) == c[6]
    assert comments.last_cursor(viewer, decision, 0) == c[6]
    assert comments.last_cursor(viewer, decision, 2) == c[5]


def test_cursors_count_only_the_comments_the_viewer_sees(
    network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now, comments="premoderated")
    theirs = _post(people["adpc"], did, 3, clock.now)
    mine = _post(people["stro"], did, 2, clock.now)
    # A reply is not a top-level comment: it is on no page of its own.
    comments.add_comment(people["adpc"], did, "A reply.", clock.now, parent_id=theirs[0])
    db.session.commit()
    decision = db.session.get(Decision, did)
    assert decision is not None
    everything = theirs + mine
    # Under pre-moderation a member sees their own new comments, not others'.
    stro = people["stro"]
    assert _page(stro, decision, None, 1) == ([mine[0]], mine[0])
    assert comments.last_cursor(stro, decision, 1) == mine[0]
    assert comments.previous_cursor(stro, decision, mine[0], 1) == (True, None)
    assert comments.previous_cursor(stro, decision, theirs[2], 1) == (False, None)
    # The facilitator sees them all.
    facilitator = people["facilitator"]
    assert comments.last_cursor(facilitator, decision, 2) == everything[3]
    assert comments.previous_cursor(facilitator, decision, everything[3], 2) == (
        True,
        everything[1],
    )
    assert _page(facilitator, decision, everything[1], 2) == (everything[2:4], everything[3])
    # No one signed in sees nothing.
    assert comments.last_cursor(None, decision, 1) is None
    assert comments.previous_cursor(None, decision, everything[4], 1) == (False, None)
    assert _page(None, decision, None, 1) == ([], None)


def test_only_the_author_may_change_a_comment(network: dict[str, Any], clock: Any) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    (cid,) = _post(people["adpc"], did, 1, clock.now)
    before = snapshot()
    for someone in (people["stro"], people["facilitator"]):
        with pytest.raises(NotAllowed) as caught:
            comments.edit_comment(someone, cid, "Changed.", clock.now)
        assert caught.value.message == "Only the author may change a comment's text."
        db.session.rollback()
        assert snapshot() == before
    comment = db.session.get(Comment, cid)
    assert comment is not None and comment.body == "Comment 0."
