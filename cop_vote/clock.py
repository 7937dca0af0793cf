"""The application's clock. Views and commands ask here for "now".

Tests set ``app.config["CLOCK"]`` to a callable returning an aware datetime,
to move time past a deadline without sleeping.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from .models import utcnow


def now() -> datetime:
    """The current time, aware UTC (or the configured test clock's)."""
    clock = current_app.config.get("CLOCK")
    return clock() if clock is not None else utcnow()
