"""The meeting pack, complete (issue 10, part 6): every comment that passed
review, the full count, who gave a recorded ballot, the network's local time;
page, CSV (comma and semicolon), XLSX and DOCX, each read back."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest
from docx import Document
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from cop_vote.extensions import db
from cop_vote.services import ballots, comments

from .helpers import make_decision, option_ids, sign_in

HYPERLINK = '=HYPERLINK("http://example.invalid","x")'
#: 09:30 UTC on a winter day is 10:30 CET in the network's zone (Europe/Amsterdam).
WINTER = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
LOCAL = "2026-01-15 10:30 CET"
API = "/api/v1"


def _csv_rows(body: bytes, delimiter: str) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _docx_text(body: bytes) -> str:
    document = Document(io.BytesIO(body))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [" | ".join(cell.text for cell in row.cells) for row in table.rows]
    return "\n".join(parts)


def _sheets(body: bytes) -> dict[str, list[list[Any]]]:
    book = load_workbook(io.BytesIO(body))
    return {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
        for sheet in book.worksheets
    }


@pytest.fixture
def ranked(
    app: Flask, network: dict[str, Any], clock: Any, make_org: Any, make_person: Any
) -> dict[str, Any]:
    """An instant-runoff decision whose first-preference leader (Utrecht, 3) is
    not the count's winner (Den Haag, elected in round 2 with 4 of 7), with
    comments in every review state and one ballot recorded in a meeting."""
    clock.now = WINTER
    people = network["people"]
    facilitator = people["facilitator"]
    extra = [
        make_person(make_org(f"member-{n}", name=f"Member {n}"), name=f"Rep {n}") for n in range(4)
    ]
    decision_id = make_decision(
        facilitator,
        clock.now,
        method="ranked",
        counting="irv",
        options=("Utrecht", "Den Haag", "Arnhem", "Zwolle"),
    )
    utrecht, den_haag, arnhem, zwolle = option_ids(decision_id)
    for person in (people["adpc"], people["oxfam1"], extra[0]):
        ballots.cast_ballot(person, decision_id, {"ranking": [utrecht]}, clock.now)
    ballots.cast_ballot(extra[1], decision_id, {"ranking": [den_haag, arnhem]}, clock.now)
    ballots.record_ballot(
        facilitator,
        decision_id,
        "stro",
        {"ranking": [den_haag, arnhem]},
        "Marieke at the table",
        clock.now,
    )
    ballots.cast_ballot(extra[2], decision_id, {"ranking": [arnhem, den_haag]}, clock.now)
    ballots.cast_ballot(extra[3], decision_id, {"ranking": [zwolle, den_haag]}, clock.now)
    made = {
        "reviewed": comments.add_comment(
            people["adpc"],
            decision_id,
            "Utrecht is central for everyone.",
            clock.now,
            option_id=utrecht,
        ),
        "flagged": comments.add_comment(
            people["oxfam1"],
            decision_id,
            "Den Haag is near the ministries.",
            clock.now,
            option_id=den_haag,
        ),
        "formula": comments.add_comment(people["stro"], decision_id, HYPERLINK, clock.now),
        "hidden": comments.add_comment(
            people["oxfam2"], decision_id, "A rude remark about a colleague.", clock.now
        ),
        "new": comments.add_comment(
            people["adpc"], decision_id, "Nobody looked at this yet.", clock.now
        ),
    }
    comments.review_comment(facilitator, made["reviewed"].id, "reviewed", clock.now)
    comments.review_comment(
        facilitator, made["flagged"].id, "flagged", clock.now, note="Ask about the rooms."
    )
    comments.review_comment(facilitator, made["formula"].id, "reviewed", clock.now)
    comments.review_comment(
        facilitator, made["hidden"].id, "hidden", clock.now, reason="Personal remark removed."
    )
    db.session.commit()
    return {"decision": decision_id}


def test_the_pack_page_shows_reviewed_comments_the_rounds_and_who_gave_a_ballot(
    app: Flask, client: FlaskClient, network: dict[str, Any], ranked: dict[str, Any]
) -> None:
    sign_in(client, app, network["people"]["facilitator"])
    decision_id = ranked["decision"]
    html = client.get(f"/decisions/{decision_id}/meeting-pack").get_data(as_text=True)
    comments_at = html.index('id="pack-flagged"')
    utrecht = html.index("<bdi>Utrecht</bdi>", comments_at)
    den_haag = html.index("<bdi>Den Haag</bdi>", comments_at)
    assert utrecht < html.index("Utrecht is central for everyone.") < den_haag
    flagged = html.index("Den Haag is near the ministries.")
    assert den_haag < html.index(">flagged</strong>", den_haag) < flagged
    assert html.index("Ask about the rooms.") > flagged
    assert "Nobody looked at this yet." in html[html.index('id="pack-unreviewed"') :]
    assert "A rude remark" not in html
    # The full count: the rounds, and Den Haag chosen although Utrecht leads first preferences.
    assert "Instant-runoff rounds" in html
    assert '<th scope="col" class="num">Round 2</th>' in html
    assert "Chosen by the count: Den Haag" in html
    assert "Utrecht (chosen by the count)" not in html
    assert "Den Haag (chosen by the count)" in html
    assert "Decision rule met: Den Haag" in html
    # Who gave the recorded ballot, and times in the network's zone, named.
    assert "<bdi>Marieke at the table</bdi>" in html
    assert "Times are in Europe/Amsterdam." in html
    assert "15 Jan 2026 10:30" in html
    for link in ("meeting-pack.csv?sep=semicolon", "meeting-pack.xlsx", "meeting-pack.docx"):
        assert f"/decisions/{decision_id}/{link}" in html
    assert "CSV for Excel (Dutch)" in html


def test_the_semicolon_csv_reads_back_with_the_count_and_local_times(
    app: Flask, client: FlaskClient, network: dict[str, Any], ranked: dict[str, Any]
) -> None:
    sign_in(client, app, network["people"]["facilitator"])
    response = client.get(f"/decisions/{ranked['decision']}/meeting-pack.csv?sep=semicolon")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    body = response.get_data()
    assert b";" in body.splitlines()[0]
    rows = _csv_rows(body, ";")
    assert rows[0] == [
        "section",
        "option",
        "organisation",
        "person",
        "text",
        "note",
        "time (Europe/Amsterdam)",
    ]
    assert [
        "reviewed comment",
        "Utrecht",
        "ADPC",
        "Amina Warsame",
        "Utrecht is central for everyone.",
        "",
        LOCAL,
    ] in rows
    assert [
        "flagged comment",
        "Den Haag",
        "Oxfam Novib",
        "Idris Nuur",
        "Den Haag is near the ministries.",
        "Ask about the rooms.",
        LOCAL,
    ] in rows
    formula = next(r for r in rows if r[4].endswith(HYPERLINK))
    assert formula[0] == "reviewed comment" and formula[4] == "'" + HYPERLINK
    rounds = {r[1]: r[4] for r in rows if r[0] == "Instant-runoff rounds"}
    assert rounds["Den Haag"] == "round 1: 2; round 2: 4 (elected)"
    assert rounds["Arnhem"] == "round 1: 1 (eliminated); round 2: –"
    assert rounds["Utrecht"] == "round 1: 3; round 2: 3"
    count = [r[4] for r in rows if r[0] == "count"]
    assert "Chosen by the count: Den Haag" in count
    assert "Decision rule met: Den Haag" in count
    stro = next(r for r in rows if r[0] == "participation" and r[2] == "Social Trade Organisation")
    assert stro[4:] == [
        "cast",
        "given by: Marieke at the table; recorded by: Samuel Kollie",
        LOCAL,
    ]
    assert not any("09:30" in cell for r in rows for cell in r)
    assert not any("A rude remark" in cell for r in rows for cell in r)
    # The default stays a comma.
    plain = client.get(f"/decisions/{ranked['decision']}/meeting-pack.csv").get_data()
    assert _csv_rows(plain, ",")[0][0:2] == ["section", "option"]


def test_an_unknown_separator_is_refused_with_a_reason(
    app: Flask, client: FlaskClient, network: dict[str, Any], ranked: dict[str, Any]
) -> None:
    sign_in(client, app, network["people"]["facilitator"])
    response = client.get(f"/decisions/{ranked['decision']}/meeting-pack.csv?sep=tab")
    assert response.status_code == 400
    assert "The separator must be comma or semicolon, not tab." in response.get_data(as_text=True)


def test_the_xlsx_has_a_sheet_per_part_and_reads_back(
    app: Flask, client: FlaskClient, network: dict[str, Any], ranked: dict[str, Any]
) -> None:
    sign_in(client, app, network["people"]["facilitator"])
    response = client.get(f"/decisions/{ranked['decision']}/meeting-pack.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="meeting-pack-{ranked["decision"]}.xlsx"'
    )
    sheets = _sheets(response.get_data())
    assert list(sheets) == ["Participation", "Results", "Comments"]
    participation = sheets["Participation"]
    assert participation[0][:3] == ["organisation", "ballot", "cast at (Europe/Amsterdam)"]
    stro = next(r for r in participation if r[0] == "Social Trade Organisation")
    # A ballot recorded in a meeting: no one cast it online; who recorded and gave it.
    assert stro[1:] == ["cast", LOCAL, None, "Samuel Kollie", "Marieke at the table"]
    results = sheets["Results"]
    texts = [r[0] for r in results if r]
    assert "Chosen by the count: Den Haag" in texts
    assert "Instant-runoff rounds" in texts
    first_preferences = next(r for r in results if r[0] == "Utrecht")
    assert first_preferences[1] == 3  # a figure is a number
    den_haag_rounds = [r for r in results if r and r[0] == "Den Haag"][-1]
    assert den_haag_rounds[1:3] == [2, "4 (elected)"]
    comments_sheet = sheets["Comments"]
    assert comments_sheet[0][-1] == "time (Europe/Amsterdam)"
    flagged = next(r for r in comments_sheet if r[0] == "flagged comment")
    assert flagged[4:] == ["Den Haag is near the ministries.", "Ask about the rooms.", LOCAL]
    formula = next(r for r in comments_sheet if str(r[4]).endswith(HYPERLINK))
    assert formula[4] == "'" + HYPERLINK  # text, never a formula
    assert not any("A rude remark" in str(cell) for r in comments_sheet for cell in r)


def test_the_xlsx_speaks_dutch_to_a_dutch_reader(
    app: Flask, client: FlaskClient, network: dict[str, Any], ranked: dict[str, Any]
) -> None:
    sign_in(client, app, network["people"]["facilitator"])
    response = client.get(
        f"/decisions/{ranked['decision']}/meeting-pack.xlsx", headers={"Accept-Language": "nl"}
    )
    sheets = _sheets(response.get_data())
    assert list(sheets) == ["Deelname", "Uitslag", "Reacties"]
    assert sheets["Reacties"][0][:2] == ["onderdeel", "optie"]
    assert "Gekozen door de telling: Den Haag" in [r[0] for r in sheets["Uitslag"] if r]


def test_the_docx_holds_the_count_the_comments_and_local_times(
    app: Flask, client: FlaskClient, network: dict[str, Any], ranked: dict[str, Any]
) -> None:
    sign_in(client, app, network["people"]["facilitator"])
    response = client.get(f"/decisions/{ranked['decision']}/meeting-pack.docx")
    assert response.status_code == 200
    text = _docx_text(response.get_data())
    assert "Comments that passed review" in text
    assert "Utrecht is central for everyone." in text
    assert "Den Haag is near the ministries." in text
    assert "Ask about the rooms." in text
    assert "Instant-runoff rounds" in text
    assert "Den Haag | 2 | 4 (elected)" in text
    assert "Chosen by the count: Den Haag" in text
    assert "Marieke at the table" in text
    assert "Times are in Europe/Amsterdam." in text
    assert LOCAL in text
    assert "09:30" not in text
    assert "A rude remark" not in text


def test_a_schulze_pack_carries_its_matrices(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    decision_id = make_decision(
        people["facilitator"], clock.now, method="ranked", counting="schulze"
    )
    memphis, nashville, atlanta = option_ids(decision_id)
    for key in ("adpc", "oxfam1"):
        ballots.cast_ballot(people[key], decision_id, {"ranking": [nashville, memphis]}, clock.now)
    ballots.cast_ballot(people["stro"], decision_id, {"ranking": [memphis, atlanta]}, clock.now)
    db.session.commit()
    sign_in(client, app, people["facilitator"])
    html = client.get(f"/decisions/{decision_id}/meeting-pack").get_data(as_text=True)
    assert "Schulze method: head-to-head comparisons" in html
    assert "Chosen by the count: Nashville" in html
    sheets = _sheets(client.get(f"/decisions/{decision_id}/meeting-pack.xlsx").get_data())
    results = sheets["Results"]
    titles = [r[0] for r in results if r]
    pairwise = titles.index(
        "Pairwise preferences: organisations ranking the row option above the column option"
    )
    assert results[pairwise + 1] == ["option", "Memphis", "Nashville", "Atlanta"]
    assert results[pairwise + 3] == ["Nashville", 2, "–", 2]


def test_a_secret_pack_never_tells_who_gave_a_ballot(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now, ballot_secrecy="secret")
    ballots.record_ballot(
        people["facilitator"],
        decision_id,
        "stro",
        {"option": option_ids(decision_id)[0]},
        "Marieke at the table",
        clock.now,
    )
    db.session.commit()
    sign_in(client, app, people["facilitator"])
    html = client.get(f"/decisions/{decision_id}/meeting-pack").get_data(as_text=True)
    assert "1 of " in html  # the ballot is there ...
    assert "Marieke at the table" not in html  # ... but not who gave it
    assert "Given in the meeting by" not in html
    for name, read in (
        ("meeting-pack.csv", lambda b: b.decode("utf-8-sig")),
        ("meeting-pack.xlsx", lambda b: repr(_sheets(b))),
        ("meeting-pack.docx", _docx_text),
    ):
        body = client.get(f"/decisions/{decision_id}/{name}").get_data()
        text = read(body)
        assert "Social Trade Organisation" in text, name
        assert "Marieke at the table" not in text, name
        assert "Samuel Kollie" not in text, name


def test_api_links_offer_the_new_pack_files_to_facilitators_only(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    decision_id = make_decision(network["people"]["facilitator"], clock.now)
    headers = network["headers"]
    links = client.get(f"{API}/decisions/{decision_id}", headers=headers["facilitator"]).get_json()[
        "links"
    ]
    base = f"http://localhost/decisions/{decision_id}"
    assert links["meeting_pack_xlsx"] == f"{base}/meeting-pack.xlsx"
    assert links["meeting_pack_csv_semicolon"] == f"{base}/meeting-pack.csv?sep=semicolon"
    assert links["meeting_pack_csv"] == f"{base}/meeting-pack.csv"
    other = client.get(f"{API}/decisions/{decision_id}", headers=headers["adpc"]).get_json()
    assert not {"meeting_pack_xlsx", "meeting_pack_csv_semicolon"} & set(other["links"])
    spec = client.get(f"{API}/openapi.json").get_json()
    schema = next(
        s for name, s in spec["components"]["schemas"].items() if name.startswith("Links")
    )
    assert {"meeting_pack_xlsx", "meeting_pack_csv_semicolon"} <= set(schema["properties"])
