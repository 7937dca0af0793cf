"""Benchmark the pages and API under load, and their cost as the network grows.

    python bench/web.py [--sizes 16,200,2000] [--load-size 200] [--duration 3]
                        [--concurrency 1,16,64] [--db sqlite,postgresql]
                        [--route NAME ...]

For each database (SQLite in a temporary file; PostgreSQL too when
``BENCH_DATABASE_URL`` is set, e.g. ``postgresql://postgres@127.0.0.1/bench_cop``:
its ``public`` schema is dropped and rebuilt) and each size N, a network of N
organisations is built (``bench/network.py``: three representatives each, a
ballot from every organisation on three decisions, comments, and one decision
with ``--thread`` comments). Then:

1. at ``--load-size``: gunicorn serves the app (``deploy/gunicorn.conf.py``:
   sync workers, ``WEB_CONCURRENCY`` of them, none replaced during the run;
   rate limits off, mail to an
   in-memory backend, tasks into a queue file no worker reads) on a loopback
   port, and a bounded load generator of our own (threads, one keep-alive
   ``http.client`` connection each, ``--duration`` seconds per cell; it stops
   by itself) requests each route as a signed-in representative (the review
   queue as the facilitator) at each concurrency: requests per second, p50
   and p99 latency, errors (any other status than expected, or no answer), and
   the ratio to ``/healthz``'s requests per second in the same run (the long
   thread's page only in the next table: today it takes seconds per request);
2. at every size: the SQL statements and wall time of one request of each
   route, in process (Flask's test client, statements counted with a
   SQLAlchemy event).

``--route NAME`` (repeatable; names as printed, e.g. ``--route "API PUT
ballot"``) measures only those routes, in both tables: a route load-tested
alone, without the others' minutes. ``/healthz`` is always measured first,
for the ratio.

The load generator runs on the same machine as the server, so it takes CPU
from it; ``/healthz`` pays the same, which is why the ratios are the figure
to compare. Exit status 1 when any request failed.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from html import unescape
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bench.network import Built, api_token, build, reset_schema, sign_in_link  # noqa: E402
from cop_vote import create_app  # noqa: E402
from cop_vote.extensions import db  # noqa: E402

SECRET_KEY = "bench-secret-key"
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


@dataclass(frozen=True)
class Route:
    """One request of the benchmark."""

    name: str
    method: str
    path: str
    #: "rep" (the representative's session), "facilitator" (theirs), "api" (a token).
    who: str
    expect: int = 200
    #: For a PUT: bodies to send in turn.
    bodies: tuple[bytes, ...] = ()
    #: In the load table too (else only in the statements table).
    load: bool = True


def routes(built: Built, only: Sequence[str] = ()) -> list[Route]:
    """The measured routes of a built network, ``/healthz`` first.

    :param only: names of the routes wanted (``/healthz`` comes always); all when empty.
    """
    d = built.form
    bodies = tuple(f'{{"option": {oid}}}'.encode() for oid in built.form_options[:2])
    every = [
        Route("/healthz", "GET", "/healthz", "none"),
        Route("decision page", "GET", f"/decisions/{d}", "rep"),
        Route(
            f"decision, {built.thread_comments:,} comments",
            "GET",
            f"/decisions/{built.thread}",
            "rep",
            load=False,
        ),
        Route("results", "GET", f"/decisions/{d}/results", "rep"),
        Route("participation", "GET", f"/decisions/{d}/participation", "rep"),
        Route("review queue", "GET", f"/admin/decisions/{d}/review", "facilitator"),
        Route("API GET decision", "GET", f"/api/v1/decisions/{d}", "api"),
        Route("API PUT ballot", "PUT", f"/api/v1/decisions/{d}/ballot", "api", bodies=bodies),
    ]
    if not only:
        return every
    unknown = set(only) - {route.name for route in every}
    if unknown:
        raise SystemExit(f"unknown route(s): {', '.join(sorted(unknown))}")
    return [route for route in every if route.name == "/healthz" or route.name in only]


# --- the server ---------------------------------------------------------------


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(database_url: str, workdir: Path) -> Iterator[str]:
    """gunicorn with the production configuration on a loopback port; yields its URL."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET_KEY,
        "BASE_URL": f"http://127.0.0.1:{port}",
        "RATELIMIT_ENABLED": "0",
        "MAIL_BACKEND": "locmem",
        # Tasks (mail delivery) wait in a queue file that no worker reads.
        "QUEUE_URL": f"sqlite:///{workdir / 'queue.sqlite'}",
        "GUNICORN_LOG_LEVEL": "warning",
        # A worker is not replaced after its 2,000th request, as in production
        # (a bound on slow leaks): in a run of a few minutes each replacement
        # (about 1.5 s of CPU to load the app) would land in some cell at
        # random and take a fifth of its CPU.
        "GUNICORN_MAX_REQUESTS": "0",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(ROOT / "deploy" / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        "/dev/null",
        "app:app",
    ]
    log = workdir / f"gunicorn-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}")
            try:
                if request("127.0.0.1", port, "GET", "/healthz", {})[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not answer /healthz within 60 s")
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        text = log.read_text(errors="replace")
        if "database is locked" in text:
            print("!! the server logged 'database is locked'", file=sys.stderr)
        if "Traceback" in text:
            print(f"!! the server logged errors; see {log}", file=sys.stderr)
            shutil.copy(log, ROOT / "instance" / "bench-gunicorn.log")


def request(
    host: str, port: int, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    """One request on a new connection: ``(status, headers, body)``."""
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request(method, path, body=body or None, headers=headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def session_cookie(port: int, secret: str) -> str:
    """Sign in with a link secret as a browser does; the ``Cookie`` header to send."""
    path = f"/auth/link/{secret}"
    status, headers, body = request("127.0.0.1", port, "GET", path, {})
    assert status == 200, (status, body[:300])
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    found = _TOKEN.search(body.decode())
    assert found, "no csrf_token on the sign-in page"
    token = unescape(found.group(1) or found.group(2))
    status, headers, body = request(
        "127.0.0.1",
        port,
        "POST",
        path,
        {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        f"csrf_token={token}".encode(),
    )
    assert status in (302, 303), (status, body[:300])
    return headers["Set-Cookie"].split(";", 1)[0]


# --- the load generator ---------------------------------------------------------


@dataclass
class Cell:
    """The outcome of one route at one concurrency."""

    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    problems: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def drive(
    port: int, route: Route, headers: dict[str, str], concurrency: int, duration: float
) -> Cell:
    """``concurrency`` threads send ``route`` back to back for ``duration`` seconds."""
    cell = Cell()
    lock = threading.Lock()
    start_line = threading.Barrier(concurrency + 1)
    stop_at: list[float] = []

    def worker(number: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        latencies: list[float] = []
        errors = 0
        problems: dict[str, int] = {}
        sent = number
        start_line.wait()
        while time.monotonic() < stop_at[0]:
            body = route.bodies[sent % len(route.bodies)] if route.bodies else None
            sent += 1
            began = time.monotonic()
            try:
                conn.request(route.method, route.path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                status = 0
                problems[type(error).__name__] = problems.get(type(error).__name__, 0) + 1
            latencies.append(time.monotonic() - began)
            if status != route.expect:
                errors += 1
                if status:
                    problems[str(status)] = problems.get(str(status), 0) + 1
        conn.close()
        with lock:
            cell.latencies.extend(latencies)
            cell.errors += errors
            for key, n in problems.items():
                cell.problems[key] = cell.problems.get(key, 0) + n

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    stop_at.append(began + duration)
    start_line.wait()
    for thread in threads:
        thread.join()
    cell.seconds = time.monotonic() - began
    cell.requests = len(cell.latencies)
    return cell


def headers_for(route: Route, credentials: dict[str, str]) -> dict[str, str]:
    """What a signed-in client sends for ``route``."""
    headers = {"Accept-Encoding": "gzip, br"}
    if route.who == "api":
        headers["Authorization"] = f"Bearer {credentials['api']}"
        headers["Content-Type"] = "application/json"
    elif route.who in credentials:
        headers["Cookie"] = credentials[route.who]
    return headers


def load_table(
    app: Flask,
    built: Built,
    database_url: str,
    concurrencies: Sequence[int],
    duration: float,
    workdir: Path,
    only: Sequence[str] = (),
) -> int:
    """Serve, drive every route at every concurrency, print the table; the error count."""
    errors = 0
    with serve(database_url, workdir) as url:
        port = int(url.rsplit(":", 1)[1])
        credentials = {
            "rep": session_cookie(port, sign_in_link(app, built.representative)),
            "facilitator": session_cookie(port, sign_in_link(app, built.facilitator)),
            "api": api_token(app, built.representative),
        }
        measured = [route for route in routes(built, only) if route.load or only]
        # Warm every worker up (imports, templates, pools) before measuring.
        for route in measured:
            drive(port, route, headers_for(route, credentials), 4, 0.5)
        header = (
            f"{'route':<26} {'c':>3} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
            f"{'errors':>6} {'× healthz':>9}"
        )
        print(header)
        print("-" * len(header))
        for concurrency in concurrencies:
            base = 0.0
            for route in measured:
                cell = drive(port, route, headers_for(route, credentials), concurrency, duration)
                if route.name == "/healthz":
                    base = cell.rate
                ratio = cell.rate / base if base else float("nan")
                errors += cell.errors
                note = f"  {cell.problems}" if cell.problems else ""
                print(
                    f"{route.name:<26} {concurrency:>3} {cell.rate:>8.1f} "
                    f"{cell.percentile(0.5) * 1000:>8.1f} {cell.percentile(0.99) * 1000:>8.1f} "
                    f"{cell.errors:>6} {ratio:>9.2f}{note}",
                    flush=True,
                )
            print()
    return errors


# --- statements per request -------------------------------------------------------


def count_statements(
    app: Flask, built: Built, repeat: int = 3, only: Sequence[str] = ()
) -> dict[str, tuple[int, float]]:
    """``{route: (statements, best wall seconds)}`` of one request each, in process
    (best of ``repeat``, or of fewer when one request takes over a second)."""
    client = app.test_client()
    facilitator = app.test_client()
    for who, email in ((client, built.representative), (facilitator, built.facilitator)):
        secret = sign_in_link(app, email)
        page = who.get(f"/auth/link/{secret}")
        found = _TOKEN.search(page.get_data(as_text=True))
        assert found, "no csrf_token on the sign-in page"
        answer = who.post(
            f"/auth/link/{secret}", data={"csrf_token": unescape(found.group(1) or found.group(2))}
        )
        assert answer.status_code in (302, 303), answer.status_code
    token = api_token(app, built.representative)
    seen: list[str] = []

    def record(*_args: Any) -> None:
        seen.append("")

    results: dict[str, tuple[int, float]] = {}
    for route in routes(built, only):
        browser = facilitator if route.who == "facilitator" else client
        headers = {"Authorization": f"Bearer {token}"} if route.who == "api" else {}
        if route.bodies:
            headers["Content-Type"] = "application/json"
        send = partial(
            browser.open,
            route.path,
            method=route.method,
            headers=headers,
            data=route.bodies[0] if route.bodies else None,
        )
        best = float("inf")
        count = 0
        for attempt in range(repeat):
            if attempt and best > 1.0:
                break
            with app.app_context():
                engine = db.engine
            seen.clear()
            event.listen(engine, "before_cursor_execute", record)
            began = time.perf_counter()
            response = send()
            best = min(best, time.perf_counter() - began)
            event.remove(engine, "before_cursor_execute", record)
            assert response.status_code == route.expect, (route.name, response.status_code)
            count = len(seen)
        results[route.name] = (count, best)
    return results


def print_statements(table: dict[int, dict[str, tuple[int, float]]]) -> None:
    """Statements and wall time per route (rows) against N (columns)."""
    sizes = sorted(table)
    names = list(next(iter(table.values())))
    header = f"{'route':<26}" + "".join(f" {'N=' + str(n):>17}" for n in sizes)
    print(header)
    print(f"{'':<26}" + "".join(f" {'statements':>10} {'ms':>6}" for _ in sizes))
    print("-" * len(header))
    for name in names:
        cells = "".join(f" {table[n][name][0]:>10} {table[n][name][1] * 1000:>6.0f}" for n in sizes)
        print(f"{name:<26}{cells}")
    print()


# --- main -------------------------------------------------------------------------


def _same(url: str, _size: int) -> str:
    return url


def databases(wanted: Sequence[str], workdir: Path) -> Iterator[tuple[str, Callable[[int], str]]]:
    """``(name, url for size N)`` of each database to run on."""
    for name in wanted:
        if name == "sqlite":
            yield name, lambda n: f"sqlite:///{workdir / f'bench-{n}.sqlite'}"
        elif name == "postgresql":
            url = os.environ.get("BENCH_DATABASE_URL", "")
            for prefix in ("postgres://", "postgresql://"):
                if url.startswith(prefix):
                    url = "postgresql+psycopg://" + url.removeprefix(prefix)
            if not url:
                print("PostgreSQL: skipped (set BENCH_DATABASE_URL)\n")
                continue
            yield name, partial(_same, url)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its tables; 1 when any request failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="16,200,2000", help="network sizes N")
    parser.add_argument("--load-size", type=int, default=200, help="N of the load table")
    parser.add_argument("--concurrency", default="1,16,64", help="concurrent clients")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per cell")
    parser.add_argument("--thread", type=int, default=5000, help="comments on the long thread")
    parser.add_argument(
        "--db",
        default="sqlite,postgresql",
        help="databases (postgresql needs BENCH_DATABASE_URL)",
    )
    parser.add_argument(
        "--route",
        action="append",
        default=[],
        metavar="NAME",
        help="only this route (repeatable; /healthz always comes first, for the ratio)",
    )
    args = parser.parse_args(argv)
    sizes = sorted({int(n) for n in args.sizes.split(",")} | {args.load_size})
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    (ROOT / "instance").mkdir(exist_ok=True)
    errors = 0
    with tempfile.TemporaryDirectory(prefix="cop-bench-") as tmp:
        workdir = Path(tmp)
        for db_name, url_for in databases(args.db.split(","), workdir):
            statements: dict[int, dict[str, tuple[int, float]]] = {}
            for size in sizes:
                url = url_for(size)
                app = create_app(
                    {
                        "SQLALCHEMY_DATABASE_URI": url,
                        "SECRET_KEY": SECRET_KEY,
                        "QUEUE_URL": f"sqlite:///{workdir / 'queue.sqlite'}",
                        "MAIL_BACKEND": "locmem",
                        "RATELIMIT_ENABLED": False,
                    }
                )
                began = time.monotonic()
                reset_schema(app)
                built = build(app, size, args.thread)
                print(
                    f"== {db_name}, N = {size}: built in {time.monotonic() - began:.1f} s",
                    flush=True,
                )
                if size == args.load_size:
                    print(
                        f"\n{db_name}, N = {size}, {args.duration:g} s per cell, "
                        f"{os.cpu_count()} cores\n"
                    )
                    errors += load_table(
                        app, built, url, concurrencies, args.duration, workdir, args.route
                    )
                statements[size] = count_statements(app, built, only=args.route)
                with app.app_context():
                    db.engine.dispose()
            print(f"\n{db_name}: SQL statements and wall time of one request (best of up to 3)\n")
            print_statements(statements)
    if errors:
        print(f"{errors} requests failed", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
