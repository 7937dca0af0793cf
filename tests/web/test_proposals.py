"""Proposals on the decision page, the facilitator's merge form, and the document link."""

from __future__ import annotations

from cop_vote.extensions import db
from cop_vote.models import Decision
from cop_vote.services import transitions

from .helpers import csrf_token, make_decision, post_form, sign_in


def _phase(network, clock, **fields):
    return make_decision(
        network["people"]["facilitator"],
        clock.now,
        method="approval",
        options=("Remittances",),
        open_it=False,
        proposals_open=True,
        **fields,
    )


def _propose(client, decision_id, data):
    return post_form(
        client, f"/decisions/{decision_id}", f"/decisions/{decision_id}/proposals", data
    )


def _labels(decision_id):
    db.session.expire_all()
    decision = db.session.get(Decision, decision_id)
    return [
        (o.label, o.proposed_by.short_name if o.proposed_by else None) for o in decision.options
    ]


def test_two_organisations_propose_through_the_page(app, client, other_client, network, clock):
    did = _phase(network, clock)
    sign_in(client, app, network["people"]["adpc"])
    page = client.get(f"/decisions/{did}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Propose an option" in html
    assert "Credited to African Diaspora Policy Centre." in html
    response = _propose(client, did, {"label": "Diaspora <b>and</b> trade", "description": "x"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/decisions/{did}#proposals"
    sign_in(other_client, app, network["people"]["stro"])
    assert _propose(other_client, did, {"label": "Local currencies"}).status_code == 303
    assert _labels(did) == [
        ("Remittances", None),
        ("Diaspora <b>and</b> trade", "ADPC"),
        ("Local currencies", "STRO"),
    ]
    html = other_client.get(f"/decisions/{did}").get_data(as_text=True)
    assert "Diaspora &lt;b&gt;and&lt;/b&gt; trade" in html
    assert "<b>and</b>" not in html
    assert "proposed by African Diaspora Policy Centre" in html
    assert "proposed by Social Trade Organisation" in html
    home = other_client.get("/").get_data(as_text=True)
    assert f"/decisions/{did}" in home


def test_a_blank_or_repeated_proposal_is_refused(app, client, network, clock):
    did = _phase(network, clock)
    sign_in(client, app, network["people"]["adpc"])
    blank = _propose(client, did, {"label": "   ", "description": "kept"})
    html = blank.get_data(as_text=True)
    assert blank.status_code == 400
    assert '<a href="#proposal-label">' in html and 'aria-invalid="true"' in html
    assert ">kept</textarea>" in html
    again = _propose(client, did, {"label": "remittances"})
    assert again.status_code == 400
    assert "An option with this label exists already." in again.get_data(as_text=True)
    assert _labels(did) == [("Remittances", None)]


def test_an_observer_cannot_propose(app, client, network, clock):
    did = _phase(network, clock)
    sign_in(client, app, network["people"]["observer"])
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post(f"/decisions/{did}/proposals", data={"csrf_token": token, "label": "x"})
    assert response.status_code == 403
    assert _labels(did) == [("Remittances", None)]


def test_members_get_404_for_an_ordinary_draft(app, client, network, clock):
    did = make_decision(network["people"]["facilitator"], clock.now, open_it=False)
    sign_in(client, app, network["people"]["adpc"])
    assert client.get(f"/decisions/{did}").status_code == 404
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post(f"/decisions/{did}/proposals", data={"csrf_token": token, "label": "x"})
    assert response.status_code == 404
    assert f"/decisions/{did}" not in client.get("/").get_data(as_text=True)


def test_proposing_on_an_open_decision_is_a_conflict(app, client, network, clock):
    did = make_decision(network["people"]["facilitator"], clock.now)
    sign_in(client, app, network["people"]["adpc"])
    assert "Propose an option" not in client.get(f"/decisions/{did}").get_data(as_text=True)
    response = _propose(client, did, {"label": "Too late"})
    assert response.status_code == 409
    assert "This decision does not take proposals now." in response.get_data(as_text=True)


def test_facilitator_merges_and_opening_ends_the_phase(app, client, other_client, network, clock):
    did = _phase(network, clock)
    sign_in(other_client, app, network["people"]["adpc"])
    _propose(other_client, did, {"label": "Diaspora and trade"})
    sign_in(other_client, app, network["people"]["stro"])
    _propose(other_client, did, {"label": "Trade by the diaspora"})
    decision = db.session.get(Decision, did)
    _first, kept, dup = (o.id for o in decision.options)
    sign_in(client, app, network["people"]["facilitator"])
    admin = client.get(f"/admin/decisions/{did}").get_data(as_text=True)
    assert "Merge duplicate options" in admin
    assert "(proposed by Social Trade Organisation)" in admin
    response = post_form(
        client,
        f"/admin/decisions/{did}",
        f"/admin/decisions/{did}/merge",
        {"duplicate": str(dup), "into": str(kept)},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/decisions/{did}#merge"
    assert "The options are merged." in client.get(f"/admin/decisions/{did}").get_data(as_text=True)
    assert _labels(did) == [("Remittances", None), ("Diaspora and trade", "ADPC")]
    db.session.expire_all()
    assert db.session.get(Decision, did).options[1].description == "(also proposed by STRO)"
    same = post_form(
        client,
        f"/admin/decisions/{did}",
        f"/admin/decisions/{did}/merge",
        {"duplicate": str(kept), "into": str(kept)},
    )
    assert same.status_code == 303
    assert "Not merged" in client.get(f"/admin/decisions/{did}").get_data(as_text=True)

    transitions.open_decision(network["people"]["facilitator"], did, clock.now)
    db.session.commit()
    html = other_client.get(f"/decisions/{did}").get_data(as_text=True)
    assert "Propose an option" not in html
    assert 'name="options"' in html and "Diaspora and trade" in html


def test_the_document_link_is_shown_escaped(app, client, network, clock):
    url = 'https://example.org/ids-proposal.pdf?a=1&b="x"'
    did = make_decision(
        network["people"]["facilitator"],
        clock.now,
        method="discussion",
        options=(),
        document_url=url,
    )
    sign_in(client, app, network["people"]["observer"])
    html = client.get(f"/decisions/{did}").get_data(as_text=True)
    assert (
        '<a href="https://example.org/ids-proposal.pdf?a=1&amp;b=&#34;x&#34;" '
        'rel="noopener noreferrer nofollow">Read the document</a>'
    ) in html


def test_the_admin_form_takes_and_refuses_the_document_link(app, client, network, clock):
    did = make_decision(network["people"]["facilitator"], clock.now, open_it=False)
    sign_in(client, app, network["people"]["facilitator"])
    edit = f"/admin/decisions/{did}/edit"
    page = client.get(edit).get_data(as_text=True)
    assert 'name="document_url"' in page
    data = {
        "title": "Where do we meet?",
        "method": "single_choice",
        "options-0-label": "Memphis",
        "options-1-label": "Nashville",
        "quorum": "0",
        "results_visibility": "after_close",
        "ballot_secrecy": "open",
        "comments": "open",
        "counting": "irv",
    }
    bad = post_form(client, edit, edit, {**data, "document_url": "javascript:alert(1)"})
    assert bad.status_code == 400
    assert "An http:// or https:// address." in bad.get_data(as_text=True)
    good = post_form(client, edit, edit, {**data, "document_url": "https://example.org/p.pdf"})
    assert good.status_code == 303
    db.session.expire_all()
    assert db.session.get(Decision, did).document_url == "https://example.org/p.pdf"
