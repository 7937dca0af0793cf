"""The rate limit holds across worker processes when they count in Redis.

Two gunicorn workers with ``RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379``:
ballot writes sent several at a time land on both workers (the access log
names the worker of each), and exactly the limit's number succeed; the rest,
and the page's ballot form after them, are refused with 429.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from cop_vote import ratelimits
from cop_vote.extensions import db
from cop_vote.services import auth
from tests.live.server import LiveServer
from tests.web.helpers import make_decision, option_ids

REDIS = "redis://127.0.0.1:6379"


@pytest.fixture
def redis_url() -> str:
    """Redis on 127.0.0.1:6379, or a skip that says why (CI starts it in .ci/run)."""
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.skip(
            f"Redis is not reachable at {REDIS} ({exc.__class__.__name__}); .ci/run starts it"
        )
    return REDIS


def test_ballot_writes_are_limited_by_one_count_shared_by_two_workers(
    app: Any, network: dict[str, Any], database_url: str, clock: Any, redis_url: str
) -> None:
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    first = option_ids(decision_id)[0]
    headers = network["headers"]["adpc"]
    _person, secret = auth.issue_login_link(people["adpc"].email, clock.now, minutes=30)
    db.session.commit()
    allowed = int(ratelimits.BALLOT_WRITES.split("/")[0])
    path = f"/api/v1/decisions/{decision_id}/ballot"
    env = {
        "RATELIMIT_ENABLED": "1",
        "RATELIMIT_STORAGE_URI": redis_url,
        # A fresh prefix: no count left by another run or another worktree's tests.
        "RATELIMIT_KEY_PREFIX": f"cop-vote-test-{uuid.uuid4().hex}",
    }
    with LiveServer(database_url, workers=2, env=env, access_log=True) as server:

        def put(_n: int) -> int:
            # A connection of its own each time, several at once: both workers take some.
            with httpx.Client(base_url=server.url, timeout=60) as api:
                return api.put(path, json={"option": first}, headers=headers).status_code

        with ThreadPoolExecutor(max_workers=6) as pool:
            codes = list(pool.map(put, range(allowed + 10)))
        with server.client() as browser:
            browser.sign_in(secret)
            page = f"/decisions/{decision_id}"
            token = browser.csrf(page)
            refused = browser.post(f"{page}/ballot", data={"csrf_token": token, "option": first})
            with httpx.Client(base_url=server.url) as api:
                answer = api.put(path, json={"option": first}, headers=headers)
        workers = server.worker_pids("PUT", path)
        errors = server.server_errors()
    assert codes.count(200) == allowed, codes
    assert codes.count(429) == 10, codes
    assert len(workers) == 2, workers  # both processes answered, from one count
    assert all(200 in statuses for statuses in workers.values()), workers
    assert refused.status_code == 429  # the page shares the person's count
    assert "<h1>Te veel verzoeken</h1>" in refused.text  # the site's page, in Dutch
    assert answer.status_code == 429
    assert answer.json()["error"]["code"] == "rate_limited"
    assert int(answer.headers["Retry-After"]) > 0
    assert errors == []
