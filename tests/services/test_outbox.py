"""The outbox: mail written with its cause, taken by one worker at a time,
retried with backoff, given up and listed, tried again on request.

The app's queue here is a file nobody reads (``held``), so mail stays pending
until the test delivers it with :func:`cop_vote.notifications.deliver_due`.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from cop_vote import notifications, queue
from cop_vote.domain.delivery import RetryPolicy
from cop_vote.domain.errors import Conflict, NotAllowed
from cop_vote.extensions import db
from cop_vote.models import Notification
from cop_vote.services import ballots, notify, outbox
from tests.web.helpers import make_decision, option_ids
from tests.web.helpers import outbox as sent_mail

REPS = 4
LEASE = timedelta(minutes=5)


@pytest.fixture
def held(app: Flask, tmp_path: Path) -> queue.TaskQueue:
    """A queue in a file that no worker reads: what is asked of it stays there."""
    app.config["QUEUE_URL"] = f"sqlite:///{tmp_path / 'held.sqlite'}"
    queue.init_app(app)
    return queue.get()


def _pending() -> list[Notification]:
    return list(
        db.session.execute(select(Notification).where(Notification.status == "pending")).scalars()
    )


def test_a_write_leaves_its_mail_pending_and_asks_the_queue_once_per_commit(
    app: Flask, network: dict[str, Any], clock: Any, held: queue.TaskQueue
) -> None:
    make_decision(network["people"]["facilitator"], clock.now)
    assert len(_pending()) == REPS and sent_mail(app) == []
    tasks = sorted(t.name for t in held.huey.pending())
    assert tasks == ["close_due", "deliver_mail"]  # one commit: deliver now, close later


def _deliveries(held: queue.TaskQueue) -> list[datetime]:
    """When each delivery asked of the held queue is to run (UTC, naive)."""
    return [t.eta for t in held.huey.pending() if t.name == "deliver_mail"]


def test_the_commits_of_a_busy_moment_ask_for_one_delivery_a_second_later(
    app: Flask, network: dict[str, Any], clock: Any, held: queue.TaskQueue
) -> None:
    people = network["people"]
    # A long wait, so that a slow machine's writes still fall in its first half.
    held.nudge_seconds = 60
    asked = datetime.now(UTC).replace(tzinfo=None)
    did = make_decision(people["facilitator"], clock.now)
    (first,) = _deliveries(held)
    later = timedelta(seconds=60)
    assert asked + later <= first <= datetime.now(UTC).replace(tzinfo=None) + later
    # Two ballot writes that each write the colleague's mail: that delivery,
    # still ahead, takes their mail too; nothing more is asked.
    for option in option_ids(did)[:2]:
        ballots.cast_ballot(people["oxfam1"], did, {"option": option}, clock.now)
        db.session.commit()
    assert _deliveries(held) == [first]
    assert len(_pending()) == REPS + 2
    done = notifications.deliver_due()  # what the asked-for delivery does
    assert (done.sent, done.failed) == (REPS + 2, 0) and _pending() == []


def test_a_commit_after_the_first_half_of_the_wait_asks_again(
    app: Flask, network: dict[str, Any], clock: Any, held: queue.TaskQueue
) -> None:
    people = network["people"]
    held.nudge_seconds = 0.4
    did = make_decision(people["facilitator"], clock.now)
    assert len(_deliveries(held)) == 1
    time.sleep(0.2)  # half of the wait: that delivery may run before the next commit
    ballots.cast_ballot(people["oxfam1"], did, {"option": option_ids(did)[0]}, clock.now)
    db.session.commit()
    first, second = _deliveries(held)
    assert second > first
    time.sleep(0.2)
    # A write that writes no mail (ADPC has one representative) asks for nothing.
    ballots.cast_ballot(people["adpc"], did, {"option": option_ids(did)[0]}, clock.now)
    db.session.commit()
    assert len(_deliveries(held)) == 2


def test_opening_schedules_closing_at_the_deadline(
    app: Flask, network: dict[str, Any], clock: Any, held: queue.TaskQueue
) -> None:
    make_decision(network["people"]["facilitator"], clock.now, days=3)
    # Waiting in the queue with its time; a worker's scheduler keeps it until then.
    (scheduled,) = [t for t in held.huey.pending() if t.name == "close_due"]
    expected = (clock.now + timedelta(days=3, seconds=1)).astimezone(UTC).replace(tzinfo=None)
    assert scheduled.eta == expected


def test_a_taken_mail_is_not_taken_again_until_its_lease_runs_out(
    app: Flask, network: dict[str, Any], clock: Any, held: queue.TaskQueue
) -> None:
    make_decision(network["people"]["facilitator"], clock.now)
    first = outbox.take_due(clock.now, limit=10, lease=LEASE)
    db.session.commit()
    assert len(first) == REPS and {t.attempt for t in first} == {1}
    assert outbox.take_due(clock.now, limit=10, lease=LEASE) == []  # a second worker
    clock.advance(minutes=5)
    again = outbox.take_due(clock.now, limit=10, lease=LEASE)
    assert {t.id for t in again} == {t.id for t in first} and {t.attempt for t in again} == {2}


def test_two_workers_at_once_send_each_mail_once(
    app: Flask, network: dict[str, Any], clock: Any, held: queue.TaskQueue
) -> None:
    fac = network["people"]["facilitator"]
    for n in range(5):
        make_decision(fac, clock.now, title=f"Decision {n}")
    assert len(_pending()) == 5 * REPS
    db.session.commit()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with app.app_context():
                notifications.deliver_due(batch=3)
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    counted = Counter((m.to[0], m.subject) for m in sent_mail(app))
    assert len(counted) == 5 * REPS and set(counted.values()) == {1}
    assert _pending() == []


def test_a_refused_address_is_given_up_listed_and_tried_again_on_request(
    app: Flask, network: dict[str, Any], clock: Any, held: queue.TaskQueue
) -> None:
    people = network["people"]
    make_decision(people["facilitator"], clock.now)
    policy = RetryPolicy(timedelta(seconds=30), timedelta(hours=1), max_attempts=3)
    taken = outbox.take_due(clock.now, limit=10, lease=LEASE)
    amina = next(t for t in taken if t.mail.person.id == people["adpc"].id)
    others = [t for t in taken if t is not amina]
    row = outbox.record_failure(
        amina.id, "amina@adpc.example.org: 550 5.1.1 No such\nmailbox", clock.now, policy,
        permanent=True,
    )  # fmt: skip
    assert (row.status, row.failed_at, row.last_error) == (
        "failed",
        clock.now,
        "amina@adpc.example.org: 550 5.1.1 No such mailbox",
    )
    # A temporary failure is tried again after 30 s, 60 s, then given up.
    idris = others[0]
    row = outbox.record_failure(idris.id, "421 busy", clock.now, policy, permanent=False)
    assert row.status == "pending" and row.next_attempt_at == clock.now + timedelta(seconds=30)
    db.session.commit()
    assert [n.id for n in outbox.undelivered(people["facilitator"])] == [amina.id]
    with pytest.raises(NotAllowed):
        outbox.undelivered(people["adpc"])
    with pytest.raises(NotAllowed):
        outbox.retry(people["adpc"], amina.id, clock.now)
    with pytest.raises(Conflict):
        outbox.retry(people["facilitator"], idris.id, clock.now)
    again = outbox.retry(people["facilitator"], amina.id, clock.now)
    assert (again.status, again.attempts, again.next_attempt_at) == ("pending", 0, clock.now)
    db.session.commit()
    assert [t.name for t in held.huey.pending()][-1] == "deliver_mail"  # asked at once
    clock.advance(minutes=6)  # past the lease of the others
    done = notifications.deliver_due()
    assert (done.sent, done.failed) == (REPS, 0)
    assert sorted(m.to[0] for m in sent_mail(app)) == sorted(
        p.email for k, p in people.items() if k in ("adpc", "oxfam1", "oxfam2", "stro")
    )


def test_mail_to_someone_who_can_no_longer_receive_it_is_skipped(
    app: Flask, network: dict[str, Any], clock: Any, held: queue.TaskQueue
) -> None:
    people = network["people"]
    make_decision(people["facilitator"], clock.now)
    people["stro"].active = False
    people["oxfam2"].notifications = "none"
    db.session.commit()
    done = notifications.deliver_due()
    assert done.sent == 2
    skipped = db.session.execute(
        select(Notification.person_id).where(Notification.status == "skipped")
    ).scalars()
    assert sorted(skipped) == sorted([people["stro"].id, people["oxfam2"].id])


def test_the_mail_context_keeps_times_aware() -> None:
    at = datetime(2009, 12, 4, 10, 30, tzinfo=UTC)
    stored = notify.stored_context({"at": at, "name": "ADPC", "hours": 48, "none": None})
    assert stored == {"at": {"utc": "2009-12-04T10:30:00+00:00"}, "name": "ADPC", "hours": 48,
                      "none": None}  # fmt: skip
    assert notify.loaded_context(stored) == {"at": at, "name": "ADPC", "hours": 48, "none": None}
    with pytest.raises(TypeError):
        notify.stored_context({"people": ["a"]})


def test_the_worker_s_minute_closes_reminds_and_delivers(
    app: Flask, network: dict[str, Any], clock: Any, held: queue.TaskQueue
) -> None:
    fac = network["people"]["facilitator"]
    make_decision(fac, clock.now, days=1, title="Closes")
    make_decision(fac, clock.now, days=3, title="Reminds")
    notifications.deliver_due()  # the invitations
    before = len(sent_mail(app))
    clock.advance(days=1, seconds=1)  # one deadline passed, the other 48 h ahead
    held.every_minute.call_local()
    subjects = Counter(m.subject for m in sent_mail(app)[before:])
    assert subjects == {
        "De stemming is gesloten: Closes": REPS,
        "Herinnering: je organisatie heeft nog niet gestemd: Reminds": REPS,
    }
    assert held.huey.get(queue.HEARTBEAT, peek=True) is not None
