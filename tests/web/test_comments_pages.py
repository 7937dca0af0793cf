"""Comments on the decision page: escaped, signed, paginated, replies, hidden."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cop_vote.extensions import db
from cop_vote.models import Comment
from cop_vote.services import comments as comment_service

from .helpers import csrf_token, make_decision, option_ids, post_form, sign_in

#: Its outcome depends on the database: it runs in the PostgreSQL pass too.
pytestmark = pytest.mark.database_semantics


def _post(client, decision_id, data, **kwargs):
    return post_form(
        client, f"/decisions/{decision_id}", f"/decisions/{decision_id}/comments", data, **kwargs
    )


def _comments():
    return db.session.execute(db.select(Comment).order_by(Comment.id)).scalars().all()


def test_a_script_in_a_comment_is_shown_as_text(app, client, network, clock):
    decision_id = make_decision(network["people"]["facilitator"], clock.now)
    sign_in(client, app, network["people"]["adpc"])
    response = _post(client, decision_id, {"body": "<script>alert(1)</script>\nsecond line"})
    assert response.status_code == 303
    (comment,) = _comments()
    assert response.headers["Location"] == f"/decisions/{decision_id}#comment-{comment.id}"
    page = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>\nsecond line" in page
    assert "<script>alert" not in page
    assert "<bdi>Amina Warsame</bdi> (<bdi>ADPC</bdi>)" in page


def test_a_blank_or_invisible_comment_is_refused_and_not_stored(app, client, network, clock):
    decision_id = make_decision(network["people"]["facilitator"], clock.now)
    sign_in(client, app, network["people"]["adpc"])
    for body in ("   \n\t ", "\u200b\u200b \u2060", ""):
        response = _post(client, decision_id, {"body": body})
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "Write a comment: it cannot be empty or only spaces." in html
        assert '<a href="#comment-body">' in html
        assert 'aria-invalid="true"' in html
    assert _comments() == []


def test_a_comment_with_htmx_answers_the_comments_fragment(app, client, network, clock):
    decision_id = make_decision(network["people"]["facilitator"], clock.now)
    memphis = option_ids(decision_id)[0]
    sign_in(client, app, network["people"]["stro"])
    token = csrf_token(client.get(f"/decisions/{decision_id}").get_data(as_text=True))
    response = client.post(
        f"/decisions/{decision_id}/comments",
        data={"body": "Memphis is far.", "option": str(memphis)},
        headers={"HX-Request": "true", "HX-Target": "comments", "X-CSRFToken": token},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    # The message goes out of band into the live region the page already has.
    status, section = html.split('<section id="comments"', 1)
    assert status.lstrip().startswith('<div id="comments-status"')
    assert 'hx-swap-oob="innerHTML"' in status and "Your comment is posted." in status
    assert "<html" not in html
    assert "Memphis is far." in section
    assert "about <bdi>Memphis</bdi>" in html
    assert "HX-Request" in response.headers["Vary"]
    assert _comments()[0].option_id == memphis


def test_replies_are_one_level_deep(app, client, network, clock):
    decision_id = make_decision(network["people"]["facilitator"], clock.now)
    sign_in(client, app, network["people"]["adpc"])
    _post(client, decision_id, {"body": "First."})
    (first,) = _comments()
    form_page = client.get(f"/decisions/{decision_id}?reply_to={first.id}")
    html = form_page.get_data(as_text=True)
    assert f'<input type="hidden" name="parent" value="{first.id}">' in html
    response = client.post(
        f"/decisions/{decision_id}/comments",
        data={"csrf_token": csrf_token(html), "body": "A reply.", "parent": str(first.id)},
    )
    assert response.status_code == 303
    reply = _comments()[-1]
    assert reply.parent_id == first.id
    page = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    assert 'class="replies"' in page and "A reply." in page


def test_a_hidden_comment_shows_the_reason(app, client, network, clock):
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    comment = comment_service.add_comment(people["adpc"], decision_id, "Rude words", clock.now)
    comment_service.review_comment(
        people["facilitator"], comment.id, "hidden", clock.now, reason="Off topic"
    )
    db.session.commit()
    sign_in(client, app, people["stro"])
    page = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    assert 'Hidden by the facilitator: <span dir="auto">Off topic</span>' in page
    assert "Rude words" not in page


def test_sixty_comments_come_in_pages_of_fifty(app, client, network, clock):
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    for n in range(1, 61):
        comment_service.add_comment(
            people["adpc"], decision_id, f"Comment number {n}.", clock.now + timedelta(seconds=n)
        )
    db.session.commit()
    ids = [c.id for c in _comments()]
    sign_in(client, app, people["stro"])
    first = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    assert "Comment number 1." in first and "Comment number 50." in first
    assert "Comment number 51." not in first
    assert "Older comments" not in first
    newer = f"/decisions/{decision_id}?after={ids[49]}#comments"
    assert f'href="{newer}"' in first
    second = client.get(newer).get_data(as_text=True)
    assert "Comment number 51." in second and "Comment number 60." in second
    assert "Comment number 50." not in second
    assert "Newer comments" not in second
    assert f'href="/decisions/{decision_id}#comments" rel="prev">Older comments' in second
    # Posting answers with the last page, where the new comment is.
    response = _post(client, decision_id, {"body": "Number 61."})
    assert response.headers["Location"].startswith(f"/decisions/{decision_id}?after={ids[49]}#")


def test_observers_read_comments_but_cannot_post(app, client, network, clock):
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    comment_service.add_comment(people["adpc"], decision_id, "Visible to all.", clock.now)
    db.session.commit()
    sign_in(client, app, people["observer"])
    page = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    assert "Visible to all." in page
    assert 'id="comment-form"' not in page
    response = client.post(
        f"/decisions/{decision_id}/comments",
        data={"csrf_token": csrf_token(page), "body": "Me too"},
    )
    assert response.status_code == 403
    assert len(_comments()) == 1


def test_right_to_left_names_and_texts_are_isolated(app, client, network, clock, make_person):
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    arabic = make_person(network["orgs"]["adpc"], name="فاطمة الزهراء", email="f@adpc.example.org")
    comment_service.add_comment(arabic, decision_id, "نعم 2010 yes", clock.now)
    db.session.commit()
    sign_in(client, app, people["stro"])
    page = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    assert "<bdi>فاطمة الزهراء</bdi> (<bdi>ADPC</bdi>)" in page
    assert '<div class="comment-body" dir="auto">نعم 2010 yes</div>' in page


def test_a_premoderated_comment_waits_for_review(app, client, other_client, network, clock):
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now, comments="premoderated")
    sign_in(client, app, people["adpc"])
    response = _post(client, decision_id, {"body": "Please review me."})
    assert response.status_code == 303
    mine = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    assert "Others will see it after the facilitator has reviewed it." in mine
    assert "Please review me." in mine and "awaiting review" in mine
    sign_in(other_client, app, people["stro"])
    assert "Please review me." not in other_client.get(f"/decisions/{decision_id}").get_data(
        as_text=True
    )
