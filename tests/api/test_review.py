"""The review queue and reports through the API (API.md, "Comments")."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from .conftest import API


def _post(client: FlaskClient, headers: dict, did: int, body: str, **extra: Any) -> dict:
    response = client.post(
        f"{API}/decisions/{did}/comments", headers=headers, json={"body": body, **extra}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_new_to_flagged_with_note_and_option(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    h = network["headers"]
    decision = make_decision("open")
    did, option = decision["id"], decision["options"][1]["id"]
    comment = _post(client, h["adpc"], did, "An association needs members' fees.")
    queue = client.get(f"{API}/decisions/{did}/review?status=new", headers=h["facilitator"])
    assert queue.status_code == 200
    (item,) = queue.get_json()["items"]
    assert (item["id"], item["review"], item["reports"], item["tag_option"]) == (
        comment["id"],
        "new",
        [],
        None,
    )
    response = client.patch(
        f"{API}/comments/{comment['id']}",
        headers=h["facilitator"],
        json={"review": "flagged", "note": "Fees: ask the treasurer", "option": option},
    )
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert (data["review"], data["note"], data["tag_option"]) == (
        "flagged",
        "Fees: ask the treasurer",
        option,
    )
    flagged = client.get(
        f"{API}/decisions/{did}/review?status=flagged&option={option}", headers=h["facilitator"]
    ).get_json()["items"]
    assert [c["id"] for c in flagged] == [comment["id"]]
    assert flagged[0]["note"] == "Fees: ask the treasurer"
    assert (
        client.get(f"{API}/decisions/{did}/review?status=new", headers=h["facilitator"]).get_json()[
            "items"
        ]
        == []
    )
    # Members never see the review state or the note.
    seen = client.get(f"{API}/decisions/{did}/comments", headers=h["stro"]).get_json()["items"]
    assert "note" not in seen[0] and "review" not in seen[0]


def test_a_tag_of_another_decision_is_refused(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    h = network["headers"]
    did = make_decision("open")["id"]
    foreign = make_decision("open")["options"][0]["id"]
    comment = _post(client, h["adpc"], did, "Hmm.")
    response = client.patch(
        f"{API}/comments/{comment['id']}",
        headers=h["facilitator"],
        json={"review": "flagged", "option": foreign},
    )
    assert response.status_code == 400
    assert "option" in response.get_json()["error"]["fields"]


def test_hidden_shows_reason_not_text_and_can_be_restored(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    h = network["headers"]
    did = make_decision("open")["id"]
    comment = _post(client, h["adpc"], did, "Something unkind.")
    hide = client.patch(
        f"{API}/comments/{comment['id']}",
        headers=h["facilitator"],
        json={"review": "hidden", "reason": "Personal remark"},
    )
    assert hide.status_code == 200
    for who in ("stro", "oxfam1", "observer", "adpc"):
        (seen,) = client.get(f"{API}/decisions/{did}/comments", headers=h[who]).get_json()["items"]
        assert seen["body"] is None and seen["hidden_reason"] == "Personal remark"
    fac = client.get(f"{API}/decisions/{did}/review", headers=h["facilitator"]).get_json()
    assert fac["items"][0]["body"] == "Something unkind."
    restore = client.patch(
        f"{API}/comments/{comment['id']}", headers=h["facilitator"], json={"review": "reviewed"}
    )
    assert restore.status_code == 200
    (seen,) = client.get(f"{API}/decisions/{did}/comments", headers=h["stro"]).get_json()["items"]
    assert seen["body"] == "Something unkind." and seen["hidden_reason"] is None


def test_premoderation_hides_new_comments_from_other_members(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    h = network["headers"]
    did = make_decision("open", comments="premoderated")["id"]
    comment = _post(client, h["oxfam1"], did, "Wait for review.")
    for who in ("oxfam2", "stro", "observer"):
        assert (
            client.get(f"{API}/decisions/{did}/comments", headers=h[who]).get_json()["items"] == []
        )
        assert client.post(
            f"{API}/comments/{comment['id']}/report", headers=h[who], json={"reason": "x"}
        ).status_code == (403 if who == "observer" else 404)
    assert (
        len(client.get(f"{API}/decisions/{did}/comments", headers=h["oxfam1"]).get_json()["items"])
        == 1
    )
    client.patch(
        f"{API}/comments/{comment['id']}", headers=h["facilitator"], json={"review": "reviewed"}
    )
    assert (
        len(client.get(f"{API}/decisions/{did}/comments", headers=h["stro"]).get_json()["items"])
        == 1
    )


def test_reported_comments_come_first(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    h = network["headers"]
    did = make_decision("open")["id"]
    first = _post(client, h["adpc"], did, "First.")
    second = _post(client, h["stro"], did, "Second.")
    response = client.post(
        f"{API}/comments/{second['id']}/report", headers=h["oxfam1"], json={"reason": "Spam"}
    )
    assert response.status_code == 201
    report = response.get_json()
    assert (report["comment"], report["reason"], report["resolved_at"]) == (
        second["id"],
        "Spam",
        None,
    )
    again = client.post(
        f"{API}/comments/{second['id']}/report", headers=h["oxfam1"], json={"reason": "Spam"}
    )
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "already_reported"
    items = client.get(f"{API}/decisions/{did}/review", headers=h["facilitator"]).get_json()[
        "items"
    ]
    assert [c["id"] for c in items] == [second["id"], first["id"]]
    assert items[0]["reports"][0]["reason"] == "Spam"
    reported = client.get(
        f"{API}/decisions/{did}/review?status=reported", headers=h["facilitator"]
    ).get_json()["items"]
    assert [c["id"] for c in reported] == [second["id"]]
    # Reviewing resolves the report.
    client.patch(
        f"{API}/comments/{second['id']}", headers=h["facilitator"], json={"review": "reviewed"}
    )
    items = client.get(f"{API}/decisions/{did}/review", headers=h["facilitator"]).get_json()[
        "items"
    ]
    assert items[0]["id"] == first["id"] and items[1]["reports"] == []


def test_report_and_queue_refusals(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    h = network["headers"]
    did = make_decision("open")["id"]
    comment = _post(client, h["adpc"], did, "Hi.")
    url = f"{API}/comments/{comment['id']}/report"
    assert client.post(url, headers=h["stro"], json={"reason": " "}).status_code == 400
    assert client.post(url, headers=h["stro"], json={"reason": 5}).status_code == 400
    assert client.post(url, headers=h["stro"], json={"why": "x"}).status_code == 400
    assert client.post(url, json={"reason": "x"}).status_code == 401
    assert (
        client.post(f"{API}/comments/99999/report", headers=h["stro"], json={}).status_code == 404
    )
    queue = f"{API}/decisions/{did}/review"
    for who in ("adpc", "observer"):
        assert client.get(queue, headers=h[who]).status_code == 403
        assert client.get(f"{API}/decisions/99999/review", headers=h[who]).status_code == 403
    assert client.get(queue).status_code == 401
    assert client.get(f"{API}/decisions/99999/review", headers=h["facilitator"]).status_code == 404
    for bad in ("status=gone", "option=abc", "organisation=nobody", "cursor=zzz"):
        response = client.get(f"{queue}?{bad}", headers=h["facilitator"])
        assert response.status_code == 400, bad
        assert response.get_json()["error"]["fields"]


def test_the_queue_pages(client: FlaskClient, network: dict[str, Any], make_decision: Any) -> None:
    h = network["headers"]
    did = make_decision("open")["id"]
    ids = [_post(client, h["stro"], did, f"Comment {n}")["id"] for n in range(3)]
    first = client.get(f"{API}/decisions/{did}/review?limit=2", headers=h["facilitator"]).get_json()
    assert [c["id"] for c in first["items"]] == ids[:2] and first["next"]
    rest = client.get(
        f"{API}/decisions/{did}/review?limit=2&cursor={first['next']}", headers=h["facilitator"]
    ).get_json()
    assert [c["id"] for c in rest["items"]] == ids[2:] and rest["next"] is None
    by_org = client.get(
        f"{API}/decisions/{did}/review?organisation=adpc", headers=h["facilitator"]
    ).get_json()
    assert by_org["items"] == []


def test_hiding_a_hidden_comment_is_409_and_keeps_its_reason(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    h = network["headers"]
    did = make_decision("open")["id"]
    first = _post(client, h["adpc"], did, "Something unkind.")["id"]
    second = _post(client, h["stro"], did, "Something kind.")["id"]
    url = f"{API}/comments/{first}"
    hide = {"review": "hidden", "reason": "Personal remark"}
    assert client.patch(url, headers=h["facilitator"], json=hide).status_code == 200
    again = client.patch(
        url, headers=h["facilitator"], json={"review": "hidden", "reason": "Another reason"}
    )
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "already_hidden"
    for bulk in (f"{API}/decisions/{did}/review", f"{API}/review"):
        refused = client.post(
            bulk,
            headers=h["facilitator"],
            json={"comments": [second, first], "review": "hidden", "reason": "Off topic"},
        )
        assert refused.status_code == 409
        error = refused.get_json()["error"]
        assert error["code"] == "already_hidden" and str(first) in error["message"]
    queue = client.get(f"{API}/decisions/{did}/review", headers=h["facilitator"]).get_json()
    seen = {item["id"]: (item["review"], item["hidden_reason"]) for item in queue["items"]}
    assert seen == {first: ("hidden", "Personal remark"), second: ("new", None)}
