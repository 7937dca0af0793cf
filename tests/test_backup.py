"""``cop export`` / ``cop import``: the full backup and its restore.

The round trip runs between SQLite and PostgreSQL (TEST_DATABASE_URL) both
ways when PostgreSQL is reachable: the copy answers every API GET route of the
seeded network exactly as the original, for each role, and its log verifies.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, url_for
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.engine import make_url

from cop_vote import create_app
from cop_vote.extensions import db
from cop_vote.models import Ballot, Comment, Decision, Person
from cop_vote.services import auth, backup, organisations
from tests.web.test_statement_counts import DECISION_FOR, build

from .conftest import Clock

#: API routes whose answer is about the caller's own credentials, which a
#: backup deliberately leaves out (people make new tokens after a restore).
NOT_COMPARED = {"api.list_tokens"}

#: Parts of answers that come from tables a backup deliberately leaves out.
NOT_RESTORED = {"api.my_data": {"sign_in_links", "sessions", "api_tokens", "mail"}}

ROLES = ("facilitator", "representative", "observer")


def _config(url: str, clock: Clock) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret",
        "MAIL_BACKEND": "locmem",
        "QUEUE_URL": "immediate",
        "RATELIMIT_ENABLED": False,
        "CLOCK": clock,
        "SERVER_NAME": "localhost",
        "BASE_URL": "http://localhost",
    }


def _fresh_postgres(name: str) -> str | None:
    """A new, empty PostgreSQL database beside TEST_DATABASE_URL's, or None."""
    raw = os.environ.get("TEST_DATABASE_URL", "")
    if not raw:
        return None
    url = make_url("postgresql+psycopg://" + raw.split("://", 1)[1])
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:  # noqa: BLE001 - not reachable: the round trip stays on SQLite
        return None
    finally:
        engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_postgres(url: str) -> None:
    name = make_url(url).database
    engine = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def _answers(app: Flask, seeded_ids: dict[str, Any], now: Any) -> dict[str, Any]:
    """Status and JSON of every API GET route, for each role, with fresh tokens.

    ``last_used_at`` is dropped (a token's last use is not the network's record).
    """
    tokens = {}
    for role in ROLES:
        _p, token = auth.issue_api_token(seeded_ids["emails"][role], now, label="walk")
        tokens[role] = {"Authorization": f"Bearer {token}"}
    db.session.commit()
    client = app.test_client()
    answers: dict[str, Any] = {}
    rules = sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")),
        key=lambda r: r.rule,
    )
    for rule in rules:
        if "GET" not in (rule.methods or ()) or rule.endpoint in NOT_COMPARED:
            continue
        arguments = set(rule.arguments)
        choices = seeded_ids["decisions"] if "decision_id" in arguments else {"-": None}
        for key, decision_id in choices.items():
            values = {**seeded_ids["args"], "decision_id": decision_id}
            if not arguments <= {k for k, v in values.items() if v is not None}:
                continue
            with app.test_request_context():
                url = url_for(rule.endpoint, **{a: values[a] for a in arguments})
            for role in ROLES:
                response = client.get(url, headers=tokens[role])
                body = response.get_json(silent=True)
                if rule.endpoint in NOT_RESTORED:
                    body = {k: v for k, v in body.items() if k not in NOT_RESTORED[rule.endpoint]}
                    # The walk's own tokens are logged: one more on each copy.
                    body["log"] = [e for e in body["log"] if e["kind"] != "token.created"]
                answers[f"{role} {url} ({key})"] = (response.status_code, _scrub(body))
    assert len(answers) > 100
    return answers


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items() if k != "last_used_at"}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


@pytest.fixture
def seeded(app: Flask, clock: Clock) -> dict[str, Any]:
    """The statement-count network (two extra organisations) with a secret open decision."""
    seeded = build(app, clock.now, 2)
    facilitator = seeded.people["facilitator"]
    from cop_vote.services import ballots, decisions, moderation, transitions

    secret = decisions.create_decision(
        facilitator,
        {
            "title": "A secret open choice",
            "method": "single_choice",
            "ballot_secrecy": "secret",
            "options": [{"label": "Yes"}, {"label": "No"}],
        },
        clock.now,
    )
    transitions.open_decision(facilitator, secret.id, clock.now)
    ballots.cast_ballot(
        seeded.people["representative"], secret.id, {"option": secret.options[1].id}, clock.now
    )
    # A comment in each state of review, so that the review survives too.
    moderation.review(facilitator, seeded.comment, "flagged", clock.now, note="For the meeting.")
    others = db.session.execute(
        select(Comment.id).where(Comment.id != seeded.comment).order_by(Comment.id)
    ).scalars()
    first, second = list(others)[:2]
    moderation.review(facilitator, first, "hidden", clock.now, reason="Off topic.")
    moderation.review(facilitator, second, "reviewed", clock.now)
    db.session.commit()
    keys = set(seeded.decisions) | set(DECISION_FOR.values())
    return {
        "decisions": {**{k: seeded.decisions[k] for k in sorted(keys)}, "secret_open": secret.id},
        "emails": {role: seeded.people[role].email for role in ROLES},
        "args": {
            "comment_id": seeded.comment,
            "meeting_id": seeded.meeting,
            "action_id": seeded.extra.get("action"),
            "person_id": seeded.people["representative"].id,
            "slug": seeded.slug,
        },
    }


@pytest.fixture
def targets(app: Flask, tmp_path: Path) -> Iterator[list[str]]:
    """Where the copy goes: the other kind of database (PostgreSQL when
    reachable), then back to a new database of this kind."""
    here = db.engine.dialect.name
    sqlite_a, sqlite_b = (f"sqlite:///{tmp_path / name}" for name in ("a.sqlite", "b.sqlite"))
    postgres = _fresh_postgres(f"{_pg_base()}_restore_from_{here}")
    if here == "sqlite":
        chain = [postgres or sqlite_a, sqlite_b]
    else:
        assert postgres is not None
        chain = [sqlite_a, postgres]
    yield chain
    if postgres:
        _drop_postgres(postgres)


def _pg_base() -> str:
    raw = os.environ.get("TEST_DATABASE_URL", "postgresql://x/test")
    return make_url(raw).database or "test"


def test_round_trip_answers_every_api_route_alike_and_the_log_verifies(
    app: Flask, clock: Clock, seeded: dict[str, Any], targets: list[str], tmp_path: Path
) -> None:
    original = _answers(app, seeded, clock.now)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["cop", "verify-log"]).exit_code == 0
    file = tmp_path / "backup-0.json"
    exported = runner.invoke(args=["cop", "export", str(file)])
    assert exported.exit_code == 0, exported.output
    for step, url in enumerate(targets, start=1):
        copy = create_app(_config(url, clock))
        with copy.app_context():
            copy_runner = copy.test_cli_runner()
            restored = copy_runner.invoke(args=["cop", "import", str(file)])
            assert restored.exit_code == 0, restored.output
            checked = copy_runner.invoke(args=["cop", "verify-log"])
            assert checked.exit_code == 0, checked.output
            assert _answers(copy, seeded, clock.now) == original, url
            # New rows get ids after the restored ones (PostgreSQL's sequences moved on).
            highest = db.session.execute(select(func.max(Person.id))).scalar()
            facilitator = db.session.execute(
                select(Person).where(Person.email == seeded["emails"]["facilitator"])
            ).scalar_one()
            added = organisations.create_person(
                facilitator,
                {"name": "New", "email": f"new{step}@example.org", "role": "observer"},
                clock.now,
            )
            assert highest is not None and added.id == highest + 1
            db.session.rollback()
            file = tmp_path / f"backup-{step}.json"
            assert copy_runner.invoke(args=["cop", "export", str(file)]).exit_code == 0
            db.session.remove()
            db.engine.dispose()


def test_every_table_is_exported_or_deliberately_excluded(app: Flask, clock: Clock) -> None:
    names = {t.name for t in db.metadata.sorted_tables}
    exported = {t.name for t in backup.exported_tables()}
    assert set(backup.EXCLUDED_TABLES) <= names
    assert exported == names - set(backup.EXCLUDED_TABLES)
    # The excluded ones are the secrets and the bookkeeping; nothing else.
    assert set(backup.EXCLUDED_TABLES) == {
        "login_token",
        "login_session",
        "api_token",
        "notification",
        "calendar_feed",
        "webhook",
        "webhook_delivery",
    }
    for table, columns in backup.EXCLUDED_COLUMNS.items():
        assert set(columns) <= set(db.metadata.tables[table].c.keys())
    assert set(backup.export(clock.now)["tables"]) == exported


def test_the_file_holds_no_secret(app: Flask, clock: Clock, seeded: dict[str, Any]) -> None:
    representative = seeded["emails"]["representative"]
    _p, token = auth.issue_api_token(representative, clock.now)
    issued = auth.issue_login_link(representative, clock.now, minutes=30)
    assert issued is not None
    db.session.commit()
    body = json.dumps(backup.export(clock.now))
    hashes = db.session.execute(text("SELECT token_hash FROM api_token")).scalars().all()
    hashes += db.session.execute(text("SELECT token_hash FROM login_token")).scalars().all()
    assert hashes and not any(h in body for h in hashes)
    assert token not in body and issued[1] not in body
    # Secret ballots are all there in the operator's backup.
    stored = backup.export(clock.now)
    assert stored["omitted"] == {}
    ballot_decisions = {row[1] for row in stored["tables"]["ballot"]["rows"]}
    assert seeded["decisions"]["secret_open"] in ballot_decisions


def test_import_refuses_a_database_that_holds_rows(
    app: Flask, clock: Clock, seeded: dict[str, Any], tmp_path: Path
) -> None:
    runner = app.test_cli_runner()
    file = tmp_path / "b.json"
    assert runner.invoke(args=["cop", "export", str(file)]).exit_code == 0
    before = db.session.execute(select(func.count()).select_from(Ballot)).scalar()
    db.session.commit()
    again = runner.invoke(args=["cop", "import", str(file)])
    assert again.exit_code == 1
    assert "not empty" in again.stderr
    assert db.session.execute(select(func.count()).select_from(Ballot)).scalar() == before


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"revision": "0001"}, "schema revision 0001"),
        ({"format": "something-else"}, "not a cop-vote backup"),
        ({"version": 99}, "not a cop-vote backup"),
    ],
)
def test_import_refuses_another_revision_or_format(
    app: Flask, clock: Clock, tmp_path: Path, change: dict[str, Any], said: str
) -> None:
    stored = backup.export(clock.now)
    stored.update(change)
    file = tmp_path / "b.json"
    file.write_text(json.dumps(stored))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["cop", "import", str(file)])
    assert result.exit_code == 1
    assert said in result.stderr
    assert backup.is_empty()


def test_import_refuses_what_is_not_json(app: Flask, tmp_path: Path) -> None:
    file = tmp_path / "b.json"
    file.write_text("not json")
    result = app.test_cli_runner().invoke(args=["cop", "import", str(file)])
    assert result.exit_code == 1 and "not JSON" in result.stderr


def test_restore_of_a_decision_with_an_outcome_sets_it_after_its_options(
    app: Flask, clock: Clock, seeded: dict[str, Any], tmp_path: Path
) -> None:
    published = seeded["decisions"]["published"]
    outcome = db.session.get(Decision, published)
    assert outcome is not None and outcome.outcome_option_id is not None
    chosen = outcome.outcome_option_id
    stored = backup.export(clock.now)
    # Empty this database the way the fixture does, then restore into it.
    db.session.execute(update(Decision).values(outcome_option_id=None))
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    backup.restore(stored)
    db.session.commit()
    db.session.expire_all()
    again = db.session.get(Decision, published)
    assert again is not None and again.outcome_option_id == chosen


def test_the_facilitators_download_leaves_out_open_secret_ballots_and_says_so(
    app: Flask, clock: Clock, seeded: dict[str, Any]
) -> None:
    from tests.web.conftest import _client
    from tests.web.helpers import sign_in

    secret = seeded["decisions"]["secret_open"]
    closed_secret = seeded["decisions"]["closed"]
    browser = _client(app)
    facilitator = db.session.execute(
        select(Person).where(Person.email == seeded["emails"]["facilitator"])
    ).scalar_one()
    sign_in(browser, app, facilitator)
    page = browser.get("/admin/backup")
    assert page.status_code == 200
    text_ = page.get_data(as_text=True)
    assert "leaves out the ballots of 1 secret decision" in text_
    assert "A secret open choice" in text_
    assert 'href="/admin/backup"' in browser.get("/admin").get_data(as_text=True)
    download = browser.get("/admin/backup/download")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    stored = download.get_json()
    assert stored["omitted"]["decisions"] == [secret]
    ballots = stored["tables"]["ballot"]
    decision_at = ballots["columns"].index("decision_id")
    kept = {row[decision_at] for row in ballots["rows"]}
    assert secret not in kept and closed_secret in kept
    ours = {
        b.id
        for b in db.session.execute(select(Ballot).where(Ballot.decision_id == secret)).scalars()
    }
    changes = stored["tables"]["ballot_change"]
    ballot_at = changes["columns"].index("ballot_id")
    assert ours and not ours & {row[ballot_at] for row in changes["rows"]}
    # Representatives cannot download it.
    other = _client(app)
    representative = db.session.execute(
        select(Person).where(Person.email == seeded["emails"]["representative"])
    ).scalar_one()
    sign_in(other, app, representative)
    assert other.get("/admin/backup/download").status_code == 403
    # Dutch.
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    assert "Back-up van het netwerk" in browser.get("/admin/backup").get_data(as_text=True)


def _import_into_a_new_database(
    file: Path, clock: Clock, tmp_path: Path, *options: str
) -> tuple[Any, Any, bool]:
    """``cop import [options] FILE`` into a new SQLite database; then, when it
    succeeded, ``cop verify-log`` there. :returns: both results (the second
    ``None`` after a refusal) and whether the copy is still empty."""
    copy = create_app(_config(f"sqlite:///{tmp_path / 'copy.sqlite'}", clock))
    with copy.app_context():
        runner = copy.test_cli_runner()
        restored = runner.invoke(args=["cop", "import", *options, str(file)])
        checked = runner.invoke(args=["cop", "verify-log"]) if restored.exit_code == 0 else None
        empty = backup.is_empty()
        db.session.remove()
        db.engine.dispose()
    return restored, checked, empty


def _facilitators_download(app: Flask, seeded: dict[str, Any], file: Path) -> dict[str, Any]:
    from tests.web.conftest import _client
    from tests.web.helpers import sign_in

    browser = _client(app)
    facilitator = db.session.execute(
        select(Person).where(Person.email == seeded["emails"]["facilitator"])
    ).scalar_one()
    sign_in(browser, app, facilitator)
    download = browser.get("/admin/backup/download")
    assert download.status_code == 200
    file.write_bytes(download.get_data())
    stored: dict[str, Any] = download.get_json()
    return stored


def test_import_refuses_a_facilitators_partial_download_unless_told_partial(
    app: Flask, clock: Clock, seeded: dict[str, Any], tmp_path: Path
) -> None:
    file = tmp_path / "download.json"
    stored = _facilitators_download(app, seeded, file)
    assert stored["omitted"]["decisions"] == [seeded["decisions"]["secret_open"]]
    refused, _, empty = _import_into_a_new_database(file, clock, tmp_path)
    assert refused.exit_code == 1
    assert "partial download" in refused.stderr and "--partial" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.stderr
    assert empty
    restored, checked, empty = _import_into_a_new_database(file, clock, tmp_path, "--partial")
    assert restored.exit_code == 0, restored.output
    assert "Restored " in restored.stderr
    secret = seeded["decisions"]["secret_open"]
    assert f"Missing: ballots of secret decisions that are still open (decisions {secret})" in (
        restored.stderr
    )
    assert "verify-log will report those ballots" in restored.stderr
    assert not empty
    assert checked is not None and checked.exit_code != 0


def test_import_of_rows_that_break_a_constraint_says_so_in_one_line_and_restores_nothing(
    app: Flask, clock: Clock, seeded: dict[str, Any], tmp_path: Path
) -> None:
    stored = backup.export(clock.now)
    people = stored["tables"]["person"]["rows"]
    people.append(list(people[0]))  # the same person twice
    file = tmp_path / "twice.json"
    file.write_text(json.dumps(stored))
    db.session.commit()
    result, _, empty = _import_into_a_new_database(file, clock, tmp_path)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: The backup's rows break a rule of this schema")
    assert "nothing was restored" in lines[0]
    for value in people[0]:
        if isinstance(value, str) and len(value) > 3:
            assert value not in result.stderr  # no name, no address
    assert empty


def test_import_restores_a_facilitators_download_that_left_nothing_out(
    app: Flask, clock: Clock, seeded: dict[str, Any], tmp_path: Path
) -> None:
    from cop_vote.services import transitions

    facilitator = db.session.execute(
        select(Person).where(Person.email == seeded["emails"]["facilitator"])
    ).scalar_one()
    transitions.close_decision(facilitator, seeded["decisions"]["secret_open"], clock.now)
    db.session.commit()
    file = tmp_path / "download.json"
    stored = _facilitators_download(app, seeded, file)
    assert stored["omitted"]["decisions"] == []
    restored, checked, empty = _import_into_a_new_database(file, clock, tmp_path)
    assert restored.exit_code == 0, restored.output
    assert "Restored " in restored.stderr and "Missing:" not in restored.stderr
    assert not empty
    assert checked is not None and checked.exit_code == 0, checked.output
