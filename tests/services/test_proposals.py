"""Member proposals before voting opens, the facilitator's merge, and the document link."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from cop_vote.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from cop_vote.extensions import db
from cop_vote.models import Comment, Decision, Event
from cop_vote.services import audit, decisions, proposals, transitions


def _draft(network: dict[str, Any], clock: Any, **extra: Any) -> int:
    facilitator = network["people"]["facilitator"]
    decision = decisions.create_decision(
        facilitator,
        {
            "title": "Learning questions 2010",
            "method": "dot_vote",
            "options": [{"label": "Remittances"}],
            "closes_at": (clock.now + timedelta(days=14)).isoformat(),
            "proposals_open": True,
            **extra,
        },
        clock.now,
    )
    db.session.commit()
    return decision.id


def _decision(decision_id: int) -> Decision:
    found = db.session.get(Decision, decision_id)
    assert found is not None
    return found


def test_two_organisations_propose_and_are_credited(network: dict[str, Any], clock: Any) -> None:
    did = _draft(network, clock)
    people, orgs = network["people"], network["orgs"]
    a = proposals.propose_option(people["adpc"], did, "  Diaspora and trade ", "", clock.now)
    b = proposals.propose_option(people["oxfam1"], did, "Brain gain", "Skills.", clock.now)
    c = proposals.propose_option(people["oxfam2"], did, "Policy coherence", None, clock.now)
    db.session.commit()
    assert (a.label, a.proposed_by_id) == ("Diaspora and trade", orgs["adpc"].id)
    assert (b.proposed_by_id, b.description) == (orgs["oxfam"].id, "Skills.")
    assert c.proposed_by_id == orgs["oxfam"].id  # one organisation may propose several
    labels = [o.label for o in _decision(did).options]
    assert labels == ["Remittances", "Diaspora and trade", "Brain gain", "Policy coherence"]
    kinds = db.session.execute(select(Event.kind).order_by(Event.id)).scalars().all()
    assert kinds.count("option.proposed") == 3
    assert audit.verify_chain().ok


def test_members_see_a_draft_only_in_its_proposal_phase(
    network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    phase = _draft(network, clock)
    ordinary = _draft(network, clock, title="Ordinary draft", proposals_open=False)
    assert decisions.get_decision(people["adpc"], phase).id == phase
    with pytest.raises(NotFound):
        decisions.get_decision(people["adpc"], ordinary)
    with pytest.raises(NotFound):
        decisions.get_decision(people["observer"], phase)
    assert [d.id for d in decisions.list_decisions(people["adpc"])] == [phase]
    assert decisions.list_decisions(people["observer"]) == []
    assert {d.id for d in decisions.list_decisions(people["facilitator"])} == {phase, ordinary}


def test_refusals(network: dict[str, Any], clock: Any) -> None:
    people = network["people"]
    did = _draft(network, clock)
    ordinary = _draft(network, clock, title="Ordinary", proposals_open=False)
    with pytest.raises(NotAllowed):
        proposals.propose_option(people["observer"], did, "X", "", clock.now)
    with pytest.raises(NotFound):
        proposals.propose_option(people["adpc"], ordinary, "X", "", clock.now)
    with pytest.raises(Conflict):  # the facilitator sees it, but it takes no proposals
        proposals.propose_option(people["facilitator"], ordinary, "X", "", clock.now)
    with pytest.raises(InvalidInput) as blank:
        proposals.propose_option(people["adpc"], did, "   ", "", clock.now)
    assert blank.value.fields == {"label": "This field is required."}
    with pytest.raises(InvalidInput) as twice:
        proposals.propose_option(people["adpc"], did, "REMITTANCES", "", clock.now)
    assert "label" in twice.value.fields
    with pytest.raises(InvalidInput) as long:
        proposals.propose_option(people["adpc"], did, "x", "d" * 5001, clock.now)
    assert "description" in long.value.fields


def test_opening_ends_the_phase_and_proposals_are_the_ballots_options(
    network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    did = _draft(network, clock)
    proposals.propose_option(people["adpc"], did, "Diaspora and trade", "", clock.now)
    proposals.propose_option(people["stro"], did, "Local currencies", "", clock.now)
    transitions.open_decision(people["facilitator"], did, clock.now)
    db.session.commit()
    decision = _decision(did)
    assert decision.status == "open" and decision.proposals_open is False
    assert [o.label for o in decision.options] == [
        "Remittances",
        "Diaspora and trade",
        "Local currencies",
    ]
    with pytest.raises(Conflict):
        proposals.propose_option(people["adpc"], did, "Too late", "", clock.now)
    from cop_vote.services import ballots

    ids = [o.id for o in decision.options]
    ballot = ballots.cast_ballot(people["adpc"], did, {"dots": {str(ids[2]): 3}}, clock.now)
    assert ballot.content is not None


def test_facilitator_merges_a_duplicate(network: dict[str, Any], clock: Any) -> None:
    people, orgs = network["people"], network["orgs"]
    did = _draft(network, clock)
    kept = proposals.propose_option(people["adpc"], did, "Diaspora and trade", "Trade.", clock.now)
    dup = proposals.propose_option(
        people["stro"], did, "Trade by the diaspora", "Through diaspora businesses.", clock.now
    )
    third = proposals.propose_option(people["oxfam1"], did, "Diaspora trade links", "", clock.now)
    duplicate_label, duplicate_description = "Trade by the diaspora", "Through diaspora businesses."
    third_label, third_description = "Diaspora trade links", ""
    db.session.add(
        Comment(
            decision_id=did,
            option_id=dup.id,
            author_id=people["stro"].id,
            organisation_id=orgs["stro"].id,
            body="Same as ADPC's?",
            created_at=clock.now,
        )
    )
    db.session.commit()
    dup_id, kept_id, third_id = dup.id, kept.id, third.id
    with pytest.raises(NotAllowed):
        proposals.merge_options(people["adpc"], did, dup_id, kept_id, clock.now)
    with pytest.raises(InvalidInput) as same:
        proposals.merge_options(people["facilitator"], did, dup_id, dup_id, clock.now)
    assert "into" in same.value.fields
    with pytest.raises(InvalidInput):
        proposals.merge_options(people["facilitator"], did, dup_id, 999999, clock.now)
    with pytest.raises(NotFound):
        proposals.merge_options(people["facilitator"], did, 999999, kept_id, clock.now)

    proposals.merge_options(people["facilitator"], did, dup_id, kept_id, clock.now)
    proposals.merge_options(people["facilitator"], did, third_id, kept_id, clock.now)
    db.session.commit()
    decision = _decision(did)
    assert [o.label for o in decision.options] == ["Remittances", "Diaspora and trade"]
    assert [o.position for o in decision.options] == [0, 1]
    merged = decision.options[1]
    assert merged.proposed_by_id == orgs["adpc"].id
    assert merged.description == ("Trade.\n(also proposed by STRO)\n(also proposed by Oxfam Novib)")
    comment = db.session.execute(select(Comment)).scalar_one()
    assert comment.option_id == kept_id
    events = db.session.execute(select(Event).where(Event.kind == "option.merged")).scalars()
    merges = [e.data for e in events]
    assert [e["duplicate"] for e in merges] == [dup_id, third_id]
    # The duplicates' own wording is not lost: the log keeps it.
    assert [(e["label"], e["description"]) for e in merges] == [
        (duplicate_label, duplicate_description),
        (third_label, third_description),
    ]
    assert audit.verify_chain().ok


def test_merge_after_opening_is_a_conflict(network: dict[str, Any], clock: Any) -> None:
    people = network["people"]
    did = _draft(network, clock)
    option = proposals.propose_option(people["adpc"], did, "Diaspora and trade", "", clock.now)
    transitions.open_decision(people["facilitator"], did, clock.now)
    db.session.commit()
    first = _decision(did).options[0].id
    with pytest.raises(Conflict):
        proposals.merge_options(people["facilitator"], did, option.id, first, clock.now)


def test_editing_the_draft_keeps_the_credit(network: dict[str, Any], clock: Any) -> None:
    people, orgs = network["people"], network["orgs"]
    did = _draft(network, clock)
    option = proposals.propose_option(people["adpc"], did, "Diaspora and trade", "", clock.now)
    db.session.commit()
    option_id = option.id
    decisions.update_decision(
        people["facilitator"],
        did,
        {"options": [{"label": "Diaspora and trade", "description": "Edited."}, {"label": "New"}]},
        clock.now,
    )
    db.session.commit()
    options = _decision(did).options
    assert [(o.label, o.proposed_by_id) for o in options] == [
        ("Diaspora and trade", orgs["adpc"].id),
        ("New", None),
    ]
    assert options[0].id == option_id and options[0].description == "Edited."


@pytest.mark.parametrize(
    "url", ["https://example.org/ids-proposal.pdf", "http://example.org/a?b=c#d", "", None]
)
def test_document_url_accepted(network: dict[str, Any], clock: Any, url: Any) -> None:
    did = _draft(network, clock, document_url=url)
    assert _decision(did).document_url == (url or None)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "ftp://example.org/file",
        "data:text/html,hi",
        "//example.org/x",
        "example.org/x",
        "https://",
        "https://exa mple.org/",
        "https://example.org/" + "x" * 500,
        42,
    ],
)
def test_document_url_refused(network: dict[str, Any], clock: Any, url: Any) -> None:
    with pytest.raises(InvalidInput) as error:
        _draft(network, clock, document_url=url)
    assert "document_url" in error.value.fields


def test_document_url_may_change_while_open(network: dict[str, Any], clock: Any) -> None:
    facilitator = network["people"]["facilitator"]
    did = _draft(network, clock, options=[{"label": "a"}, {"label": "b"}])
    transitions.open_decision(facilitator, did, clock.now)
    decisions.update_decision(
        facilitator, did, {"document_url": "https://example.org/v2.pdf"}, clock.now
    )
    db.session.commit()
    assert _decision(did).document_url == "https://example.org/v2.pdf"
