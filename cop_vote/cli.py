"""``flask --app app cop ...``: setting up and running an installation.

Each command exits 0 on success and 1 when what it checks fails, with a
one-line reason on standard error. Only values meant for scripts (a token, a
link) are printed on standard output.
"""

from __future__ import annotations

import sys
from typing import NoReturn

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

from . import notifications
from .clock import now
from .domain.errors import DomainError
from .extensions import db
from .services import audit, auth, decisions, network

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
    """Print a sign-in link for EMAIL, built on BASE_URL."""
    issued = auth.issue_login_link(email, now(), minutes=current_app.config["LOGIN_LINK_MINUTES"])
    if issued is None:
        _fail(f"no active person with e-mail address {email!r}")
    db.session.commit()
    click.echo(login_url(issued[1]))


@cop.command("close-due")
def close_due_command() -> None:
    """Close decisions whose deadline has passed."""
    closed = decisions.close_due(now)
    db.session.commit()
    click.echo(f"{len(closed)} decision(s) closed.", err=True)


@cop.command("verify-log")
def verify_log_command() -> None:
    """Check the hash chain of the event log; name the first broken entry."""
    check = audit.verify_chain()
    if not check.ok:
        _fail(f"event {check.broken_at}: {check.reason}")
    click.echo(f"{check.entries} entries, chain intact.", err=True)


def init_app(app: Flask) -> None:
    """Register the ``cop`` command group."""
    app.cli.add_command(cop)


@cop.command("send-reminders")
def send_reminders_command() -> None:
    """Send the due reminders, each once however often this runs (for a scheduler)."""
    from .notifications import deliver
    from .services import notify

    sent = notify.send_reminders(now(), int(current_app.config["REMINDER_HOURS"]), deliver)
    db.session.commit()
    click.echo(f"{sent} reminder(s) sent.", err=True)
