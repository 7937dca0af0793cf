"""CPU per request, in process: the figure to watch on a busy machine.

    python bench/cpu.py [--size 16] [--requests 200] [--db sqlite|postgresql]
                        [--profile ROUTE] [--statements ROUTE] [--route NAME ...]

Builds the network of ``bench/web.py`` (N organisations, ``--thread`` comments
on the long thread) in a temporary SQLite file (or, with ``--db postgresql``,
in ``BENCH_DATABASE_URL``, whose ``public`` schema is dropped and rebuilt),
signs in as a representative (the review queue as the facilitator) with
Flask's test client and sends each route ``--requests`` times, in
``--rounds`` rounds: process CPU time per request in the best round
(``time.process_time``, so that other processes on the machine do not
count) and wall time. The server under load spends about this much
CPU per request, so ``/healthz``'s CPU divided by a page's estimates the
ratio of their requests per second on a saturated machine. "calls" is
the number of Python function calls per request (cProfile's count): the
same from run to run however busy the machine is. ``--profile
ROUTE`` prints a cProfile of that route instead (sorted by own time);
``--statements ROUTE`` the SQL statements of one request to it.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Sequence
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from typing import Any  # noqa: E402

from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bench.network import api_token, build, reset_schema, sign_in_link  # noqa: E402
from bench.web import _TOKEN, SECRET_KEY, Route, routes  # noqa: E402
from cop_vote import create_app  # noqa: E402
from cop_vote.extensions import db  # noqa: E402


def signed_in(app: Flask, email: str) -> FlaskClient:
    """A test client with ``email``'s session, signed in by link as a browser is."""
    client = app.test_client()
    secret = sign_in_link(app, email)
    found = _TOKEN.search(client.get(f"/auth/link/{secret}").get_data(as_text=True))
    assert found, "no csrf_token on the sign-in page"
    answer = client.post(
        f"/auth/link/{secret}", data={"csrf_token": unescape(found.group(1) or found.group(2))}
    )
    assert answer.status_code in (302, 303), answer.status_code
    return client


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=16, help="organisations N")
    parser.add_argument("--requests", type=int, default=200, help="requests per route")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; the best counts")
    parser.add_argument("--thread", type=int, default=200, help="comments on the long thread")
    parser.add_argument("--db", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--route", action="append", default=[], help="only these routes")
    parser.add_argument("--profile", default="", help="profile this route")
    parser.add_argument("--statements", default="", help="print this route's SQL statements")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cop-cpu-") as tmp:
        if args.db == "postgresql":
            url = os.environ.get("BENCH_DATABASE_URL", "")
            if not url:
                print("set BENCH_DATABASE_URL", file=sys.stderr)
                return 2
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        else:
            url = f"sqlite:///{Path(tmp) / 'cpu.sqlite'}"
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": SECRET_KEY,
                "QUEUE_URL": f"sqlite:///{Path(tmp) / 'queue.sqlite'}",
                "MAIL_BACKEND": "locmem",
                "RATELIMIT_ENABLED": False,
            }
        )
        reset_schema(app)
        built = build(app, args.size, args.thread)
        clients = {
            "rep": signed_in(app, built.representative),
            "facilitator": signed_in(app, built.facilitator),
            "none": app.test_client(),
        }
        token = api_token(app, built.representative)
        clients["api"] = clients["none"]

        def send(route: Route, n: int) -> None:
            headers = {"Accept-Encoding": "gzip, br"}
            if route.who == "api":
                headers["Authorization"] = f"Bearer {token}"
                headers["Content-Type"] = "application/json"
            client = clients[route.who]
            for i in range(n):
                body = route.bodies[i % len(route.bodies)] if route.bodies else None
                response = client.open(route.path, method=route.method, headers=headers, data=body)
                assert response.status_code == route.expect, (route.name, response.status_code)

        chosen = [r for r in routes(built) if not args.route or r.name in args.route]
        if args.statements:
            (route,) = [r for r in routes(built) if r.name == args.statements]
            send(route, 2)
            sent: list[str] = []
            with app.app_context():
                engine = db.engine

            def note(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
                sent.append(" ".join(statement.split()))

            event.listen(engine, "before_cursor_execute", note)
            send(route, 1)
            event.remove(engine, "before_cursor_execute", note)
            for number, statement in enumerate(sent, 1):
                print(f"{number:>3}. {statement}\n")
            return 0
        if args.profile:
            (route,) = [r for r in routes(built) if r.name == args.profile]
            send(route, 5)
            profiler = cProfile.Profile()
            profiler.enable()
            send(route, args.requests)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
            return 0
        print(
            f"{args.db}, N = {args.size}, {args.requests} requests per route "
            f"in {args.rounds} rounds (CPU and wall: the best round's mean)\n"
        )
        print(f"{'route':<26} {'CPU ms':>8} {'wall ms':>8} {'× healthz':>10} {'calls':>8}")
        print("-" * 64)
        base = 0.0
        for route in chosen:
            send(route, 5)  # warm up
            cpu = wall = float("inf")
            batch = max(1, args.requests // args.rounds)
            for _ in range(args.rounds):  # the best round: the least disturbed
                began_cpu, began_wall = time.process_time(), time.perf_counter()
                send(route, batch)
                cpu = min(cpu, (time.process_time() - began_cpu) / batch)
                wall = min(wall, (time.perf_counter() - began_wall) / batch)
            if route.name == "/healthz":
                base = cpu
            ratio = f"{base / cpu:>10.2f}" if base else f"{'':>10}"
            # Python function calls per request: a measure of work that the
            # machine's load does not disturb (the same from run to run).
            profiler = cProfile.Profile()
            profiler.enable()
            send(route, 10)
            profiler.disable()
            calls = pstats.Stats(profiler).total_calls / 10  # type: ignore[attr-defined]
            print(
                f"{route.name:<26} {cpu * 1000:>8.2f} {wall * 1000:>8.2f} {ratio} {calls:>8.0f}",
                flush=True,
            )
        with app.app_context():
            db.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
