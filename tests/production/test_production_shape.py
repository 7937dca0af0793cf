"""The production shape: two app servers and a worker on PostgreSQL and Redis.

Two gunicorn servers (``deploy/gunicorn.conf.py``, one worker process each) on two
loopback ports, and one worker process, all on the test's PostgreSQL database
and Redis database 2 (the queue and the rate limits, under names of this
run). A ballot cast through one server is counted through the other; ballot
writes sent alternately to both are limited by one count; the worker delivers
the mail they cause to a real SMTP server, once each; both servers are ready.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask

from cop_vote import queue, ratelimits
from tests.live.mailserver import MailServer
from tests.live.server import ROOT, LiveServer
from tests.live.worker import WorkerProcess, mail_env
from tests.web.helpers import make_decision, option_ids

REDIS = "redis://127.0.0.1:6379/2"


@pytest.fixture
def run_name() -> Iterator[str]:
    """A name for this run's queue and rate-limit keys in Redis database 2
    (no count or task of another run or worktree), removed afterwards."""
    import redis

    tag = uuid.uuid4().hex
    name = f"cop-vote-test-{tag}"
    client = redis.Redis.from_url(REDIS, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(
            f"Redis is not reachable at {REDIS} ({exc.__class__.__name__}); .ci/run starts it"
        )
    yield name
    for key in client.scan_iter(match=f"*{tag}*"):  # Huey drops the dashes of its name
        client.delete(key)
    client.close()


@pytest.mark.postgres
def test_two_app_servers_and_a_worker_share_postgresql_and_redis(
    app: Flask,
    network: dict[str, Any],
    database_url: str,
    clock: Any,
    run_name: str,
    tmp_path: Path,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: runs with --db=postgresql and TEST_DATABASE_URL")
    settings = {
        "QUEUE_URL": REDIS,
        "QUEUE_NAME": run_name,
        "RATELIMIT_ENABLED": "1",
        "RATELIMIT_STORAGE_URI": REDIS,
        "RATELIMIT_KEY_PREFIX": run_name,
        "DATABASE_POOL_SIZE": "2",
        "DATABASE_MAX_OVERFLOW": "2",
    }
    # The test's own writes (opening the decision) use the same queue.
    app.config.update(QUEUE_URL=REDIS, QUEUE_NAME=run_name)
    queue.init_app(app)
    people, headers = network["people"], network["headers"]
    did = make_decision(people["facilitator"], clock.now)
    first, second = option_ids(did)[:2]
    path = f"/api/v1/decisions/{did}/ballot"
    allowed = int(ratelimits.BALLOT_WRITES.split(";")[0].split("/")[0])
    config = ROOT / "deploy" / "gunicorn.conf.py"
    with MailServer() as smtp:
        env = {**settings, **mail_env(smtp.port)}
        servers = [LiveServer(database_url, workers=1, env=env, config=config) for _ in (1, 2)]
        worker = WorkerProcess(database_url, REDIS, tmp_path / "worker.log", env=env)
        pool = ThreadPoolExecutor(max_workers=2)
        try:
            worker.launch()
            list(pool.map(LiveServer.start, servers))  # both at once
            worker.wait_started()
            one, other = (httpx.Client(base_url=s.url, timeout=30) for s in servers)
            with one, other:
                cast = one.put(path, json={"option": first}, headers=headers["oxfam1"])
                assert cast.status_code == 200, cast.text
                # Counted through the other server, seen by the colleague there.
                seen = other.get(path, headers=headers["oxfam2"]).json()
                assert seen["ballot"] == {"option": first} and seen["version"] == 1
                decision = other.get(f"/api/v1/decisions/{did}", headers=headers["adpc"]).json()
                assert decision["ballots_cast"] == 1
                # One count for both: writes alternate between the servers.
                codes: list[tuple[int, int]] = []
                for n in range(allowed + 4):
                    client = (other, one)[n % 2]
                    option = (second, first)[n % 2]
                    answer = client.put(path, json={"option": option}, headers=headers["oxfam1"])
                    codes.append((n % 2, answer.status_code))
                assert sum(1 for _s, c in codes if c == 200) == allowed - 1, codes  # + the cast
                assert {s for s, c in codes if c == 429} == {0, 1}, codes  # both refuse
                ready = [client.get("/readyz").json() for client in (one, other)]
            changes = sum(1 for _s, c in codes if c == 200) + 1
            received = smtp.wait_for(
                lambda got: sum("lotte@" in m.to[0] for m in got) >= 1 + changes, 30
            )
            lotte = [m for m in received if m.to == ("lotte@oxfam.example.org",)]
            errors = [e for s in servers for e in s.server_errors()]
        finally:
            worker.interrupt()
            list(pool.map(LiveServer.stop, servers))
            worker.stop()
            pool.shutdown()
    assert errors == []
    # The invitation, and one mail per ballot write of her colleague: each once.
    subjects = Counter(m.subject.split(":")[0] for m in lotte)
    changed = "Een collega heeft de stem van je organisatie gewijzigd"
    assert subjects == {"Nieuw besluit": 1, changed: changes}, (subjects, worker.text()[-3000:])
    invited = sorted(m.to[0] for m in received if m.subject.startswith("Nieuw besluit"))
    assert invited == sorted(
        p.email for k, p in people.items() if k in ("adpc", "oxfam1", "oxfam2", "stro")
    )
    for report in ready:
        assert report["status"] == "ok" and report["database"] == "ok"
        assert report["queue"] == "ok" and report["worker"] == "ok"
