"""The review queue, reports and the balance of voices (services/moderation.py)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from cop_vote.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from cop_vote.extensions import db
from cop_vote.models import Comment, CommentReport, Decision, Event
from cop_vote.services import ballots, comments, moderation, voices
from tests.web.helpers import make_decision, option_ids


def _comment(person: Any, decision_id: int, body: str, now: Any, **kw: Any) -> Comment:
    comment = comments.add_comment(person, decision_id, body, now, **kw)
    db.session.commit()
    return comment


def test_flag_with_note_and_tag_then_the_queue_shows_it(network: dict, clock: Any) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    memphis, nashville, _atlanta = option_ids(did)
    comment = _comment(people["adpc"], did, "Memphis is far for us.", clock.now)
    assert comment.review == "new"
    moderation.review(
        people["facilitator"],
        comment.id,
        "flagged",
        clock.now,
        note="Discuss travel costs",
        tag_option_id=memphis,
    )
    db.session.commit()
    assert (comment.review, comment.note, comment.tag_option_id) == (
        "flagged",
        "Discuss travel costs",
        memphis,
    )
    flagged = moderation.parse_filters(
        db.session.get(Decision, did), status="flagged", option=str(memphis)
    )
    items = moderation.review_queue(people["facilitator"], did, flagged)
    assert [i.comment.id for i in items] == [comment.id]
    other = moderation.parse_filters(db.session.get(Decision, did), option=nashville)
    assert moderation.review_queue(people["facilitator"], did, other) == []
    kinds = db.session.execute(select(Event.kind)).scalars().all()
    assert "comment.reviewed" in kinds


def test_a_tag_must_be_an_option_of_the_same_decision(network: dict, clock: Any) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    other = make_decision(people["facilitator"], clock.now, title="Other")
    comment = _comment(people["adpc"], did, "Hmm.", clock.now)
    with pytest.raises(InvalidInput) as caught:
        moderation.review(
            people["facilitator"],
            comment.id,
            "flagged",
            clock.now,
            tag_option_id=option_ids(other)[0],
        )
    assert (caught.value.message, caught.value.fields) == (
        "Unknown option.",
        {"option": f"{option_ids(other)[0]} is not an option of this decision."},
    )
    db.session.rollback()
    assert db.session.get(Comment, comment.id).review == "new"
    # A tag that is not an identifier at all is refused on the same field.
    with pytest.raises(InvalidInput) as not_an_id:
        moderation.review(
            people["facilitator"], comment.id, "flagged", clock.now, tag_option_id="x"
        )
    assert not_an_id.value.fields == {"option": "Not a known identifier."}
    db.session.rollback()
    assert db.session.get(Comment, comment.id).review == "new"


def test_hide_then_restore(network: dict, clock: Any) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    comment = _comment(people["adpc"], did, "Rude words.", clock.now)
    with pytest.raises(InvalidInput):
        moderation.review(people["facilitator"], comment.id, "hidden", clock.now)
    db.session.rollback()
    moderation.review(people["facilitator"], comment.id, "hidden", clock.now, reason="Off topic")
    db.session.commit()
    assert comments.shown_body(comment, people["stro"]) is None
    assert comment.hidden_reason == "Off topic"
    with pytest.raises(Conflict):
        moderation.restore(
            people["facilitator"], _comment(people["stro"], did, "x", clock.now).id, clock.now
        )
    db.session.rollback()
    moderation.restore(people["facilitator"], comment.id, clock.now)
    db.session.commit()
    assert (comment.review, comment.hidden_reason) == ("reviewed", None)
    assert comments.shown_body(comment, people["stro"]) == "Rude words."


def test_only_facilitators_review(network: dict, clock: Any) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    comment = _comment(people["adpc"], did, "Hi.", clock.now)
    for who in ("adpc", "stro", "observer"):
        with pytest.raises(NotAllowed):
            moderation.review_queue(people[who], did)
        with pytest.raises(NotAllowed):
            moderation.bulk_review(people[who], did, [comment.id], "reviewed", clock.now)
        with pytest.raises(NotAllowed):
            moderation.restore(people[who], comment.id, clock.now)
    with pytest.raises(NotAllowed):
        moderation.review_queue(None, did)
    with pytest.raises(NotFound):
        moderation.review_queue(people["facilitator"], 99999)


def test_reports_come_first_and_are_resolved_by_review(network: dict, clock: Any) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    first = _comment(people["adpc"], did, "First.", clock.now)
    second = _comment(people["oxfam1"], did, "Second.", clock.now)
    moderation.review(people["facilitator"], first.id, "reviewed", clock.now)
    third = _comment(people["stro"], did, "Third.", clock.now)
    db.session.commit()
    queue = moderation.review_queue(people["facilitator"], did)
    assert [i.comment.id for i in queue] == [second.id, third.id, first.id]

    report = moderation.report_comment(people["stro"], first.id, "Personal attack", clock.now)
    db.session.commit()
    assert report.resolved_at is None
    queue = moderation.review_queue(people["facilitator"], did)
    assert queue[0].comment.id == first.id and queue[0].reported
    assert [r.reason for r in queue[0].reports] == ["Personal attack"]
    reported = moderation.parse_filters(None, status="reported")
    assert [
        i.comment.id for i in moderation.review_queue(people["facilitator"], did, reported)
    ] == [first.id]

    moderation.review(people["facilitator"], first.id, "hidden", clock.now, reason="Personal")
    db.session.commit()
    assert db.session.get(CommentReport, report.id).resolved_at == clock.now
    queue = moderation.review_queue(people["facilitator"], did)
    # Resolved, the hidden comment goes after the new ones, with no open report.
    assert [(i.comment.id, i.reported, i.reports) for i in queue] == [
        (second.id, False, []),
        (third.id, False, []),
        (first.id, False, []),
    ]


def test_report_rules(network: dict, clock: Any) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    comment = _comment(people["adpc"], did, "Hi.", clock.now)
    with pytest.raises(NotAllowed):
        moderation.report_comment(people["observer"], comment.id, "x", clock.now)
    with pytest.raises(NotAllowed):
        moderation.report_comment(None, comment.id, "x", clock.now)
    with pytest.raises(InvalidInput) as caught:
        moderation.report_comment(people["adpc"], comment.id, "mine", clock.now)
    assert caught.value.code == "own_comment"
    with pytest.raises(InvalidInput):
        moderation.report_comment(people["stro"], comment.id, "   ", clock.now)
    with pytest.raises(NotFound):
        moderation.report_comment(people["stro"], 99999, "x", clock.now)
    moderation.report_comment(people["stro"], comment.id, "Spam", clock.now)
    db.session.commit()
    with pytest.raises(Conflict):
        moderation.report_comment(people["stro"], comment.id, "Spam again", clock.now)
    db.session.rollback()
    # A colleague of another organisation may report it too.
    moderation.report_comment(people["oxfam1"], comment.id, "Spam", clock.now)
    db.session.commit()
    assert len(db.session.get(Comment, comment.id).reports) == 2


def test_bulk_review_is_all_or_nothing(network: dict, clock: Any) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    other = make_decision(people["facilitator"], clock.now, title="Other")
    a = _comment(people["adpc"], did, "A.", clock.now)
    b = _comment(people["stro"], did, "B.", clock.now)
    elsewhere = _comment(people["stro"], other, "C.", clock.now)
    with pytest.raises(InvalidInput):
        moderation.bulk_review(
            people["facilitator"], did, [a.id, elsewhere.id], "reviewed", clock.now
        )
    db.session.rollback()
    assert db.session.get(Comment, a.id).review == "new"
    with pytest.raises(InvalidInput):
        moderation.bulk_review(people["facilitator"], did, [], "reviewed", clock.now)
    with pytest.raises(InvalidInput):
        moderation.bulk_review(people["facilitator"], did, [a.id], "deleted", clock.now)
    done = moderation.bulk_review(
        people["facilitator"], did, [str(a.id), b.id], "flagged", clock.now, note="Both"
    )
    db.session.commit()
    assert [(c.review, c.note) for c in done] == [("flagged", "Both"), ("flagged", "Both")]
    # Across decisions (decision_id None) any comment may be chosen.
    moderation.bulk_review(people["facilitator"], None, [elsewhere.id], "reviewed", clock.now)
    db.session.commit()
    assert db.session.get(Comment, elsewhere.id).review == "reviewed"


def test_filters_refuse_unknown_values(network: dict, clock: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        moderation.parse_filters(None, status="deleted")
    assert "status" in caught.value.fields
    with pytest.raises(InvalidInput):
        moderation.parse_filters(None, option="3")
    with pytest.raises(InvalidInput):
        moderation.parse_filters(None, organisation="nobody")
    assert (
        moderation.parse_filters(None, organisation="stro").organisation is network["orgs"]["stro"]
    )


def test_balance_counts_organisations_not_people(network: dict, clock: Any) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    for n in range(3):
        _comment(people["oxfam1"], did, f"Idris {n}", clock.now)
    for n in range(2):
        _comment(people["oxfam2"], did, f"Lotte {n}", clock.now)
    ballots.cast_ballot(people["adpc"], did, {"option": option_ids(did)[0]}, clock.now)
    db.session.commit()
    decision = db.session.get(Decision, did)
    assert decision is not None
    balance = voices.balance_page(decision)
    assert (balance.totals.eligible, balance.totals.silent) == (3, 1)
    assert (balance.totals.commented, balance.totals.voted) == (1, 1)
    assert balance.voices[0].organisation.slug == "stro"  # silent first
    by_slug = {v.organisation.slug: v for v in balance.voices}
    assert set(by_slug) == {"adpc", "oxfam-novib", "stro"}  # PSO facilitates, does not vote
    oxfam = by_slug["oxfam-novib"]
    assert (oxfam.comments, oxfam.representatives, oxfam.has_voted, oxfam.silent) == (
        5,
        2,
        False,
        False,
    )
    assert (by_slug["adpc"].comments, by_slug["adpc"].has_voted, by_slug["adpc"].silent) == (
        0,
        True,
        False,
    )
    assert by_slug["stro"].silent


def test_a_drafts_balance_is_who_would_be_eligible_now(network: dict, clock: Any) -> None:
    """Before opening, the electorate is who would be eligible now: the
    facilitating organisation only when the decision lets it vote."""
    people = network["people"]
    for votes, expected in ((False, 3), (True, 4)):
        did = make_decision(
            people["facilitator"], clock.now, open_it=False, facilitator_votes=votes
        )
        decision = db.session.get(Decision, did)
        assert decision is not None
        balance = voices.balance_page(decision, limit=2)
        assert (balance.totals.eligible, balance.totals.silent) == (expected, expected)
        assert len(balance.voices) == 2 and balance.next_offset == 2
        rest = voices.balance_page(decision, offset=2, limit=2)
        slugs = {v.organisation.slug for v in balance.voices + rest.voices}
        assert ("pso" in slugs) is votes and len(slugs) == expected


def test_a_review_page_is_one_decisions_queue_from_its_offset(network: dict, clock: Any) -> None:
    people = network["people"]
    facilitator = people["facilitator"]
    did = make_decision(facilitator, clock.now)
    other = make_decision(facilitator, clock.now, title="Other")
    mine = [_comment(people["adpc"], did, f"Comment {n}.", clock.now).id for n in range(5)]
    _comment(people["stro"], other, "Elsewhere.", clock.now)
    db.session.commit()
    pages = [
        moderation.review_page(facilitator, did, offset=offset, limit=limit)
        for offset, limit in ((0, 2), (2, 2), (4, 2), (-3, 0), (3, 900))
    ]
    assert (
        [([i.comment.id for i in p.items], p.total, p.offset, p.next_offset) for p in pages]
        == [
            (mine[0:2], 5, 0, 2),
            (mine[2:4], 5, 2, 4),
            ([mine[4]], 5, 4, None),
            ([mine[0]], 5, 0, 1),  # offset at least 0, size at least 1
            (mine[3:5], 5, 3, None),
        ]
    )
    assert all(i.reports == [] for p in pages for i in p.items)
    assert moderation.review_page(facilitator, None, limit=500).total == 6
