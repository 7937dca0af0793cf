"""The worker, as a real process, delivering to a real SMTP server on loopback.

* With the mail server down (it takes connections and never answers), opening,
  casting and closing answer at once: no request waits for mail. Nothing is
  lost: when the server is back, every mail goes out exactly once, and the
  address the server refuses for good is given up, logged and listed.
* A decision whose deadline passes, with no request and no cron, is closed by
  the workers and its "closed" mail sent, once, although two worker processes
  run five closing tasks at the deadline.

The test's app shares a queue file with the worker (``queue_url``); every
read of the test's session ends with a commit, so that it never holds
SQLite's write lock while the worker runs.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from flask import Flask
from sqlalchemy import func, select

from cop_vote import queue
from cop_vote.extensions import db
from cop_vote.extensions import mail as mail_ext
from cop_vote.models import Decision, Event, Notification
from cop_vote.services import decisions as decision_service
from cop_vote.services import transitions
from tests.live.mailserver import MailServer
from tests.live.worker import WorkerProcess, mail_env
from tests.web.conftest import FreshClient
from tests.web.helpers import make_decision, option_ids

T = TypeVar("T")
REPS = {
    "amina@adpc.example.org",
    "idris@oxfam.example.org",
    "lotte@oxfam.example.org",
    "marieke@stro.example.org",
}
GONE = "gone@stro.example.org"


@pytest.fixture
def queue_url(app: Flask, tmp_path: Path) -> str:
    """A queue file of this test's, shared by the test's app and the worker."""
    url = f"sqlite:///{tmp_path / 'queue.sqlite'}"
    app.config["QUEUE_URL"] = url
    queue.init_app(app)
    return url


@pytest.fixture
def smtp() -> Iterator[MailServer]:
    server = MailServer(refuse=[GONE])
    try:
        yield server
    finally:
        server.stop()


def read(query: Callable[[], T]) -> T:
    """Run a read of the test's session and end its transaction."""
    try:
        return query()
    finally:
        db.session.commit()


def wait_until(check: Callable[[], bool], timeout: float, what: str, worker: Any = None) -> None:
    deadline = time.monotonic() + timeout
    while not read(check):
        if time.monotonic() > deadline:
            log = worker.text()[-4000:] if worker is not None else ""
            raise AssertionError(f"not within {timeout} s: {what}\n{log}")
        time.sleep(0.1)


def _rows() -> list[Notification]:
    return list(db.session.execute(select(Notification).order_by(Notification.id)).scalars())


def test_with_the_mail_server_down_writes_answer_at_once_and_no_mail_is_lost(
    app: Flask,
    network: dict[str, Any],
    make_person: Any,
    database_url: str,
    clock: Any,
    queue_url: str,
    smtp: MailServer,
    tmp_path: Path,
) -> None:
    people, headers = network["people"], network["headers"]
    make_person(network["orgs"]["stro"], name="Old Address", email=GONE)
    did = make_decision(people["facilitator"], clock.now, open_it=False)
    first = option_ids(did)[0]
    smtp.hang()
    # Were a request to send mail itself, it would wait 5 s for this server.
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    app.config["MAIL_TIMEOUT"] = 5
    mail_ext.init_app(app)
    app.test_client_class = FreshClient
    client = app.test_client()
    worker = WorkerProcess(
        database_url, queue_url, tmp_path / "worker.log", env=mail_env(smtp.port)
    )
    with worker:
        answers: dict[str, float] = {}

        def timed(name: str, call: Callable[[], Any]) -> None:
            start = time.monotonic()
            response = call()
            answers[name] = time.monotonic() - start
            assert response.status_code == 200, (name, response.get_data(as_text=True))

        base = f"/api/v1/decisions/{did}"
        timed("open", lambda: client.post(f"{base}/open", headers=headers["facilitator"]))
        timed(
            "cast",
            lambda: client.put(f"{base}/ballot", json={"option": first}, headers=headers["oxfam1"]),
        )
        timed("close", lambda: client.post(f"{base}/close", headers=headers["facilitator"]))
        assert max(answers.values()) < 2.5, answers  # far under the mail server's 5 s
        # Invitations and "closed" to five representatives, the ballot mail to Lotte.
        assert read(lambda: len(_rows())) == 11
        wait_until(
            lambda: all(r.attempts >= 1 and r.last_error for r in _rows()),
            20,
            "every mail tried once against the silent server",
            worker,
        )
        assert smtp.received() == []
        assert read(lambda: {r.status for r in _rows()}) == {"pending"}

        smtp.start()  # the server is back, on the same port
        wait_until(
            lambda: all(r.status in ("sent", "failed") for r in _rows()),
            20,
            "every mail sent or given up",
            worker,
        )
        time.sleep(1.5)  # long enough for a second delivery, were there one
        received = smtp.received()
    rows = read(_rows)
    sent = [r for r in rows if r.status == "sent"]
    failed = [r for r in rows if r.status == "failed"]
    assert len(sent) == 9 and {r.address for r in failed} == {GONE}
    assert all("550" in (r.last_error or "") for r in failed)
    assert all(r.sent_at is not None and r.attempts >= 2 for r in sent)
    # Exactly once: one message per sent row, none to the refused address.
    assert len(received) == len(sent)
    counted = Counter((m.to, m.subject) for m in received)
    assert set(counted.values()) == {1}, counted
    assert Counter(m.to[0] for m in received) == Counter(
        {"lotte@oxfam.example.org": 3, **{a: 2 for a in REPS - {"lotte@oxfam.example.org"}}}
    )
    log = worker.text()
    assert f"to person {failed[0].person_id} <{GONE}> could not be delivered" in log
    assert "550" in log


def test_a_deadline_with_no_request_and_no_cron_is_closed_by_the_workers_once(
    app: Flask,
    network: dict[str, Any],
    database_url: str,
    clock: Any,
    queue_url: str,
    smtp: MailServer,
    tmp_path: Path,
) -> None:
    people = network["people"]
    smtp.start()
    env = mail_env(smtp.port)
    workers = [
        WorkerProcess(database_url, queue_url, tmp_path / f"worker-{n}.log", env=env)
        for n in (1, 2)
    ]
    try:
        for worker in workers:
            worker.launch()
        for worker in workers:
            worker.wait_started()
        clock.now = datetime.now(UTC).replace(microsecond=0)
        closes_at = clock.now + timedelta(seconds=3)
        fac = people["facilitator"]
        made = decision_service.create_decision(
            fac,
            {
                "title": "Closes by itself",
                "method": "single_choice",
                "closes_at": closes_at.isoformat(),
                "options": [{"label": "Yes"}, {"label": "No"}],
            },
            clock.now,
        )
        did = made.id
        transitions.open_decision(fac, did, clock.now)
        db.session.commit()  # schedules closing at the deadline, and the invitations
        # Four more closing tasks at the deadline: two processes with two
        # threads each run them at once.
        tasks = queue.get()
        for _ in range(4):
            tasks.close_due.schedule(eta=closes_at + timedelta(seconds=1))

        def closed_mails() -> list[Any]:
            return [m for m in smtp.received() if m.subject.startswith("De stemming is gesloten")]

        deadline = time.monotonic() + 25
        while len(closed_mails()) < len(REPS) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.5)  # long enough for a second close or mail, were there one
    finally:
        for worker in workers:
            worker.interrupt()
        for worker in workers:
            worker.stop()
    logs = "\n".join(w.text()[-3000:] for w in workers)
    decision = read(lambda: db.session.get(Decision, did))
    assert decision is not None and decision.status == "closed", logs
    assert decision.closed_at is not None and decision.closed_at >= closes_at
    closings = read(
        lambda: db.session.execute(
            select(func.count())
            .select_from(Event)
            .where(Event.kind == "decision.closed", Event.subject == f"decision:{did}")
        ).scalar()
    )
    assert closings == 1
    closed = closed_mails()
    assert sorted(m.to[0] for m in closed) == sorted(REPS), logs
    invitations = [m for m in smtp.received() if m.subject.startswith("Nieuw besluit")]
    assert sorted(m.to[0] for m in invitations) == sorted(REPS)
    assert "Closed 1 decision whose deadline passed" in logs


def test_the_mail_of_writes_in_quick_succession_is_delivered_within_seconds_once(
    app: Flask,
    network: dict[str, Any],
    database_url: str,
    clock: Any,
    queue_url: str,
    smtp: MailServer,
    tmp_path: Path,
) -> None:
    """A commit asks for one delivery a second later, and the commits of the
    next half second ask for none (:meth:`cop_vote.queue.TaskQueue.kick_delivery`):
    that delivery takes their mail too, and nothing waits for the worker's minute."""
    people, headers = network["people"], network["headers"]
    smtp.start()
    did = make_decision(people["facilitator"], clock.now, open_it=False)
    options = option_ids(did)
    app.test_client_class = FreshClient
    client = app.test_client()
    worker = WorkerProcess(
        database_url, queue_url, tmp_path / "worker.log", env=mail_env(smtp.port)
    )
    with worker:
        base = f"/api/v1/decisions/{did}"
        answers = [client.post(f"{base}/open", headers=headers["facilitator"])]
        for option in (*options[:2], options[0]):  # Lotte hears of each of Idris's ballots
            answers.append(
                client.put(f"{base}/ballot", json={"option": option}, headers=headers["oxfam1"])
            )
        assert [a.status_code for a in answers] == [200] * 4
        wait_until(
            lambda: len(_rows()) == 7 and all(r.status == "sent" for r in _rows()),
            10,  # well under the worker's minute
            "every mail sent",
            worker,
        )
        time.sleep(1.5)  # long enough for a second delivery, were there one
        received = smtp.received()
    assert Counter(m.to[0] for m in received) == Counter(
        {**{a: 1 for a in REPS}, "lotte@oxfam.example.org": 4}
    )
