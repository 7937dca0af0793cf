"""Dutch and English pages; the language switch works without JavaScript.

Needs the compiled catalog: ``pybabel compile -d cop_vote/translations``.
"""

from __future__ import annotations

from .helpers import make_decision, sign_in


def test_accept_language_nl_gives_dutch(app, client, network):
    page = client.get("/auth/login", headers={"Accept-Language": "nl-NL,nl;q=0.9"})
    html = page.get_data(as_text=True)
    assert '<html lang="nl">' in html
    assert "Stuur me een inloglink" in html
    assert "Send me a sign-in link" not in html


def test_lang_parameter_switches_and_is_remembered(app, client, network, clock):
    decision_id = make_decision(network["people"]["facilitator"], clock.now)
    sign_in(client, app, network["people"]["adpc"])
    dutch = client.get(f"/decisions/{decision_id}?lang=nl").get_data(as_text=True)
    assert "De stem van je organisatie" in dutch
    assert "Breng de stem uit" in dutch
    assert "0 van 3 organisaties hebben gestemd." in dutch
    assert "(Europe/Amsterdam)" in dutch
    again = client.get(f"/decisions/{decision_id}").get_data(as_text=True)  # cookie
    assert "Breng de stem uit" in again
    english = client.get(f"/decisions/{decision_id}?lang=en").get_data(as_text=True)
    assert "Cast the ballot" in english


def test_every_page_links_to_itself_in_the_other_language(app, client, network, clock):
    decision_id = make_decision(network["people"]["facilitator"], clock.now)
    sign_in(client, app, network["people"]["adpc"])
    html = client.get(f"/decisions/{decision_id}/participation").get_data(as_text=True)
    assert f'href="/decisions/{decision_id}/participation?lang=nl" lang="nl"' in html
    assert f'href="/decisions/{decision_id}/participation?lang=en" lang="en"' in html


def test_the_sign_in_mail_is_in_dutch_for_a_dutch_reader(app, client, network):
    from .helpers import outbox, request_link

    client.get("/auth/login?lang=nl")
    request_link(client, "amina@adpc.example.org")
    message = outbox(app)[-1]
    assert message.subject == "Je inloglink voor cop-vote"
    assert "Open deze link om in te loggen bij cop-vote:" in message.body


def test_the_profile_saves_a_language(app, client, network):
    from .helpers import post_form

    sign_in(client, app, network["people"]["adpc"])
    response = post_form(client, "/profile", "/profile/language", {"language": "nl"})
    assert response.status_code == 302
    assert "Taal opslaan" in client.get("/profile").get_data(as_text=True)


def test_a_refusal_is_explained_in_dutch(app, client, network, clock):
    from .helpers import csrf_token, option_ids

    decision_id = make_decision(network["people"]["facilitator"], clock.now)
    sign_in(client, app, network["people"]["observer"])
    page = client.get(f"/decisions/{decision_id}?lang=nl").get_data(as_text=True)
    response = client.post(
        f"/decisions/{decision_id}/ballot",
        data={"csrf_token": csrf_token(page), "option": str(option_ids(decision_id)[0])},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "<h1>Niet toegestaan</h1>" in html
    assert "Alleen vertegenwoordigers van lidorganisaties mogen dit doen." in html
    missing = client.get("/decisions/424242").get_data(as_text=True)
    assert "<h1>Niet gevonden</h1>" in missing and "No decision" not in missing


def test_text_in_the_other_language_is_marked_for_screen_readers(app, client, network, clock):
    """A select's option carries its own ``lang`` (no <span> inside <option>: invalid
    HTML); the Dutch network name on an English page is marked Dutch."""
    import re

    from cop_vote.extensions import db
    from cop_vote.models import Network

    db.session.add(Network(name="Netwerk Samen Beslissen", default_language="nl"))
    db.session.commit()
    login = client.get("/auth/login?lang=en").get_data(as_text=True)
    assert '<h1 id="landing-title" dir="auto" lang="nl">Netwerk Samen Beslissen</h1>' in login
    dutch_login = client.get("/auth/login?lang=nl").get_data(as_text=True)
    assert '<h1 id="landing-title" dir="auto">Netwerk Samen Beslissen</h1>' in dutch_login

    decision_id = make_decision(network["people"]["facilitator"], clock.now)  # English
    sign_in(client, app, network["people"]["adpc"])
    html = client.get(f"/decisions/{decision_id}?lang=nl").get_data(as_text=True)
    assert not re.search(r"<option[^>]*>[^<]*<span", html)
    for select in ("comment-option", "interest-option"):
        body = html.split(f'<select id="{select}"', 1)[1].split("</select>", 1)[0]
        assert re.search(r'<option value="\d+" lang="en">Memphis</option>', body), select
