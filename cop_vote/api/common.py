"""What every API view shares: the bearer token, the order of refusal, the body, paging.

Order of refusal (API.md, "Conventions"): 401 (no or bad token, by
:data:`auth`), then 403 (the role may never do this), then 404 (no such
object, or not visible), then 413 (body too large), then 400 (malformed or
invalid input), then 409 (the object's state forbids it). :func:`checks` runs
the first four before the body is read; the services raise 400 and 409.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any, TypeVar

from apiflask import HTTPTokenAuth
from apiflask.exceptions import HTTPError
from flask import Response, jsonify, request
from flask.typing import ResponseReturnValue

from .. import clock
from ..database import MAX_ID
from ..domain.errors import InvalidInput, NotFound
from ..errors import MESSAGES, error_body
from ..models import Person
from ..services import auth as auth_service

T = TypeVar("T")

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

auth = HTTPTokenAuth(
    scheme="Bearer",
    security_scheme_name="BearerAuth",
    description="A personal token: `Authorization: Bearer <token>`.",
)


#: The 401's message when a token was sent, by :func:`auth_service.refused_token`.
_REFUSED_TOKEN = {
    "no_access": "This token's person has no access: they, or their organisation, "
    "are no longer active.",
    "unknown": "This token is unknown or revoked: send Authorization: Bearer <token> "
    "with a live token.",
}


@auth.verify_token
def _verify_token(token: str) -> Person | None:
    return auth_service.person_for_token(token, clock.now(), note_use=True)


@auth.error_processor
def _auth_error(error: HTTPError) -> ResponseReturnValue:
    status = error.status_code
    message = MESSAGES.get(status, "Not allowed.")
    if status == 401:  # a token was sent: say why it let nobody in
        header = request.headers.get("Authorization")
        message = _REFUSED_TOKEN.get(
            auth_service.refused_token(auth_service.bearer_token(header)) or "", message
        )
    return jsonify(error_body("unauthorized" if status == 401 else "forbidden", message)), status


def respond(data: Any, status: int = 200) -> Response:
    """A JSON response of ``data`` as built by :mod:`cop_vote.api.serialize`.

    Views return a response, so ``@bp.output`` documents the shape without
    re-serialising it.
    """
    response = jsonify(data)
    response.status_code = status
    return response


def actor() -> Person:
    """The person of the request's token (views run only after :data:`auth`)."""
    person: Person = auth.current_user  # type: ignore[assignment]
    return person


# --- the body -------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def _check_values(value: Any) -> None:
    """Refuse NUL and lone surrogates anywhere (no database stores them), and
    numbers too large for a float (``1e999`` reads as infinity).

    Walks without recursion: JSON nested a thousand deep must not overflow the stack.
    """
    stack: list[tuple[Any, str]] = [(value, "body")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise InvalidInput(f"{path} is not a finite number.", {path: "Not a finite number."})
        if isinstance(item, str) and _BAD_TEXT.search(item):
            raise InvalidInput(
                f"{path} holds a character that cannot be stored.",
                {path: "Contains NUL or an unpaired surrogate."},
            )
        if isinstance(item, dict):
            for key, child in item.items():
                child_path = str(key) if path == "body" else f"{path}.{key}"
                stack.append((key, path))
                stack.append((child, child_path))
        elif isinstance(item, list):
            for i, child in enumerate(item):
                stack.append((child, str(i) if path == "body" else f"{path}.{i}"))


def read_json_object() -> dict[str, Any]:
    """The request body as a JSON object.

    Reading raises 413 (JSON, by the app's handler) when the body is larger
    than ``MAX_CONTENT_LENGTH``. The parsed body is cached by the request, so
    APIFlask's input decorator reads the same data afterwards.

    :raises InvalidInput: ``malformed_json`` for an empty, undecodable or
        non-JSON body (NaN and Infinity included), or field ``body`` when it
        is JSON but not an object.
    """
    data = request.get_data(cache=True)
    if not data.strip():
        raise InvalidInput(
            "The request needs a JSON object as its body.",
            {"body": "Send a JSON object."},
            code="malformed_json",
        )
    if not request.is_json:
        raise InvalidInput(
            "Send the body as JSON with Content-Type: application/json.",
            {"body": "Content-Type must be application/json."},
            code="malformed_json",
        )
    try:
        value = json.loads(data.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        # Where, when the parser knows; never its own words (Python's internals).
        where = (
            f" (line {exc.lineno}, column {exc.colno})"
            if isinstance(exc, json.JSONDecodeError)
            else ""
        )
        raise InvalidInput(
            "The body is not valid JSON.",
            {"body": f"The body is not valid JSON{where}."},
            code="malformed_json",
        ) from None
    if not isinstance(value, dict):
        raise InvalidInput("The body must be a JSON object.", {"body": "Must be a JSON object."})
    _check_values(value)
    return value


def only(body: dict[str, Any], allowed: Sequence[str]) -> dict[str, Any]:
    """``body`` if it has no keys but ``allowed``; :raises InvalidInput: naming the others."""
    unknown = [key for key in body if key not in allowed]
    if unknown:
        raise InvalidInput(
            "Unknown field: " + ", ".join(unknown) + ".", {key: "Unknown field." for key in unknown}
        )
    return body


def _no_fields() -> None:
    """A write that takes no body: refuse a JSON body naming any field."""
    if request.is_json and request.get_data(cache=True).strip():
        only(read_json_object(), ())


# --- the order of refusal -------------------------------------------------------


def checks(
    role: Callable[[Person | None], Any] | None = None,
    find: Callable[..., Any] | None = None,
    body: bool = False,
    own_body: bool = False,
) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Refuse in API.md's order before the view runs (401 is done by :data:`auth`).

    :param role: ``access.require_facilitator`` or ``require_member``: 403 for
        a role that may never do this, before anything is looked up.
    :param find: ``find(actor, **view_args)`` raising NotFound (404). Path
        identifiers outside the database's range are 404 too.
    :param body: read the body as a JSON object (413, then 400). Without it a
        write takes no body: a JSON one naming any field is refused (400, as
        every unknown field), an empty one or ``{}`` is not.
    :param own_body: the view reads a body of its own kind (a CSV file).
    """

    def decorator(view: Callable[..., T]) -> Callable[..., T]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> T:
            person = actor()
            if role is not None:
                role(person)
            for key, value in kwargs.items():
                if key.endswith("_id") and isinstance(value, int) and not 0 < value <= MAX_ID:
                    raise NotFound(f"No such object: {value}.")
            if find is not None:
                path_args = {k: v for k, v in kwargs.items() if k in (request.view_args or {})}
                find(person, **path_args)
            if body:
                read_json_object()
            elif not own_body and request.method in ("POST", "PUT", "PATCH", "DELETE"):
                _no_fields()
            return view(*args, **kwargs)

        return wrapper

    return decorator


def error_responses(*codes: int) -> dict[int, str]:
    """The error answers of a route, for ``@bp.doc(responses=...)``."""
    text = {
        400: "Malformed or invalid input; `fields` names each bad field.",
        401: "No token or a bad one.",
        403: "Not allowed for your role.",
        404: "No such object, or it is not visible to you.",
        409: "The object's state forbids it.",
        413: "The body is too large.",
        429: "Too many requests of this kind; wait for `Retry-After` seconds.",
    }
    return {code: text[code] for code in codes}


# --- paging ---------------------------------------------------------------------


def _encode(kind: str, value: int) -> str:
    raw = json.dumps([kind, value], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, kind: str) -> int:
    bad = InvalidInput("Unknown cursor.", {"cursor": "Use the `next` of the previous page."})
    if len(cursor) > 100:
        raise bad
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        found, value = json.loads(raw)
    except (ValueError, TypeError, binascii.Error, RecursionError):
        raise bad from None
    if (
        found != kind
        or isinstance(value, bool)
        or not isinstance(value, int)
        or not 0 <= value <= MAX_ID
    ):
        raise bad
    return value


def page_args(kind: str) -> tuple[int | None, int]:
    """``(position, limit)`` from ``?cursor=`` and ``?limit=`` of the request.

    :raises InvalidInput: a cursor not made by this API, or a limit outside 1..200.
    """
    query = request.args
    cursor = query.get("cursor") or None
    raw_limit = query.get("limit")
    limit = PAGE_SIZE
    if raw_limit not in (None, ""):
        if (
            not isinstance(raw_limit, str)
            or len(raw_limit) > 4
            or not raw_limit.isascii()
            or not raw_limit.isdigit()
            or not 1 <= int(raw_limit) <= MAX_PAGE_SIZE
        ):
            raise InvalidInput(
                "Invalid limit.", {"limit": f"A whole number from 1 to {MAX_PAGE_SIZE}."}
            )
        limit = int(raw_limit)
    return (_decode(cursor, kind) if cursor else None), limit


def paginate(items: Sequence[T]) -> tuple[list[T], str | None]:
    """One page of ``items`` and the cursor of the next page (``None`` at the end)."""
    offset, limit = page_args("o")
    start = offset or 0
    page = list(items[start : start + limit])
    more = start + limit < len(items)
    return page, (_encode("o", start + limit) if more else None)


def paginate_rows(fetch: Callable[[int, int], list[T]]) -> tuple[list[T], str | None]:
    """One page from ``fetch(offset, limit)`` (which reads at most ``limit``
    rows from ``offset`` in SQL), and the next page's cursor: the same cursors
    as :func:`paginate`, without reading the rows of other pages."""
    offset, limit = page_args("o")
    start = offset or 0
    rows = fetch(start, limit + 1)
    more = len(rows) > limit
    return rows[:limit], (_encode("o", start + limit) if more else None)


def offset_cursor(offset: int | None) -> str | None:
    """The opaque cursor of the page that starts at ``offset`` (as :func:`paginate` makes)."""
    return _encode("o", offset) if offset is not None else None


def comment_cursor(last_id: int | None) -> str | None:
    """The opaque cursor after the comment ``last_id``."""
    return _encode("c", last_id) if last_id is not None else None


def comment_page_args() -> tuple[int | None, int]:
    """``(after comment id, limit)`` from the query."""
    return page_args("c")
