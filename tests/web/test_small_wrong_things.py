"""Small things a new user found wrong: the close of a decision closed early, the
time zone named once per list of times, and a sign-in page that says whose
network this is."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from cop_vote import notifications
from cop_vote.extensions import db
from cop_vote.i18n import local_time
from cop_vote.models import Decision
from cop_vote.services import comments as comment_service
from cop_vote.services import network as network_service
from cop_vote.services import transitions

from .helpers import make_decision, sign_in


def test_the_home_page_shows_when_a_decision_closed_early(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    early = make_decision(facilitator, clock.now, title="Closed early", days=7)
    running = make_decision(facilitator, clock.now, title="Still open", days=3)
    closed_at = clock.now + timedelta(days=1)
    transitions.close_decision(facilitator, early, closed_at)
    db.session.commit()
    decision = db.session.get(Decision, early)
    open_one = db.session.get(Decision, running)
    assert decision is not None and open_one is not None and decision.closes_at is not None
    sign_in(client, app, network["people"]["adpc"])
    with app.test_request_context(headers={"Accept-Language": "en"}):
        actual = local_time(decision.closed_at)
        planned = local_time(decision.closes_at)
        deadline = local_time(open_one.closes_at)
    html = client.get("/").get_data(as_text=True)
    item = html.split("Closed early")[1].split("</li>")[0]
    assert f'Closed on <time datetime="{decision.closed_at.isoformat()}">{actual}</time>' in item
    assert f'(early; the deadline was <time datetime="{decision.closes_at.isoformat()}">' in item
    assert planned in item
    still = html.split("Still open")[1].split("</li>")[0]
    assert "Closes:" in still and deadline in still and "Closed on" not in still
    dutch = client.get("/?lang=nl").get_data(as_text=True)
    assert "Gesloten op" in dutch and "eerder dan de deadline van" in dutch


def test_comment_lines_leave_the_zone_to_one_note(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    first = comment_service.add_comment(people["adpc"], decision_id, "First.", clock.now)
    comment_service.add_comment(
        people["stro"], decision_id, "A reply.", clock.now, parent_id=first.id
    )
    comment_service.add_comment(people["oxfam1"], decision_id, "Second.", clock.now)
    db.session.commit()
    sign_in(client, app, people["adpc"])
    html = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    comments = html.split('id="comments"')[1].split("</section>")[0]
    assert comments.count('class="comment-meta"') == 3
    assert "Europe/Amsterdam" not in comments.replace("Times are in Europe/Amsterdam.", "")
    assert comments.count("Times are in Europe/Amsterdam.") == 1
    with app.test_request_context(headers={"Accept-Language": "en"}):
        bare = local_time(first.created_at, named=False)
    assert f">{bare}</time>" in comments
    trail = client.get(f"/decisions/{decision_id}/trail").get_data(as_text=True)
    table = trail.split('<table class="trail">')[1].split("</table>")[0]
    assert "<td><time" in table and "Europe/Amsterdam" not in table
    assert "Times are in Europe/Amsterdam." in trail


def test_visitors_learn_whose_network_this_is_in_their_language(
    app: Flask, client: FlaskClient, clock: Any
) -> None:
    with notifications.suppressed():
        network_service.load_demo(clock.now)
        db.session.commit()
    demo = network_service.kickoff_data()["network"]
    english = client.get("/auth/login?lang=en").get_data(as_text=True)
    # The network's name is in its language (Dutch), marked so on an English page.
    assert f'<h1 id="landing-title" dir="auto" lang="nl">{demo["name"]}</h1>' in english
    assert demo["purpose_en"] in english
    assert "each organisation casts one ballot" in english
    assert 'action="/auth/login#error-summary"' in english and "Send me a sign-in link" in english
    dutch = client.get("/auth/login?lang=nl").get_data(as_text=True)
    assert demo["purpose_nl"] in dutch and demo["purpose_en"] not in dutch
    assert "elke organisatie brengt één stem uit" in dutch
    assert "Stuur me een inloglink" in dutch
    # Anonymous visitors to any page land there.
    response = client.get("/")
    assert response.status_code == 302
    assert demo["name"] in client.get(response.headers["Location"]).get_data(as_text=True)


def test_an_installation_states_its_own_purpose(
    app: Flask, client: FlaskClient, clock: Any
) -> None:
    network_service.init_network("f@example.org", "F", "Netwerk Noord", clock.now)
    db.session.commit()
    plain = client.get("/auth/login?lang=en").get_data(as_text=True)
    assert '<h1 id="landing-title" dir="auto" lang="nl">Netwerk Noord</h1>' in plain
    app.config["NETWORK_PURPOSE_EN"] = "Housing cooperatives deciding together."
    app.config["NETWORK_PURPOSE_NL"] = "Wooncoöperaties die samen beslissen."
    assert "Housing cooperatives deciding together." in client.get("/auth/login?lang=en").get_data(
        as_text=True
    )
    assert "Wooncoöperaties die samen beslissen." in client.get("/auth/login?lang=nl").get_data(
        as_text=True
    )


def test_before_any_network_the_page_is_plain_sign_in(client: FlaskClient) -> None:
    html = client.get("/auth/login?lang=en").get_data(as_text=True)
    assert "<h1>Sign in</h1>" in html and "landing-title" not in html
