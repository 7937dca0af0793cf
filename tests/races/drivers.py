"""Ballot writers that go through the doors people use, for the race tests.

Each writer is a signed-in browser or an API token on a :class:`LiveServer`.
Every answer is kept: an acknowledgement (:class:`Ack`) for a write the
server confirmed, the status code for everything else, so that the tests can
hold each acknowledgement against the write stored in the database.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import unescape
from typing import Any

import psycopg
from sqlalchemy import select

from cop_vote.extensions import db
from cop_vote.models import Ballot, BallotChange, Event
from cop_vote.services import auth
from tests.live.server import Browser, LiveServer

RECEIPT = re.compile(r"\b([0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4})\b")
_VERSION = re.compile(r'name="version" value="(\d+)"')
_NOTICE = re.compile(r'<p class="(?:notice(?: warning)?|flash flash-success)"[^>]*>(.*?)</p>', re.S)
ENGLISH = {"Accept-Language": "en"}


@dataclass(frozen=True)
class Ack:
    """A write the server confirmed, as the client saw it.

    :param version: the version the answer names (``None`` where a page does not say).
    """

    channel: str
    person_id: int
    organisation_id: int
    option: int
    receipt: str
    version: int | None = None
    cast_by: int | None = None
    content: dict[str, Any] | None = None


@dataclass
class Outcomes:
    """Every answer of a race: acknowledgements and status codes, thread-safe."""

    acks: list[Ack] = field(default_factory=list)
    statuses: list[tuple[str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, channel: str, status: int, ack: Ack | None = None) -> None:
        with self.lock:
            self.statuses.append((channel, status))
            if ack is not None:
                self.acks.append(ack)

    @property
    def server_errors(self) -> list[tuple[str, int]]:
        return [(c, s) for c, s in self.statuses if s >= 500]


def browser_for(server: LiveServer, email: str, now: Any) -> Browser:
    """A browser signed in as ``email`` through the real sign-in link."""
    issued = auth.issue_login_link(email, now, minutes=30)
    assert issued is not None
    db.session.commit()
    browser = server.client(headers=ENGLISH)
    browser.sign_in(issued[1])
    return browser


def _notice(html: str) -> str:
    found = [unescape(m) for m in _NOTICE.findall(html)]
    return " ".join(found)


@dataclass
class Voter:
    """A representative who writes the organisation's ballot by form, htmx or API."""

    person_id: int
    organisation_id: int
    browser: Browser
    api_headers: dict[str, str]

    def via_api(self, decision_id: int, option: int, out: Outcomes) -> None:
        answer = self.browser.put(
            f"/api/v1/decisions/{decision_id}/ballot",
            json={"option": option},
            headers=self.api_headers,
        )
        ack = None
        if answer.status_code == 200:
            body = answer.json()
            ack = Ack(
                "api",
                self.person_id,
                self.organisation_id,
                option,
                body["receipt"],
                body["version"],
                (body["cast_by"] or {}).get("id"),
                body["ballot"],
            )
        out.add("api", answer.status_code, ack)

    def via_form(self, decision_id: int, option: int, out: Outcomes, *, htmx: bool) -> None:
        page = self.browser.get(f"/decisions/{decision_id}")
        if page.status_code != 200:
            out.add("form-page", page.status_code)
            return
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        version = _VERSION.search(page.text)
        if token is None or version is None:  # no ballot form: the decision closed
            out.add("form-page", 200)
            return
        headers = {"HX-Request": "true"} if htmx else {}
        answer = self.browser.post(
            f"/decisions/{decision_id}/ballot",
            data={
                "csrf_token": unescape(token.group(1)),
                "version": version.group(1),
                "option": str(option),
                "action": "cast",
            },
            headers=headers,
        )
        channel = "htmx" if htmx else "form"
        ack = None
        status = answer.status_code
        if status == 200 and htmx and re.search(r"not (recorded|saved)", _notice(answer.text)):
            # htmx swaps only 2xx answers, so a refused fragment comes with 200.
            out.add(channel + "-refused", status)
            return
        if status == 200 and htmx:
            receipt = RECEIPT.search(_notice(answer.text))
            assert receipt, answer.text[:2000]
            shown = _VERSION.search(answer.text)
            ack = Ack(
                channel,
                self.person_id,
                self.organisation_id,
                option,
                receipt.group(1),
                int(shown.group(1)) if shown else None,
            )
        elif answer.status_code == 303:
            landing = self.browser.get(answer.headers["Location"])
            receipt = RECEIPT.search(_notice(landing.text))
            assert receipt, landing.text[:2000]
            ack = Ack(channel, self.person_id, self.organisation_id, option, receipt.group(1))
        out.add(channel, answer.status_code, ack)


@dataclass
class Recorder:
    """A facilitator who records ballots given in a meeting, through the form."""

    person_id: int
    browser: Browser

    def record(
        self, decision_id: int, slug: str, organisation_id: int, option: int, out: Outcomes
    ) -> None:
        page = self.browser.get(f"/admin/decisions/{decision_id}/record?organisation={slug}")
        if page.status_code != 200:
            out.add("record-page", page.status_code)
            return
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        version = _VERSION.search(page.text)
        assert token is not None
        answer = self.browser.post(
            f"/admin/decisions/{decision_id}/record",
            data={
                "csrf_token": unescape(token.group(1)),
                "organisation": slug,
                "version_for": slug,
                "version": version.group(1) if version else "0",
                "given_by": "Delegate in the meeting",
                "option": str(option),
                "action": "cast",
            },
        )
        ack = None
        if answer.status_code == 303:
            # The notice with the receipt lives in this session's cookie: a
            # concurrent request of the same session would replace it.
            landing = self.browser.get(answer.headers["Location"])
            receipt = RECEIPT.search(_notice(landing.text))
            assert receipt, landing.text[:2000]
            ack = Ack("record", self.person_id, organisation_id, option, receipt.group(1))
        out.add("record", answer.status_code, ack)

    def close(self, decision_id: int) -> int:
        """Close the decision through the facilitator's confirm form."""
        path = f"/admin/decisions/{decision_id}/close"
        answer = self.browser.post(path, data={"csrf_token": self.browser.csrf(path)})
        return answer.status_code


def keep_writing(
    stop: threading.Event, write: Callable[[int], None], options: list[int], seed: int
) -> None:
    """Call ``write(option)`` with changing options until ``stop`` is set."""
    n = seed
    while not stop.is_set():
        write(options[n % len(options)])
        n += 1


def run_threads(targets: list[Callable[[], None]], timeout: float = 120) -> None:
    """Run each target in its own thread and wait for all of them."""
    errors: list[BaseException] = []

    def guard(target: Callable[[], None]) -> None:
        try:
            target()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=guard, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "a writer did not finish"
    if errors:
        raise errors[0]


def check_acknowledgements(decision_id: int, out: Outcomes) -> dict[int, BallotChange]:
    """Every acknowledgement is the write it answers, and nothing acknowledged is lost.

    :returns: the stored change of each acknowledged receipt.
    """
    db.session.expire_all()
    changes = (
        db.session.execute(
            select(BallotChange)
            .join(Ballot, Ballot.id == BallotChange.ballot_id)
            .where(Ballot.decision_id == decision_id)
        )
        .scalars()
        .all()
    )
    by_receipt = {c.receipt: c for c in changes if c.receipt}
    ballots = {b.id: b for b in db.session.execute(select(Ballot)).scalars()}
    assert len(by_receipt) == len([c for c in changes if c.receipt]), "a receipt was given twice"
    for ack in out.acks:
        change = by_receipt.get(ack.receipt)
        assert change is not None, f"acknowledged write lost: {ack}"
        assert change.person_id == ack.person_id, (ack, change.person_id)
        assert ballots[change.ballot_id].organisation_id == ack.organisation_id, ack
        assert change.content == {"option": ack.option}, (ack, change.content)
        if ack.version is not None:
            assert change.version == ack.version, (ack, change.version)
        if ack.content is not None:
            assert ack.content == change.content, ack
        if ack.cast_by is not None:
            assert ack.cast_by == ack.person_id, ack
    db.session.commit()
    return {ack.version or 0: by_receipt[ack.receipt] for ack in out.acks}


def check_last_acknowledged_wins(decision_id: int, out: Outcomes) -> None:
    """Each organisation's counted ballot is its acknowledged write with the highest version."""
    db.session.expire_all()
    rows = (
        db.session.execute(select(Ballot).where(Ballot.decision_id == decision_id)).scalars().all()
    )
    assert len({r.organisation_id for r in rows}) == len(rows), "two ballots for one organisation"
    changes = {
        (c.ballot_id, c.version): c for c in db.session.execute(select(BallotChange)).scalars()
    }
    by_receipt = {c.receipt: c for c in changes.values() if c.receipt}
    for row in rows:
        acked = [
            by_receipt[a.receipt] for a in out.acks if a.organisation_id == row.organisation_id
        ]
        if not acked:
            continue
        last = max(acked, key=lambda c: c.version)
        assert row.version == last.version, "a write nobody was told of counts"
        assert row.content == last.content and row.receipt == last.receipt
    db.session.commit()


def check_nothing_after_close(decision_id: int) -> None:
    """No ballot write follows the close in the log, and none is stamped after it."""
    db.session.expire_all()
    events = (
        db.session.execute(
            select(Event).where(Event.subject == f"decision:{decision_id}").order_by(Event.id)
        )
        .scalars()
        .all()
    )
    kinds = [e.kind for e in events]
    assert "decision.closed" in kinds
    closed_at = kinds.index("decision.closed")
    late = [e for e in events[closed_at:] if e.kind.startswith("ballot.")]
    assert late == [], f"ballot written after the close: {late}"
    close_time = events[closed_at].at
    changes = db.session.execute(
        select(BallotChange.at)
        .join(Ballot, Ballot.id == BallotChange.ballot_id)
        .where(Ballot.decision_id == decision_id)
    ).scalars()
    assert all(at <= close_time for at in changes)
    db.session.commit()


@contextmanager
def decision_lock(database_url: str, decision_id: int) -> Iterator[Callable[[str], None]]:
    """Hold the decision's write lock from another connection, as a slow writer would.

    Yields ``run(sql)`` to execute statements in that same transaction; the
    transaction commits when the block ends.
    """
    if database_url.startswith("sqlite"):
        lite = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        lite.execute("PRAGMA busy_timeout = 30000")
        lite.execute("BEGIN IMMEDIATE")
        try:
            yield lambda sql: lite.execute(sql).fetchall() and None
            lite.execute("COMMIT")
        finally:
            lite.close()
        return
    url = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        conn.execute("SELECT id FROM decision WHERE id = %s FOR UPDATE", (decision_id,))
        yield lambda sql: conn.execute(sql) and None
        conn.commit()


def wait_until(moment: float) -> None:
    """Sleep until ``time.monotonic()`` reaches ``moment``."""
    time.sleep(max(0.0, moment - time.monotonic()))
