"""Ballots given in a meeting, recorded by the facilitator on a page (CSRF on)."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cop_vote.extensions import db
from cop_vote.models import Ballot, Event
from cop_vote.services.ballots import cast_ballot
from tests.web.helpers import csrf_token, make_decision, option_ids, post_form, sign_in

#: Its outcome depends on the database: it runs in the PostgreSQL pass too.
pytestmark = pytest.mark.database_semantics


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", html)))


def _ballot(decision_id: int, org: Any) -> Ballot | None:
    db.session.expire_all()
    return db.session.execute(
        select(Ballot).where(Ballot.decision_id == decision_id, Ballot.organisation_id == org.id)
    ).scalar()


def test_facilitator_records_a_ballot_given_in_the_meeting(
    app: Flask, client: FlaskClient, other_client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    fac = network["people"]["facilitator"]
    decision_id = make_decision(fac, clock.now)
    nashville = option_ids(decision_id)[1]
    sign_in(client, app, fac)
    admin_page = client.get(f"/admin/decisions/{decision_id}").get_data(as_text=True)
    url = f"/admin/decisions/{decision_id}/record"
    assert f'href="{url}"' in admin_page

    # First the organisation (the electorate, not PSO), then its ballot.
    step = client.get(url).get_data(as_text=True)
    choices = re.findall(r'<option value="([a-z-]+)"', step.split('id="record-organisation"')[1])
    assert sorted(set(choices)) == ["adpc", "oxfam-novib", "stro"]
    form = client.get(f"{url}?organisation=stro").get_data(as_text=True)
    assert f'id="choice-{nashville}"' in form  # the members' own ballot fields

    recorded = post_form(
        client,
        url,
        url,
        {"organisation": "stro", "given_by": "Marieke Dijkstra", "option": str(nashville)},
    )
    assert recorded.status_code == 303
    ballot = _ballot(decision_id, network["orgs"]["stro"])
    assert ballot is not None and ballot.content == {"option": nashville}
    assert (ballot.recorded_by_id, ballot.given_by, ballot.cast_by_id) == (
        fac.id,
        "Marieke Dijkstra",
        None,
    )
    assert "The ballot of Social Trade Organisation is recorded" in _text(
        client.get(url).get_data(as_text=True)
    )
    kinds = [e.kind for e in db.session.execute(select(Event)).scalars()]
    assert kinds.count("ballot.record") == 1

    # The organisation's representative sees it on the decision page, participation and API.
    rep = network["people"]["stro"]
    sign_in(other_client, app, rep)
    page = _text(other_client.get(f"/decisions/{decision_id}").get_data(as_text=True))
    assert "Recorded by the facilitator on" in page and "as given by Marieke Dijkstra" in page
    participation = _text(
        other_client.get(f"/decisions/{decision_id}/participation").get_data(as_text=True)
    )
    assert (
        "cast recorded by Samuel Kollie in the meeting, given by Marieke Dijkstra" in participation
    )
    assert participation.count("recorded by") == 1
    # The facilitator's results page (facilitators see results at any time) marks it too.
    results = _text(client.get(f"/decisions/{decision_id}/results").get_data(as_text=True))
    assert (
        "Recorded by the facilitator in the meeting: Social Trade Organisation "
        "(given by Marieke Dijkstra)" in results
    )
    api = other_client.get(
        f"/api/v1/decisions/{decision_id}/ballot", headers=network["headers"]["stro"]
    )
    assert api.status_code == 200
    body = api.get_json()
    assert body["recorded_by"] == {"id": fac.id, "name": "Samuel Kollie"}
    assert body["given_by"] == "Marieke Dijkstra" and body["cast_by"] is None


def test_refused_input_is_shown_and_records_nothing(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    fac = network["people"]["facilitator"]
    decision_id = make_decision(fac, clock.now, method="consent", options=("Start a CoP",))
    url = f"/admin/decisions/{decision_id}/record"
    sign_in(client, app, fac)

    no_name = post_form(client, url, url, {"organisation": "adpc", "position": "agree"})
    assert no_name.status_code == 400
    html = no_name.get_data(as_text=True)
    assert 'id="record-given-by-error"' in html
    assert "Give the name of the person who gave the ballot." in _text(html)

    block = post_form(
        client, url, url, {"organisation": "adpc", "given_by": "Amina", "position": "block"}
    )
    assert block.status_code == 400
    assert "A block needs a reason." in _text(block.get_data(as_text=True))

    outsider = post_form(
        client, url, url, {"organisation": "pso", "given_by": "Samuel", "position": "agree"}
    )
    assert outsider.status_code == 400
    assert 'id="record-organisation-error"' in outsider.get_data(as_text=True)
    unknown = post_form(
        client, url, url, {"organisation": "nobody", "given_by": "X", "position": "agree"}
    )
    assert unknown.status_code == 400
    assert db.session.execute(select(Ballot)).scalars().all() == []


def test_a_ballot_cast_meanwhile_is_not_overwritten_silently(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    fac = network["people"]["facilitator"]
    decision_id = make_decision(fac, clock.now, method="approval")
    memphis, nashville, atlanta = option_ids(decision_id)
    url = f"/admin/decisions/{decision_id}/record"
    sign_in(client, app, fac)
    page = client.get(f"{url}?organisation=adpc").get_data(as_text=True)
    assert 'name="version_for" value="adpc"' in page and 'name="version" value="0"' in page

    cast_ballot(network["people"]["adpc"], decision_id, {"options": [atlanta]}, clock.now)
    db.session.commit()
    stale = client.post(
        url,
        data={
            "csrf_token": csrf_token(page),
            "organisation": "adpc",
            "given_by": "Amina Warsame",
            "version_for": "adpc",
            "version": "0",
            "options": [str(memphis), str(nashville)],
        },
    )
    assert stale.status_code == 409
    text = _text(stale.get_data(as_text=True))
    assert "nothing was recorded" in text and "Current ballot of African Diaspora" in text
    ballot = _ballot(decision_id, network["orgs"]["adpc"])
    assert ballot is not None and ballot.content == {"options": [atlanta]}

    # Re-read with the current version: now the record goes through and replaces it.
    again = post_form(
        client,
        f"{url}?organisation=adpc",
        url,
        {
            "organisation": "adpc",
            "given_by": "Amina Warsame",
            "version_for": "adpc",
            "version": str(ballot.version),
            "options": [str(memphis), str(nashville)],
        },
    )
    assert again.status_code == 303
    ballot = _ballot(decision_id, network["orgs"]["adpc"])
    assert ballot is not None and sorted(ballot.content["options"]) == sorted([memphis, nashville])
    assert ballot.recorded_by_id == fac.id and ballot.version == 2


def test_nothing_is_recorded_when_the_decision_is_closed(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    fac = network["people"]["facilitator"]
    decision_id = make_decision(fac, clock.now, days=1)
    url = f"/admin/decisions/{decision_id}/record"
    sign_in(client, app, fac)
    page = client.get(url).get_data(as_text=True)
    clock.advance(days=2)
    late = client.post(
        url,
        data={
            "csrf_token": csrf_token(page),
            "organisation": "adpc",
            "given_by": "Amina",
            "option": str(option_ids(decision_id)[0]),
        },
    )
    assert late.status_code == 409
    assert "does not accept ballots now" in _text(late.get_data(as_text=True))
    assert db.session.execute(select(Ballot)).scalars().all() == []


@pytest.mark.parametrize("role", ["adpc", "observer"])
def test_only_facilitators_record(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any, role: str
) -> None:
    fac = network["people"]["facilitator"]
    decision_id = make_decision(fac, clock.now)
    url = f"/admin/decisions/{decision_id}/record"
    sign_in(client, app, network["people"][role])
    assert client.get(url).status_code == 403
    token = csrf_token(client.get("/profile").get_data(as_text=True))
    refused = client.post(
        url,
        data={
            "csrf_token": token,
            "organisation": "stro",
            "given_by": "Me",
            "option": str(option_ids(decision_id)[0]),
        },
    )
    assert refused.status_code == 403
    assert db.session.execute(select(Ballot)).scalars().all() == []


def test_anonymous_visitors_are_sent_to_sign_in(
    client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    decision_id = make_decision(network["people"]["facilitator"], clock.now)
    response = client.get(f"/admin/decisions/{decision_id}/record")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_recording_over_a_ballot_the_page_did_not_show_asks_first(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    fac = network["people"]["facilitator"]
    decision_id = make_decision(fac, clock.now)
    memphis, nashville, _atlanta = option_ids(decision_id)
    cast_ballot(network["people"]["oxfam1"], decision_id, {"option": memphis}, clock.now)
    db.session.commit()
    url = f"/admin/decisions/{decision_id}/record"
    sign_in(client, app, fac)
    data = {"organisation": "oxfam-novib", "given_by": "Lotte Hendriks", "option": str(nashville)}
    shown = post_form(client, url, url, data)
    assert shown.status_code == 409
    html = shown.get_data(as_text=True)
    assert "nothing was recorded" in _text(html)
    assert "Current ballot of Oxfam Novib: Memphis" in _text(html)
    version = re.search(r'name="version" value="(\d+)"', html)
    assert version is not None and version.group(1) == "1"
    ballot = _ballot(decision_id, network["orgs"]["oxfam"])
    assert ballot is not None and ballot.content == {"option": memphis}
    confirmed = client.post(
        url,
        data={
            **data,
            "csrf_token": csrf_token(html),
            "version_for": "oxfam-novib",
            "version": version.group(1),
        },
    )
    assert confirmed.status_code == 303
    ballot = _ballot(decision_id, network["orgs"]["oxfam"])
    assert ballot is not None and ballot.content == {"option": nashville}
    assert ballot.given_by == "Lotte Hendriks"


def _controls(html: str, name: str) -> list[str]:
    """The form controls named ``name`` (inputs and selects) in a page."""
    return re.findall(rf'<(?:input|select)[^>]*\bname="{name}"[^>]*>', html)


def test_the_record_form_asks_for_the_organisation_once(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    fac = network["people"]["facilitator"]
    decision_id = make_decision(fac, clock.now)
    memphis = option_ids(decision_id)[0]
    cast_ballot(network["people"]["adpc"], decision_id, {"option": memphis}, clock.now)
    db.session.commit()
    url = f"/admin/decisions/{decision_id}/record"
    sign_in(client, app, fac)

    # Step 1: only the organisation is asked, once, in a GET form.
    step = client.get(url).get_data(as_text=True)
    assert len(_controls(step, "organisation")) == 1
    assert _controls(step, "given_by") == [] and 'class="ballot-form"' not in step
    assert re.search(rf'<form method="get" action="{url}#error-summary"', step)
    assert "African Diaspora Policy Centre (ballot cast)" in _text(step)

    # Step 2: the organisation is named, not asked again; one hidden field carries it.
    page = client.get(f"{url}?organisation=adpc").get_data(as_text=True)
    [carried] = _controls(page, "organisation")
    assert 'type="hidden"' in carried and 'value="adpc"' in carried
    text = _text(page)
    assert "Organisation that gave the ballot: African Diaspora Policy Centre" in text
    assert "Current ballot of African Diaspora Policy Centre: Memphis" in text
    assert f'href="{url}"' in page  # choose another organisation

    # An organisation outside the electorate is refused on the first step, saving nothing.
    refused = client.get(f"{url}?organisation=pso")
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert 'href="#record-organisation"' in html and 'id="record-organisation-error"' in html
    assert "Choose an organisation from the list." in _text(html)

    # Recording from step 2 goes through with the version it showed.
    ballot = _ballot(decision_id, network["orgs"]["adpc"])
    assert ballot is not None
    recorded = post_form(
        client,
        f"{url}?organisation=adpc",
        url,
        {
            "organisation": "adpc",
            "version_for": "adpc",
            "version": str(ballot.version),
            "given_by": "Amina Warsame",
            "option": "abstain",
        },
    )
    assert recorded.status_code == 303 and recorded.headers["Location"] == url + "#main"
    ballot = _ballot(decision_id, network["orgs"]["adpc"])
    assert ballot is not None and ballot.content == {"abstain": True}
    assert ballot.given_by == "Amina Warsame"
