"""End to end in the browser: the kick-off's follow-up decisions, and ranked counts explained.

The demo network is loaded with ``cop load-demo``; representatives of several
organisations vote through the decision page's own forms (CSRF on), the
facilitator closes and publishes through the admin pages, and the results and
outcome pages are read back as a member sees them.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy import select

from cop_vote.extensions import db
from cop_vote.models import Decision, Person

from .conftest import FreshClient
from .helpers import post_form, sign_in


def _browser(app: Flask, person: Person) -> FlaskClient:
    """A fresh browser, signed in as ``person``."""
    app.test_client_class = FreshClient
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = sign_in(client, app, person)
    assert response.status_code in (302, 303), response.status_code
    return client


@pytest.fixture
def demo(app: Flask, runner: Any) -> dict[str, Any]:
    """The kick-off demo: its decisions by method, the facilitator, and one
    representative each of several organisations."""
    result = runner.invoke(args=["cop", "load-demo"])
    assert result.exit_code == 0, result.output
    decisions = {d.method: d for d in db.session.execute(select(Decision)).scalars()}
    people = list(db.session.execute(select(Person).order_by(Person.id)).scalars())
    facilitator = next(p for p in people if p.role == "facilitator")
    reps: list[Person] = []
    seen: set[int] = set()
    for person in people:
        if person.role == "representative" and person.organisation_id not in seen:
            seen.add(person.organisation_id)
            reps.append(person)
    assert len(reps) >= 4
    return {"decisions": decisions, "facilitator": facilitator, "reps": reps}


def _ballot_form(client: FlaskClient, decision_id: int) -> dict[str, str]:
    """The hidden fields and the cast button of the decision page's ballot form."""
    page = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    form = re.search(r'<form class="ballot-form".*?</form>', page, re.S)
    assert form, "no ballot form on the page"
    version = re.search(r'name="version" value="(\d+)"', form.group(0))
    assert version
    assert 'name="action" value="cast"' in form.group(0)
    return {"version": version.group(1), "action": "cast"}


def _cast(app: Flask, person: Person, decision_id: int, data: dict[str, Any]) -> FlaskClient:
    """Cast a ballot through the decision page's form as ``person``; returns the browser."""
    client = _browser(app, person)
    fields = {**_ballot_form(client, decision_id), **data}
    response = post_form(
        client, f"/decisions/{decision_id}", f"/decisions/{decision_id}/ballot", fields
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)
    page = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    assert "Receipt code:" in page
    return client


def _close_and_publish(app: Flask, facilitator: Person, decision_id: int, option: str) -> None:
    client = _browser(app, facilitator)
    url = f"/admin/decisions/{decision_id}/close"
    response = post_form(client, url, url, {"submit": "Confirm"})
    assert response.status_code == 303, response.get_data(as_text=True)
    url = f"/admin/decisions/{decision_id}/publish"
    statement = f"Published after the count of decision {decision_id}."
    response = post_form(client, url, url, {"option": option, "statement": statement})
    assert response.status_code == 303, response.get_data(as_text=True)


def _row_figure(html: str, label: str) -> str:
    """The first figure in the results table row of the option ``label``."""
    found = re.search(
        re.escape(f"<bdi>{escape(label)}</bdi>")
        + r'.*?</th>\s*<td class="figure"><span class="bar-track" aria-hidden="true">'
        r'<span class="bar w-\d+"></span></span>([^<]+)</td>',
        html,
        re.S,
    )
    assert found, label
    return found.group(1)


def test_learning_agenda_dot_vote_end_to_end(app, demo):
    decision = demo["decisions"]["dot_vote"]
    did = decision.id
    options = list(decision.options)
    first, second, third = options[0], options[1], options[2]
    reps = demo["reps"]
    _cast(app, reps[0], did, {f"dots-{first.id}": "2", f"dots-{second.id}": "1"})
    _cast(app, reps[1], did, {f"dots-{first.id}": "3"})
    _cast(app, reps[2], did, {f"dots-{second.id}": "1", f"dots-{third.id}": "2"})

    # Four dots are more than the three allowed: the form says so and nothing changes.
    client = _browser(app, reps[3])
    fields = {**_ballot_form(client, did), f"dots-{first.id}": "4"}
    response = post_form(client, f"/decisions/{did}", f"/decisions/{did}/ballot", fields)
    assert response.status_code == 400

    html = client.get(f"/decisions/{did}/results").get_data(as_text=True)
    assert _row_figure(html, first.label) == "5"
    assert _row_figure(html, second.label) == "2"
    assert _row_figure(html, third.label) == "2"
    assert first.proposed_by is not None
    assert f"proposed by <bdi>{escape(first.proposed_by.name)}</bdi>" in html
    assert "Tie rule: every option sharing the highest number of dots is a winner" in html
    assert re.search(r"Rule met: <bdi>" + re.escape(escape(first.label)) + "</bdi>", html)

    _close_and_publish(app, demo["facilitator"], did, str(first.id))
    html = client.get(f"/decisions/{did}/outcome").get_data(as_text=True)
    assert escape(first.label) in html
    assert f"Published after the count of decision {did}." in html
    assert "iCalendar" not in html
    html = client.get(f"/decisions/{did}/results").get_data(as_text=True)
    assert _row_figure(html, first.label) == "5"


def test_follow_up_meeting_poll_end_to_end(app, demo):
    decision = demo["decisions"]["meeting_time"]
    did = decision.id
    slots = list(decision.options)
    assert len(slots) == 3
    a, b, c = slots
    reps = demo["reps"]
    _cast(app, reps[0], did, {f"slot-{a.id}": "yes", f"slot-{b.id}": "yes", f"slot-{c.id}": "no"})
    _cast(
        app,
        reps[1],
        did,
        {f"slot-{a.id}": "if_need_be", f"slot-{b.id}": "yes", f"slot-{c.id}": "no"},
    )
    _cast(app, reps[2], did, {f"slot-{a.id}": "yes", f"slot-{b.id}": "no", f"slot-{c.id}": "yes"})

    client = _browser(app, reps[3])
    html = client.get(f"/decisions/{did}/results").get_data(as_text=True)
    # Slot b and slot a both have 2 yes; a has 1 if-need-be, b none: a is best.
    winner = r'<tr class="winner">\s*<th scope="row"><bdi>([^<]+)</bdi>(.*?)</tr>'
    row = re.search(winner, html, re.S)
    assert row, html
    with app.test_request_context(headers={"Accept-Language": "en"}):
        from cop_vote.i18n import option_label

        shown = option_label(a)  # the slot's day and month in the reader's language
    assert shown != a.label and shown.split()[0] == (a.label or "").split()[0]
    assert row.group(1) == escape(shown)
    cells = re.findall(r"</span></span>(\d+)</td>|<td class=\"num\">(\d+)</td>", row.group(2))
    assert [x or y for x, y in cells] == ["2", "1", "0"]
    assert "Best slot:</strong> <bdi>" + row.group(1) + "</bdi>" in html
    assert "Tie rule: every slot sharing the most yes answers" in html

    _close_and_publish(app, demo["facilitator"], did, str(a.id))
    html = client.get(f"/decisions/{did}/outcome").get_data(as_text=True)
    assert f"Published after the count of decision {did}." in html
    assert re.search(
        r"The meeting runs from <time[^>]*>[^<]*\(Europe/Amsterdam\)</time> to <time", html
    )
    link = f'href="/decisions/{did}/meeting.ics"'
    assert link in html
    response = client.get(f"/decisions/{did}/meeting.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.get_data())
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    db.session.refresh(a)
    assert events[0].decoded("DTSTART") == a.starts_at
    assert events[0].decoded("DTEND") == a.ends_at


def test_feedback_discussion_takes_comments_only(app, demo):
    decision = demo["decisions"]["discussion"]
    did = decision.id
    reps = demo["reps"]
    for n, person in enumerate(reps[:2]):
        client = _browser(app, person)
        page = client.get(f"/decisions/{did}").get_data(as_text=True)
        assert 'class="ballot-form"' not in page
        assert 'id="comment-form"' in page
        body = f"Feedback number {n + 1} on the proposal."
        response = post_form(
            client, f"/decisions/{did}", f"/decisions/{did}/comments", {"body": body}
        )
        assert response.status_code in (302, 303), response.get_data(as_text=True)
    page = client.get(f"/decisions/{did}").get_data(as_text=True)
    assert "Feedback number 1 on the proposal." in page
    assert "Feedback number 2 on the proposal." in page
    # No ballot can be cast on a discussion, even by posting the form by hand.
    response = post_form(client, f"/decisions/{did}", f"/decisions/{did}/ballot", {"option": "1"})
    assert response.status_code in (400, 409)

    _close_and_publish(app, demo["facilitator"], did, "")
    html = client.get(f"/decisions/{did}/outcome").get_data(as_text=True)
    assert f"Published after the count of decision {did}." in html
    assert "No option was chosen." in html


def _api_ranked(
    client: FlaskClient,
    token_for: Any,
    demo: dict[str, Any],
    counting: str,
    rankings: list[list[int]],
) -> tuple[int, list[int]]:
    """A ranked decision made and voted on through the API; returns its id and option ids."""
    headers = token_for(demo["facilitator"])
    body = {
        "title": f"Which theme first ({counting})?",
        "original_language": "en",
        "method": "ranked",
        "counting": counting,
        "results_visibility": "live",
        "options": [{"label": "Remittances"}, {"label": "Education"}, {"label": "Health"}],
    }
    response = client.post("/api/v1/decisions", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    did = response.get_json()["id"]
    ids = [o["id"] for o in response.get_json()["options"]]
    assert client.post(f"/api/v1/decisions/{did}/open", headers=headers).status_code == 200
    for person, ranking in zip(demo["reps"], rankings, strict=False):
        response = client.put(
            f"/api/v1/decisions/{did}/ballot",
            json={"ranking": [ids[i] for i in ranking]},
            headers=token_for(person),
        )
        assert response.status_code == 200, response.get_json()
    return did, ids


def _matrix(html: str, caption_start: str) -> dict[str, list[str]]:
    """A table's body rows as ``{row header: [cells]}``, found by its caption."""
    table = re.search(
        r"<caption>" + re.escape(caption_start) + r".*?</caption>(.*?)</table>", html, re.S
    )
    assert table, caption_start
    rows = {}
    row = r'<tr[^>]*><th scope="row">(?:<bdi>)?([^<]+)(?:</bdi>)?</th>(.*?)</tr>'
    for header, cells in re.findall(row, table.group(1), re.S):
        # The figure a cell shows first (a tag such as "eliminated" may follow it).
        words = [
            re.sub(r"<[^>]+>", " ", c).split()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)
        ]
        rows[header] = [w[0] if w else "" for w in words]
    return rows


def test_ranked_irv_results_show_the_rounds_table(app, demo, token_for):
    app.test_client_class = FreshClient
    api = app.test_client()
    # 0 Remittances, 1 Education, 2 Health. Firsts: R 2, E 2, H 1 → Health out,
    # its ballot goes to Education → Education 3 of 5.
    did, _ids = _api_ranked(api, token_for, demo, "irv", [[0, 1], [0, 2], [1, 0], [1], [2, 1]])
    client = _browser(app, demo["reps"][5])
    html = client.get(f"/decisions/{did}/results").get_data(as_text=True)
    rows = _matrix(html, "Votes per round")
    assert rows["Remittances"] == ["2", "2"]
    assert rows["Education"] == ["2", "3"]
    assert rows["Health"] == ["1", "–"]
    assert rows["Exhausted ballots"] == ["0", "0"]
    assert re.search(r'<td class="num eliminated">1 <span class="tag">eliminated</span>', html)
    assert '<th scope="col" class="num">Round 2</th>' in html
    # The winner is tagged as such, not as the option with the most votes: it
    # had no more first preferences than Remittances.
    assert re.search(r'<bdi>Education</bdi>\s*<span class="tag">winner</span>', html)
    assert '<span class="tag">most</span>' not in html
    assert "Health is eliminated." in html
    assert "<bdi>Education</bdi> is elected with 3 of 5 votes." in html
    assert "Rule met: <bdi>Education</bdi>" in html
    assert "Tie rule: when several options tie for fewest votes" in html
    # Education beats Remittances 3–2 and Health 3–2 head to head.
    condorcet = r"Condorcet winner \(beats every other option head to head\): <bdi>Education"
    assert re.search(condorcet, html)


def test_ranked_schulze_results_show_the_pairwise_tables(app, demo, token_for):
    app.test_client_class = FreshClient
    api = app.test_client()
    # R>E>H twice, E>H>R, H>R>E: R beats E 3–1, E beats H 3–1, R and H are level 2–2,
    # so there is no Condorcet winner; R wins by the strongest path R→E→H.
    did, _ids = _api_ranked(
        api, token_for, demo, "schulze", [[0, 1, 2], [1, 2, 0], [2, 0, 1], [0, 1, 2]]
    )
    client = _browser(app, demo["reps"][5])
    html = client.get(f"/decisions/{did}/results").get_data(as_text=True)
    assert "the row option is ranked above the column option by this many organisations" in html
    pairwise = _matrix(html, "Pairwise preferences")
    assert pairwise["Remittances"] == ["–", "3", "2"]
    assert pairwise["Education"] == ["1", "–", "3"]
    assert pairwise["Health"] == ["2", "1", "–"]
    paths = _matrix(html, "Strongest paths")
    assert paths["Remittances"] == ["–", "3", "3"]
    assert paths["Education"] == ["0", "–", "3"]
    assert paths["Health"] == ["0", "0", "–"]
    assert "Winner: <bdi>Remittances</bdi>." in html
    assert "Condorcet winner" not in html
    assert "Rule met: <bdi>Remittances</bdi>" in html
    assert "Tie rule: when several options beat or equal every other option" in html
