"""What every test's app would compute alike, computed once per test process.

Each test makes an app of its own (``create_app``), and two parts of that were
most of the CPU of the web tests, though they come out the same every time:

* Jinja compiling each template the app renders: kept in :class:`CompiledTemplates`,
  by template and by the language whose literals were translated into the
  code at compile time (``cop_language``, set by web/localised.py). Jinja
  compares the source's checksum before using kept code, so an edited
  template is compiled again.
* Werkzeug compiling a URL builder for each of the ~170 routes (95 % of
  ``create_app``, about 0.12 s a test): :func:`_kept_builders` keeps the builder
  by what it is made from. The builder takes its rule as its first argument
  (``.self``) and reads only that rule's converters, so one builder serves
  every app's copy of the same rule.
* SQLAlchemy compiling each statement to SQL: the compiled forms are kept per
  engine, and every app made a new engine, so a third of the CPU of a test
  that asks through the API went into compiling the same statements again.
  :func:`_shared_compilation` gives each new engine for the same database and
  options the dialect and compiled cache of the first (SQLAlchemy's cache key
  holds the dialect object, so both must be shared for a hit). Everything else
  of the engine (its pool, its connections, the app's event listeners on it)
  is its own, as before.

The app each test gets is otherwise made as before, and production is
untouched: ``install`` is called by tests/conftest.py only.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jinja2
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.engine import Engine
from werkzeug.routing import Rule


class CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates in memory, shared by every app of the process."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def get_bucket(
        self, environment: jinja2.Environment, name: str, filename: str | None, source: str
    ) -> jinja2.bccache.Bucket:
        language = getattr(environment, "cop_language", "")
        return super().get_bucket(environment, f"{language}:{name}", filename, source)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


def _kept_builders(compile_builder: Callable[..., Any]) -> Callable[..., Any]:
    kept: dict[tuple[Any, ...], Any] = {}

    @functools.wraps(compile_builder)
    def builder(rule: Rule, append_unknown: bool = True) -> Any:
        assert rule.map is not None
        key = (
            rule.rule,
            rule.subdomain,
            rule.host,
            rule.map.host_matching,
            rule.merge_slashes,
            tuple(sorted((str(k), repr(v)) for k, v in (rule.defaults or {}).items())),
            append_unknown,
        )
        made = kept.get(key)
        if made is None:
            made = kept[key] = compile_builder(rule, append_unknown)
        return made

    return builder


def _shared_compilation(make_engine: Callable[..., Engine]) -> Callable[..., Engine]:
    kept: dict[tuple[str, str], tuple[Any, Any]] = {}

    @functools.wraps(make_engine)
    def make(self: SQLAlchemy, bind_key: str | None, options: dict[str, Any], app: Flask) -> Engine:
        engine = make_engine(self, bind_key, options, app)
        key = (engine.url.render_as_string(), repr(sorted(options.items(), key=str)))
        shared = kept.get(key)
        if shared is None:
            kept[key] = (engine.dialect, engine._compiled_cache)
        else:
            engine.dialect, engine._compiled_cache = shared
        return engine

    return make


def install() -> None:
    """Share compiled templates, URL builders and SQL between the process's apps."""
    Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": CompiledTemplates()}
    if not hasattr(Rule._compile_builder, "__wrapped__"):
        Rule._compile_builder = _kept_builders(Rule._compile_builder)  # type: ignore[method-assign]
    if not hasattr(SQLAlchemy._make_engine, "__wrapped__"):
        SQLAlchemy._make_engine = _shared_compilation(SQLAlchemy._make_engine)  # type: ignore[method-assign]
