"""The network page and the facilitator's meeting record, through the pages (CSRF on)."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cop_vote.extensions import db
from cop_vote.models import Attendance, FollowUpAction, Meeting, Person
from cop_vote.services import meetings
from cop_vote.services import network as network_service
from tests.web.helpers import csrf_token, post_form, sign_in

_ROW = re.compile(
    r'<tr class="attendance-(present|excused|absent)">\s*<th scope="row"><bdi>([^<]+)</bdi></th>'
    r'\s*<td>[^<]*</td>\s*<td dir="auto">([^<]*)</td>'
)


def _text(html: str) -> str:
    """The page's text without tags, white space collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", html)))


def test_network_page_shows_the_kickoff_meeting_as_in_the_report(
    app: Flask, client: FlaskClient, clock: Any
) -> None:
    network_service.load_demo(clock.now)
    db.session.commit()
    data = network_service.kickoff_data()
    reader = db.session.execute(
        select(Person).where(Person.email == "amina.warsame@adpc.example.org")
    ).scalar_one()
    sign_in(client, app, reader)

    response = client.get("/network")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert data["network"]["name"] in unescape(html)
    assert data["meeting"]["title_en"] in unescape(html)
    assert 'datetime="2009-12-04"' in html
    rows = {unescape(name): (status, unescape(note)) for status, name, note in _ROW.findall(html)}
    expected = {o["name"]: (o["attendance"], o.get("note", "")) for o in data["organisations"]}
    assert rows == expected and len(rows) == 16
    text = _text(html)
    for action in data["follow_up_actions"]:
        assert action["text_en"] in text
    assert text.count("owner: PSO-bureau; no due date; open") == 4
    assert "Present: 9 · excused: 4 · absent: 3" in text
    # Organisations with their kind and whether they vote.
    assert "Diaspora organisation" in text and "facilitates; does not vote" in text


def test_facilitator_records_a_meeting_through_the_forms(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    sign_in(client, app, network["people"]["facilitator"])
    # The facilitator's menu leads to the meetings.
    assert 'href="/admin/meetings"' in client.get("/admin").get_data(as_text=True)

    refused = post_form(
        client, "/admin/meetings", "/admin/meetings", {"title": "", "held_on": "soon"}
    )
    assert refused.status_code == 400
    assert "There is a problem" in refused.get_data(as_text=True)
    assert db.session.execute(select(Meeting)).scalars().all() == []

    created = post_form(
        client,
        "/admin/meetings",
        "/admin/meetings",
        {"title": "Follow-up meeting", "held_on": "2010-02-11", "location": "Den Haag"},
    )
    assert created.status_code == 303
    meeting = db.session.execute(select(Meeting)).scalar_one()
    page_url = f"/admin/meetings/{meeting.id}"
    assert created.headers["Location"].endswith(page_url + "#main")
    page = client.get(page_url).get_data(as_text=True)
    assert 'name="attendance-adpc"' in page and 'name="note-stro"' in page

    bad = post_form(
        client,
        page_url,
        f"{page_url}/attendance",
        {"attendance-adpc": "present", "attendance-stro": "maybe"},
    )
    assert bad.status_code == 400
    assert 'id="attendance-stro-error"' in bad.get_data(as_text=True)
    assert db.session.execute(select(Attendance)).scalars().all() == []

    saved = post_form(
        client,
        page_url,
        f"{page_url}/attendance",
        {
            "attendance-adpc": "present",
            "attendance-oxfam-novib": "excused",
            "note-oxfam-novib": "sent written input",
            "attendance-stro": "absent",
            "attendance-pso": "present",
        },
    )
    assert saved.status_code == 303
    db.session.expire_all()
    got = {
        a.organisation.slug: (a.status, a.note)
        for a in db.session.execute(select(Attendance)).scalars()
    }
    assert got == {
        "adpc": ("present", ""),
        "oxfam-novib": ("excused", "sent written input"),
        "stro": ("absent", ""),
        "pso": ("present", ""),
    }
    # The grid shows what is saved.
    page = client.get(page_url).get_data(as_text=True)
    assert re.search(
        r'name="attendance-oxfam-novib">.*?<option value="excused" selected>', page, re.S
    )

    no_text = post_form(client, page_url, f"{page_url}/actions", {"text": "", "owner": "pso"})
    assert no_text.status_code == 400
    added = post_form(
        client,
        page_url,
        f"{page_url}/actions",
        {"text": "Send the minutes.", "owner": "pso", "due_on": "2010-02-25"},
    )
    assert added.status_code == 303
    action = db.session.execute(select(FollowUpAction)).scalar_one()
    assert (action.owner.slug, action.due_on.isoformat(), action.done_at) == (
        "pso",
        "2010-02-25",
        None,
    )
    done = post_form(client, page_url, f"{page_url}/actions/{action.id}/done")
    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.get(FollowUpAction, action.id).done_at is not None
    again = post_form(client, page_url, f"{page_url}/actions/{action.id}/done")
    assert again.status_code == 303
    assert "marked done already" in client.get(page_url).get_data(as_text=True)

    shown = _text(client.get("/network").get_data(as_text=True))
    assert "Follow-up meeting" in shown and "Den Haag" in shown
    assert "sent written input" in shown
    assert "Send the minutes. (owner: PSO-bureau; due February 25, 2010; done on" in shown


@pytest.mark.parametrize("role", ["adpc", "observer"])
def test_members_read_the_network_but_not_the_admin_pages(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any, role: str
) -> None:
    fac = network["people"]["facilitator"]
    meeting = meetings.create_meeting(fac, "Kick-off", "2009-12-04", "", clock.now)
    meetings.set_attendance(fac, meeting.id, "adpc", "present", "", clock.now)
    action = meetings.add_action(fac, meeting.id, "Write the report.", "pso", None, clock.now)
    db.session.commit()
    sign_in(client, app, network["people"][role])

    page = client.get("/network")
    assert page.status_code == 200
    text = _text(page.get_data(as_text=True))
    assert "Kick-off" in text and "Write the report." in text
    assert 'href="/network"' in page.get_data(as_text=True)  # in the main menu
    assert "/admin/meetings" not in page.get_data(as_text=True)

    token = csrf_token(page.get_data(as_text=True))
    for url in ("/admin/meetings", f"/admin/meetings/{meeting.id}"):
        assert client.get(url).status_code == 403
    posts = {
        "/admin/meetings": {"title": "Mine", "held_on": "2010-01-01"},
        f"/admin/meetings/{meeting.id}/attendance": {"attendance-adpc": "absent"},
        f"/admin/meetings/{meeting.id}/actions": {"text": "Sneaky."},
        f"/admin/meetings/{meeting.id}/actions/{action.id}/done": {},
    }
    for url, data in posts.items():
        assert client.post(url, data={"csrf_token": token, **data}).status_code == 403
    db.session.expire_all()
    assert len(db.session.execute(select(Meeting)).scalars().all()) == 1
    assert db.session.execute(select(Attendance)).scalar_one().status == "present"
    assert db.session.get(FollowUpAction, action.id).done_at is None


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, network: Any) -> None:
    for url in ("/network", "/admin/meetings"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/auth/login" in response.headers["Location"]


def test_network_page_in_dutch(app: Flask, client: FlaskClient, network: Any, clock: Any) -> None:
    fac = network["people"]["facilitator"]
    meeting = meetings.create_meeting(fac, "Startbijeenkomst", "2009-12-04", "", clock.now)
    meetings.set_attendance(fac, meeting.id, "stro", "excused", "ziek", clock.now)
    db.session.commit()
    sign_in(client, app, network["people"]["stro"])
    html = _text(client.get("/network?lang=nl").get_data(as_text=True))
    assert "4 december 2009" in html
    assert "verhinderd" in html and "Vervolgacties" in html


def test_a_bad_date_is_refused_in_dutch(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    sign_in(client, app, network["people"]["facilitator"])
    client.get("/network?lang=nl")
    refused = post_form(
        client, "/admin/meetings", "/admin/meetings", {"title": "Vervolg", "held_on": "4-12-2009"}
    )
    assert refused.status_code == 400
    assert "Geef een datum zoals 2009-12-04." in _text(refused.get_data(as_text=True))
    assert db.session.execute(select(Meeting)).scalars().all() == []
