"""Every member page for every role: the status each one expects."""

from __future__ import annotations

import pytest

from .helpers import make_decision, sign_in

PAGES = (
    "/",
    "/decisions/{open}",
    "/decisions/{open}/participation",
    "/decisions/{open}/results",
    "/decisions/{open}/outcome",
    "/profile",
    "/decisions/{draft}",
    "/decisions/999999",
)

EXPECTED = {
    #                 index decision particip. results outcome profile draft missing
    "facilitator": (200, 200, 200, 200, 200, 200, 200, 404),
    "representative": (200, 200, 200, 403, 200, 200, 404, 404),
    "observer": (200, 200, 200, 403, 200, 200, 404, 404),
}

PEOPLE = {"facilitator": "facilitator", "representative": "oxfam1", "observer": "observer"}


@pytest.fixture
def decisions(network, clock):
    facilitator = network["people"]["facilitator"]
    return {
        "open": make_decision(facilitator, clock.now),
        "draft": make_decision(facilitator, clock.now, open_it=False, title="Draft"),
    }


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_page_for_each_role(app, client, network, decisions, role):
    sign_in(client, app, network["people"][PEOPLE[role]])
    statuses = tuple(client.get(page.format(**decisions)).status_code for page in PAGES)
    assert statuses == EXPECTED[role]


def test_anonymous_visitors_are_sent_to_sign_in(client, network, decisions):
    for page in PAGES:
        url = page.format(**decisions)
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/auth/login?next=")
    for url in (
        f"/decisions/{decisions['open']}/ballot",
        f"/decisions/{decisions['open']}/comments",
        "/profile/token",
    ):
        assert client.post(url).status_code in (302, 400)


def test_anonymous_htmx_requests_are_redirected_by_header(client, network, decisions):
    response = client.get(f"/decisions/{decisions['open']}", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/auth/login")


def test_public_pages_and_health_need_no_sign_in(client, network):
    assert client.get("/auth/login").status_code == 200
    assert client.get("/auth/login/sent").status_code == 200
    assert client.get("/auth/link/not-a-real-link").status_code == 410
    assert client.get("/healthz").status_code == 200
    for asset in ("/static/css/site.css", "/static/js/htmx.min.js"):
        with client.get(asset) as response:  # closes the file it streams
            assert response.status_code == 200


def test_the_facilitator_link_is_shown_to_facilitators_only(app, client, other_client, network):
    if "web.admin_index" not in app.view_functions:
        pytest.skip("the facilitator pages are not registered yet")
    with app.test_request_context():
        from flask import url_for

        admin = url_for("web.admin_index")
    sign_in(client, app, network["people"]["facilitator"])
    assert f'href="{admin}"' in client.get("/").get_data(as_text=True)
    sign_in(other_client, app, network["people"]["adpc"])
    assert f'href="{admin}"' not in other_client.get("/").get_data(as_text=True)


def test_pages_have_one_h1_a_skip_link_and_a_status_region(app, client, network, decisions):
    sign_in(client, app, network["people"]["oxfam1"])
    for page in PAGES[:6]:
        html = client.get(page.format(**decisions)).get_data(as_text=True)
        assert html.count("<h1") == 1, page
        assert '<a class="skip-link" href="#main">' in html
        assert 'id="messages" class="messages" role="status"' in html
        assert 'hx-headers=\'{"X-CSRFToken": "' in html


def test_an_api_token_is_shown_once(app, client, network):
    from .helpers import post_form

    sign_in(client, app, network["people"]["adpc"])
    response = post_form(client, "/profile", "/profile/token", {"label": "my script"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    token = html.split('<code class="token">')[1].split("</code>")[0]
    assert token.startswith("cv_")
    api = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code in (200, 404)  # 200 once the API serves /me
    assert token not in client.get("/profile").get_data(as_text=True)
