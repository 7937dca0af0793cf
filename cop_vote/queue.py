"""The task queue: Huey, embedded on SQLite by default, on Redis in production.

``QUEUE_URL`` picks the storage, with the same tasks and code on each:

* ``sqlite:///path`` (the default: ``queue.sqlite`` in the instance folder):
  nothing to install on a fresh machine; the web server and the worker share
  the file, so they must share a disk.
* ``redis://host:port/db``: for production and for several machines.
* ``immediate``: a task runs at once in the process that asks for it, with no
  worker (the tests; a script).

The worker is ``flask --app app cop worker`` (:func:`run_worker`). Its tasks:

* ``deliver_mail``: deliver the outbox (:func:`cop_vote.notifications.deliver_due`);
  asked for after a commit that wrote mail (at most once per
  :data:`NUDGE_SECONDS` per process: :meth:`TaskQueue.kick_delivery`), and at
  the next retry time after a failure;
* ``deliver_webhooks``: post the webhooks' events
  (:func:`cop_vote.webhook_sender.deliver_due`); asked for after every commit
  that wrote one, and at the next retry time after a failure;
* ``send_login_link``: look the address up, make a sign-in link and mail it;
  asked for by the sign-in form, after its answer has gone out;
* ``close_due``: close the decisions whose deadline has passed; scheduled at
  each decision's deadline when it opens or its deadline moves;
* ``every_minute`` (periodic): close due decisions, write due reminders and
  the day's alert digests for the facilitators, deliver due mail and
  webhook events, expire personal data kept long enough
  (``services/retention.py``), and note
  that the worker is alive (``/readyz`` shows it);
* ``build_pack``: build a large meeting pack as a Word document or a workbook and keep it
  in the queue's storage until it is fetched (:meth:`TaskQueue.prepare_pack`).

Every task is safe to run twice and by several workers at once: closing
locks each decision and re-reads it, reminders and mails have unique keys, a
mail is leased to one worker at a time. So any number of workers may run, and
cron (``cop close-due``, ``cop send-reminders``) is optional.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.api import TaskWrapper

from . import clock
from .extensions import db
from .services.text import counted

log = logging.getLogger(__name__)

#: The key under which the worker notes, each minute, that it is alive.
HEARTBEAT = "worker-heartbeat"
#: A prepared meeting pack is kept under ``pack:<decision id>:<job>``; the
#: newest Word job per decision under ``pack:<decision id>``, the newest
#: workbook job under ``pack:<decision id>-xlsx`` (so at most one file of each
#: kind per decision stays in the storage: a newer one replaces it).
PACK_KEY = "pack:{decision_id}"
#: How long a sign-in request may wait for a worker before it is dropped:
#: a link that arrives much later than asked for only confuses.
LOGIN_LINK_EXPIRES = timedelta(minutes=10)
#: A commit that wrote mail asks for a delivery this many seconds later; the
#: commits of the first half of that wait ask for nothing more, since that
#: delivery runs after them and finds their mail in the outbox.
NUDGE_SECONDS = 1.0


def make_huey(url: str, name: str) -> Huey:
    """The Huey instance for ``QUEUE_URL``.

    :param url: ``immediate``, ``sqlite:///path`` or ``redis://...`` (also ``rediss://``).
    :param name: the queue's name; keys and rows are kept apart by it.
    :raises ValueError: for another scheme.
    """
    if url == "immediate":
        return MemoryHuey(name, immediate=True, results=False)
    if url.startswith("sqlite:///"):
        # Busy timeout in seconds: the web processes and the worker share the file.
        return SqliteHuey(name, filename=url[len("sqlite:///") :], results=False, timeout=10)
    if url.startswith(("redis://", "rediss://", "unix://")):
        from redis import ConnectionPool

        # Time-outs, so that a Redis that does not answer cannot hold a request:
        # the worker's blocking read waits 1 s at a time, well within them.
        pool = ConnectionPool.from_url(url, socket_connect_timeout=2, socket_timeout=10)
        return RedisHuey(name, connection_pool=pool, results=False)
    raise ValueError(f"QUEUE_URL must be immediate, sqlite:///... or redis://..., not {url!r}")


def _in_app(app: Flask, job: Callable[..., None]) -> Callable[..., None]:
    """``job`` run in a fresh application context of ``app`` (its own database
    session), which is removed afterwards."""

    def run(*args: Any, **kwargs: Any) -> None:
        with app.app_context():
            try:
                job(*args, **kwargs)
            finally:
                db.session.remove()

    run.__name__ = job.__name__
    run.__doc__ = job.__doc__
    return run


class TaskQueue:
    """The application's queue (``app.extensions["cop_queue"]``) and its tasks."""

    def __init__(self, app: Flask, huey: Huey) -> None:
        self.app = app
        self.huey = huey
        #: How much later a commit that wrote mail asks for its delivery
        #: (:meth:`kick_delivery`), and until when (``time.monotonic()``) the
        #: delivery asked for last is sure to run after a commit of now.
        self.nudge_seconds = NUDGE_SECONDS
        self._nudged_until = 0.0
        task = huey.task
        self.deliver_mail: TaskWrapper = task(name="deliver_mail")(_in_app(app, _deliver_mail))
        self.deliver_webhooks: TaskWrapper = task(name="deliver_webhooks")(
            _in_app(app, _deliver_webhooks)
        )
        self.close_due: TaskWrapper = task(name="close_due")(_in_app(app, _close_due))
        # A failed sign-in mail is tried again after 2, 4, 8 ... 64 s, while
        # the request is still fresh (LOGIN_LINK_EXPIRES).
        self.send_login_link: TaskWrapper = task(
            name="send_login_link",
            retries=6,
            retry_delay=2,
            retry_backoff=2,
            expires=LOGIN_LINK_EXPIRES,
        )(_in_app(app, _send_login_link))
        self.build_pack: TaskWrapper = task(name="build_pack")(_in_app(app, _build_pack))
        self.every_minute: TaskWrapper = huey.periodic_task(crontab(), name="every_minute")(
            _in_app(app, _every_minute)
        )

    @property
    def immediate(self) -> bool:
        """Whether tasks run at once in the asking process (no worker)."""
        return bool(self.huey.immediate)

    def kick_delivery(self, at: datetime | None = None) -> None:
        """Ask a worker to deliver the outbox soon, or at ``at``.

        Without ``at`` (a commit that wrote mail) the delivery is asked for
        :attr:`nudge_seconds` (:data:`NUDGE_SECONDS`) later, and the commits of
        the next half of that time ask for nothing: the delivery asked for runs
        after them (on a worker's clock that may be up to half of it ahead) and
        takes their mail too. So a busy web process adds one task per second to the queue, not
        one per write (each is a write to the queue's storage). The outbox
        stays the record: whatever no task covers, the worker's minute delivers.

        Never raises: the mail is in the outbox and the worker's minute
        delivers it anyway.
        """
        try:
            if at is not None:
                if not self.immediate:
                    self.deliver_mail.schedule(eta=at)
            elif self.immediate:
                self.deliver_mail()
            elif time.monotonic() >= self._nudged_until:
                self.deliver_mail.schedule(delay=self.nudge_seconds)
                # Two threads may both get here at once: one task more, no harm.
                self._nudged_until = time.monotonic() + self.nudge_seconds / 2
        except Exception:  # noqa: BLE001 - a queue that is down must not break a write
            log.warning("Could not ask the queue to deliver mail", exc_info=True)

    def kick_webhooks(self, at: datetime | None = None) -> None:
        """Ask a worker to deliver the webhooks' events now, or at ``at``.

        Never raises: the events wait in their outbox for the worker's minute.
        """
        try:
            if at is None:
                self.deliver_webhooks()
            elif not self.immediate:
                self.deliver_webhooks.schedule(eta=at)
        except Exception:  # noqa: BLE001 - a queue that is down must not break a write
            log.warning("Could not ask the queue to deliver webhook events", exc_info=True)

    def close_at(self, deadlines: list[datetime]) -> None:
        """Ask a worker to close due decisions at each of these deadlines."""
        if self.immediate:
            return  # nothing runs later in this mode; pages treat them as closed anyway
        for deadline in sorted(set(deadlines)):
            try:
                self.close_due.schedule(eta=deadline + timedelta(seconds=1))
            except Exception:  # noqa: BLE001 - the worker's minute closes it anyway
                log.warning("Could not schedule closing at %s", deadline, exc_info=True)

    def login_link_sender(
        self, email: str, next_path: str | None, language: str
    ) -> Callable[[], None]:
        """A callback (for ``Response.call_on_close``) that asks a worker to send
        a sign-in link to ``email``, or, with no queue to ask, sends it itself."""
        app = self.app

        def send() -> None:
            try:
                self.send_login_link(email, next_path, language)
            except Exception:  # noqa: BLE001 - without a queue, send from here
                app.logger.warning("The queue is down: the web process sends the sign-in mail")
                try:
                    _in_app(app, _send_login_link)(email, next_path, language)
                except Exception:  # noqa: BLE001 - the visitor already has their answer
                    app.logger.exception("Could not send the sign-in mail")

        return send

    def prepare_pack(
        self, decision_id: int, person_id: int, language: str, kind: str = "docx"
    ) -> str:
        """Ask a worker to build the meeting pack of ``decision_id`` as a Word
        document (``kind`` ``docx``) or a workbook (``xlsx``), for
        ``person_id`` (a facilitator) in ``language``.

        :returns: the job's key, for :meth:`pack`; its kind is :func:`pack_kind`.
        """
        job = secrets.token_hex(16) + ("-xlsx" if kind == "xlsx" else "")
        self.huey.put(_pack_key(decision_id, job), ("pending", None))
        self.build_pack(decision_id, person_id, language, job)
        return job

    def pack(self, decision_id: int, job: str) -> tuple[str, bytes | None]:
        """``("pending" | "ready" | "failed" | "gone", the file when ready)``;
        "gone": no such job, or a newer pack of the decision replaced it."""
        found = self.huey.get(_pack_key(decision_id, job), peek=True)
        if found is None:
            return "gone", None
        state, body = found
        return str(state), body

    def heartbeat(self) -> None:
        """Note that a worker is alive now."""
        self.huey.put(HEARTBEAT, time.time())

    def status(self) -> dict[str, Any]:
        """The queue as ``/readyz`` reports it.

        :returns: ``{"queued": tasks waiting, "scheduled": tasks waiting for a
            time, "worker_seen_seconds_ago": seconds or None}``.
        :raises Exception: the storage cannot be reached.
        """
        seen = self.huey.get(HEARTBEAT, peek=True)
        return {
            "queued": int(self.huey.pending_count()),
            "scheduled": int(self.huey.scheduled_count()),
            "worker_seen_seconds_ago": None if seen is None else round(time.time() - seen),
        }


# --- the tasks (each runs in an application context) ---------------------------------------


def _deliver_mail() -> None:
    from .notifications import deliver_due

    deliver_due()


def _deliver_webhooks() -> None:
    from .webhook_sender import deliver_due

    deliver_due()


def _close_due() -> None:
    from .services import transitions

    closed = transitions.close_due(clock.now)
    db.session.commit()  # the "closed" mails are written with it, and delivered next
    if closed:
        closed_count = counted(len(closed), "decision", "decisions")
        current_app.logger.info("Closed %s whose deadline passed", closed_count)


def _send_reminders() -> None:
    from .services import reminders

    written = reminders.send_reminders(clock.now, int(current_app.config["REMINDER_HOURS"]))
    db.session.commit()
    if written:
        current_app.logger.info("Wrote %s", counted(written, "reminder", "reminders"))


def _send_digests() -> None:
    from .services import alerts

    config = current_app.config
    written = alerts.send_digests(
        clock.now, str(config["NETWORK_TIME_ZONE"]), int(config["ALERT_DIGEST_HOUR"])
    )
    db.session.commit()
    if written:
        current_app.logger.info("Wrote %s", counted(written, "alert digest", "alert digests"))


def _expire_personal_data() -> None:
    from .services import retention

    config = current_app.config
    expired = retention.expire(
        clock.now(),
        links_days=int(config["KEEP_LINKS_DAYS"]),
        sessions_days=int(config["KEEP_SESSIONS_DAYS"]),
        mail_days=int(config["KEEP_MAIL_LOG_DAYS"]),
    )
    db.session.commit()
    if any(expired.values()):
        current_app.logger.info("Expired personal data: %s", expired)


def _every_minute() -> None:
    """The worker's schedule: each step on its own, so that one failing does
    not stop the others."""
    get().heartbeat()
    for step in (
        _close_due,
        _send_reminders,
        _send_digests,
        _deliver_mail,
        _deliver_webhooks,
        _expire_personal_data,
    ):
        try:
            step()
        except Exception:  # noqa: BLE001 - logged; the next minute tries again
            db.session.rollback()
            current_app.logger.exception("The worker's %s failed", step.__name__)


def pack_kind(job: str) -> str:
    """The file a pack job builds: ``xlsx`` for a job named ``...-xlsx``, else ``docx``."""
    return "xlsx" if job.endswith("-xlsx") else "docx"


def _pack_key(decision_id: int, job: str) -> str:
    return f"{PACK_KEY.format(decision_id=decision_id)}:{job}"


def _build_pack(decision_id: int, person_id: int, language: str, job: str) -> None:
    """Build a meeting pack as a Word document or a workbook (:func:`pack_kind`)
    and keep it for :meth:`TaskQueue.pack`.

    Reads only: on SQLite it holds no write lock while it works.
    """
    from flask_babel import force_locale

    from . import database
    from .models import Person
    from .services import meeting_pack as pack_service
    from .web.exports import pack_file

    huey = get().huey
    try:
        with database.reading(), force_locale(language):
            person = db.session.get(Person, person_id)
            pack = pack_service.gather(person, decision_id, clock.now())
            body = pack_file(pack, pack_kind(job))
        db.session.rollback()
    except Exception:
        current_app.logger.exception("Could not build the meeting pack of decision %d", decision_id)
        huey.put(_pack_key(decision_id, job), ("failed", None))
        raise
    # One file kept per decision and kind: a new workbook replaces the last workbook.
    newest = PACK_KEY.format(decision_id=decision_id) + (
        "-xlsx" if pack_kind(job) == "xlsx" else ""
    )
    previous = huey.get(newest)
    if previous is not None and previous != job:
        huey.get(_pack_key(decision_id, str(previous)))  # read once: removed
    huey.put(newest, job)
    huey.put(_pack_key(decision_id, job), ("ready", body))


class SignInMailNotSent(Exception):
    """The mail server did not take a sign-in mail (the queue tries again)."""


def _send_login_link(email: str, next_path: str | None, language: str) -> None:
    """Make a sign-in link for ``email`` if it belongs to a person with access,
    and mail it. Unknown addresses get nothing, and nothing tells them apart.

    Each attempt makes a new link (voiding the one before): a link is only
    ever kept hashed, so a retry cannot resend the same one.
    """
    from .services import auth
    from .web.mail import build_login_mail

    issued = auth.issue_login_link(
        email,
        clock.now(),
        minutes=int(current_app.config["LOGIN_LINK_MINUTES"]),
        next_path=next_path,
    )
    db.session.commit()
    if issued is None:
        return
    person, secret = issued
    try:
        build_login_mail(person, secret, language).send()
    except Exception as exc:
        raise SignInMailNotSent(f"to person {person.id}: {exc}") from exc


def get() -> TaskQueue:
    """The current application's queue."""
    found: TaskQueue = current_app.extensions["cop_queue"]
    return found


def init_app(app: Flask) -> None:
    """Make the application's queue from ``QUEUE_URL`` and ``QUEUE_NAME``."""
    huey = make_huey(str(app.config["QUEUE_URL"]), str(app.config["QUEUE_NAME"]))
    app.extensions["cop_queue"] = TaskQueue(app, huey)


def run_worker(app: Flask, *, workers: int = 2) -> None:
    """Run the worker until SIGINT (finish running tasks) or SIGTERM (stop now).

    :param workers: threads taking tasks; delivering mail mostly waits on the
        mail server.
    """
    queue: TaskQueue = app.extensions["cop_queue"]
    if queue.immediate:
        raise RuntimeError("QUEUE_URL=immediate runs tasks in place; there is no worker to run")
    consumer = queue.huey.create_consumer(
        workers=workers,
        worker_type="thread",
        periodic=True,
        # Poll an idle SQLite queue at most every second, so that a sign-in
        # link leaves promptly (Redis answers at once: a blocking read).
        initial_delay=0.1,
        backoff=1.15,
        max_delay=1.0,
        scheduler_interval=1,
    )
    with app.app_context():
        queue.heartbeat()
    consumer.run()
