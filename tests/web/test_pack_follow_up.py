"""The meeting pack's files carry the follow-up too: the changes made after
opening, as the decision page notes them, and the meetings with the decision
on their agenda with their follow-up actions (owner, due date, done), as the
print page lists them. Read back from the CSV, the workbook and the Word
document, in English and Dutch."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from .helpers import make_decision, sign_in
from .test_meeting_pack_complete import _csv_rows, _docx_text, _sheets

API = "/api/v1"


@pytest.fixture
def followed(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> dict[str, Any]:
    """An open decision whose deadline was extended, on a meeting's agenda
    with one action done and one open."""
    h = network["headers"]["facilitator"]
    did = make_decision(network["people"]["facilitator"], clock.now)
    later = clock.now + timedelta(days=20)
    answer = client.patch(
        f"{API}/decisions/{did}", headers=h, json={"closes_at": later.isoformat()}
    )
    assert answer.status_code == 200, answer.get_json()
    meeting = client.post(
        f"{API}/meetings", headers=h, json={"title": "Follow-up meeting", "held_on": "2010-02-11"}
    ).get_json()
    linked = client.post(
        f"{API}/meetings/{meeting['id']}/decisions", headers=h, json={"decision": did}
    )
    assert linked.status_code == 200, linked.get_json()
    done = client.post(
        f"{API}/meetings/{meeting['id']}/actions",
        headers=h,
        json={"text": "Book the rooms.", "owner": "stro", "due_on": "2010-03-01"},
    ).get_json()
    client.post(
        f"{API}/meetings/{meeting['id']}/actions", headers=h, json={"text": "Send the minutes."}
    )
    marked = client.patch(
        f"{API}/meetings/{meeting['id']}/actions/{done['id']}", headers=h, json={"done": True}
    )
    assert marked.status_code == 200, marked.get_json()
    sign_in(client, app, network["people"]["facilitator"])
    return {"decision": did}


def test_the_csv_lists_the_changes_and_the_actions(
    client: FlaskClient, followed: dict[str, Any]
) -> None:
    response = client.get(f"/decisions/{followed['decision']}/meeting-pack.csv?sep=semicolon")
    assert response.status_code == 200
    rows = _csv_rows(response.get_data(), ";")
    changes = [r for r in rows if r[0] == "Changes since opening"]
    assert len(changes) == 1 and "Deadline extended to" in changes[0][4]
    actions = [r[4] for r in rows if r[0] == "Meetings and follow-up actions"]
    assert len(actions) == 2
    booked = next(a for a in actions if "Book the rooms." in a)
    assert "meeting: Follow-up meeting (2010-02-11)" in booked
    assert "owner: Social Trade Organisation" in booked and "due: 2010-03-01" in booked
    assert "done: open" not in booked
    minutes = next(a for a in actions if "Send the minutes." in a)
    assert "owner: nobody named" in minutes and "done: open" in minutes


def test_the_workbook_has_a_sheet_for_each_part_of_the_follow_up(
    client: FlaskClient, followed: dict[str, Any]
) -> None:
    response = client.get(f"/decisions/{followed['decision']}/meeting-pack.xlsx")
    sheets = _sheets(response.get_data())
    assert list(sheets)[-2:] == ["Changes since opening", "Meetings and follow-up actions"]
    assert sheets["Meetings and follow-up actions"][0] == [
        "meeting",
        "follow-up action",
        "owner",
        "due",
        "done",
    ]
    assert "Deadline extended to" in sheets["Changes since opening"][1][1]
    dutch = client.get(
        f"/decisions/{followed['decision']}/meeting-pack.xlsx", headers={"Accept-Language": "nl"}
    )
    sheets = _sheets(dutch.get_data())
    assert list(sheets)[-2:] == ["Wijzigingen sinds de opening", "Bijeenkomsten en vervolgacties"]
    assert sheets["Bijeenkomsten en vervolgacties"][0][:2] == ["bijeenkomst", "vervolgactie"]


def test_the_word_document_ends_with_the_follow_up(
    client: FlaskClient, followed: dict[str, Any]
) -> None:
    response = client.get(f"/decisions/{followed['decision']}/meeting-pack.docx")
    text = _docx_text(response.get_data())
    assert "Changes since opening" in text and "Deadline extended to" in text
    assert "Follow-up meeting (2010-02-11) | Book the rooms. | Social Trade Organisation" in text
    assert "Send the minutes. | nobody named |  | open" in text
