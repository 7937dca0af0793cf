"""Names at the time of the act (issue 11, part 5; cop_vote/domain/names.py).

A person and an organisation act (comment, cast an open ballot, record one,
lodge an objection, declare an interest, propose an option, attend a
meeting, own an action), then are renamed: pages, the API, the meeting pack
and the exports show the old names on those acts and the new names on live
lists. Erasing the person afterwards removes both of their names everywhere,
and the log still verifies.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from cop_vote.extensions import db
from cop_vote.models import Person
from cop_vote.services import (
    auth,
    ballots,
    decisions,
    erasure,
    interests,
    meetings,
    objections,
    organisations,
    proposals,
    transitions,
)
from tests.seed import Seeded, seed

from .conftest import _client
from .helpers import sign_in
from .test_erasure import _text, every_body

#: Its outcome depends on the database: it runs in the PostgreSQL pass too.
pytestmark = pytest.mark.database_semantics

API = "/api/v1"
OLD_PERSON, NEW_PERSON = "Amina Warsame", "Amina Renamed-Later"
OLD_ORG, NEW_ORG = "African Diaspora Policy Centre", "Diaspora Centre Renamed"
OLD_SHORT, NEW_SHORT = "ADPC", "DCR"
OLD_FACILITATOR, NEW_FACILITATOR = "facilitator-then", "facilitator-now"


@pytest.fixture
def acted(app: Flask, clock: Any) -> dict[str, Any]:
    """The seeded network after Amina (ADPC) and the facilitator acted, then were renamed.

    ``form`` (open ballots): Amina commented (seed) and cast ADPC's ballot; the
    facilitator recorded STRO's ballot given by Marieke; it is closed, ADPC
    objected, and it is published. ``draft`` (taking proposals): ADPC proposed
    an option. ``live``: ADPC declared an interest.
    """
    seeded = seed(app, clock.now)
    amina = seeded.people["representative"]
    facilitator = seeded.people["facilitator"]
    organisations.update_person(facilitator, facilitator.id, {"name": OLD_FACILITATOR})
    form = seeded.decisions["open"]
    options = decisions.get_decision(facilitator, form).options
    ballots.record_ballot(
        facilitator,
        form,
        "stro",
        {"option": options[1].id},
        f"Marieke, with {OLD_PERSON}",
        clock.now,
    )
    live = decisions.get_decision(facilitator, seeded.decisions["live"])
    interests.declare_interest(
        amina, live.id, {"option": live.options[0].id, "text": "We run one."}, clock.now
    )
    proposals.propose_option(
        amina, seeded.decisions["draft"], "Diaspora Alliance", "Our idea.", clock.now
    )
    meetings.add_action(
        facilitator, seeded.meeting, "Write the terms of reference.", "adpc", None, clock.now
    )
    transitions.close_decision(facilitator, form, clock.now)
    objections.lodge_objection(amina, form, "Our ballot was miscounted.", clock.now)
    transitions.publish_decision(facilitator, form, options[0].id, "Chosen.", clock.now)
    db.session.commit()
    # The renames, after every act.
    organisations.update_person(facilitator, amina.id, {"name": NEW_PERSON})
    organisations.update_person(facilitator, facilitator.id, {"name": NEW_FACILITATOR})
    organisations.update_organisation(
        facilitator, "adpc", {"name": NEW_ORG, "short_name": NEW_SHORT}
    )
    _p, token = auth.issue_api_token(facilitator.email or "", clock.now)
    _q, own = auth.issue_api_token(amina.email or "", clock.now)
    db.session.commit()
    return {
        "seeded": seeded,
        "form": form,
        "headers": {"Authorization": f"Bearer {token}"},
        "amina": {"Authorization": f"Bearer {own}"},
    }


def _facilitator_browser(app: Flask, seeded: Seeded) -> Any:
    browser = _client(app)
    sign_in(browser, app, seeded.people["facilitator"])
    return browser


def test_acts_keep_the_names_of_their_time_and_live_lists_show_todays(
    app: Flask, acted: dict[str, Any]
) -> None:
    seeded, form, headers = acted["seeded"], acted["form"], acted["headers"]
    browser = _facilitator_browser(app, seeded)
    api = app.test_client()

    # The comment is signed as it was written; the live lists show today's names.
    page = browser.get(f"/decisions/{form}").get_data(as_text=True)
    assert f"<bdi>{OLD_PERSON}</bdi> (<bdi>{OLD_SHORT}</bdi>)" in page
    assert NEW_PERSON not in page
    people = browser.get("/admin/people").get_data(as_text=True)
    assert NEW_PERSON in people and OLD_PERSON not in people
    orgs = browser.get("/admin/organisations").get_data(as_text=True)
    assert NEW_ORG in orgs and OLD_ORG not in orgs
    # The electorate is a live list: today's name; who recorded a ballot: then.
    participation = browser.get(f"/decisions/{form}/participation").get_data(as_text=True)
    assert NEW_ORG in participation and OLD_ORG not in participation
    assert f"recorded by {OLD_FACILITATOR} in the meeting" in participation
    assert NEW_FACILITATOR not in participation
    # The recorded ballot's "given by" names her by her old name: cleared on erasure (below).
    assert f"given by Marieke, with {OLD_PERSON}" in participation

    listed = api.get(f"{API}/decisions/{form}/comments", headers=headers).get_json()
    mine = next(
        c for c in listed["items"] if c["author"]["id"] == seeded.people["representative"].id
    )
    assert mine["author"]["name"] == OLD_PERSON
    assert mine["signature"] == f"{OLD_PERSON} ({OLD_SHORT})"
    assert mine["organisation"] == "adpc"  # the slug: an identifier, not a name

    # The published ballot record names the ballots' organisations as they were.
    record = api.get(f"{API}/decisions/{form}/ballot-record", headers=headers).get_json()
    assert OLD_ORG in [b["name"] for b in record["ballots"]]
    assert OLD_ORG in [p["name"] for p in record["participants"]]
    assert NEW_ORG in [e["name"] for e in record["electorate"]]  # the electorate: today's
    record_page = browser.get(f"/decisions/{form}/ballot-record").get_data(as_text=True)
    assert f"<bdi>{OLD_ORG}</bdi>" in record_page
    own = api.get(f"{API}/decisions/{form}/ballot", headers=acted["amina"])
    assert own.status_code == 200, own.get_json()
    assert own.get_json()["cast_by"]["name"] == OLD_PERSON

    # The meeting pack (page and CSV) and the ballots export.
    pack = browser.get(f"/decisions/{form}/meeting-pack").get_data(as_text=True)
    pack_csv = _text(browser.get(f"/decisions/{form}/meeting-pack.csv").get_data())
    for body in (pack, pack_csv):
        assert OLD_PERSON in body and OLD_FACILITATOR in body and OLD_ORG in body
        assert NEW_PERSON not in body and NEW_FACILITATOR not in body
    exported = browser.get(f"/decisions/{form}/ballots.csv")
    assert exported.status_code == 200
    ballots_csv = _text(exported.get_data())
    assert OLD_ORG in ballots_csv and OLD_PERSON in ballots_csv and OLD_FACILITATOR in ballots_csv
    assert NEW_ORG not in ballots_csv and NEW_PERSON not in ballots_csv

    # A declared interest and a proposal credit the organisation of then.
    live = browser.get(f"/decisions/{seeded.decisions['live']}").get_data(as_text=True)
    assert f'<bdi>{OLD_ORG}</bdi>, <span dir="auto">We run one.' in live
    found = api.get(
        f"{API}/decisions/{seeded.decisions['live']}/interests", headers=headers
    ).get_json()
    assert [i["organisation_name"] for i in found["items"]] == [OLD_ORG]
    draft = browser.get(f"/admin/decisions/{seeded.decisions['draft']}").get_data(as_text=True)
    assert f"proposed by {OLD_ORG}" in draft and f"proposed by {NEW_ORG}" not in draft
    # The kick-off's minutes name the organisations that attended, and the
    # owner of an action, as they were.
    network = browser.get("/network").get_data(as_text=True)
    assert f"<bdi>{OLD_ORG}</bdi>" in network and f"owner: {OLD_ORG}" in network
    assert f"<bdi>{NEW_ORG}</bdi> (<bdi>{NEW_SHORT}</bdi>)" in network  # the members: today's
    meeting = api.get(f"{API}/meetings/{seeded.meeting}", headers=headers).get_json()
    attended = {a["organisation"]: a["organisation_name"] for a in meeting["attendance"]}
    assert attended["adpc"] == OLD_ORG
    owned = [a for a in meeting["actions"] if a["owner"] == "adpc"]
    assert [a["owner_name"] for a in owned] == [OLD_ORG]
    lodged = api.get(f"{API}/decisions/{form}/objections", headers=headers).get_json()
    assert [(o["organisation"], o["organisation_name"]) for o in lodged["items"]] == [
        ("adpc", OLD_ORG)
    ]
    assert app.test_cli_runner().invoke(args=["cop", "verify-log"]).exit_code == 0


def test_erasure_after_a_rename_removes_both_names_everywhere(
    app: Flask, acted: dict[str, Any], clock: Any
) -> None:
    seeded, form, headers = acted["seeded"], acted["form"], acted["headers"]
    facilitator = db.session.get(Person, seeded.people["facilitator"].id)
    amina = seeded.people["representative"]
    erasure.erase_person(facilitator, amina.id, "She left.", clock.now)
    db.session.commit()
    browser = _facilitator_browser(app, seeded)
    colleague = _client(app)
    sign_in(colleague, app, seeded.extra["colleague"])
    api = app.test_client()
    seen = 0
    for url, body in every_body(app, seeded, (browser, colleague), api, headers):
        assert OLD_PERSON not in body and NEW_PERSON not in body, url
        seen += 1
    assert seen > 50
    for url in (
        f"/decisions/{form}/meeting-pack",
        f"/decisions/{form}/meeting-pack.csv",
        f"/decisions/{form}/ballots.csv",
        f"/decisions/{form}",
    ):
        body = _text(browser.get(url).get_data())
        assert OLD_PERSON not in body and NEW_PERSON not in body, url
    # Her comment is signed with her organisation of then, never " (ADPC)".
    page = browser.get(f"/decisions/{form}").get_data(as_text=True)
    assert f"former representative of <bdi>{OLD_SHORT}</bdi>" in page
    pack = browser.get(f"/decisions/{form}/meeting-pack").get_data(as_text=True)
    assert f"former representative of <bdi>{OLD_SHORT}</bdi>" in pack
    assert f"</bdi> (<bdi>{OLD_SHORT}</bdi>)" not in pack
    listed = api.get(f"{API}/decisions/{form}/comments", headers=headers).get_json()
    hers = next(c for c in listed["items"] if c["author"]["id"] == amina.id)
    assert hers["author"]["name"] == ""
    assert hers["signature"] == f"former representative of {OLD_SHORT}"
    checked = app.test_cli_runner().invoke(args=["cop", "verify-log"])
    assert checked.exit_code == 0, checked.output
