"""``flask --app app cop ...``: setting up and running an installation.

Each command exits 0 on success and 1 when what it checks fails, with a
one-line reason on standard error. Only values meant for scripts (a token, a
link) are printed on standard output.
"""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

from . import notifications
from .clock import now
from .domain.errors import DomainError
from .extensions import db
from .models import Decision
from .services import auth, backup, ballot_record, network, transitions, verification
from .services.text import counted

cop = AppGroup("cop", help="Set up and run cop-vote.")


def _fail(message: str) -> NoReturn:
    db.session.rollback()
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def login_url(secret: str) -> str:
    """The sign-in address for a link secret, on ``BASE_URL``."""
    return f"{current_app.config['BASE_URL']}/auth/link/{secret}"


@cop.command("init")
@click.option("--facilitator", "email", required=True, help="E-mail of the first facilitator.")
@click.option("--name", default="Facilitator", help="Their name.")
@click.option("--network", "network_name", default="cop-vote network", help="Network name.")
def init_command(email: str, name: str, network_name: str) -> None:
    """A new, empty installation with its first facilitator."""
    upgrade()
    try:
        network.init_network(email, name, network_name, now())
    except DomainError as exc:
        _fail(exc.message)
    db.session.commit()
    click.echo(f"Network '{network_name}' created; facilitator {email}.", err=True)


@cop.command("load-demo")
@click.option("--if-empty", is_flag=True, help="Only when the installation has no network yet.")
def load_demo_command(if_empty: bool) -> None:
    """Load the kick-off network and its decisions; safe to run twice."""
    upgrade()
    if if_empty and network.get_network() is not None:
        click.echo("The installation has a network already; nothing loaded.", err=True)
        return
    # The demo's people are invented: opening its decisions mails nobody.
    with notifications.suppressed():
        try:
            added = network.load_demo(now())
        except DomainError as exc:
            _fail(exc.message)
        db.session.commit()
    click.echo(
        "Kick-off network loaded: " + ", ".join(f"{v} {k}" for k, v in added.items()) + " added.",
        err=True,
    )


@cop.command("token")
@click.argument("email")
def token_command(email: str) -> None:
    """Print a new personal API token for EMAIL (shown once, stored hashed)."""
    try:
        _person, token = auth.issue_api_token(email, now(), label="command line")
    except DomainError as exc:
        _fail(exc.message)
    db.session.commit()
    click.echo(token)


@cop.command("login-link")
@click.argument("email")
def login_link_command(email: str) -> None:
    """Print a sign-in link for EMAIL, built on BASE_URL.

    BASE_URL defaults to http://127.0.0.1:$PORT: give the same PORT (or
    BASE_URL) as the server the link is for.
    """
    issued = auth.issue_login_link(email, now(), minutes=current_app.config["LOGIN_LINK_MINUTES"])
    if issued is None:
        _fail(f"no active person with e-mail address {email!r}")
    db.session.commit()
    click.echo(login_url(issued[1]))


@cop.command("close-due")
def close_due_command() -> None:
    """Close decisions whose deadline has passed."""
    closed = transitions.close_due(now)
    db.session.commit()
    click.echo(f"{counted(len(closed), 'decision', 'decisions')} closed.", err=True)


@cop.command("verify-log")
@click.option(
    "--anchor",
    "anchors",
    multiple=True,
    metavar="HASH",
    help="A hash kept outside the database (published with an outcome); repeatable.",
)
def verify_log_command(anchors: tuple[str, ...]) -> None:
    """Check the event log's chain and that it agrees with the ballots and decisions.

    Fails on a changed, removed or reordered entry; on a stored ballot, status
    or sealed ballot that the log does not account for; and on an anchor that
    is not in the chain (an emptied, cut-off or rewritten log).
    """
    check = verification.verify_log(anchors)
    if not check.ok:
        for problem in check.problems[1:]:
            click.echo(f"  also: {problem}", err=True)
        _fail(check.problems[0])
    anchored = f", {counted(len(anchors), 'anchor', 'anchors')} found" if anchors else ""
    click.echo(
        f"{check.entries} entries, chain intact, ballots and decisions agree{anchored}.",
        err=True,
    )


@cop.command("recount")
@click.argument("decision_id", type=int)
@click.option(
    "--record",
    "record_file",
    type=click.File("r", encoding="utf-8"),
    help="A ballot record saved earlier (JSON, from its page or the API) to recount from.",
)
def recount_command(decision_id: int, record_file: Any) -> None:
    """Recount DECISION_ID from its ballot record and from the stored ballots, and compare."""
    found = db.session.get(Decision, decision_id)
    if found is None:
        _fail(f"no decision {decision_id}")
    record = None
    if record_file is not None:
        try:
            record = json.load(record_file)
        except ValueError as exc:
            _fail(f"the record is not JSON: {exc}")
        if not isinstance(record, dict) or record.get("decision") != decision_id:
            _fail(f"the record is not the ballot record of decision {decision_id}")
    try:
        report = ballot_record.recount(found, now(), record=record)
    except DomainError as exc:
        _fail(exc.message)
    except (KeyError, TypeError, ValueError) as exc:
        _fail(f"the record cannot be recounted (malformed, or not for this method): {exc}")
    click.echo(f"decision {decision_id} ({report.form} record)")
    click.echo(
        f"  from the record:         winners {report.from_record[0]} tie {report.from_record[1]}"
    )
    click.echo(
        f"  from the stored ballots: winners {report.from_storage[0]} tie {report.from_storage[1]}"
    )
    click.echo(f"  published option:        {report.published_option}")
    if not report.ok:
        for problem in report.problems[1:]:
            click.echo(f"  also: {problem}", err=True)
        _fail(report.problems[0])
    click.echo("The recount matches.", err=True)


@cop.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, allow_dash=True))
def export_command(file: str) -> None:
    """Write the whole network to FILE as one versioned JSON file (``-``: standard output).

    Everything stored, secret ballots included, except sign-in links, sessions,
    API tokens and the mail outbox: keep the file as safe as the database.
    """
    body = json.dumps(backup.export(now()), ensure_ascii=False, indent=1)
    with click.open_file(file, "w", encoding="utf-8") as out:
        out.write(body + "\n")
    counts = ", ".join(
        f"{len(part['rows'])} {name}" for name, part in json.loads(body)["tables"].items()
    )
    click.echo(f"Exported: {counts}.", err=True)


@cop.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option(
    "--partial",
    is_flag=True,
    help="Also restore a facilitator's download, which leaves out open secret ballots.",
)
def import_command(file: Any, partial: bool) -> None:
    """Restore a file written by ``cop export`` into an empty database.

    The database is migrated first; the file must be of the same schema
    revision. People sign in anew: no link, session or token is restored.
    A facilitator's download (from ``/admin/backup``) made while a secret
    decision was open leaves its ballots out and is refused unless
    ``--partial`` is given: its copy fails ``verify-log``. One that left
    nothing out (``omitted.decisions: []``) is restored as it is.
    """
    upgrade()
    try:
        stored = json.load(file)
    except ValueError as exc:
        _fail(f"the file is not JSON: {exc}")
    if not isinstance(stored, dict):
        _fail("the file is not a cop-vote backup")
    try:
        counts = backup.restore(stored, partial=partial)
    except DomainError as exc:
        _fail(exc.message)
    db.session.commit()
    click.echo(f"Restored {sum(counts.values())} rows in {len(counts)} tables.", err=True)
    omitted = backup.omitted_of(stored)
    if backup.leaves_out(stored):
        decisions = ", ".join(str(d) for d in omitted.get("decisions") or []) or "none named"
        click.echo(
            f"Missing: {omitted.get('reason', 'rows')} (decisions {decisions}); "
            "verify-log will report those ballots as missing.",
            err=True,
        )


def init_app(app: Flask) -> None:
    """Register the ``cop`` command group."""
    app.cli.add_command(cop)


@cop.command("send-reminders")
def send_reminders_command() -> None:
    """Write the due reminders to the outbox, each once however often this runs.

    The worker does this every minute; this command is for cron, if you prefer.
    """
    from .services import reminders

    written = reminders.send_reminders(now, int(current_app.config["REMINDER_HOURS"]))
    db.session.commit()
    click.echo(f"{counted(written, 'reminder', 'reminders')} queued for delivery.", err=True)


@cop.command("deliver-mail")
def deliver_mail_command() -> None:
    """Deliver the mail that is due from the outbox now, in this process.

    The worker does this; the command is for a look at a mail server problem,
    or for an installation run from cron without a worker.
    """
    done = notifications.deliver_due()
    sent = counted(done.sent, "mail", "mails")
    click.echo(f"{sent} sent, {done.retrying} to try again, {done.failed} given up.", err=True)
    if done.failed:
        sys.exit(1)


@cop.command("worker")
@click.option("--threads", default=2, show_default=True, help="Tasks run at once.")
def worker_command(threads: int) -> None:
    """Run the worker: mail, sign-in links, closing at deadlines, reminders.

    Runs until Ctrl-C (SIGINT: finishes running tasks) or SIGTERM (stops now).
    Any number may run at once, on one machine or several (with Redis).
    """
    import logging

    from . import queue

    # Huey's own log (tasks started and done), and the app's at INFO (what
    # the tasks did: decisions closed, mail given up).
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    huey_log = logging.getLogger("huey")
    huey_log.addHandler(handler)
    huey_log.setLevel(logging.INFO)
    current_app.logger.setLevel(logging.INFO)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        queue.run_worker(app, workers=threads)
    except RuntimeError as exc:
        _fail(str(exc))


def _facilitator(email: str) -> Any:
    """The person with ``email``, who must be a facilitator (checked by the service)."""
    from .services import organisations

    found = organisations.find_person_by_email(email)
    if found is None:
        _fail(f"no person with e-mail address {email!r}")
    return found


@cop.command("add-person")
@click.argument("email")
@click.option("--name", required=True, help="Their name.")
@click.option("--organisation", default=None, help="Slug or name of their organisation.")
@click.option(
    "--role",
    type=click.Choice(["representative", "observer", "facilitator"]),
    default="representative",
    show_default=True,
)
@click.option("--language", type=click.Choice(["nl", "en"]), default=None, help="Of their mail.")
@click.option("--by", "by_email", required=True, help="E-mail of the facilitator adding them.")
def add_person_command(
    email: str, name: str, organisation: str | None, role: str, language: str | None, by_email: str
) -> None:
    """Add a person and send them an invitation with a sign-in link.

    Prints the new person's id. The invitation goes through the outbox: the
    worker (or ``deliver-mail``) sends it.
    """
    from .services import invitations, organisations

    actor = _facilitator(by_email)
    slug = organisation
    if organisation is not None:
        known = organisations.list_organisations(include_inactive=True)
        slug = invitations.organisation_slug(organisation, known)
        if slug is None:
            _fail(f"no organisation with slug or name {organisation!r}")
    data = {"name": name, "email": email, "organisation": slug, "role": role, "language": language}
    try:
        person = organisations.create_person(actor, data, now())
    except DomainError as exc:
        _fail(exc.message + "".join(f" {k}: {v}" for k, v in getattr(exc, "fields", {}).items()))
    db.session.commit()
    click.echo(person.id)
    click.echo(f"{person.name} added; the invitation is in the outbox.", err=True)


@cop.command("invite")
@click.argument("email")
@click.option("--by", "by_email", required=True, help="E-mail of the facilitator inviting.")
def invite_command(email: str, by_email: str) -> None:
    """Send a person's invitation again (a new sign-in link voids the old one)."""
    from .services import invitations, organisations

    actor = _facilitator(by_email)
    person = organisations.find_person_by_email(email)
    if person is None:
        _fail(f"no person with e-mail address {email!r}")
    try:
        invitations.invite(actor, person.id, now())
    except DomainError as exc:
        _fail(exc.message)
    db.session.commit()
    click.echo(f"The invitation to {person.name} is in the outbox.", err=True)


@cop.command("send-digests")
def send_digests_command() -> None:
    """Write today's alert digests for the facilitators who chose one (once a day).

    The worker does this every minute from ``ALERT_DIGEST_HOUR`` on; this
    command is for cron, if you prefer.
    """
    from .services import alerts

    config = current_app.config
    written = alerts.send_digests(
        now, str(config["NETWORK_TIME_ZONE"]), int(config["ALERT_DIGEST_HOUR"])
    )
    db.session.commit()
    click.echo(f"{counted(written, 'digest', 'digests')} queued for delivery.", err=True)
