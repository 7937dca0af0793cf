"""What pages keep between requests, and that it never shows a stale page.

Pages are compiled once per language with their fixed strings translated
(``web/localised.py``), links are remembered by endpoint, values and script
root (``web/links.py``), and a page of comments builds its per-comment links
from one ``url_for`` (``links.url_pattern``). Each test changes what such a

#: Its outcome depends on the database: it runs in the PostgreSQL pass too.
pytestmark = pytest.mark.database_semantics
cache could get wrong between two requests of the same app and reads the
next page.
"""

from __future__ import annotations

from cop_vote.extensions import db
from cop_vote.models import Comment
from cop_vote.services import comments as comment_service

from .helpers import make_decision, sign_in


def _comment(person, decision_id, body, clock, **kwargs):
    comment = comment_service.add_comment(person, decision_id, body, clock.now, **kwargs)
    db.session.commit()
    return comment


def test_each_language_gets_its_own_page_in_turn(app, client, network, clock):
    decision_id = make_decision(network["people"]["facilitator"], clock.now)
    _comment(network["people"]["stro"], decision_id, "Memphis is far.", clock)
    sign_in(client, app, network["people"]["adpc"])
    signed = "<bdi>Marieke Dijkstra</bdi> (<bdi>STRO</bdi>)"
    for _ in range(2):  # nl, en, nl, en: no language's compiled page leaks into the other
        nl = client.get(f"/decisions/{decision_id}?lang=nl").get_data(as_text=True)
        assert '<h2 id="comments-heading">Reacties</h2>' in nl
        assert f'Melden<span class="visually-hidden"> de reactie van {signed}</span>' in nl
        assert "Antwoorden<span" in nl and "aan <bdi>Marieke Dijkstra</bdi>" in nl
        assert "Comments</h2>" not in nl
        en = client.get(f"/decisions/{decision_id}?lang=en").get_data(as_text=True)
        assert '<h2 id="comments-heading">Comments</h2>' in en
        assert f'Report<span class="visually-hidden"> the comment by {signed}</span>' in en
        assert "Reply<span" in en and "to <bdi>Marieke Dijkstra</bdi>" in en
        assert "Reacties" not in en


def test_translated_sentences_escape_the_names_they_hold(app, client, network, clock):
    author = network["people"]["stro"]
    author.name = '<b>Sam & "Co"</b>'
    db.session.commit()
    decision_id = make_decision(network["people"]["facilitator"], clock.now)
    comment = _comment(author, decision_id, "Hello.", clock)
    sign_in(client, app, network["people"]["adpc"])
    page = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    name = "<bdi>&lt;b&gt;Sam &amp; &#34;Co&#34;&lt;/b&gt;</bdi>"
    assert f"the comment by {name} (<bdi>STRO</bdi>)" in page
    assert f"to {name}</span>" in page
    assert "<b>Sam" not in page
    reply_page = client.get(f"/decisions/{decision_id}?reply_to={comment.id}")
    assert f"Reply to {name} (<bdi>STRO</bdi>)" in reply_page.get_data(as_text=True)


def test_links_follow_each_request_s_script_root(app, client, network, clock):
    decision_id = make_decision(network["people"]["facilitator"], clock.now)
    comment = _comment(network["people"]["stro"], decision_id, "Memphis is far.", clock)
    sign_in(client, app, network["people"]["adpc"])
    for root in ("", "/vote", ""):  # remembered links of one root are not another's
        page = client.get(
            f"/decisions/{decision_id}", base_url=f"http://localhost{root}/"
        ).get_data(as_text=True)
        assert f'href="{root}/decisions/{decision_id}/participation"' in page
        assert f'href="{root}/comments/{comment.id}/report"' in page
        assert f'href="{root}/decisions/{decision_id}?reply_to={comment.id}#comment-form"' in page
        assert f'href="{root}/decisions/{decision_id}?lang=en"' in page
        if not root:
            assert "/vote/" not in page


def test_each_page_of_comments_links_its_own_comments_and_cursor(app, client, network, clock):
    app.config["COMMENTS_PER_PAGE"] = 2
    decision_id = make_decision(network["people"]["facilitator"], clock.now)
    ids = [_comment(network["people"]["stro"], decision_id, f"C{i}", clock).id for i in range(3)]
    own = _comment(network["people"]["adpc"], decision_id, "Mine.", clock).id
    sign_in(client, app, network["people"]["adpc"])
    first = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    for cid in ids[:2]:
        assert f'href="/decisions/{decision_id}?reply_to={cid}#comment-form"' in first
        assert f'href="/comments/{cid}/report"' in first
    assert f"/comments/{ids[2]}/report" not in first
    after = ids[1]
    second = client.get(f"/decisions/{decision_id}?after={after}").get_data(as_text=True)
    reply = f'href="/decisions/{decision_id}?after={after}&amp;reply_to={ids[2]}#comment-form"'
    assert reply in second
    assert f'href="/comments/{ids[2]}/report"' in second
    # One's own comment has a reply link but nothing to report.
    assert f"?after={after}&amp;reply_to={own}#comment-form" in second
    assert f"/comments/{own}/report" not in second
    assert db.session.get(Comment, own) is not None
