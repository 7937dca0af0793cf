"""Changes in the open and latecomers on the pages (issue 10, parts 3 and 7):
the facilitator's form for an open decision writes dated change notes shown on
the decision page in English and Dutch; the facilitator adds a latecomer on its
own page (without JavaScript, errors in the summary), the latecomer's
representative is told why it cannot vote until then, and the participation
page shows when it was added."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from cop_vote.extensions import db
from cop_vote.models import Elector, Notification
from cop_vote.services import ballots, verification
from tests.web.admin_helpers import page_form, post_form, sign_in

from .conftest import _client
from .helpers import make_decision, option_ids, stored_decision


def test_an_open_decision_changed_on_its_form_shows_dated_notes_in_both_languages(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now, description="Choose a city.")
    sign_in(app, client, people["facilitator"])
    url = f"/admin/decisions/{did}/edit"
    form = page_form(client.get(url))
    local = form["closes_at"]
    form.update(
        {
            "description": "Choose a city in the south.",
            "options-0-label": "Memphis, Tennessee",
            "closes_at": f"{int(local[:4]) + 1}{local[4:]}",
        }
    )
    assert client.post(url, data=form).status_code == 303
    html = client.get(f"/decisions/{did}").get_data(as_text=True)
    assert "Changes since opening" in html
    assert html.count("Changed on ") == 3
    assert "Deadline extended to " in html
    assert "The description was reworded." in html
    assert "Option “Memphis” reworded as “Memphis, Tennessee”." in html

    reader = _client(app)
    reader.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    sign_in(app, reader, people["adpc"])
    dutch = reader.get(f"/decisions/{did}").get_data(as_text=True)
    assert "Wijzigingen sinds de opening" in dutch
    assert "Sluitingstijd verlengd tot " in dutch
    assert "De toelichting is herschreven." in dutch
    # The English labels it quotes are marked English for a screen reader.
    assert (
        'Optie „<span lang="en">Memphis</span>” herschreven als '
        '„<span lang="en">Memphis, Tennessee</span>”' in dutch
    )
    for english in ("Changes since opening", "Changed on", "reworded", "Deadline extended"):
        assert english not in dutch, english
    pack = client.get(f"/decisions/{did}/meeting-pack").get_data(as_text=True)
    assert "Changes since opening" in pack and "The description was reworded." in pack
    # One mail per representative of the electorate.
    mails = db.session.query(Notification).filter_by(kind="changed").all()
    assert len(mails) == 4
    assert {m.person_id for m in mails} == {
        people[k].id for k in ("adpc", "oxfam1", "oxfam2", "stro")
    }


def test_a_latecomer_is_added_on_its_page_then_votes_and_shows_on_participation(
    app: Flask,
    client: FlaskClient,
    network: dict[str, Any],
    clock: Any,
    make_org: Any,
    make_person: Any,
) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    late = make_org("mdf", name="Migrant Development Forum")
    rep = make_person(late, name="Yusuf Late", email="yusuf@mdf.example.org")
    late_id = late.id

    member = _client(app)
    sign_in(app, member, rep)
    page = member.get(f"/decisions/{did}").get_data(as_text=True)
    assert "was not in this decision's electorate when it opened" in page
    assert 'class="ballot-form"' not in page

    sign_in(app, client, people["facilitator"])
    admin = client.get(f"/admin/decisions/{did}").get_data(as_text=True)
    assert f"/admin/decisions/{did}/electorate" in admin
    url = f"/admin/decisions/{did}/electorate"
    form_page = client.get(url).get_data(as_text=True)
    assert '<label for="organisation">' in form_page
    assert "Migrant Development Forum" in form_page
    assert "Oxfam Novib" not in form_page  # in the electorate already

    for bad in ("", "99999999999999999999", str(2**31)):  # past any integer column: no 500
        refused = post_form(client, url, {"organisation": bad})
        assert refused.status_code == 400, bad
        assert 'id="error-summary"' in refused.get_data(as_text=True)
    assert db.session.get(Elector, (did, late_id)) is None

    done = post_form(client, url, {"organisation": str(late_id)})
    assert done.status_code == 303
    assert done.headers["Location"].endswith(f"/admin/decisions/{did}#main")
    assert db.session.get(Elector, (did, late_id)) is not None

    page = member.get(f"/decisions/{did}").get_data(as_text=True)
    assert 'class="ballot-form"' in page
    assert "Migrant Development Forum was added to the electorate." in page
    participation = client.get(f"/decisions/{did}/participation").get_data(as_text=True)
    assert "added on " in participation
    trail = member.get(f"/decisions/{did}/trail").get_data(as_text=True)
    assert "Organisation added to the electorate: <bdi>Migrant Development Forum</bdi>" in trail
    db.session.expire_all()
    assert ballots.in_electorate(stored_decision(did), late_id)
    assert verification.verify_log().ok


def test_the_page_says_why_a_secret_decision_takes_no_organisation_after_a_ballot(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any, make_org: Any
) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now, ballot_secrecy="secret")
    ballots.cast_ballot(people["stro"], did, {"option": option_ids(did)[0]}, clock.now)
    db.session.commit()
    late_id = make_org("late", name="Late Organisation").id
    sign_in(app, client, people["facilitator"])
    url = f"/admin/decisions/{did}/electorate"
    refused = post_form(client, url, {"organisation": str(late_id)})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "would show how it voted" in html
    assert db.session.get(Elector, (did, late_id)) is None
