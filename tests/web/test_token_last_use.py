"""A token's last use: written on first use, then at most once an hour, and
shown in ``GET /me/tokens`` and on the profile page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from cop_vote.extensions import db

from .helpers import sign_in

#: Its outcome depends on the database: it runs in the PostgreSQL pass too.
pytestmark = pytest.mark.database_semantics

API = "/api/v1"


@contextmanager
def _updates_of_tokens() -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if " ".join(statement.split()).upper().startswith("UPDATE API_TOKEN"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _last_used(client: FlaskClient, headers: dict[str, str]) -> datetime | None:
    """The last use of the token in ``headers`` (the newest made before the test's second)."""
    items = client.get(f"{API}/me/tokens", headers=headers).get_json()["items"]
    row = next(r for r in items if r["label"] != "Second script")
    value = row["last_used_at"]
    return datetime.fromisoformat(value) if value else None


def test_the_first_use_sets_it_and_later_uses_move_it_once_an_hour(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any, token_for: Any
) -> None:
    headers = token_for(network["people"]["stro"])
    with _updates_of_tokens() as updates:
        assert client.get(f"{API}/me", headers=headers).status_code == 200
    assert len(updates) == 1
    first = clock.now
    assert _last_used(client, headers) == first
    clock.advance(minutes=59)
    with _updates_of_tokens() as updates:
        assert client.get(f"{API}/decisions", headers=headers).status_code == 200
        created = client.post(f"{API}/me/tokens", headers=headers, json={"label": "Second script"})
        assert created.status_code == 201 and created.get_json()["last_used_at"] is None
    assert updates == []  # within the hour: no UPDATE at all, on reads or writes
    assert _last_used(client, headers) == first
    clock.advance(minutes=1)
    with _updates_of_tokens() as updates:
        assert client.get(f"{API}/me", headers=headers).status_code == 200
    assert len(updates) == 1
    assert _last_used(client, headers) == clock.now


def test_the_profile_lists_when_each_token_was_last_used(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any, token_for: Any
) -> None:
    person = network["people"]["stro"]
    headers = token_for(person)
    sign_in(client, app, person)
    never = client.get("/profile").get_data(as_text=True).count("<td>Never</td>")
    assert never >= 1
    assert client.get(f"{API}/me", headers=headers).status_code == 200
    page = client.get("/profile").get_data(as_text=True)
    assert "Last used" in page and page.count("<td>Never</td>") == never - 1
