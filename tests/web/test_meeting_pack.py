"""The meeting pack pages and downloads: facilitators only, comment new → flagged → pack."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from docx import Document
from flask import Flask
from flask.testing import FlaskClient

from cop_vote.extensions import db
from cop_vote.models import Comment
from cop_vote.services import ballots
from cop_vote.services import comments as comment_service

from .helpers import make_decision, option_ids, post_form, sign_in

HYPERLINK = '=HYPERLINK("http://example.invalid","x")'
API = "/api/v1"


def _routes(decision_id: int) -> list[str]:
    return [
        f"/decisions/{decision_id}/meeting-pack",
        f"/decisions/{decision_id}/meeting-pack.csv",
        f"/decisions/{decision_id}/meeting-pack.docx",
        f"/decisions/{decision_id}/ballots.csv",
    ]


def _comment(client: FlaskClient, decision_id: int, data: dict[str, Any]) -> Comment:
    """Post a comment through the decision page's form; returns the stored comment."""
    response = post_form(
        client, f"/decisions/{decision_id}", f"/decisions/{decision_id}/comments", data
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)
    comment = db.session.execute(db.select(Comment).order_by(Comment.id.desc())).scalars().first()
    assert comment is not None and comment.review == "new"
    return comment


@pytest.fixture
def flagged(
    app: Flask,
    other_client: FlaskClient,
    network: dict[str, Any],
    clock: Any,
    make_org: Any,
    make_person: Any,
) -> dict[str, Any]:
    """A decision whose comments, posted by members in the browser, the facilitator reviewed."""
    facilitator = network["people"]["facilitator"]
    umit = make_org("umit", name="Stichting Ümit", short_name="Ümit")
    cafe = make_person(umit, name="Marieke Dijkstra — café", email="cafe@umit.example.org")
    decision_id = make_decision(facilitator, clock.now)
    memphis = option_ids(decision_id)[0]
    client = other_client  # the author's own browser
    sign_in(client, app, cafe)
    on_option = _comment(
        client, decision_id, {"body": "Memphis is too far for Ümit.", "option": str(memphis)}
    )
    formula = _comment(client, decision_id, {"body": HYPERLINK})
    hidden = _comment(client, decision_id, {"body": "A rude remark about a colleague."})
    comment_service.review_comment(
        facilitator, on_option.id, "flagged", clock.now, note="Ask about travel money."
    )
    comment_service.review_comment(facilitator, formula.id, "flagged", clock.now, note="Spam?")
    comment_service.review_comment(
        facilitator, hidden.id, "hidden", clock.now, reason="Personal remark removed."
    )
    db.session.commit()
    return {"decision": decision_id, "cafe": cafe, "ids": (on_option.id, formula.id, hidden.id)}


def test_a_flagged_comment_appears_in_the_pack_page_under_its_option(
    app: Flask, client: FlaskClient, network: dict[str, Any], flagged: dict[str, Any]
) -> None:
    sign_in(client, app, network["people"]["facilitator"])
    response = client.get(f"/decisions/{flagged['decision']}/meeting-pack")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    flagged_at = html.index('id="pack-flagged"')
    memphis = html.index("<bdi>Memphis</bdi>", flagged_at)
    nashville = html.index("<bdi>Nashville</bdi>", memphis)
    comment = html.index("Memphis is too far for Ümit.")
    assert memphis < comment < nashville
    assert html.index("Ask about travel money.") > comment
    assert "<bdi>Marieke Dijkstra — café</bdi> (<bdi>Ümit</bdi>)" in html
    assert "=HYPERLINK(&#34;http://example.invalid&#34;,&#34;x&#34;)" in html
    assert "A rude remark" not in html
    assert "Personal remark removed." in html
    assert "@media print" in client.get("/static/css/site.css").get_data(as_text=True)
    for name in ("meeting-pack.csv", "meeting-pack.docx", "ballots.csv"):
        assert f"/decisions/{flagged['decision']}/{name}" in html


def test_the_pack_csv_opens_in_excel_with_accents_and_no_formulas(
    app: Flask, client: FlaskClient, network: dict[str, Any], flagged: dict[str, Any]
) -> None:
    sign_in(client, app, network["people"]["facilitator"])
    response = client.get(f"/decisions/{flagged['decision']}/meeting-pack.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="meeting-pack-{flagged["decision"]}.csv"'
    )
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert [
        "flagged comment",
        "Memphis",
        "Ümit",
        "Marieke Dijkstra — café",
        "Memphis is too far for Ümit.",
        "Ask about travel money.",
    ] in [r[:6] for r in rows]
    formula = next(r for r in rows if r[4].endswith(HYPERLINK))
    assert formula[4] == "'" + HYPERLINK
    assert formula[1] == "the decision as a whole"
    assert ["participation", "", "Stichting Ümit", "", "not cast", "", ""] in rows
    assert not any("A rude remark" in cell for r in rows for cell in r)


def test_the_pack_csv_speaks_dutch_to_a_dutch_reader(
    app: Flask, client: FlaskClient, network: dict[str, Any], flagged: dict[str, Any]
) -> None:
    sign_in(client, app, network["people"]["facilitator"])
    response = client.get(
        f"/decisions/{flagged['decision']}/meeting-pack.csv", headers={"Accept-Language": "nl"}
    )
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))
    assert rows[0] == [
        "onderdeel",
        "optie",
        "organisatie",
        "persoon",
        "tekst",
        "notitie",
        "tijd (Europe/Amsterdam)",
    ]
    assert any(r[0] == "gemarkeerde reactie" and r[1] == "Memphis" for r in rows)
    html = client.get(
        f"/decisions/{flagged['decision']}/meeting-pack", headers={"Accept-Language": "nl"}
    ).get_data(as_text=True)
    assert "<h1>Vergaderstukken:" in html
    assert "Beoordeelde reacties" in html
    assert "Het besluit als geheel" in html


def test_the_pack_docx_opens_and_holds_every_flagged_comment(
    app: Flask, client: FlaskClient, network: dict[str, Any], flagged: dict[str, Any]
) -> None:
    sign_in(client, app, network["people"]["facilitator"])
    response = client.get(f"/decisions/{flagged['decision']}/meeting-pack.docx")
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    assert "attachment;" in response.headers["Content-Disposition"]
    document = Document(io.BytesIO(response.get_data()))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "Memphis is too far for Ümit." in text
    assert HYPERLINK in text  # a Word document runs no formulas: kept as written
    assert "Ask about travel money." in text
    assert "Stichting Ümit" in text
    assert "A rude remark" not in text


def test_ballots_csv_for_an_open_ballot_decision(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    decision_id = make_decision(facilitator, clock.now)
    memphis = option_ids(decision_id)[0]
    ballots.cast_ballot(network["people"]["stro"], decision_id, {"option": memphis}, clock.now)
    db.session.commit()
    sign_in(client, app, facilitator)
    response = client.get(f"/decisions/{decision_id}/ballots.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="ballots-{decision_id}.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))
    assert rows[1][:3] == ["Social Trade Organisation", "Memphis", "1"]
    assert rows[1][5] == "Marieke Dijkstra"


def test_ballots_csv_is_refused_for_a_secret_decision(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    decision_id = make_decision(facilitator, clock.now, ballot_secrecy="secret")
    sign_in(client, app, facilitator)
    assert client.get(f"/decisions/{decision_id}/ballots.csv").status_code == 403
    assert client.get(f"/decisions/{decision_id}/meeting-pack").status_code == 200
    admin_page = client.get(f"/admin/decisions/{decision_id}").get_data(as_text=True)
    assert f"/decisions/{decision_id}/meeting-pack.docx" in admin_page
    assert f"/decisions/{decision_id}/ballots.csv" not in admin_page


def test_an_unknown_decision_is_404(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    sign_in(client, app, network["people"]["facilitator"])
    for url in _routes(999999):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("who", ["adpc", "oxfam1", "observer"])
def test_representatives_and_observers_get_403_on_every_pack_route(
    app: Flask, client: FlaskClient, network: dict[str, Any], flagged: dict[str, Any], who: str
) -> None:
    sign_in(client, app, network["people"][who])
    for url in _routes(flagged["decision"]):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"Ask about travel money." not in response.get_data()


def test_the_author_of_a_flagged_comment_gets_403_too(
    app: Flask, client: FlaskClient, flagged: dict[str, Any]
) -> None:
    sign_in(client, app, flagged["cafe"])
    for url in _routes(flagged["decision"]):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in(
    client: FlaskClient, network: dict[str, Any], flagged: dict[str, Any]
) -> None:
    for url in _routes(flagged["decision"]):
        response = client.get(url)
        assert response.status_code in (302, 303), url
        assert "/auth/login" in response.headers["Location"]
        assert "next=" in response.headers["Location"]


def test_api_links_offer_the_pack_to_facilitators_only(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    open_id = make_decision(facilitator, clock.now)
    secret_id = make_decision(facilitator, clock.now, ballot_secrecy="secret")
    headers = network["headers"]
    links = client.get(f"{API}/decisions/{open_id}", headers=headers["facilitator"]).get_json()[
        "links"
    ]
    for name, path in (
        ("meeting_pack", "meeting-pack"),
        ("meeting_pack_csv", "meeting-pack.csv"),
        ("meeting_pack_docx", "meeting-pack.docx"),
        ("ballots_csv", "ballots.csv"),
    ):
        assert links[name] == f"http://localhost/decisions/{open_id}/{path}"
        assert client.get(links[name].removeprefix("http://localhost")).status_code == 302
    secret = client.get(f"{API}/decisions/{secret_id}", headers=headers["facilitator"]).get_json()
    assert "meeting_pack" in secret["links"]
    assert "ballots_csv" not in secret["links"]
    for who in ("adpc", "observer"):
        other = client.get(f"{API}/decisions/{open_id}", headers=headers[who]).get_json()
        assert not {"meeting_pack", "meeting_pack_csv", "meeting_pack_docx", "ballots_csv"} & set(
            other["links"]
        ), who


def test_a_draft_and_a_discussion_have_a_pack_too(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    draft_id = make_decision(facilitator, clock.now, open_it=False)
    discussion_id = make_decision(facilitator, clock.now, method="discussion", options=())
    sign_in(client, app, facilitator)
    for decision_id in (draft_id, discussion_id):
        for url in _routes(decision_id):
            assert client.get(url).status_code == 200, url
    html = client.get(f"/decisions/{discussion_id}/meeting-pack").get_data(as_text=True)
    assert 'id="pack-results"' not in html
    assert "The decision as a whole" in html
