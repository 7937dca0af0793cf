"""Every limit the OpenAPI document states for a request field is the service's limit.

For each request body the document declares, every property with
``maxLength``, ``minLength: 1``, ``maximum``/``minimum``, ``maxItems`` or
``enum`` is sent at the limit (the service must not name the field) and just
past it (400, naming the field). schemathesis (``test_openapi_contract``)
checks the answers' shapes; this checks that the documented input limits are
neither looser nor stricter than the services'.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from .conftest import API

#: Fields whose values name other objects or carry formats: a plain value of
#: the right length is not a valid one, so only the refusal past the limit is checked.
REFERENCES = {"option", "parent", "into", "organisation", "id", "version", "lead"}
#: Formats whose sizes need a value of that format (built by :func:`sized`).
FORMATTED = {"email", "document_url"}

_serial = itertools.count(1)


def sized(name: str, length: int) -> str:
    """A text of ``length`` characters, different every call, valid for ``name``."""
    tag = f"{next(_serial)}q"
    if name == "email" and length <= 76:
        return (tag + "a" * length)[: length - len("@example.org")] + "@example.org"
    if name == "email":
        # 64-character local part, labels of at most 63 characters.
        local = (tag + "a" * 64)[:64]
        rest = length - len(local) - 1 - len(".org")
        labels, left = [], rest
        while left > 0:
            labels.append("b" * min(63, left))
            left -= len(labels[-1]) + 1
        domain = ".".join(labels)[: rest if rest > 0 else 0].strip(".")
        address = f"{local}@{domain}.org"
        return address + "c" * (length - len(address))
    if name == "document_url":
        return ("https://example.org/" + tag + "x" * length)[:length]
    return (tag + "x" * length)[:length]


def _schemas(client: FlaskClient) -> tuple[dict[str, Any], dict[str, Any]]:
    spec = client.get(f"{API}/openapi.json").get_json()
    return spec["paths"], spec["components"]["schemas"]


def _request_schema(paths: dict[str, Any], schemas: dict[str, Any], method: str, path: str) -> Any:
    ref = paths[API + path][method]["requestBody"]["content"]["application/json"]["schema"]
    return schemas[ref["$ref"].rsplit("/", 1)[1]]


def _limits(schema: dict[str, Any]) -> list[tuple[str, Any, Any, dict[str, Any]]]:
    """``(property, value at the limit, value past it, its schema)`` for each limit."""
    found = []
    for name, prop in schema.get("properties", {}).items():
        if "maxLength" in prop:
            n = prop["maxLength"]
            ok = None if name in REFERENCES else sized(name, n)
            found.append((name, ok, sized(name, n + 1), prop))
        if prop.get("minLength") == 1:
            found.append((name, None, " \u200b ", prop))
        if "maximum" in prop and prop["maximum"] < 2**31 - 1:
            found.append((name, prop["maximum"], prop["maximum"] + 1, prop))
        if "minimum" in prop and name not in REFERENCES:
            low = prop["minimum"]
            found.append((name, low, low - (0.5 if low == 0 else 1), prop))
        if "maxItems" in prop:
            n = prop["maxItems"]
            found.append((name, [{"label": sized("label", 5)} for _ in range(n)], n + 1, prop))
        if "enum" in prop:
            found.append((name, None, "not-one-of-them", prop))
    return found


def _check(
    send: Callable[[dict[str, Any]], Any],
    base: Callable[[], dict[str, Any]],
    name: str,
    ok: Any,
    bad: Any,
    prop: dict[str, Any],
) -> None:
    if isinstance(bad, int) and "maxItems" in prop:
        bad = [{"label": sized("label", 5)} for _ in range(bad)]
    if ok is not None:
        answer = send({**base(), name: ok})
        fields = (answer.get_json() or {}).get("error", {}).get("fields", {})
        assert not any(f == name or f.startswith(name + ".") for f in fields), (name, answer.json)
    answer = send({**base(), name: bad})
    assert answer.status_code == 400, (name, bad if len(str(bad)) < 80 else "...", answer.json)
    fields = answer.get_json()["error"]["fields"]
    assert any(f == name or f.startswith(name + ".") for f in fields), (name, fields)


@pytest.fixture
def targets(
    client: FlaskClient, network: dict[str, Any], make_decision: Any, clock: Any
) -> list[tuple[str, str, str, Callable[[], dict[str, Any]]]]:
    """Each request body with who sends it and a base body: (who, method, path, base)."""
    open_ = make_decision("open")
    consent = make_decision("open", method="consent", options=[{"label": "Proposal"}])
    phase = make_decision("draft", proposals_open=True)
    comment = client.post(
        f"{API}/decisions/{open_['id']}/comments",
        json={"body": "First."},
        headers=network["headers"]["adpc"],
    ).get_json()
    option = open_["options"][0]["id"]
    person = network["people"]["stro"].id
    return [
        ("facilitator", "post", "/organisations", lambda: {"name": sized("name", 20)}),
        ("facilitator", "patch", "/organisations/stro", dict),
        (
            "facilitator",
            "post",
            "/people",
            lambda: {"name": "N", "email": sized("email", 30), "organisation": "adpc"},
        ),
        ("facilitator", "patch", f"/people/{person}", dict),
        (
            "facilitator",
            "post",
            "/organisations/stro/people",
            lambda: {"name": "N", "email": sized("email", 30)},
        ),
        ("facilitator", "patch", "/me", dict),
        (
            "facilitator",
            "post",
            "/decisions",
            lambda: {"title": "T", "method": "single_choice", "dots": 100},
        ),
        (
            "facilitator",
            "patch",
            f"/decisions/{make_decision('draft')['id']}",
            lambda: {"dots": 100},
        ),
        ("adpc", "patch", f"/comments/{comment['id']}", dict),
        ("stro", "post", f"/comments/{comment['id']}/report", dict),
        ("oxfam1", "put", f"/decisions/{consent['id']}/ballot", lambda: {"position": "block"}),
        ("facilitator", "post", f"/decisions/{make_decision('closed')['id']}/publish", dict),
        ("adpc", "post", f"/decisions/{phase['id']}/options", lambda: {"label": sized("l", 9)}),
        ("facilitator", "post", f"/decisions/{make_decision('draft')['id']}/withdraw", dict),
        (
            "facilitator",
            "post",
            f"/decisions/{make_decision('closed')['id']}/reopen",
            lambda: {"closes_at": (clock.now + timedelta(days=1)).isoformat()},
        ),
        (
            "facilitator",
            "post",
            f"/decisions/{make_decision('published')['id']}/amend",
            lambda: {"reason": sized("reason", 9)},
        ),
        ("stro", "post", f"/decisions/{open_['id']}/comments", dict),
        (
            "facilitator",
            "put",
            f"/decisions/{open_['id']}/ballots/stro",
            lambda: {"option": option, "given_by": "G"},
        ),
        (
            "facilitator",
            "patch",
            f"/comments/{comment['id']}",
            lambda: {"review": "hidden", "reason": "R"},
        ),
    ]


def test_documented_limits_are_the_services_limits(
    client: FlaskClient, network: dict[str, Any], targets: list[Any]
) -> None:
    paths, schemas = _schemas(client)
    checked: set[tuple[str, str]] = set()
    for who, method, path, base in targets:
        template = next(
            p for p in paths if _matches(p.removeprefix(API), path) and method in paths[p]
        )
        schema = _request_schema(paths, schemas, method, template.removeprefix(API))
        headers = network["headers"][who]

        def send(
            body: dict[str, Any], method: str = method, path: str = path, headers: Any = headers
        ) -> Any:
            return client.open(f"{API}{path}", method=method.upper(), json=body, headers=headers)

        variants = [schema, *(_variants(schema, schemas) if "position" in base() else [])]
        for variant in variants:
            for name, ok, bad, prop in _limits(variant):
                if name in ("review", "reason", "note") and who != "facilitator":
                    continue
                if name == "body" and who == "facilitator" and "comments/" in path:
                    continue
                if name == "slug" and method == "patch":
                    ok = None  # renaming the organisation would move its address
                _check(send, base, name, ok, bad, prop)
                checked.add((template, name))
        items = schema.get("properties", {}).get("options", {}).get("items", {})
        if "$ref" in items:
            option_schema = schemas[items["$ref"].rsplit("/", 1)[1]]
            for name, ok, bad, prop in _limits(option_schema):
                if name in ("starts_at", "ends_at"):
                    continue

                def send_option(body: dict[str, Any], send: Any = send, base: Any = base) -> Any:
                    answer = send({**base(), "options": [body]})
                    return _renamed(answer, "options.0.")

                _check(send_option, lambda: {"label": sized("label", 5)}, name, ok, bad, prop)
                checked.add((template + " options[]", name))
    assert len(checked) >= 64, sorted(checked)


def _variants(schema: dict[str, Any], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    """The consent branch of a ballot body (its ``reason`` has a limit)."""
    refs = [v["$ref"].rsplit("/", 1)[1] for v in schema.get("oneOf", []) if "$ref" in v]
    return [schemas[r] for r in refs if r.startswith("Consent")]


def _matches(template: str, path: str) -> bool:
    a, b = template.split("/"), path.split("/")
    return len(a) == len(b) and all(x == y or x.startswith("{") for x, y in zip(a, b, strict=True))


class _Renamed:
    """An answer whose error fields lose a prefix (``options.0.label`` → ``label``)."""

    def __init__(self, answer: Any, prefix: str) -> None:
        self.status_code = answer.status_code
        self.json = answer.get_json()
        error = (self.json or {}).get("error")
        if error and "fields" in error:
            error["fields"] = {k.removeprefix(prefix): v for k, v in error["fields"].items()}

    def get_json(self) -> Any:
        return self.json


def _renamed(answer: Any, prefix: str) -> _Renamed:
    return _Renamed(answer, prefix)
