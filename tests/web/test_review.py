"""The review queue, reports and the balance of voices in the browser, without JavaScript."""

from __future__ import annotations

import re

import pytest

from cop_vote.extensions import db
from cop_vote.models import Comment, CommentReport
from cop_vote.services import ballots as ballot_service
from cop_vote.services import comments as comment_service

from .helpers import csrf_token, make_decision, option_ids, post_form, sign_in

#: Its outcome depends on the database: it runs in the PostgreSQL pass too.
pytestmark = pytest.mark.database_semantics


def _comment(person, decision_id, body, now, **kw):
    comment = comment_service.add_comment(person, decision_id, body, now, **kw)
    db.session.commit()
    return comment.id


def _get(comment_id):
    db.session.expire_all()
    return db.session.get(Comment, comment_id)


def _queue(decision_id):
    return f"/admin/decisions/{decision_id}/review"


def test_only_facilitators_see_the_queues(app, client, network, clock):
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    for url in (_queue(did), "/admin/review"):
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    sign_in(client, app, people["adpc"])
    for url in (_queue(did), "/admin/review"):
        assert client.get(url).status_code == 403
        assert client.post(url, data={"action": "reviewed"}).status_code in (400, 403)
    page = client.get(f"/decisions/{did}").get_data(as_text=True)
    token = csrf_token(page)
    for url in (_queue(did), "/admin/review"):
        response = client.post(url, data={"csrf_token": token, "action": "reviewed"})
        assert response.status_code == 403


def test_observer_gets_403(app, client, network, clock):
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    cid = _comment(people["adpc"], did, "Hello.", clock.now)
    sign_in(client, app, people["observer"])
    assert client.get(_queue(did)).status_code == 403
    assert client.get("/admin/review").status_code == 403
    assert client.get(f"/comments/{cid}/report").status_code == 403
    page = client.get(f"/decisions/{did}").get_data(as_text=True)
    assert "Hello." in page
    assert f"/comments/{cid}/report" not in page


def test_new_to_flagged_with_a_note_and_option_by_a_plain_form(app, client, network, clock):
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    memphis, nashville, _ = option_ids(did)
    a = _comment(people["adpc"], did, "Memphis is far.", clock.now)
    b = _comment(people["stro"], did, "Atlanta has a direct flight.", clock.now)
    c = _comment(people["oxfam1"], did, "Not for the meeting.", clock.now)
    sign_in(client, app, people["facilitator"])
    page = client.get(_queue(did))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Memphis is far." in html and html.count('name="comments"') == 3
    assert "3 comments" in html
    response = post_form(
        client,
        _queue(did),
        _queue(did),
        {
            "comments": [str(a), str(b)],
            "action": "flagged",
            "note": "Travel costs",
            "option": str(memphis),
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{_queue(did)}#review-queue")
    assert [(_get(x).review, _get(x).note, _get(x).tag_option_id) for x in (a, b)] == [
        ("flagged", "Travel costs", memphis),
        ("flagged", "Travel costs", memphis),
    ]
    assert _get(c).review == "new"
    html = client.get(_queue(did)).get_data(as_text=True)
    assert "2 comments: flagged for the meeting." in html
    assert "Note for the meeting:" in html and "filed under <bdi>Memphis</bdi>" in html
    # Filters are plain GET parameters.
    flagged = client.get(f"{_queue(did)}?status=flagged&option={memphis}").get_data(as_text=True)
    assert "Memphis is far." in flagged and "Not for the meeting." not in flagged
    assert (
        "Memphis is far."
        not in client.get(f"{_queue(did)}?option={nashville}")
        .get_data(as_text=True)
        .split('id="review-queue"')[1]
    )
    by_org = client.get(f"{_queue(did)}?organisation=stro").get_data(as_text=True)
    assert "Atlanta has a direct flight." in by_org and "Memphis is far." not in by_org
    odd = client.get(f"{_queue(did)}?status=deleted")
    assert odd.status_code == 200
    assert "A filter was not understood" in odd.get_data(as_text=True)


def test_bulk_form_errors_change_nothing(app, client, network, clock):
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    a = _comment(people["adpc"], did, "Rude.", clock.now)
    sign_in(client, app, people["facilitator"])
    response = post_form(
        client, _queue(did), _queue(did), {"comments": [str(a)], "action": "hidden"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Give a reason: members see it in place of the text." in html
    assert 'aria-invalid="true"' in html
    assert _get(a).review == "new"
    response = post_form(client, _queue(did), _queue(did), {"action": "reviewed"})
    assert response.status_code == 400
    assert "Choose at least one comment" in response.get_data(as_text=True)


def test_hidden_comment_shows_its_reason_and_the_facilitator_restores_it(
    app, client, other_client, network, clock
):
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    a = _comment(people["adpc"], did, "Something unkind about STRO.", clock.now)
    sign_in(client, app, people["facilitator"])
    sign_in(other_client, app, people["stro"])
    response = post_form(
        client,
        _queue(did),
        _queue(did),
        {"comments": [str(a)], "action": "hidden", "reason": "Personal remark"},
    )
    assert response.status_code == 303
    member = other_client.get(f"/decisions/{did}").get_data(as_text=True)
    assert "Hidden by the facilitator:" in member and "Personal remark" in member
    assert "Something unkind" not in member
    assert "Something unkind" not in other_client.get(f"/comments/{a}/report").get_data(
        as_text=True
    )
    queue = client.get(_queue(did)).get_data(as_text=True)
    assert "Something unkind about STRO." in queue and f'name="restore" value="{a}"' in queue
    response = post_form(client, _queue(did), _queue(did), {"restore": str(a)})
    assert response.status_code == 303
    assert (_get(a).review, _get(a).hidden_reason) == ("reviewed", None)
    member = other_client.get(f"/decisions/{did}").get_data(as_text=True)
    assert "Something unkind about STRO." in member and "Hidden by the facilitator" not in member


def test_premoderation_hides_a_comment_until_reviewed(app, client, other_client, network, clock):
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now, comments="premoderated")
    a = _comment(people["oxfam1"], did, "Held back for now.", clock.now)
    sign_in(client, app, people["oxfam1"])
    own = client.get(f"/decisions/{did}").get_data(as_text=True)
    assert "Held back for now." in own and "awaiting review" in own
    sign_in(other_client, app, people["oxfam2"])
    assert "Held back for now." not in other_client.get(f"/decisions/{did}").get_data(as_text=True)
    assert other_client.get(f"/comments/{a}/report").status_code == 404
    fac = app.test_client()
    sign_in(fac, app, people["facilitator"])
    assert (
        post_form(
            fac, _queue(did), _queue(did), {"comments": [str(a)], "action": "reviewed"}
        ).status_code
        == 303
    )
    seen = other_client.get(f"/decisions/{did}").get_data(as_text=True)
    assert "Held back for now." in seen and "awaiting review" not in seen


def test_a_member_reports_a_comment_and_it_comes_first(app, client, other_client, network, clock):
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    first = _comment(people["adpc"], did, "An early remark.", clock.now)
    mine = _comment(people["stro"], did, "My own remark.", clock.now)
    sign_in(client, app, people["stro"])
    page = client.get(f"/decisions/{did}").get_data(as_text=True)
    assert f"/comments/{first}/report" in page
    assert f"/comments/{mine}/report" not in page
    form = client.get(f"/comments/{first}/report")
    assert form.status_code == 200 and "An early remark." in form.get_data(as_text=True)
    empty = post_form(
        client, f"/comments/{first}/report", f"/comments/{first}/report", {"reason": " "}
    )
    assert empty.status_code == 400
    assert db.session.query(CommentReport).count() == 0
    own = post_form(client, f"/comments/{mine}/report", f"/comments/{mine}/report", {"reason": "x"})
    assert own.status_code == 400
    assert "You cannot report your own comment." in own.get_data(as_text=True)
    response = post_form(
        client, f"/comments/{first}/report", f"/comments/{first}/report", {"reason": "Off topic"}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/decisions/{did}#comment-{first}")
    assert "The facilitators will look at this comment." in client.get(
        f"/decisions/{did}"
    ).get_data(as_text=True)
    again = post_form(
        client, f"/comments/{first}/report", f"/comments/{first}/report", {"reason": "Again"}
    )
    assert again.status_code == 409
    # Make the reported comment not the oldest new one: review it... no: review the other.
    sign_in(other_client, app, people["facilitator"])
    queue = other_client.get(_queue(did)).get_data(as_text=True)
    ids = [int(x) for x in re.findall(r'<li id="review-(\d+)"', queue)]
    assert ids == [first, mine]
    assert "1 report" in queue and "Off topic" in queue
    every = other_client.get("/admin/review?status=reported").get_data(as_text=True)
    assert [int(x) for x in re.findall(r'<li id="review-(\d+)"', every)] == [first]


def _two_comments(app, client, people, clock, first, second):
    """A decision with a comment by ADPC and one by STRO; the facilitator signed in."""
    did = make_decision(people["facilitator"], clock.now)
    a = _comment(people["adpc"], did, first, clock.now)
    b = _comment(people["stro"], did, second, clock.now)
    sign_in(client, app, people["facilitator"])
    return did, a, b


def test_reported_comment_jumps_ahead_of_new_ones(app, client, network, clock):
    people = network["people"]
    did, old, new = _two_comments(app, client, people, clock, "Old.", "New.")
    post_form(client, _queue(did), _queue(did), {"comments": [str(old)], "action": "reviewed"})
    from cop_vote.services import moderation

    moderation.report_comment(people["oxfam1"], old, "Misleading", clock.now)
    db.session.commit()
    queue = client.get(_queue(did)).get_data(as_text=True)
    assert [int(x) for x in re.findall(r'<li id="review-(\d+)"', queue)] == [old, new]


def test_bulk_with_htmx_swaps_the_queue(app, client, network, clock):
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    a = _comment(people["adpc"], did, "Fine.", clock.now)
    sign_in(client, app, people["facilitator"])
    token = csrf_token(client.get(_queue(did)).get_data(as_text=True))
    response = client.post(
        _queue(did),
        data={"comments": [str(a)], "action": "reviewed"},
        headers={"HX-Request": "true", "HX-Target": "review-queue", "X-CSRFToken": token},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    # The message goes out of band into the queue's live region, then the queue.
    status, _section = html.split('<section id="review-queue"', 1)
    assert status.lstrip().startswith('<div id="review-queue-status"') and "<html" not in html
    assert 'hx-swap-oob="innerHTML"' in status and "1 comment: reviewed." in status
    assert _get(a).review == "reviewed"
    filtered = client.get(
        f"{_queue(did)}?status=new", headers={"HX-Request": "true", "HX-Target": "review-queue"}
    ).get_data(as_text=True)
    assert filtered.lstrip().startswith('<div id="review-queue-status"') and "Fine." not in filtered
    assert '<section id="review-queue"' in filtered


def test_balance_of_voices(app, client, network, clock):
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    for n in range(3):
        _comment(people["oxfam1"], did, f"Idris {n}", clock.now)
    for n in range(2):
        _comment(people["oxfam2"], did, f"Lotte {n}", clock.now)
    ballot_service.cast_ballot(people["adpc"], did, {"option": option_ids(did)[0]}, clock.now)
    db.session.commit()
    sign_in(client, app, people["facilitator"])
    html = client.get(_queue(did)).get_data(as_text=True)
    balance = html.split('id="balance"')[1]
    assert "3 eligible organisations" in balance
    row = re.search(
        r"<tr>\s*<th scope=\"row\"><bdi>Oxfam Novib</bdi></th>(.*?)</tr>", balance, re.S
    )
    assert row, balance
    cells = re.findall(r"<td>(.*?)</td>", row.group(1), re.S)
    assert cells[0] == "2" and ">5</a>" in cells[1] and cells[2] == "not cast"
    silent = balance.split("Not heard from yet (no comment, no ballot):")[1].split("</p>")[0]
    assert "Social Trade Organisation" in silent
    assert "Oxfam Novib" not in silent and "African Diaspora" not in silent
    assert balance.count('<th scope="row"><bdi>Oxfam Novib') == 1
    # Silent first: Social Trade's row comes before the others'.
    assert balance.index("Social Trade Organisation</bdi> <em>") < balance.index("African Diaspora")
    assert "1 organisation commented, 1 cast a ballot, 1 not heard from yet." in " ".join(
        balance.split()
    )
    assert "voices" not in balance.split("</table>")[1]  # one page: no link to the rest


def test_the_balance_of_voices_is_paged_silent_first(app, client, network, clock):
    """The queue shows the balance's first rows; the rest is a page of its own,
    a page at a time, with the same totals."""
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    _comment(people["oxfam1"], did, "Idris", clock.now)
    db.session.commit()
    app.config.update(VOICES_ON_QUEUE=1, VOICES_PER_PAGE=1)
    sign_in(client, app, people["facilitator"])
    html = client.get(_queue(did)).get_data(as_text=True)
    balance = " ".join(html.split('id="balance"')[1].split())
    assert "3 eligible organisations; 1 to 1 shown, silent first" in balance
    silent = balance.split("Not heard from yet (no comment, no ballot):")[1].split("</p>")[0]
    assert "African Diaspora" in silent and "and 1 more" in silent
    rest = f"/admin/decisions/{did}/voices?start=1"
    assert f'href="{rest}"' in balance
    second = client.get(rest)
    assert second.status_code == 200
    text = " ".join(second.get_data(as_text=True).split())
    assert "2 to 2 shown" in text and "Social Trade Organisation</bdi> <em>" in text
    third = " ".join(
        client.get(f"/admin/decisions/{did}/voices?start=2").get_data(as_text=True).split()
    )
    assert "Oxfam Novib</bdi></th>" in third and 'rel="next"' not in third
    assert f'href="/admin/decisions/{did}/voices?start=1" rel="prev"' in third
    # A representative may not see it.
    sign_in(client, app, people["adpc"])
    assert client.get(rest).status_code == 403


def test_review_links_and_dutch(app, client, network, clock):
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    sign_in(client, app, people["facilitator"])
    admin = client.get(f"/admin/decisions/{did}").get_data(as_text=True)
    assert _queue(did) in admin and 'href="/admin/review"' in admin
    nl = client.get(f"{_queue(did)}?lang=nl").get_data(as_text=True)
    assert "Balans van de stemmen" in nl


def test_hiding_a_hidden_comment_on_the_page_changes_nothing(app, client, network, clock):
    people = network["people"]
    did, a, b = _two_comments(app, client, people, clock, "Something unkind.", "Something kind.")
    hide = {"comments": [str(a)], "action": "hidden", "reason": "Personal remark"}
    assert post_form(client, _queue(did), _queue(did), hide).status_code == 303
    again = {"comments": [str(b), str(a)], "action": "hidden", "reason": "Off topic"}
    response = post_form(client, _queue(did), _queue(did), again)
    assert response.status_code == 409
    assert f"Comment {a} is hidden already." in response.get_data(as_text=True)
    assert (_get(a).review, _get(a).hidden_reason) == ("hidden", "Personal remark")
    assert (_get(b).review, _get(b).hidden_reason) == ("new", None)
