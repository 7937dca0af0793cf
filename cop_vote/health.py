"""``GET /healthz``: is the application up and its database reachable."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db
from .security import talisman

bp = Blueprint("health", __name__)


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
