"""The health checks (``/healthz``, ``/readyz``) and the app factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient


def test_healthz_reports_database_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_503_when_database_unreachable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from cop_vote import create_app

    bad = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite",
        }
    )
    response = bad.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_readyz_reports_the_database_the_outbox_and_the_queue(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    from cop_vote import queue

    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "database": "ok",
        "mail_waiting": 0,
        "mail_failed": 0,
        "queue": "ok",
        "worker": "none needed",  # tasks run in place
    }
    app.config["QUEUE_URL"] = f"sqlite:///{tmp_path / 'queue.sqlite'}"
    queue.init_app(app)
    queue.get().deliver_mail()  # waiting for a worker that has not been seen
    report = client.get("/readyz").get_json()
    assert report["queue"] == "ok" and report["tasks_waiting"] == 1
    assert report["worker"] == "not seen" and report["worker_seen_seconds_ago"] is None
    queue.get().heartbeat()
    report = client.get("/readyz").get_json()
    assert report["worker"] == "ok" and report["worker_seen_seconds_ago"] == 0


def test_readyz_503_when_the_queue_is_unreachable(app: Flask, client: FlaskClient) -> None:
    from cop_vote import queue

    app.config["QUEUE_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    queue.init_app(app)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["queue"] == "unreachable"
    assert response.get_json()["database"] == "ok"
    assert client.get("/healthz").status_code == 200  # alive all the same


def test_readyz_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    from cop_vote import create_app

    bad = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite",
            "QUEUE_URL": "immediate",
        }
    )
    response = bad.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
