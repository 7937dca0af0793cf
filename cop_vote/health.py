"""Health checks for a load balancer and for whoever runs the installation.

* ``GET /healthz`` (liveness): is this process up and its database reachable,
  in one round trip.
* ``GET /readyz`` (readiness): the database, with the outbox's mail waiting
  and given up, and the task queue, with its tasks waiting and when a worker
  was last seen. 503 when the database or the queue cannot be reached; a
  worker that has not been seen is reported, not a reason to stop sending
  this process requests (the mail waits in the outbox for it).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from . import queue
from .extensions import db
from .security import talisman
from .services import outbox

bp = Blueprint("health", __name__)

#: A worker notes it is alive each minute; older than this and it is "not seen".
WORKER_SEEN_SECONDS = 150


@bp.get("/healthz")
@talisman(force_https=False)  # a load balancer may ask over plain HTTP
def healthz() -> ResponseReturnValue:
    """Report liveness: 200 with the database ok, 503 when it is unreachable."""
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.get("/readyz")
@talisman(force_https=False)
def readyz() -> ResponseReturnValue:
    """Report readiness: the database and the queue, 503 when either is unreachable."""
    report: dict[str, Any] = {"status": "ok"}
    try:
        mail = outbox.counts()
        db.session.rollback()
        report.update(database="ok", mail_waiting=mail["pending"], mail_failed=mail["failed"])
    except SQLAlchemyError:
        db.session.rollback()
        report.update(status="error", database="unreachable")
    tasks = queue.get()
    if tasks.immediate:
        report.update(queue="ok", worker="none needed")
    else:
        try:
            state = tasks.status()
        except Exception:  # noqa: BLE001 - whatever the storage raises, it is unreachable
            current_app.logger.warning("The task queue is unreachable", exc_info=True)
            report.update(status="error", queue="unreachable")
        else:
            seen = state["worker_seen_seconds_ago"]
            fresh = seen is not None and seen <= WORKER_SEEN_SECONDS
            report.update(
                queue="ok",
                tasks_waiting=state["queued"],
                tasks_scheduled=state["scheduled"],
                worker="ok" if fresh else "not seen",
                worker_seen_seconds_ago=seen,
            )
    return jsonify(report), 200 if report["status"] == "ok" else 503
