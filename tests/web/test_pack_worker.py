"""A large meeting pack is built by the worker and fetched when ready."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from docx import Document
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import event

from cop_vote import queue
from cop_vote.extensions import db
from cop_vote.models import Comment
from cop_vote.web import exports

from .helpers import make_decision, sign_in

#: Its outcome depends on the database: it runs in the PostgreSQL pass too.
pytestmark = pytest.mark.database_semantics


@pytest.fixture
def large(app: Flask, network: dict[str, Any], clock: Any, monkeypatch: Any) -> int:
    """A decision with more comments than a pack built in the request may hold."""
    monkeypatch.setattr(exports, "LARGE_PACK_COMMENTS", 3)
    decision_id = make_decision(network["people"]["facilitator"], clock.now)
    amina = network["people"]["adpc"]
    for n in range(4):
        db.session.add(
            Comment(
                decision_id=decision_id,
                author_id=amina.id,
                organisation_id=amina.organisation_id,
                body=f"Comment number {n} on the long thread",
                created_at=clock.now,
                review="flagged",
            )
        )
    db.session.commit()
    return decision_id


def test_a_large_pack_is_prepared_then_offered(
    app: Flask, client: FlaskClient, network: dict[str, Any], large: int
) -> None:
    sign_in(client, app, network["people"]["facilitator"])
    asked = client.get(f"/decisions/{large}/meeting-pack.docx")
    assert asked.status_code == 303
    job_page = asked.headers["Location"]
    assert job_page.startswith(f"/decisions/{large}/meeting-pack/")
    # The queue runs tasks at once in the tests: the pack is ready.
    ready = client.get(job_page)
    assert ready.status_code == 200
    assert "Refresh" not in ready.headers
    html = ready.get_data(as_text=True)
    file_url = f"{job_page}.docx"
    assert file_url in html
    download = client.get(file_url)
    assert download.status_code == 200
    assert download.mimetype == exports.DOCX_MIMETYPE
    assert download.headers["Cache-Control"] == "private, no-store"
    text = "\n".join(p.text for p in Document(io.BytesIO(download.data)).paragraphs)
    assert "Comment number 3 on the long thread" in text


def test_a_large_xlsx_pack_is_prepared_by_the_worker_too(
    app: Flask, client: FlaskClient, network: dict[str, Any], large: int
) -> None:
    sign_in(client, app, network["people"]["facilitator"])
    asked = client.get(f"/decisions/{large}/meeting-pack.xlsx")
    assert asked.status_code == 303
    job_page = asked.headers["Location"]
    html = client.get(job_page).get_data(as_text=True)
    assert "Download the meeting pack as an Excel workbook" in html
    assert f"{job_page}.xlsx" in html
    download = client.get(f"{job_page}.xlsx")
    assert download.status_code == 200
    assert download.mimetype == exports.XLSX_MIMETYPE
    assert download.headers["Cache-Control"] == "private, no-store"
    sheet = load_workbook(io.BytesIO(download.data)).worksheets[2]
    texts = [row[4] for row in sheet.iter_rows(values_only=True)]
    assert "Comment number 3 on the long thread" in texts
    # A workbook job is not a Word document, and it does not replace the Word pack.
    assert client.get(f"{job_page}.docx").status_code == 404
    word = client.get(f"/decisions/{large}/meeting-pack.docx").headers["Location"]
    client.get(f"/decisions/{large}/meeting-pack.xlsx")
    assert client.get(f"{word}.docx").status_code == 200


def test_a_pack_being_prepared_refreshes_and_a_replaced_one_is_gone(
    app: Flask, client: FlaskClient, network: dict[str, Any], large: int
) -> None:
    sign_in(client, app, network["people"]["facilitator"])
    with app.app_context():
        huey = queue.get().huey
    huey.put(f"pack:{large}:waiting", ("pending", None))
    waiting = client.get(f"/decisions/{large}/meeting-pack/waiting")
    assert waiting.status_code == 200
    assert waiting.headers["Refresh"] == "3"
    assert "being prepared" in waiting.get_data(as_text=True)
    assert client.get(f"/decisions/{large}/meeting-pack/waiting.docx").status_code == 404
    first = client.get(f"/decisions/{large}/meeting-pack.docx").headers["Location"]
    second = client.get(f"/decisions/{large}/meeting-pack.docx").headers["Location"]
    assert client.get(f"{second}.docx").status_code == 200
    gone = client.get(first)
    assert "no longer kept" in gone.get_data(as_text=True)
    assert client.get(f"{first}.docx").status_code == 404


def test_only_facilitators_reach_a_prepared_pack(
    app: Flask, client: FlaskClient, network: dict[str, Any], large: int
) -> None:
    facilitator = app.test_client()
    sign_in(facilitator, app, network["people"]["facilitator"])
    job_page = facilitator.get(f"/decisions/{large}/meeting-pack.docx").headers["Location"]
    sign_in(client, app, network["people"]["adpc"])
    for path in (f"/decisions/{large}/meeting-pack.docx", job_page, f"{job_page}.docx"):
        assert client.get(path).status_code == 403, path


def test_a_small_pack_is_still_built_in_the_request(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    decision_id = make_decision(network["people"]["facilitator"], clock.now)
    sign_in(client, app, network["people"]["facilitator"])
    answer = client.get(f"/decisions/{decision_id}/meeting-pack.docx")
    assert answer.status_code == 200
    assert answer.mimetype == exports.DOCX_MIMETYPE


@contextmanager
def _statements(app: Flask) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.strip())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_the_worker_builds_a_pack_without_the_write_lock(
    app: Flask, network: dict[str, Any], large: int, database_url: str
) -> None:
    facilitator_id = network["people"]["facilitator"].id
    db.session.commit()
    with _statements(app) as seen:
        queue.get().build_pack.call_local(large, facilitator_id, "en", "worker-job")
    assert queue.get().pack(large, "worker-job")[0] == "ready"
    if database_url.startswith("sqlite"):
        assert "BEGIN" in seen and "BEGIN IMMEDIATE" not in seen
    else:
        assert not [s for s in seen if "FOR UPDATE" in s]
