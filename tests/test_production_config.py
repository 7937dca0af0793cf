"""Production settings: the database pool from the environment, proxies in
front, and gunicorn's configuration file."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from flask import Flask, request

from cop_vote import config, create_app

GUNICORN_CONF = Path(__file__).resolve().parents[1] / "deploy" / "gunicorn.conf.py"


def test_a_server_database_gets_pool_settings_from_the_environment() -> None:
    url = "postgresql+psycopg://cop@db/cop"
    assert config.engine_options(url, {}) == {
        "pool_size": 5,
        "max_overflow": 5,
        "pool_timeout": 10.0,
        "pool_recycle": 1800,
        "pool_pre_ping": True,
    }
    env = {
        "DATABASE_POOL_SIZE": "3",
        "DATABASE_MAX_OVERFLOW": "0",
        "DATABASE_POOL_TIMEOUT": "2.5",
        "DATABASE_POOL_RECYCLE": "600",
        "DATABASE_POOL_PRE_PING": "0",
    }
    assert config.engine_options(url, env) == {
        "pool_size": 3,
        "max_overflow": 0,
        "pool_timeout": 2.5,
        "pool_recycle": 600,
        "pool_pre_ping": False,
    }
    assert config.engine_options("sqlite:///x.sqlite", env) == {}


def test_the_pool_settings_reach_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://cop@127.0.0.1:1/cop")  # never connected
    monkeypatch.setenv("DATABASE_POOL_SIZE", "3")
    monkeypatch.setenv("DATABASE_POOL_RECYCLE", "600")
    app = create_app({"TESTING": True, "SECRET_KEY": "x"})
    with app.app_context():
        from cop_vote.extensions import db

        pool = db.engine.pool
        assert pool.size() == 3  # type: ignore[attr-defined]
        assert pool._recycle == 600  # type: ignore[attr-defined]
        assert pool._pre_ping is True  # type: ignore[attr-defined]
        db.engine.dispose()


def _remote_addr(app: Flask) -> str:
    @app.get("/_addr")
    def addr() -> str:
        return f"{request.remote_addr} {request.scheme}"

    headers = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"}
    client = app.test_client()
    return client.get("/_addr", headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"}).text


def test_behind_a_proxy_the_client_s_address_counts(app: Flask) -> None:
    assert _remote_addr(app) == "127.0.0.1 http"  # no proxy trusted: headers ignored
    behind = create_app({**app.config, "FORWARDED_PROXIES": 1})
    assert _remote_addr(behind) == "198.51.100.7 https"


def test_gunicorn_s_file_runs_several_workers_with_time_outs_and_an_access_log(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    settings = runpy.run_path(str(GUNICORN_CONF))
    assert settings["workers"] >= 3 and settings["worker_class"] == "sync"
    assert settings["timeout"] == 30 and settings["graceful_timeout"] == 30
    assert settings["accesslog"] == "-" and settings["preload_app"] is False
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "20")
    monkeypatch.setenv("PORT", "8080")
    settings = runpy.run_path(str(GUNICORN_CONF))
    assert (settings["workers"], settings["timeout"], settings["bind"]) == (4, 20, "127.0.0.1:8080")
