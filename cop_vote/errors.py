"""Errors mapped once: domain errors and HTTP errors to JSON (API) or pages.

Under ``/api/`` every error is ``{"error": {"code", "message", "fields"?}}``
(API.md, "Conventions"); elsewhere a page in the site's layout. Never a 500
for bad input.
"""

from __future__ import annotations

from typing import Any

from apiflask import APIFlask
from apiflask.exceptions import HTTPError
from flask import Response, jsonify, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .domain.errors import DomainError, InvalidInput, Message, StaleBallot
from .extensions import db, htmx
from .i18n import translate

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}

MESSAGES = {
    401: "Authentication required: send Authorization: Bearer <token>.",
    404: "No such object, or it is not visible to you.",
    405: "This method is not allowed here.",
    413: "The request body is too large.",
    429: "Too many requests; try again later.",
    500: "Something went wrong on our side; nothing you sent was lost or half-applied.",
}


def wants_json() -> bool:
    """Whether the current request is an API request."""
    return request.path.startswith("/api/")


def error_body(
    code: str, message: str, fields: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    """The API's error object."""
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    error.update(extra)
    return {"error": error}


def _flatten(detail: Any, prefix: str = "") -> dict[str, str]:
    """Marshmallow's nested messages as ``{"a.b": "sentence"}``."""
    out: dict[str, str] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key in ("json", "query", "form") and not prefix:
                out.update(_flatten(value, ""))
            else:
                out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(detail, list) and all(isinstance(x, str) for x in detail):
        out[prefix or "body"] = " ".join(detail)
    else:
        out[prefix or "body"] = str(detail)
    return out


def _page(status: int, title: str, message: str, *, translated: bool = False) -> Response:
    """The error page. It reads nothing of the request's body, so that a body
    too large or malformed to read still gets its page.

    :param translated: ``message`` is already in the reader's language (a
        rule's :class:`~cop_vote.domain.errors.Message`); else the page shows
        it only when it knows it (:func:`cop_vote.web.render.domain_message`).
    """
    context = {"status": status, "title": title, "message": message, "translated": translated}
    if htmx and not htmx.history_restore_request:
        # htmx would swap the error page over the page's main region, and the
        # form with the text typed into it would be gone: the message goes
        # into the page's message region instead and the form stays as it is.
        response = make_response(render_template("error_notice.html", **context), status)
        response.headers["HX-Retarget"] = "#messages"
        response.headers["HX-Reswap"] = "innerHTML"
        response.headers["HX-Reselect"] = "#error-notice"
        return response
    return make_response(render_template("error.html", **context), status)


def init_app(app: APIFlask) -> None:
    """Register the error handlers."""

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> ResponseReturnValue:
        db.session.rollback()
        if wants_json():
            extra: dict[str, Any] = {}
            if isinstance(error, StaleBallot):
                extra["current"] = error.current
            fields = error.fields if isinstance(error, InvalidInput) else None
            return jsonify(error_body(error.code, error.message, fields, **extra)), error.status
        return _page(
            error.status,
            HTTP_CODES.get(error.status, "error"),
            translate(error.message),
            translated=isinstance(error.message, Message),
        )

    @app.error_processor
    def apiflask_error(error: HTTPError) -> ResponseReturnValue:
        # Input validation and abort() from APIFlask: same format as everything else.
        db.session.rollback()
        fields = _flatten(error.detail) if error.detail else None
        code = (
            "invalid_input"
            if error.status_code == 400 and fields
            else HTTP_CODES.get(error.status_code, "error")
        )
        message = error.message or MESSAGES.get(error.status_code, "Request refused.")
        if error.status_code == 400 and fields:
            message = "The request has invalid fields: " + ", ".join(sorted(fields)) + "."
        return error_body(code, message, fields), error.status_code, error.headers

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        return _page(
            400,
            "Form expired",
            "The form had expired or came from elsewhere. Go back, reload and try again.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        status = error.code or 500
        if status >= 500:
            db.session.rollback()
        # Allow, Retry-After...: kept on both kinds of answer.
        headers = [
            (key, value)
            for key, value in error.get_headers()
            if key.lower() not in ("content-type", "content-length")
        ]
        if wants_json():
            message = MESSAGES.get(status) or error.description or "Request refused."
            response = jsonify(error_body(HTTP_CODES.get(status, "error"), message))
            response.status_code = status
            for key, value in headers:
                response.headers[key] = value
            return response
        message = error.description or ""
        if status == 429:  # the description is the limit, e.g. "30 per 1 minute"
            message = f"Too many requests of this kind (at most {message})."
        response = _page(status, error.name, message)
        for key, value in headers:
            response.headers[key] = value
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> ResponseReturnValue:
        if app.testing:
            raise error
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        if wants_json():
            return jsonify(error_body("internal_error", MESSAGES[500])), 500
        return _page(500, "Internal error", MESSAGES[500])
