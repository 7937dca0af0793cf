"""Casting an organisation's ballot through the decision page, with and without htmx."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from cop_vote.extensions import db
from cop_vote.models import Ballot, BallotChange

from .helpers import csrf_token, make_decision, option_ids, post_form, sign_in


def _cast(client, decision_id, data):
    return post_form(
        client,
        f"/decisions/{decision_id}",
        f"/decisions/{decision_id}/ballot",
        {"action": "cast", **data},
    )


def _lands_on_the_refusal(page, answer):
    """Without JavaScript the browser goes to the fragment of the ballot form's
    action: the answer must hold that element, focusable, with the message."""
    action = re.search(r'<form class="ballot-form" method="post" action="[^"#]*#([^"]+)"', page)
    assert action, "no ballot form"
    target = re.search(rf'<p class="notice warning" id="{action.group(1)}" tabindex="-1">', answer)
    assert target, f"no focusable #{action.group(1)} in the answer"
    assert answer.count(f'id="{action.group(1)}"') == 1
    assert "<title>Error:" in answer


def _ballots(decision_id):
    return (
        db.session.execute(db.select(Ballot).where(Ballot.decision_id == decision_id))
        .scalars()
        .all()
    )


def test_cast_without_javascript_redirects_and_shows_the_ballot(app, client, network, clock):
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    memphis, nashville, _atlanta = option_ids(decision_id)
    sign_in(client, app, people["oxfam1"])
    response = _cast(client, decision_id, {"option": str(nashville), "version": "0"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/decisions/{decision_id}#ballot"
    page = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    (ballot,) = _ballots(decision_id)
    assert ballot.content == {"option": nashville}
    assert "Your organisation's ballot: <strong><bdi>Nashville</bdi>" in unescape(page)
    assert "Cast by <bdi>Idris Nuur</bdi>" in page
    assert ballot.receipt and ballot.receipt in page
    assert f'id="choice-{nashville}" value="{nashville}" checked' in page
    assert 'name="version" value="1"' in page
    assert "1 of 3 organisations has cast a ballot." in page


def test_cast_with_htmx_answers_the_fragment_only(app, client, network, clock):
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now, method="approval")
    memphis, nashville, atlanta = option_ids(decision_id)
    sign_in(client, app, people["adpc"])
    page = client.get(f"/decisions/{decision_id}")
    token = csrf_token(page.get_data(as_text=True))
    response = client.post(
        f"/decisions/{decision_id}/ballot",
        data={"options": [str(memphis), str(atlanta)], "version": "0", "action": "cast"},
        headers={"HX-Request": "true", "HX-Target": "ballot", "X-CSRFToken": token},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and "<body" not in html
    # The status message goes out of band into the live region that the page
    # already has (#ballot-status), then comes the ballot region itself.
    status, section = html.split('<section id="ballot"', 1)
    assert status.lstrip().startswith(
        '<div id="ballot-status" class="region-status" role="status" hx-swap-oob="innerHTML">'
    )
    assert "Receipt code" in status
    assert section.rstrip().endswith("</section>")
    assert "HX-Request" in response.headers["Vary"]
    assert response.headers["HX-Trigger"] == "ballot-cast"
    (ballot,) = _ballots(decision_id)
    assert ballot.content == {"options": [memphis, atlanta]}
    # The participation count refreshes from the same page template.
    count = client.get(
        f"/decisions/{decision_id}",
        headers={"HX-Request": "true", "HX-Target": "participation-count"},
    )
    text = count.get_data(as_text=True)
    assert text.lstrip().startswith('<p id="participation-count"')
    assert "1 of 3 organisations has cast a ballot." in text
    assert "HX-Request" in count.headers["Vary"]


def test_a_stale_change_asks_to_confirm_and_shows_the_colleagues_ballot(
    app, client, other_client, network, clock
):
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    memphis, nashville, atlanta = option_ids(decision_id)
    sign_in(client, app, people["oxfam1"])
    sign_in(other_client, app, people["oxfam2"])
    stale_page = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    assert (
        _cast(other_client, decision_id, {"option": str(atlanta), "version": "0"}).status_code
        == 303
    )
    response = client.post(
        f"/decisions/{decision_id}/ballot",
        data={
            "csrf_token": csrf_token(stale_page),
            "option": str(memphis),
            "version": "0",
            "action": "cast",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "A colleague changed your organisation" in html
    _lands_on_the_refusal(stale_page, html)
    assert "Lotte Hendriks" in html and "<bdi>Atlanta</bdi>" in html
    assert "Confirm my change" in html
    assert 'name="version" value="1"' in html
    assert f'id="choice-{memphis}" value="{memphis}" checked' in html
    (ballot,) = _ballots(decision_id)
    assert ballot.content == {"option": atlanta}
    confirm = client.post(
        f"/decisions/{decision_id}/ballot",
        data={
            "csrf_token": csrf_token(html),
            "option": str(memphis),
            "version": "1",
            "action": "cast",
        },
    )
    assert confirm.status_code == 303
    db.session.expire_all()
    (ballot,) = _ballots(decision_id)
    assert ballot.content == {"option": memphis}
    assert ballot.version == 2
    assert ballot.cast_by_id == people["oxfam1"].id


def test_a_ballot_after_the_deadline_names_the_closing_time(app, client, network, clock):
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now, days=1)
    memphis = option_ids(decision_id)[0]
    sign_in(client, app, people["stro"])
    page = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    clock.advance(days=1, minutes=1)
    response = client.post(
        f"/decisions/{decision_id}/ballot",
        data={"csrf_token": csrf_token(page), "option": str(memphis), "version": "0"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This decision closed at" in html
    assert "(Europe/Amsterdam)" in html
    assert "your ballot was not recorded" in html
    _lands_on_the_refusal(page, html)
    assert _ballots(decision_id) == []


def test_an_observer_sees_no_form_and_is_refused(app, client, network, clock):
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    memphis = option_ids(decision_id)[0]
    sign_in(client, app, people["observer"])
    page = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    assert 'class="ballot-form"' not in page
    assert "Observers read along" in page
    response = client.post(
        f"/decisions/{decision_id}/ballot",
        data={"csrf_token": csrf_token(page), "option": str(memphis), "version": "0"},
    )
    assert response.status_code == 403
    assert _ballots(decision_id) == []


def test_the_facilitators_organisation_has_no_ballot(app, client, network, clock):
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    sign_in(client, app, people["facilitator"])
    page = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    assert 'class="ballot-form"' not in page
    assert "Your organisation has no ballot in this decision." in page


def test_an_empty_ballot_is_refused_with_a_message_linked_to_the_field(app, client, network, clock):
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    sign_in(client, app, people["adpc"])
    response = _cast(client, decision_id, {"version": "0"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'class="error-summary"' in html
    assert '<a href="#ballot-choices">Choose an option or abstain.</a>' in html
    assert 'aria-describedby="ballot-choices-error"' in html
    assert _ballots(decision_id) == []


def test_abstaining_and_consent_with_a_block(app, client, network, clock):
    people = network["people"]
    approval = make_decision(people["facilitator"], clock.now, method="approval")
    consent = make_decision(
        people["facilitator"],
        clock.now,
        method="consent",
        options=("The proposal",),
        title="Adopt the form",
    )
    sign_in(client, app, people["adpc"])
    assert _cast(client, approval, {"version": "0", "action": "abstain"}).status_code == 303
    assert _ballots(approval)[0].content == {"abstain": True}
    refused = _cast(client, consent, {"version": "0", "position": "block", "reason": " \u200b "})
    assert refused.status_code == 400
    assert "A block needs a reason." in refused.get_data(as_text=True)
    assert 'aria-invalid="true"' in refused.get_data(as_text=True)
    ok = _cast(
        client,
        consent,
        {"version": "0", "position": "block", "reason": "Not before the members' meeting."},
    )
    assert ok.status_code == 303
    assert _ballots(consent)[0].content == {
        "position": "block",
        "reason": "Not before the members' meeting.",
    }


def test_ranked_score_dots_and_meeting_time_forms(app, client, network, clock):
    people = network["people"]
    f = people["facilitator"]
    ranked = make_decision(f, clock.now, method="ranked", title="Rank")
    score = make_decision(f, clock.now, method="score", title="Score")
    dots = make_decision(f, clock.now, method="dot_vote", title="Dots")
    sign_in(client, app, people["stro"])
    a, b, c = option_ids(ranked)
    twice = _cast(client, ranked, {"version": "0", f"rank-{a}": "1", f"rank-{b}": "1"})
    assert twice.status_code == 400
    assert "Each rank can be given to one option only." in twice.get_data(as_text=True)
    assert (
        _cast(client, ranked, {"version": "0", f"rank-{a}": "2", f"rank-{c}": "1"}).status_code
        == 303
    )
    assert _ballots(ranked)[0].content == {"ranking": [c, a]}
    a, b, c = option_ids(score)
    assert (
        _cast(client, score, {"version": "0", f"score-{a}": "5", f"score-{b}": "0"}).status_code
        == 303
    )
    assert _ballots(score)[0].content == {"scores": {str(a): 5, str(b): 0}}
    a, b, c = option_ids(dots)
    too_many = _cast(client, dots, {"version": "0", f"dots-{a}": "3", f"dots-{b}": "1"})
    assert too_many.status_code == 400
    assert (
        _cast(client, dots, {"version": "0", f"dots-{a}": "2", f"dots-{c}": "1"}).status_code == 303
    )
    assert _ballots(dots)[0].content == {"dots": {str(a): 2, str(c): 1}}
    history = db.session.execute(db.select(BallotChange)).scalars().all()
    assert len(history) == 3


def test_meeting_time_and_discussion_pages(app, client, network, clock):
    people = network["people"]
    f = people["facilitator"]
    start = clock.now + timedelta(days=10)
    slots = make_decision_with_slots(f, clock.now, start)
    talk = make_decision(f, clock.now, method="discussion", options=(), title="Feedback round")
    sign_in(client, app, people["adpc"])
    a, b = option_ids(slots)
    page = client.get(f"/decisions/{slots}").get_data(as_text=True)
    assert '<legend dir="auto">' in page and f'id="slot-{a}-if_need_be"' in page
    assert (
        _cast(
            client, slots, {"version": "0", f"slot-{a}": "yes", f"slot-{b}": "if_need_be"}
        ).status_code
        == 303
    )
    assert _ballots(slots)[0].content == {"availability": {str(a): "yes", str(b): "if_need_be"}}
    html = client.get(f"/decisions/{talk}").get_data(as_text=True)
    assert "This decision takes comments only; there is no ballot." in html
    assert 'class="ballot-form"' not in html
    assert client.get(f"/decisions/{talk}/results").status_code == 403


def make_decision_with_slots(facilitator, now, start):
    from cop_vote.services import decisions as decision_service
    from cop_vote.services import transitions

    decision = decision_service.create_decision(
        facilitator,
        {
            "title": "Follow-up meeting",
            "method": "meeting_time",
            "closes_at": (now + timedelta(days=7)).isoformat(),
            "options": [
                {
                    "starts_at": (start + timedelta(days=d)).isoformat(),
                    "ends_at": (start + timedelta(days=d, hours=2)).isoformat(),
                }
                for d in (0, 1)
            ],
        },
        now,
    )
    transitions.open_decision(facilitator, decision.id, now)
    db.session.commit()
    return decision.id


def test_a_ballot_is_withdrawn_on_the_page_as_through_the_api(
    app, client, other_client, network, clock
):
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    memphis = option_ids(decision_id)[0]
    sign_in(client, app, people["oxfam1"])
    page = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    assert 'value="withdraw"' not in page  # nothing to withdraw yet
    assert _cast(client, decision_id, {"option": str(memphis), "version": "0"}).status_code == 303
    page = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    assert '<button type="submit" name="action" value="withdraw" class="secondary">' in page

    # A colleague's page, opened now, withdraws after a change made meanwhile: refused.
    sign_in(other_client, app, people["oxfam2"])
    stale = other_client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    assert _cast(client, decision_id, {"option": str(memphis), "version": "1"}).status_code == 303
    response = other_client.post(
        f"/decisions/{decision_id}/ballot",
        data={"csrf_token": csrf_token(stale), "version": "1", "action": "withdraw"},
    )
    assert response.status_code == 409
    assert "A colleague changed your organisation" in response.get_data(as_text=True)
    # The answer shows the colleague's ballot and may withdraw that one.
    assert 'value="withdraw"' in response.get_data(as_text=True)
    assert 'name="version" value="2"' in response.get_data(as_text=True)
    db.session.expire_all()
    (ballot,) = _ballots(decision_id)
    assert (ballot.content, ballot.version) == ({"option": memphis}, 2)

    # From a current page (with htmx): withdrawn, the count and the form follow.
    current = other_client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    response = other_client.post(
        f"/decisions/{decision_id}/ballot",
        data={"csrf_token": csrf_token(current), "version": "2", "action": "withdraw"},
        headers={"HX-Request": "true", "HX-Target": "ballot"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "ballot-cast"
    assert "ballot is withdrawn: it no longer counts" in html
    assert "Your organisation has not cast a ballot." in html
    assert 'value="withdraw"' not in html
    db.session.expire_all()
    (ballot,) = _ballots(decision_id)
    assert (ballot.content, ballot.version, ballot.cast_by_id) == (None, 3, people["oxfam2"].id)
    assert [
        c.action
        for c in db.session.execute(
            db.select(BallotChange)
            .where(BallotChange.ballot_id == ballot.id)
            .order_by(BallotChange.id)
        ).scalars()
    ] == ["cast", "change", "withdraw"]
    api = client.get(
        f"/api/v1/decisions/{decision_id}/ballot", headers=network["headers"]["oxfam1"]
    )
    assert api.status_code == 404

    # Nothing left to withdraw: a tampered form is refused and changes nothing.
    response = other_client.post(
        f"/decisions/{decision_id}/ballot",
        data={"csrf_token": csrf_token(current), "version": "3", "action": "withdraw"},
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert _ballots(decision_id)[0].version == 3


def test_a_ranked_decision_says_how_it_is_counted_before_anyone_votes(app, client, network, clock):
    people = network["people"]
    irv = make_decision(people["facilitator"], clock.now, method="ranked", counting="irv")
    schulze = make_decision(people["facilitator"], clock.now, method="ranked", counting="schulze")
    plain = make_decision(people["facilitator"], clock.now)
    sign_in(client, app, people["adpc"])
    counting = re.compile(r"<dt>(Counting|Telling)</dt><dd>([^<]*)</dd>")
    found = counting.search(client.get(f"/decisions/{irv}").get_data(as_text=True))
    assert found and found.group(2).startswith("instant-runoff: round by round the option")
    found = counting.search(client.get(f"/decisions/{schulze}").get_data(as_text=True))
    assert found and found.group(2).startswith("Schulze: every two options are compared")
    assert not counting.search(client.get(f"/decisions/{plain}").get_data(as_text=True))
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    found = counting.search(client.get(f"/decisions/{schulze}").get_data(as_text=True))
    assert found and found.group(1) == "Telling"
    assert found.group(2).startswith("Schulze: elke twee opties worden")


def test_withdrawing_a_ballot_a_colleague_withdrew_meanwhile_says_so_and_writes_nothing(
    app, client, other_client, network, clock
):
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    memphis = option_ids(decision_id)[0]
    sign_in(client, app, people["oxfam1"])
    sign_in(other_client, app, people["oxfam2"])
    assert _cast(client, decision_id, {"option": str(memphis), "version": "0"}).status_code == 303
    mine = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    theirs = other_client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    withdraw = {"version": "1", "action": "withdraw"}
    first = client.post(
        f"/decisions/{decision_id}/ballot", data={"csrf_token": csrf_token(mine), **withdraw}
    )
    assert first.status_code == 303
    # The colleague's page, opened before: what it asks for holds already.
    for headers in ({}, {"HX-Request": "true", "HX-Target": "ballot"}):
        response = other_client.post(
            f"/decisions/{decision_id}/ballot",
            data={"csrf_token": csrf_token(theirs), **withdraw},
            headers=headers,
        )
        if headers:
            html = response.get_data(as_text=True)
            assert response.status_code == 200
            assert "Confirm my change" not in html and "Cast the ballot" in html
        else:
            assert response.status_code == 303
            html = other_client.get(response.headers["Location"]).get_data(as_text=True)
        assert "A colleague already withdrew your organisation&#39;s ballot" in html
    db.session.expire_all()
    (ballot,) = _ballots(decision_id)
    assert (ballot.content, ballot.version) == (None, 2)
    changes = db.session.execute(
        db.select(BallotChange.action).where(BallotChange.ballot_id == ballot.id)
    ).scalars()
    assert sorted(changes) == ["cast", "withdraw"]
