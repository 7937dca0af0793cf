"""Form errors over HTTP, without JavaScript: the summary, the title, the anchor.

Every form that can fail posts to its own page's anchor (``#...error-summary``),
so the browser moves focus to the summary when the page with the error comes
back; the summary links to each field, and the title starts with "Fout:" /
"Error:". With htmx, status messages go out of band into a live region that
the page already has. (tests/browser checks focus and view in real Chromium.)
"""

from __future__ import annotations

import re

from .admin_helpers import post_form as admin_post
from .admin_helpers import sign_in as admin_sign_in
from .helpers import csrf_token, make_decision, post_form, sign_in


def _title(html: str) -> str:
    found = re.search(r"<title>(.*?)</title>", html, re.S)
    assert found
    return found.group(1).strip()


def _summary(html: str, summary_id: str) -> str:
    found = re.search(rf'<div class="error-summary" id="{summary_id}"(.*?)</div>', html, re.S)
    assert found, html[:3000]
    return found.group(0)


def test_empty_ballot_without_javascript(app, client, network, clock):
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    sign_in(client, app, people["adpc"])
    page = client.get(f"/decisions/{decision_id}?lang=nl").get_data(as_text=True)
    # The forms post to their own summary's anchor; no summary, no "Fout:" yet.
    assert f'action="/decisions/{decision_id}/ballot#ballot-error-summary"' in page
    assert f'action="/decisions/{decision_id}/comments#comment-error-summary"' in page
    assert 'class="error-summary"' not in page
    assert not _title(page).startswith("Fout:")
    # The live regions exist before anything is written.
    assert '<div id="ballot-status" class="region-status" role="status">' in page
    assert '<div id="comments-status" class="region-status" role="status">' in page

    response = post_form(
        client,
        f"/decisions/{decision_id}",
        f"/decisions/{decision_id}/ballot",
        {"action": "cast", "version": "0"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert _title(html).startswith("Fout: ")
    summary = _summary(html, "ballot-error-summary")
    assert 'tabindex="-1"' in summary and 'role="alert"' in summary
    assert 'href="#ballot-choices"' in summary
    assert 'id="ballot-choices"' in html
    # No full page of htmx attributes out of band: this answer is a whole page.
    assert "hx-swap-oob" not in html


def test_empty_comment_without_javascript_and_in_english(app, client, network, clock):
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    sign_in(client, app, people["oxfam1"])
    response = post_form(
        client,
        f"/decisions/{decision_id}?lang=en",
        f"/decisions/{decision_id}/comments",
        {"body": "   "},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert _title(html).startswith("Error: ")
    assert 'href="#comment-body"' in _summary(html, "comment-error-summary")
    assert 'aria-invalid="true"' in html


def test_a_comment_with_htmx_fills_the_live_region_out_of_band(app, client, network, clock):
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    sign_in(client, app, people["stro"])
    token = csrf_token(client.get(f"/decisions/{decision_id}").get_data(as_text=True))
    headers = {"HX-Request": "true", "HX-Target": "comments", "X-CSRFToken": token}
    response = client.post(
        f"/decisions/{decision_id}/comments", data={"body": "Akkoord."}, headers=headers
    )
    html = response.get_data(as_text=True)
    status, section = html.split('<section id="comments"', 1)
    assert status.strip().startswith(
        '<div id="comments-status" class="region-status" role="status" hx-swap-oob="innerHTML">'
    )
    assert "Your comment is posted." in status
    assert "Akkoord." in section
    # An empty comment with htmx: the summary is in the fragment, the region empty.
    response = client.post(f"/decisions/{decision_id}/comments", data={"body": ""}, headers=headers)
    html = response.get_data(as_text=True)
    status, section = html.split('<section id="comments"', 1)
    assert '<p class="notice">' not in status
    assert 'id="comment-error-summary"' in section


def test_facilitator_form_errors_have_summary_title_and_anchor(app, client, network, clock):
    admin_sign_in(app, client, network["people"]["facilitator"])
    # The method step (a GET form) and the method's fields both land on the summary.
    page = client.get("/admin/decisions/new?lang=en").get_data(as_text=True)
    assert 'action="/admin/decisions/new#error-summary"' in page
    page = client.get("/admin/decisions/new?method=ranked&lang=en").get_data(as_text=True)
    assert 'action="/admin/decisions/new#error-summary"' in page
    response = admin_post(client, "/admin/decisions/new", {"title": "", "method": "ranked"})
    html = response.get_data(as_text=True)
    assert response.status_code in (400, 422)
    assert _title(html).startswith("Error: ")
    assert _title(html).count("Error:") == 1
    summary = _summary(html, "error-summary")
    assert 'tabindex="-1"' in summary and 'href="#title"' in summary


def test_a_saved_form_leads_to_the_main_content_not_to_the_summary(app, client, network, clock):
    """A browser keeps the posted address's ``#error-summary`` across a redirect
    without a fragment; the redirect after a save names ``#main`` instead (one
    that names its own place keeps it: the ballot's, in test_ballot_pages)."""
    admin_sign_in(app, client, network["people"]["facilitator"])
    did = make_decision(network["people"]["facilitator"], clock.now, open_it=False)
    saved = admin_post(client, f"/admin/decisions/{did}/withdraw", {"statement": "Not needed."})
    assert saved.status_code == 303
    assert saved.headers["Location"] == f"/admin/decisions/{did}#main"
    assert 'id="main"' in client.get(saved.headers["Location"]).get_data(as_text=True)


def test_an_api_token_label_too_long_shows_the_summary(app, client, network):
    sign_in(client, app, network["people"]["adpc"])
    response = post_form(client, "/profile?lang=en", "/profile/token", {"label": "x" * 101})
    html = response.get_data(as_text=True)
    assert response.status_code == 400, response.status_code
    assert _title(html).startswith("Error: ")
    assert 'href="#label"' in _summary(html, "error-summary")
    assert 'action="/profile/token#error-summary"' in html


def test_an_empty_report_shows_the_summary(app, client, network, clock):
    from cop_vote.extensions import db
    from cop_vote.services import comments as comment_service

    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    comment = comment_service.add_comment(people["adpc"], decision_id, "Hello.", clock.now)
    db.session.commit()
    sign_in(client, app, people["stro"])
    url = f"/comments/{comment.id}/report"
    response = post_form(client, f"{url}?lang=en", url, {"reason": " "})
    html = response.get_data(as_text=True)
    assert response.status_code == 400, response.status_code
    assert _title(html).startswith("Error: ") and _title(html).count("Error:") == 1
    assert 'href="#reason"' in _summary(html, "error-summary")
    assert f'action="{url}#error-summary"' in html
