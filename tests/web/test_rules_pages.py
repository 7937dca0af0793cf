"""Declared majority rules, results by kind and declared interests on the pages
(issue 10, parts 10 and 11): the draft form takes the rule, the results page
says it in words with its verdict, shows the table by kind (captioned, with
headers) and each declared interest beside its option; a representative
declares and withdraws an interest on the decision page without JavaScript."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

from docx import Document
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from cop_vote import clock
from cop_vote.extensions import db
from cop_vote.models import Decision, InterestDeclaration, Person
from cop_vote.services import interests as interest_service
from cop_vote.services import network as network_service
from cop_vote.services import transitions
from cop_vote.services.ballots import cast_ballot
from tests.web.admin_helpers import post_form
from tests.web.test_admin_decisions import created_id, form_data, get

from .helpers import make_decision, option_ids
from .helpers import post_form as member_post
from .helpers import sign_in as member_sign_in

NEW = "/admin/decisions/new"


def _two_ngos_for_first(people: dict[str, Any], did: int, first: int, second: int) -> None:
    """Oxfam Novib and STRO (NGOs) vote for ``first``, ADPC (diaspora) for ``second``."""
    now = clock.now()
    cast_ballot(people["oxfam1"], did, {"option": first}, now)
    cast_ballot(people["stro"], did, {"option": first}, now)
    cast_ballot(people["adpc"], did, {"option": second}, now)


def test_the_draft_form_takes_a_two_thirds_rule_and_a_double_majority(
    client: FlaskClient, fac: Any
) -> None:
    data = form_data(
        majority_rule="two_thirds",
        majority_base="cast",
        majority_share="",
        double_majority=["diaspora", "ngo"],
    )
    decision = get(created_id(post_form(client, NEW, data)))
    assert (decision.majority_rule, decision.majority_base) == ("two_thirds", "cast")
    assert decision.double_majority == ["diaspora", "ngo"]
    page = client.get(f"/admin/decisions/{decision.id}/edit").get_data(as_text=True)
    assert re.search(
        r'<option selected value="two_thirds">|<option value="two_thirds" selected', page
    )
    assert re.search(r'checked[^>]*value="diaspora"|value="diaspora"[^>]*checked', page)


def test_a_share_rule_without_its_share_is_refused_beside_the_field(
    client: FlaskClient, fac: Any
) -> None:
    before = len(db.session.execute(select(Decision.id)).all())
    response = post_form(client, NEW, form_data(majority_rule="fraction", majority_share=""))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'href="#majority_share"' in body and 'id="majority_share-error"' in body
    assert len(db.session.execute(select(Decision.id)).all()) == before


def test_results_say_the_rule_show_kinds_and_interests(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    people = network["people"]
    now = clock.now()
    did = make_decision(
        people["facilitator"],
        now,
        majority_rule="two_thirds",
        majority_base="cast",
        double_majority=["diaspora"],
    )
    first, second, _third = option_ids(did)
    _two_ngos_for_first(people, did, first, second)
    db.session.commit()
    # A representative declares an interest on the decision page (no JavaScript).
    member_sign_in(client, app, people["stro"])
    url = f"/decisions/{did}"
    menu = client.get(url).get_data(as_text=True)
    menu = menu[menu.index('<select id="interest-option"') :]
    assert menu.index('<option value="" selected>Choose an option</option>') < menu.index(
        f'<option value="{first}"'
    )  # no option is chosen for the representative
    for sent in ({"option": "", "text": "We would chair it."}, {"text": "We would chair it."}):
        refused = member_post(client, url, f"{url}/interests", sent)
        assert refused.status_code == 400
        html = refused.get_data(as_text=True)
        assert 'id="interest-error-summary"' in html
        assert "Choose the option your organisation has an interest in." in html
        assert 'value="We would chair it."' in html  # what was typed stays
    assert db.session.execute(select(InterestDeclaration)).first() is None
    response = member_post(
        client, url, f"{url}/interests", {"option": str(first), "text": "We would chair it."}
    )
    assert response.status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert "We would chair it." in page
    client.post("/auth/logout", data={})
    facilitator = app.test_client()
    member_sign_in(facilitator, app, people["facilitator"])
    body = facilitator.get(f"/decisions/{did}/results?lang=en").get_data(as_text=True)
    assert "The chosen option needs a two-thirds majority (at least two thirds) of the " in body
    assert "Double majority: the chosen option must also lead among diaspora organisations." in body
    assert "Rule not met" in body
    assert "Not carried among diaspora organisations: Memphis does not lead there" in body
    table = body[body.index('<table class="results by-kind">') :]
    table = table[: table.index("</table>")]
    assert "<caption>Leading option within each kind of organisation</caption>" in table
    # The kind of the double majority is marked as the one that counts.
    assert (
        '<th scope="row">Diaspora organisations <span class="tag">counts for the double '
        "majority</span></th>" in table
    )
    assert '<th scope="row">NGOs</th>' in table
    assert "We would chair it." in body and "interest declared" in body
    # Withdrawn while open: gone from the results.
    member_sign_in(client, app, people["stro"])
    response = member_post(client, url, f"{url}/interests/{first}/withdraw", {})
    assert response.status_code == 303
    assert db.session.execute(select(InterestDeclaration)).first() is None
    assert "We would chair it." not in facilitator.get(
        f"/decisions/{did}/results?lang=en"
    ).get_data(as_text=True)


def test_the_demo_form_decision_shows_results_by_kind(app: Flask, client: FlaskClient) -> None:
    now = clock.now()
    network_service.load_demo(now)
    db.session.commit()
    facilitator = db.session.scalars(select(Person).where(Person.role == "facilitator")).first()
    form = db.session.scalars(select(Decision).where(Decision.method == "single_choice")).first()
    assert facilitator is not None and form is not None
    member_sign_in(client, app, facilitator)
    body = client.get(f"/decisions/{form.id}/results?lang=en").get_data(as_text=True)
    assert "Results by kind of organisation" in body
    for group in ("Diaspora organisations", "Knowledge institutions"):
        assert f'<th scope="row">{group}</th>' in body


def test_the_meeting_pack_holds_kinds_interests_and_the_rule_in_every_form(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    people = network["people"]
    now = clock.now()
    did = make_decision(people["facilitator"], now, majority_rule="absolute", majority_base="cast")
    first, second, _third = option_ids(did)
    interest_service.declare_interest(
        people["adpc"], did, {"option": second, "text": "Our own proposal."}, now
    )
    _two_ngos_for_first(people, did, first, second)
    db.session.commit()
    member_sign_in(client, app, people["facilitator"])
    page = client.get(f"/decisions/{did}/meeting-pack?lang=en").get_data(as_text=True)
    assert "<caption>Results by kind of organisation</caption>" in page
    assert "<caption>Declared interests</caption>" in page
    assert "Nashville (interest declared by African Diaspora Policy Centre)" in page
    assert "The chosen option needs an absolute majority (more than half)" in page
    csv = client.get(f"/decisions/{did}/meeting-pack.csv?lang=en").get_data(as_text=True)
    assert "Results by kind of organisation" in csv and "Our own proposal." in csv
    assert "interest declared by African Diaspora Policy Centre" in csv
    docx = client.get(f"/decisions/{did}/meeting-pack.docx?lang=en")
    document = Document(io.BytesIO(docx.get_data()))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "diaspora organisations" in cells and "Our own proposal." in cells
    xlsx = client.get(f"/decisions/{did}/meeting-pack.xlsx?lang=en")
    book = load_workbook(io.BytesIO(xlsx.get_data()), read_only=True)
    values = {str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row}
    assert "Results by kind of organisation" in values and "Our own proposal." in values


def test_the_recount_agrees_with_the_verdict_of_the_declared_rule(
    app: Flask, client: FlaskClient, network: dict[str, Any], tmp_path: Path
) -> None:
    people = network["people"]
    now = clock.now()
    did = make_decision(people["facilitator"], now, double_majority=["diaspora"])
    first, second, _third = option_ids(did)
    _two_ngos_for_first(people, did, first, second)
    transitions.close_decision(people["facilitator"], did, now)
    db.session.commit()
    headers = network["headers"]["stro"]
    record = client.get(f"/api/v1/decisions/{did}/ballot-record", headers=headers).get_json()
    assert record["rule"]["double_majority"] == ["diaspora"]
    assert record["verdict"]["met"] is False and record["verdict"]["option"] is None
    assert {e["kind"] for e in record["ballots"]} == {"diaspora", "ngo"}
    runner = app.test_cli_runner()
    assert runner.invoke(args=["cop", "recount", str(did)]).exit_code == 0
    # A record whose verdict was edited to "carried" does not recount to it.
    record["verdict"] = {"met": True, "option": first, "reasons": []}
    saved = tmp_path / "record.json"
    saved.write_text(json.dumps(record))
    edited = runner.invoke(args=["cop", "recount", str(did), "--record", str(saved)])
    assert edited.exit_code == 1
    assert "another verdict than the record states" in edited.output
