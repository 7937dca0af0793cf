"""Conditional GET for the answers that are polled: an ETag, and 304 when unchanged."""

from __future__ import annotations

from flask import Response, request


def conditional(response: Response) -> Response:
    """Answer a conditional GET: the body's hash as ``ETag``, and ``304 Not
    Modified`` with no body when the client's copy (``If-None-Match``) is the
    same. ``Cache-Control: private, no-cache``: a browser may keep the answer
    but asks again each time; shared caches keep nothing.

    For the panels that are polled (results, participation) and the API's
    results: the count behind them is cached (services/tally_cache.py), so an
    unchanged answer costs little work and no transfer.
    """
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    response.headers["Cache-Control"] = "private, no-cache"
    response.add_etag()
    return response.make_conditional(request)
