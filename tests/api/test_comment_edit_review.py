"""Changed text goes back to review; only facilitators review."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

API = "/api/v1"


def test_an_edited_comment_returns_to_review_and_hides_under_premoderation(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    headers = network["headers"]
    decision = make_decision("open", comments="premoderated")
    comments_url = f"{API}/decisions/{decision['id']}/comments"
    posted = client.post(comments_url, json={"body": "First words."}, headers=headers["adpc"])
    assert posted.status_code == 201
    cid = posted.get_json()["id"]
    reviewed = client.patch(
        f"{API}/comments/{cid}", json={"review": "reviewed"}, headers=headers["facilitator"]
    )
    assert reviewed.status_code == 200
    seen = client.get(comments_url, headers=headers["stro"]).get_json()["items"]
    assert [c["body"] for c in seen] == ["First words."]

    edited = client.patch(
        f"{API}/comments/{cid}", json={"body": "Other words."}, headers=headers["adpc"]
    )
    assert edited.status_code == 200
    assert client.get(comments_url, headers=headers["stro"]).get_json()["items"] == []
    queue = client.get(
        f"{API}/decisions/{decision['id']}/review", headers=headers["facilitator"]
    ).get_json()["items"]
    assert [(c["id"], c["review"]) for c in queue] == [(cid, "new")]


def test_a_representative_sending_review_fields_is_refused_403(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    headers = network["headers"]
    decision = make_decision("open")
    posted = client.post(
        f"{API}/decisions/{decision['id']}/comments",
        json={"body": "Mine."},
        headers=headers["adpc"],
    )
    cid = posted.get_json()["id"]
    for body in ({"note": "x"}, {"review": "flagged"}):
        refused = client.patch(f"{API}/comments/{cid}", json=body, headers=headers["adpc"])
        assert refused.status_code == 403
