"""The review queue's refusals say exactly what is wrong (message, field and
code, as the API and the pages show them), and restoring or reviewing in bulk
leaves exactly the state it names."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from cop_vote.domain.errors import Conflict, InvalidInput
from cop_vote.extensions import db
from cop_vote.models import Comment, CommentReport, Event
from cop_vote.services import comments, moderation
from tests.dbstate import snapshot
from tests.web.helpers import make_decision, option_ids


def _comment(person: Any, decision_id: int, body: str, now: Any) -> Comment:
    comment = comments.add_comment(person, decision_id, body, now)
    db.session.commit()
    return comment


def _refused(error: pytest.ExceptionInfo[Any], message: str, fields: dict[str, str]) -> None:
    assert (error.value.message, error.value.fields) == (message, fields)
    assert error.value.code == "invalid_input"


def test_bulk_review_names_what_is_wrong_and_writes_nothing(
    network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    facilitator = people["facilitator"]
    did = make_decision(facilitator, clock.now)
    other = make_decision(facilitator, clock.now, title="Other")
    mine = _comment(people["adpc"], did, "Mine.", clock.now)
    elsewhere = _comment(people["stro"], other, "Elsewhere.", clock.now)
    before = snapshot()
    cases: list[tuple[list[Any], str, str, dict[str, str]]] = [
        ([], "reviewed", "Choose at least one comment.", {"comments": "Choose a comment."}),
        (
            list(range(1, moderation.MAX_BULK + 2)),
            "reviewed",
            "Too many comments.",
            {"comments": "At most 500 at once."},
        ),
        (
            [mine.id],
            "deleted",
            "Unknown review state.",
            {"review": "One of new, reviewed, flagged, hidden."},
        ),
        (
            [mine.id, elsewhere.id],
            "reviewed",
            "Unknown comment.",
            {"comments": f"{elsewhere.id} is not a comment of this decision."},
        ),
        (
            [99999],
            "reviewed",
            "Unknown comment.",
            {"comments": "99999 is not a comment of this decision."},
        ),
        (["abc"], "reviewed", "Unknown comments.", {"comments": "Not a known identifier."}),
    ]
    for ids, state, message, fields in cases:
        with pytest.raises(InvalidInput) as caught:
            moderation.bulk_review(facilitator, did, ids, state, clock.now)
        _refused(caught, message, fields)
        db.session.rollback()
        assert snapshot() == before, (ids, state)


def test_exactly_500_comments_may_be_reviewed_at_once(network: dict[str, Any], clock: Any) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    first = _comment(people["adpc"], did, "One.", clock.now)
    # Repeats count once: 500 distinct ids pass the limit (and then name the unknown one).
    ids = [first.id] * 3 + [first.id + n for n in range(1, 500)]
    with pytest.raises(InvalidInput) as caught:
        moderation.bulk_review(people["facilitator"], did, ids, "reviewed", clock.now)
    assert caught.value.message == "Unknown comment."


def test_bulk_flagging_files_under_an_option_only_when_flagging(
    network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    facilitator = people["facilitator"]
    did = make_decision(facilitator, clock.now)
    memphis, nashville, _atlanta = option_ids(did)
    a = _comment(people["adpc"], did, "A.", clock.now)
    b = _comment(people["stro"], did, "B.", clock.now)
    moderation.bulk_review(
        facilitator, did, [a.id, b.id], "flagged", clock.now, tag_option_id=str(memphis)
    )
    db.session.commit()
    assert [(c.review, c.tag_option_id) for c in (a, b)] == [
        ("flagged", memphis),
        ("flagged", memphis),
    ]
    # Marking reviewed keeps each tag; an empty tag keeps it too.
    moderation.bulk_review(
        facilitator, did, [a.id], "reviewed", clock.now, tag_option_id=str(nashville)
    )
    moderation.bulk_review(facilitator, did, [b.id], "flagged", clock.now, tag_option_id="")
    db.session.commit()
    assert (a.review, a.tag_option_id) == ("reviewed", memphis)
    assert (b.review, b.tag_option_id) == ("flagged", memphis)
    # Hiding in bulk needs the reason each member will see.
    with pytest.raises(InvalidInput) as caught:
        moderation.bulk_review(facilitator, did, [a.id, b.id], "hidden", clock.now)
    assert "reason" in caught.value.fields
    db.session.rollback()
    hidden = moderation.bulk_review(
        facilitator, did, [a.id, b.id], "hidden", clock.now, reason="Off topic"
    )
    db.session.commit()
    assert [(c.review, c.hidden_reason) for c in hidden] == [
        ("hidden", "Off topic"),
        ("hidden", "Off topic"),
    ]


def test_restore_shows_the_comment_again_as_reviewed_now(
    network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    facilitator = people["facilitator"]
    did = make_decision(facilitator, clock.now)
    comment = _comment(people["adpc"], did, "Words.", clock.now)
    before = snapshot()
    with pytest.raises(Conflict) as caught:
        moderation.restore(facilitator, comment.id, clock.now)
    assert (caught.value.code, caught.value.message) == (
        "not_hidden",
        "Only a hidden comment can be restored.",
    )
    db.session.rollback()
    assert snapshot() == before
    report = moderation.report_comment(people["stro"], comment.id, "Rude", clock.now)
    moderation.review(facilitator, comment.id, "hidden", clock.now, reason="Rude")
    db.session.commit()
    clock.advance(minutes=10)
    restored = moderation.restore(facilitator, comment.id, clock.now)
    db.session.commit()
    assert (restored.review, restored.hidden_reason, restored.reviewed_at) == (
        "reviewed",
        None,
        clock.now,
    )
    # The report was resolved by the hiding, not reopened by the restore.
    stored = db.session.get(CommentReport, report.id)
    assert stored is not None and stored.resolved_at == clock.now - timedelta(minutes=10)


def test_reviewing_back_to_new_leaves_reports_open(network: dict[str, Any], clock: Any) -> None:
    people = network["people"]
    facilitator = people["facilitator"]
    did = make_decision(facilitator, clock.now)
    comment = _comment(people["adpc"], did, "Words.", clock.now)
    report = moderation.report_comment(people["stro"], comment.id, "Unclear", clock.now)
    db.session.commit()
    moderation.review(facilitator, comment.id, "new", clock.now)
    db.session.commit()
    stored = db.session.get(CommentReport, report.id)
    assert stored is not None and stored.resolved_at is None
    assert moderation.review_queue(facilitator, did)[0].reported


def test_the_report_form_finds_the_comment_a_member_may_report(
    network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    comment = _comment(people["adpc"], did, "Words.", clock.now)
    assert moderation.get_report_target(people["stro"], comment.id) is comment


def test_filters_name_the_bad_value(network: dict[str, Any], clock: Any) -> None:
    did = make_decision(network["people"]["facilitator"], clock.now)
    decision = db.session.get(moderation.Decision, did)
    other = option_ids(make_decision(network["people"]["facilitator"], clock.now))[0]
    cases: list[tuple[dict[str, Any], str, dict[str, str]]] = [
        (
            {"status": "gone"},
            "Unknown status filter.",
            {"status": "One of new, reviewed, flagged, hidden, reported."},
        ),
        ({"option": str(other)}, "Unknown option.", {"option": "Not an option of this decision."}),
        ({"option": "x"}, "Unknown option.", {"option": "Not a known identifier."}),
        ({"option": True}, "Unknown option.", {"option": "Not a known identifier."}),
        ({"option": "0"}, "Unknown option.", {"option": "Not a known identifier."}),
        ({"option": -3}, "Unknown option.", {"option": "Not a known identifier."}),
        ({"option": str(2**31)}, "Unknown option.", {"option": "Not a known identifier."}),
        (
            {"organisation": "nobody"},
            "Unknown organisation.",
            {"organisation": "No such organisation."},
        ),
    ]
    for kwargs, message, fields in cases:
        with pytest.raises(InvalidInput) as caught:
            moderation.parse_filters(decision, **kwargs)
        _refused(caught, message, fields)
    mine = option_ids(did)[1]
    assert moderation.parse_filters(decision, option=f" {mine} ").option_id == mine
    assert moderation.parse_filters(decision, status="", option="", organisation="") == (
        moderation.QueueFilters()
    )


def test_a_report_says_why_it_is_refused_and_is_logged_at_its_time(
    network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    comment = _comment(people["adpc"], did, "Words.", clock.now)
    with pytest.raises(InvalidInput) as caught:
        moderation.report_comment(people["adpc"], comment.id, "Mine", clock.now)
    assert (caught.value.message, caught.value.fields, caught.value.code) == (
        "You cannot report your own comment.",
        {"comment": "Change or explain your own comment instead."},
        "own_comment",
    )
    db.session.rollback()
    with pytest.raises(InvalidInput) as caught:
        moderation.report_comment(people["stro"], comment.id, "x" * 1001, clock.now)
    assert "reason" in caught.value.fields
    db.session.rollback()
    clock.advance(days=3)
    report = moderation.report_comment(people["stro"], comment.id, "x" * 1000, clock.now)
    db.session.commit()
    assert (report.comment_id, report.person_id, report.created_at) == (
        comment.id,
        people["stro"].id,
        clock.now,
    )
    entry = db.session.execute(select(Event).where(Event.kind == "comment.reported")).scalar_one()
    assert (entry.subject, entry.actor_id, entry.at, entry.data) == (
        f"comment:{comment.id}",
        people["stro"].id,
        clock.now,
        {"decision": did, "report": report.id},
    )
    with pytest.raises(Conflict) as again:
        moderation.report_comment(people["stro"], comment.id, "Again", clock.now)
    assert (again.value.code, again.value.message) == (
        "already_reported",
        "You have reported this comment already.",
    )


def test_an_unknown_review_state_is_named_with_the_states_there_are(
    network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    comment = _comment(people["adpc"], did, "Words.", clock.now)
    before = snapshot()
    for state in ("deleted", "reported", None, ""):
        with pytest.raises(InvalidInput) as caught:
            comments.review_comment(people["facilitator"], comment.id, state, clock.now)
        _refused(
            caught, "Unknown review state.", {"review": "One of new, reviewed, flagged, hidden."}
        )
        db.session.rollback()
    assert snapshot() == before
    clock.advance(hours=1)
    comments.review_comment(
        people["facilitator"], comment.id, "flagged", clock.now, note="  Ask them  "
    )
    db.session.commit()
    assert (comment.review, comment.note, comment.reviewed_at, comment.hidden_reason) == (
        "flagged",
        "Ask them",
        clock.now,
        None,
    )
    comments.review_comment(people["facilitator"], comment.id, "reviewed", clock.now, note="")
    db.session.commit()
    assert comment.note is None
    logged = db.session.execute(
        select(Event.at, Event.data).where(Event.kind == "comment.reviewed").order_by(Event.id)
    ).all()
    assert [tuple(row) for row in logged] == [
        (clock.now, {"review": "flagged"}),
        (clock.now, {"review": "reviewed"}),
    ]
