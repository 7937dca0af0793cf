"""``cop_vote.domain`` imports only the standard library and itself (STYLE.md).

Every module of the package is parsed with :mod:`ast`, never imported, so a
forbidden import is caught even when the package would not import at all.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "cop_vote" / "domain"
MODULES = sorted(DOMAIN.rglob("*.py"))
FORBIDDEN = {"flask", "werkzeug", "jinja2", "sqlalchemy", "cop_vote"}


def forbidden_imports(source: str, filename: str) -> list[str]:
    """Each import in ``source`` that is neither standard library nor ``from .x``."""
    problems: list[str] = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 1:
                continue  # `from . import x` / `from .x import y`: the domain package itself
            if node.level > 1:
                problems.append(f"line {node.lineno}: relative import leaves the domain package")
                continue
            names = [node.module or ""]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and (getattr(node.func, "id", None) or getattr(node.func, "attr", None))
            in ("__import__", "import_module")
        ):
            problems.append(f"line {node.lineno}: dynamic import")
            continue
        else:
            continue
        for name in names:
            top = name.partition(".")[0]
            if top in FORBIDDEN or top not in sys.stdlib_module_names:
                problems.append(f"line {node.lineno}: import {name}")
    return problems


def test_domain_has_modules() -> None:
    assert DOMAIN / "__init__.py" in MODULES
    assert DOMAIN / "tally.py" in MODULES


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(DOMAIN)))
def test_domain_imports_only_stdlib_and_itself(path: Path) -> None:
    problems = forbidden_imports(path.read_text(encoding="utf-8"), str(path))
    assert not problems, f"{path.name}: " + "; ".join(problems)


@pytest.mark.parametrize(
    ("source", "bad"),
    [
        ("import flask", True),
        ("from flask import current_app", True),
        ("import sqlalchemy.orm", True),
        ("from cop_vote.models import Ballot", True),
        ("from ..models import Ballot", True),
        ("import importlib\nimportlib.import_module('flask')", True),
        ("__import__('flask')", True),
        ("import requests", True),
        ("from __future__ import annotations", False),
        ("from collections.abc import Mapping", False),
        ("import os.path", False),
        ("from .errors import InvalidInput", False),
        ("from . import ballots", False),
    ],
)
def test_the_checker_itself(source: str, bad: bool) -> None:
    assert bool(forbidden_imports(source, "<test>")) is bad
