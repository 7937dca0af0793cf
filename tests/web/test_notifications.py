"""Notifications and reminders through the pages and the API (CSRF on).

Requests send their mails after the answer is built (``after_request``), so
the outbox is complete when the test client returns.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cop_vote.extensions import db
from cop_vote.models import Person
from cop_vote.services import ballots as ballot_service
from cop_vote.services import transitions

from .helpers import csrf_token, make_decision, option_ids, outbox, post_form, sign_in

LABELS = ("Memphis", "Nashville", "Atlanta")


def _new(app: Flask, before: int) -> list[Any]:
    return outbox(app)[before:]


def _html(message: Any) -> str:
    return str(message.alternatives[0][0])


def test_opening_on_the_page_invites_every_representative_once(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now, open_it=False)
    sign_in(client, app, people["facilitator"])
    before = len(outbox(app))
    url = f"/admin/decisions/{did}/open"
    response = post_form(client, url, url)
    assert response.status_code == 303
    mails = _new(app, before)
    assert sorted(m.to[0] for m in mails) == [
        "amina@adpc.example.org",
        "idris@oxfam.example.org",
        "lotte@oxfam.example.org",
        "marieke@stro.example.org",
    ]
    for message in mails:
        assert f"http://localhost/decisions/{did}" in message.body
        assert f"http://localhost/decisions/{did}" in _html(message)
        assert message.body.strip() and "<p>" in _html(message)


def test_a_ballot_change_on_the_page_and_the_api_mails_the_colleague_only(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any, token_for: Any
) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now, ballot_secrecy="secret")
    memphis, nashville, _atlanta = option_ids(did)
    sign_in(client, app, people["oxfam1"])
    before = len(outbox(app))
    response = post_form(
        client,
        f"/decisions/{did}",
        f"/decisions/{did}/ballot",
        {"action": "cast", "option": str(nashville), "version": "0"},
    )
    assert response.status_code == 303
    (mail,) = _new(app, before)
    assert mail.to == ["lotte@oxfam.example.org"]
    assert "Idris Nuur" in mail.body
    assert not any(label in mail.body + _html(mail) for label in LABELS)

    before = len(outbox(app))
    response = client.put(
        f"/api/v1/decisions/{did}/ballot",
        json={"option": memphis},
        headers=token_for(people["oxfam2"]),
    )
    assert response.status_code == 200
    (mail,) = _new(app, before)
    assert mail.to == ["idris@oxfam.example.org"]
    assert "Lotte Hendriks" in mail.body
    assert not any(label in mail.body + _html(mail) for label in LABELS)


def test_a_refused_ballot_sends_nothing(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any, token_for: Any
) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    before = len(outbox(app))
    response = client.put(
        f"/api/v1/decisions/{did}/ballot",
        json={"option": 999999},
        headers=token_for(people["oxfam2"]),
    )
    assert response.status_code == 400
    assert _new(app, before) == []


# --- the remind action ------------------------------------------------------------------------


@pytest.fixture
def half_voted(network: dict[str, Any], clock: Any) -> int:
    """An open decision on which ADPC has voted and Oxfam Novib and STRO have not."""
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    ballot_service.cast_ballot(people["adpc"], did, {"option": option_ids(did)[0]}, clock.now)
    db.session.commit()
    return did


@pytest.mark.parametrize("role", ["oxfam1", "observer"])
def test_only_facilitators_may_remind(
    app: Flask, client: FlaskClient, network: dict[str, Any], half_voted: int, role: str
) -> None:
    url = f"/admin/decisions/{half_voted}/remind"
    sign_in(client, app, network["people"][role])
    assert client.get(url).status_code == 403
    token = csrf_token(client.get("/profile").get_data(as_text=True))
    before = len(outbox(app))
    assert client.post(url, data={"csrf_token": token}).status_code == 403
    assert _new(app, before) == []
    page = client.get(f"/decisions/{half_voted}/participation").get_data(as_text=True)
    assert url not in page


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, half_voted: int) -> None:
    response = client.get(f"/admin/decisions/{half_voted}/remind")
    assert response.status_code in (302, 303)
    assert "/auth/login" in response.headers["Location"]


def test_remind_mails_only_the_organisations_that_have_not_voted(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any, half_voted: int
) -> None:
    sign_in(client, app, network["people"]["facilitator"])
    url = f"/admin/decisions/{half_voted}/remind"
    participation = client.get(f"/decisions/{half_voted}/participation").get_data(as_text=True)
    assert url in participation
    admin_page = client.get(f"/admin/decisions/{half_voted}").get_data(as_text=True)
    assert url in admin_page
    confirm = client.get(url)
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    assert "Oxfam Novib" in html and "Social Trade Organisation" in html
    assert "African Diaspora Policy Centre</bdi></li>" not in html
    before = len(outbox(app))
    response = client.post(url, data={"csrf_token": csrf_token(html)})
    assert response.status_code == 303
    assert sorted(m.to[0] for m in _new(app, before)) == [
        "idris@oxfam.example.org",
        "lotte@oxfam.example.org",
        "marieke@stro.example.org",
    ]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 reminders sent." in page
    # Pressing again soon after is refused on the page, and sends nothing.
    clock.advance(hours=11, minutes=59)
    before = len(outbox(app))
    refused = client.post(url, data={"csrf_token": csrf_token(html)})
    assert refused.status_code == 409
    assert "A reminder was sent less than 12 hours ago" in refused.get_data(as_text=True)
    assert _new(app, before) == []
    assert "Last reminder sent at" in client.get(url).get_data(as_text=True)
    # Twelve hours after the last one, it sends again.
    clock.advance(minutes=1)
    assert client.post(url, data={"csrf_token": csrf_token(html)}).status_code == 303
    assert len(_new(app, before)) == 3


def test_the_api_refuses_a_second_reminder_within_twelve_hours(
    app: Flask,
    client: FlaskClient,
    network: dict[str, Any],
    clock: Any,
    half_voted: int,
    token_for: Any,
) -> None:
    url = f"/api/v1/decisions/{half_voted}/reminders"
    headers = token_for(network["people"]["facilitator"])
    before = len(outbox(app))
    first = client.post(url, headers=headers)
    assert first.status_code == 200 and first.get_json()["reminders"] == 3
    clock.advance(hours=1)
    again = client.post(url, headers=headers)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "reminded_recently"
    assert len(_new(app, before)) == 3
    clock.advance(hours=11)
    assert client.post(url, headers=headers).get_json()["reminders"] == 3


def test_remind_without_csrf_changes_nothing(
    app: Flask, client: FlaskClient, network: dict[str, Any], half_voted: int
) -> None:
    sign_in(client, app, network["people"]["facilitator"])
    before = len(outbox(app))
    response = client.post(f"/admin/decisions/{half_voted}/remind", data={})
    assert response.status_code == 400
    assert _new(app, before) == []


def test_a_closed_decision_cannot_be_reminded(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any, half_voted: int
) -> None:
    fac = network["people"]["facilitator"]
    sign_in(client, app, fac)
    url = f"/admin/decisions/{half_voted}/remind"
    html = client.get(url).get_data(as_text=True)
    transitions.close_decision(fac, half_voted, clock.now)
    db.session.commit()
    assert client.get(url).status_code == 303
    before = len(outbox(app))
    response = client.post(url, data={"csrf_token": csrf_token(html)})
    assert response.status_code == 409
    assert _new(app, before) == []


# --- a person's own settings ------------------------------------------------------------------


def test_a_representative_turns_mail_off_and_gets_none(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    sign_in(client, app, people["oxfam2"])
    page = client.get("/profile").get_data(as_text=True)
    assert 'name="notifications" value="immediate" checked' in page
    response = post_form(
        client, "/profile", "/profile/notifications", {"notifications": "none", "mail_language": ""}
    )
    assert response.status_code == 303
    lotte = db.session.get(Person, people["oxfam2"].id)
    assert lotte is not None and lotte.notifications == "none"
    before = len(outbox(app))
    make_decision(people["facilitator"], clock.now)
    assert "lotte@oxfam.example.org" not in [m.to[0] for m in _new(app, before)]


def test_a_bad_setting_or_a_missing_token_changes_nothing(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    people = network["people"]
    sign_in(client, app, people["oxfam2"])
    response = post_form(client, "/profile", "/profile/notifications", {"notifications": "hourly"})
    assert response.status_code == 303
    assert "Choose whether you want e-mail" in client.get("/profile").get_data(as_text=True)
    client.post("/profile/notifications", data={"notifications": "none"})
    lotte = db.session.get(Person, people["oxfam2"].id)
    assert lotte is not None and lotte.notifications == "immediate"


def test_anonymous_cannot_change_settings(client: FlaskClient, network: dict[str, Any]) -> None:
    response = client.post("/profile/notifications", data={"notifications": "none"})
    assert response.status_code in (302, 303, 400)
    lotte = db.session.get(Person, network["people"]["oxfam2"].id)
    assert lotte is not None and lotte.notifications == "immediate"


def test_mail_comes_in_the_person_s_language(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    sign_in(client, app, people["oxfam2"])
    post_form(
        client,
        "/profile",
        "/profile/notifications",
        {"notifications": "immediate", "mail_language": "nl"},
    )
    people["adpc"].language = "en"
    db.session.commit()
    before = len(outbox(app))
    did = make_decision(people["facilitator"], clock.now)
    by_person = {m.to[0]: m for m in _new(app, before)}
    lotte = by_person["lotte@oxfam.example.org"]
    assert lotte.subject == "Nieuw besluit: Where do we meet?"
    assert "Open het besluit:" in lotte.body and "Open het besluit:" in _html(lotte)
    assert by_person["amina@adpc.example.org"].subject == "New decision: Where do we meet?"
    # No language of their own: the network's default (Dutch).
    assert by_person["idris@oxfam.example.org"].subject.startswith("Nieuw besluit")
    assert f"/decisions/{did}" in lotte.body


def test_the_api_sets_a_person_s_notifications(
    client: FlaskClient, network: dict[str, Any]
) -> None:
    headers = network["headers"]
    lotte = network["people"]["oxfam2"]
    url = f"/api/v1/people/{lotte.id}"
    response = client.patch(url, json={"notifications": "none"}, headers=headers["facilitator"])
    assert response.status_code == 200, response.get_json()
    bad = client.patch(url, json={"notifications": "weekly"}, headers=headers["facilitator"])
    assert bad.status_code == 400
    assert "notifications" in bad.get_json()["error"]["fields"]
    assert (
        client.patch(
            url, json={"notifications": "immediate"}, headers=headers["oxfam1"]
        ).status_code
        == 403
    )
    person = db.session.get(Person, lotte.id)
    assert person is not None and person.notifications == "none"


def test_the_published_mail_carries_the_log_anchor(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    """The anchor lives outside the database: in every representative's mailbox."""
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    first = option_ids(did)[0]
    ballot_service.cast_ballot(people["adpc"], did, {"option": first}, clock.now)
    transitions.close_decision(people["facilitator"], did, clock.now)
    db.session.commit()
    before = len(outbox(app))
    answer = client.post(
        f"/api/v1/decisions/{did}/publish",
        json={"option": first, "statement": "Memphis it is."},
        headers=network["headers"]["facilitator"],
    )
    anchor = answer.get_json()["log_anchor"]
    assert anchor and len(anchor) == 64
    mails = _new(app, before)
    assert len(mails) == 4
    for message in mails:
        assert anchor in message.body and anchor in _html(message)


def test_mail_sent_from_an_english_page_is_in_each_reader_s_language(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    # The request's own catalog (English) is cached for its templates; each
    # mail it sends must still switch to its reader's language and back.
    people = network["people"]
    people["adpc"].language = "en"
    db.session.commit()
    did = make_decision(people["facilitator"], clock.now, open_it=False)
    sign_in(client, app, people["facilitator"])
    client.set_cookie("lang", "en")
    before = len(outbox(app))
    url = f"/admin/decisions/{did}/open"
    response = post_form(client, url, url)
    assert response.status_code == 303
    mails = {m.to[0]: m for m in _new(app, before)}
    amina = mails["amina@adpc.example.org"]
    assert amina.subject == "New decision: Where do we meet?"
    assert "Open het besluit:" not in amina.body and "Open het besluit:" not in _html(amina)
    for dutch in ("idris@oxfam.example.org", "lotte@oxfam.example.org", "marieke@stro.example.org"):
        assert mails[dutch].subject == "Nieuw besluit: Where do we meet?"
        assert "Open het besluit:" in mails[dutch].body
        assert "Open het besluit:" in _html(mails[dutch])
    page = client.get(f"/decisions/{did}").get_data(as_text=True)
    assert "Your organisation" in page or "Comments" in page
    assert "Opmerkingen" not in page


_LOCAL = r"\d{1,2} \w{3} \d{4} \d\d:\d\d CES?T \(Europe/Amsterdam\)"


def test_within_twelve_hours_the_pages_and_the_api_say_when_the_next_reminder_can_go(
    app: Flask,
    client: FlaskClient,
    network: dict[str, Any],
    clock: Any,
    half_voted: int,
    token_for: Any,
) -> None:
    """Every time a page shows is the network's local time, named; the API's is ISO 8601."""

    sign_in(client, app, network["people"]["facilitator"])
    url = f"/admin/decisions/{half_voted}/remind"
    html = client.get(url).get_data(as_text=True)
    assert "Yes, send the reminders" in html
    assert client.post(url, data={"csrf_token": csrf_token(html)}).status_code == 303
    clock.advance(hours=1)

    # The confirmation page offers no button that would be refused: it says when instead.
    def text(page: str) -> str:
        return re.sub(r"<[^>]+>", "", page)

    again = text(client.get(url).get_data(as_text=True))
    assert "Yes, send the reminders" not in again
    assert re.search("The next reminder can be sent from " + _LOCAL + r"\.", again)
    dutch = text(client.get(url + "?lang=nl").get_data(as_text=True))
    assert re.search("De volgende herinnering kan vanaf " + _LOCAL + " worden verstuurd", dutch)
    # A form sent anyway (an older tab) is refused with the same kind of time.
    refused = client.post(url + "?lang=en", data={"csrf_token": csrf_token(html)})
    assert refused.status_code == 409
    refused = refused.get_data(as_text=True)
    assert re.search("the next can be sent from " + _LOCAL + r"\.", refused)
    assert "(UTC)" not in refused
    nl = client.post(url + "?lang=nl", data={"csrf_token": csrf_token(html)})
    assert re.search(
        "de volgende kan vanaf " + _LOCAL + " worden verstuurd", nl.get_data(as_text=True)
    )
    api = client.post(
        f"/api/v1/decisions/{half_voted}/reminders",
        headers=token_for(network["people"]["facilitator"]),
    )
    assert api.status_code == 409
    message = api.get_json()["error"]["message"]
    assert re.fullmatch(
        r"A reminder was sent less than 12 hours ago; "
        r"the next can be sent from \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\.",
        message,
    ), message
