"""Text fields refuse control characters (NUL included) with a 400 naming the field,
single-line fields refuse line breaks, and odd identifiers are 400/404, never 500.

Run on both databases: PostgreSQL refuses NUL in text and integers beyond its
range, so a value that slips through to a query fails there first.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from cop_vote.domain.errors import InvalidInput
from cop_vote.extensions import db
from cop_vote.models import Ballot, Comment, Decision, Event, Organisation
from cop_vote.services.text import clean, one_line

from .helpers import csrf_token, make_decision, outbox, post_form, sign_in

API = "/api/v1"


def _count(model: Any) -> int:
    count = db.session.execute(select(func.count()).select_from(model)).scalar() or 0
    db.session.commit()
    return int(count)


# --- the rule ---------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["a\x00b", "a\x1bb", "a\x7fb", "a\x85b", "a\ud800b", "\x08"])
def test_clean_refuses_control_characters_naming_the_field(bad: str) -> None:
    with pytest.raises(InvalidInput) as info:
        clean(bad, "body", max_length=100)
    assert list(info.value.fields) == ["body"]
    assert "control character" in info.value.message


def test_multi_line_text_keeps_tabs_and_line_breaks_each_stored_as_lf() -> None:
    assert clean("one\ttwo\r\nthree\nfour\rfive", "body", max_length=100) == (
        "one\ttwo\nthree\nfour\nfive"
    )
    # A browser's CRLF counts once, as the form's maxlength counted it.
    assert clean("x\r\n" * 4 + "x", "body", max_length=9) == "x\n" * 4 + "x"


@pytest.mark.parametrize("bad", ["two\nlines", "tab\there", "cr\rhere", "sep\u2028here"])
def test_single_line_text_refuses_line_breaks_and_tabs(bad: str) -> None:
    with pytest.raises(InvalidInput) as info:
        clean(bad, "title", max_length=100, single_line=True)
    assert info.value.fields == {"title": "Must be one line, without line breaks or tabs."}


def test_a_trailing_line_break_is_trimmed_not_refused() -> None:
    assert clean("Title\r\n", "title", max_length=100, single_line=True) == "Title"


def test_one_line_folds_every_break_and_control_run() -> None:
    assert one_line("Form of\r\n the\tCoP\x00 \u2028now ") == "Form of the CoP now"


# --- pages ----------------------------------------------------------------------------------


@pytest.fixture
def member(app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any) -> dict:
    decision_id = make_decision(network["people"]["facilitator"], clock.now)
    sign_in(client, app, network["people"]["adpc"])
    page = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    return {"decision": decision_id, "csrf": csrf_token(page)}


@pytest.mark.parametrize("body", ["a\x00b", "bell\x07", "esc\x1b[31mred"])
def test_a_control_character_in_a_comment_is_400_naming_the_field(client, member, body):
    url = f"/decisions/{member['decision']}/comments"
    events = _count(Event)
    response = client.post(url, data={"csrf_token": member["csrf"], "body": body})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The field body holds a control character" in html
    assert _count(Comment) == 0
    assert _count(Event) == events


def test_a_control_character_in_any_form_field_or_its_name_is_400(client, member):
    url = f"/decisions/{member['decision']}/comments"
    for data in (
        {"body": "fine", "option": "1\x00"},
        {"body": "fine", "parent": "\x00"},
        {"body": "fine", "x\x00y": "1"},
    ):
        response = client.post(url, data={"csrf_token": member["csrf"], **data})
        assert response.status_code == 400, data
    assert _count(Comment) == 0


def test_a_control_character_in_a_query_is_400_and_in_a_path_404(client, member):
    decision = member["decision"]
    assert client.get(f"/decisions/{decision}?after=%00").status_code == 400
    assert client.get(f"/decisions/{decision}?x%00=1").status_code == 400
    assert client.get("/admin/organisations/a%00b/edit").status_code == 404


def test_a_comment_parent_that_is_not_a_number_is_400(client, member):
    url = f"/decisions/{member['decision']}/comments"
    for parent in ("abc", "-1", "1.5", "99999999999", "2147483648", "0"):
        data = {"csrf_token": member["csrf"], "body": "A reply", "parent": parent}
        response = client.post(url, data=data)
        assert response.status_code == 400, parent
    assert _count(Comment) == 0


def test_identifiers_beyond_the_database_range_are_404_or_ignored(client, member):
    decision = member["decision"]
    assert client.get("/decisions/99999999999").status_code == 404
    assert client.get("/decisions/2147483648/results").status_code == 404
    assert client.get(f"/decisions/{decision}?reply_to=99999999999").status_code == 200
    assert client.get(f"/decisions/{decision}?after=2147483648").status_code == 200


def test_a_facilitator_form_refuses_a_line_break_in_a_name_and_nul_anywhere(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    sign_in(client, app, network["people"]["facilitator"])
    before = _count(Organisation)
    url = "/admin/organisations/new"
    response = post_form(client, url, url, {"name": "Two\nlines", "kind": "ngo"})
    assert response.status_code == 400
    assert "Must be one line, without line breaks or tabs." in response.get_data(as_text=True)
    response = post_form(client, url, url, {"name": "Nul\x00here", "kind": "ngo"})
    assert response.status_code == 400
    assert "The field name holds a control character" in response.get_data(as_text=True)
    assert _count(Organisation) == before


def test_the_refusal_is_in_dutch_for_a_dutch_reader(client, member):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    url = f"/decisions/{member['decision']}/comments"
    response = client.post(url, data={"csrf_token": member["csrf"], "body": "a\x00b"})
    assert response.status_code == 400
    assert "Het veld body bevat een stuurteken" in response.get_data(as_text=True)


# --- API ------------------------------------------------------------------------------------


def test_api_refuses_nul_in_a_path_slug_with_404(client: FlaskClient, network: dict) -> None:
    headers = network["headers"]["facilitator"]
    response = client.patch(f"{API}/organisations/a%00b", json={"name": "X"}, headers=headers)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    response = client.put(f"{API}/decisions/1/ballots/a%00b", json={}, headers=headers)
    assert response.status_code == 404


def test_api_refuses_a_line_break_in_a_single_line_field(client: FlaskClient, network: dict):
    headers = network["headers"]["facilitator"]
    before = _count(Organisation)
    response = client.post(f"{API}/organisations", json={"name": "A\nB"}, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {
        "name": "Must be one line, without line breaks or tabs."
    }
    response = client.post(f"{API}/organisations", json={"name": "Esc\x1b"}, headers=headers)
    assert response.status_code == 400
    assert "name" in response.get_json()["error"]["fields"]
    assert _count(Organisation) == before


def test_api_review_filter_with_nul_is_400(client: FlaskClient, network: dict, clock: Any):
    decision_id = make_decision(network["people"]["facilitator"], clock.now)
    headers = network["headers"]["facilitator"]
    url = f"{API}/decisions/{decision_id}/review?organisation=a%00b"
    response = client.get(url, headers=headers)
    assert response.status_code == 400
    assert "organisation" in response.get_json()["error"]["fields"]


# --- mail -----------------------------------------------------------------------------------


def test_a_title_with_a_line_break_from_old_data_is_one_line_in_the_subject(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now, open_it=False)
    found = db.session.get(Decision, decision_id)
    assert found is not None
    found.title = "Form of the\r\nCommunity of Practice"  # written before the rule
    db.session.commit()
    sign_in(client, app, people["facilitator"])
    before = len(outbox(app))
    url = f"/admin/decisions/{decision_id}/open"
    assert post_form(client, url, url).status_code == 303
    mails = outbox(app)[before:]
    assert len(mails) == 4
    for message in mails:
        assert message.subject.endswith(": Form of the Community of Practice")
        assert "\n" not in message.message()["Subject"]


def test_numbers_of_hundreds_of_digits_are_refused_not_500(app, client, member, network):
    """WTForms compares numbers through float, which overflows past ~309 digits."""
    huge = "1" + "0" * 320
    ballot = client.post(
        f"/decisions/{member['decision']}/ballot",
        data={"csrf_token": member["csrf"], "version": huge, "option": "1"},
    )
    assert ballot.status_code in (400, 409)
    assert _count(Ballot) == 0
    client.post("/auth/logout", data={"csrf_token": member["csrf"]})
    sign_in(client, app, network["people"]["facilitator"])
    decisions = _count(Decision)
    for field in ("reminder_hours", "max_score", "dots", "dots_per_option"):
        page = client.get("/admin/decisions/new").get_data(as_text=True)
        response = client.post(
            "/admin/decisions/new",
            data={
                "csrf_token": csrf_token(page),
                "title": "Huge",
                "method": "dot_vote",
                field: huge,
            },
        )
        assert response.status_code == 400, field
    assert _count(Decision) == decisions


def test_api_ballot_versions_outside_the_range_are_400(client, network, clock):
    decision_id = make_decision(network["people"]["facilitator"], clock.now)
    url = f"{API}/decisions/{decision_id}/ballot"
    headers = network["headers"]["adpc"]
    for version in (-1, 2**31, 2**63):
        body = {"option": 1, "version": version}
        response = client.put(url, json=body, headers=headers)
        assert response.status_code == 400, version
        assert "version" in response.get_json()["error"]["fields"]
    response = client.put(url, json={"option": 1}, headers={**headers, "If-Match": "9999999999"})
    assert response.status_code == 400
    assert _count(Ballot) == 0


# --- direction overrides -------------------------------------------------------------------


@pytest.mark.parametrize("mark", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e"])
def test_clean_refuses_direction_overrides_and_embeddings_naming_the_field(mark: str) -> None:
    """An override (LRO, RLO) shows text reversed, other than it says: "\u202eedirrevo"."""
    with pytest.raises(InvalidInput) as info:
        clean(f"Join \u202eSOM{mark} now", "label", max_length=100, single_line=True)
    assert list(info.value.fields) == ["label"]
    assert "direction" in info.value.message and "label" in info.value.message


def test_clean_keeps_the_direction_isolates() -> None:
    text = "Vote for \u2067\u0645\u0635\u0631\u2069 or \u2066Memphis\u2069"
    assert clean(text, "body", max_length=100) == text


def test_a_direction_override_in_a_comment_is_400_on_the_page_and_the_api(
    client: FlaskClient, member: dict, network: dict
) -> None:
    url = f"/decisions/{member['decision']}/comments"
    response = client.post(url, data={"csrf_token": member["csrf"], "body": "\u202dedirrevo LTR"})
    assert response.status_code == 400
    assert "body" in response.get_data(as_text=True)
    api = client.post(
        f"{API}/decisions/{member['decision']}/comments",
        headers=network["headers"]["adpc"],
        json={"body": "RTL \u202eoverride"},
    )
    assert api.status_code == 400
    assert list(api.get_json()["error"]["fields"]) == ["body"]
    assert _count(Comment) == 0


def test_a_comment_from_a_form_reads_back_with_lf_and_fits_by_the_forms_count(
    app: Flask, client: FlaskClient, member: dict, network: dict
) -> None:
    url = f"/decisions/{member['decision']}/comments"
    limit = app.config["COMMENT_MAX_LENGTH"]
    # As long as the textarea allows, counting each line break once; sent as CRLF.
    lines = ["x" * 99] * (limit // 100)
    body = "\r\n".join(lines)
    assert len(body.replace("\r\n", "\n")) <= limit < len(body)
    response = client.post(url, data={"csrf_token": member["csrf"], "body": body})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    read = client.get(
        f"{API}/decisions/{member['decision']}/comments", headers=network["headers"]["adpc"]
    ).get_json()
    assert [c["body"] for c in read["items"]] == ["\n".join(lines)]
