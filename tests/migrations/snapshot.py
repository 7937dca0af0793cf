"""Write a populated database at the current schema head to a JSON snapshot.

Migration tests upgrade such a snapshot to the new head and check the data
afterwards ("every migration is tested on a populated database upgraded from
the previous schema"). Run it at the head *before* changing the models:

    .venv/bin/python -m tests.migrations.snapshot tests/migrations/data/<revision>.json

It loads the kick-off demo and adds decisions in every state the data can be
in: open-ballot and secret, open, closed (by hand and by deadline), published
and withdrawn, with ballots, changes, withdrawals and recorded ballots; and
the reminders of the open decision as mail that went out (``notification``).
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import select

from cop_vote import create_app
from cop_vote.extensions import db
from cop_vote.models import Organisation, Person
from cop_vote.services import auth, ballots, comments, decisions, network, transitions


def _populate(now: datetime) -> None:
    network.load_demo(now)
    facilitator = (
        db.session.execute(select(Person).where(Person.role == "facilitator").order_by(Person.id))
        .scalars()
        .first()
    )
    assert facilitator is not None
    reps: dict[int, Person] = {}
    for person in db.session.execute(
        select(Person).where(Person.role == "representative").order_by(Person.id)
    ).scalars():
        if person.organisation_id is not None:
            reps.setdefault(person.organisation_id, person)
    voters = list(reps.values())

    def decision(title: str, method: str, secrecy: str, options: list[str], **extra: Any) -> int:
        made = decisions.create_decision(
            facilitator,
            {
                "title": title,
                "method": method,
                "ballot_secrecy": secrecy,
                "closes_at": (now + timedelta(days=10)).isoformat(),
                "options": [{"label": label} for label in options],
                **extra,
            },
            now,
        )
        transitions.open_decision(facilitator, made.id, now)
        return made.id

    def option_ids(decision_id: int) -> list[int]:
        return [o.id for o in decisions.get_decision(facilitator, decision_id).options]

    # A secret single-choice decision, closed by hand, with changes and a withdrawal.
    secret_closed = decision("Secret: chair", "single_choice", "secret", ["Ayan", "Bram", "Chidi"])
    ids = option_ids(secret_closed)
    for i, voter in enumerate(voters[:9]):
        ballots.cast_ballot(voter, secret_closed, {"option": ids[i % 3]}, now)
    ballots.cast_ballot(voters[0], secret_closed, {"option": ids[2]}, now)
    ballots.cast_ballot(voters[1], secret_closed, {"abstain": True}, now)
    ballots.withdraw_ballot(voters[2], secret_closed, now)
    transitions.close_decision(facilitator, secret_closed, now + timedelta(hours=1))

    # A secret ranked decision, published.
    secret_published = decision(
        "Secret: priorities", "ranked", "secret", ["Learning", "Lobby", "Funds", "Research"]
    )
    ids = option_ids(secret_published)
    for i, voter in enumerate(voters[:8]):
        ballots.cast_ballot(voter, secret_published, {"ranking": ids[i % 4 :] + ids[: i % 4]}, now)
    transitions.close_decision(facilitator, secret_published, now + timedelta(hours=1))
    transitions.publish_decision(
        facilitator, secret_published, ids[0], "Learning first.", now + timedelta(hours=2)
    )

    # A secret consent decision still open, with a block.
    secret_open = decision("Secret: the taskforce", "consent", "secret", [])
    ballots.cast_ballot(voters[0], secret_open, {"position": "agree"}, now)
    ballots.cast_ballot(voters[1], secret_open, {"position": "block", "reason": "Too soon."}, now)

    # An open-ballot approval decision, closed and published, with a recorded ballot.
    open_published = decision("Open: working groups", "approval", "open", ["North", "South"])
    ids = option_ids(open_published)
    for i, voter in enumerate(voters[:6]):
        ballots.cast_ballot(voter, open_published, {"options": ids[: 1 + i % 2]}, now)
    org = db.session.get(Organisation, voters[6].organisation_id)
    assert org is not None
    ballots.record_ballot(
        facilitator, open_published, org.slug, {"options": [ids[1]]}, "A delegate", now
    )
    transitions.close_decision(facilitator, open_published, now + timedelta(hours=1))
    transitions.publish_decision(
        facilitator, open_published, None, "Both.", now + timedelta(hours=2)
    )

    first = comments.add_comment(voters[0], secret_closed, "Who else stands?", now)
    comments.add_comment(voters[1], secret_closed, "Bram does.", now, parent_id=first.id)
    comments.add_comment(voters[2], secret_open, "Is it too soon?", now)

    # A secret decision withdrawn while open, with a ballot.
    withdrawn = decision("Secret: withdrawn", "single_choice", "secret", ["Yes", "No"])
    ballots.cast_ballot(voters[0], withdrawn, {"option": option_ids(withdrawn)[0]}, now)
    transitions.withdraw_decision(facilitator, withdrawn, "Replaced.", now + timedelta(hours=1))

    # Sign-ins (from 0007 on): the facilitator and one representative signed
    # in, the second one twice; another representative has a link never used.
    for person, times in ((facilitator, 1), (voters[0], 2)):
        for n in range(times):
            issued = auth.issue_login_link(person.email or "", now + timedelta(days=n + 1))
            assert issued is not None
            auth.use_login_link(issued[1], now + timedelta(days=n + 1, minutes=1))
    assert auth.issue_login_link(voters[1].email or "", now + timedelta(days=3)) is not None


def _remind(at: datetime) -> None:
    """The automatic reminders due at ``at`` (the open decision's), sent."""
    from cop_vote.services import reminders

    reminders.send_reminders(at, 48)
    db.session.commit()  # the queue runs in place: the reminders go out now


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def snapshot(out: Path) -> None:
    """Build the populated database in a scratch SQLite file and dump every table."""
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'snapshot.sqlite'}"
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": url, "MAIL_BACKEND": "locmem", "QUEUE_URL": "immediate"}
        )
        with app.app_context():
            upgrade()
            from cop_vote import notifications

            start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=30)
            with notifications.suppressed():
                _populate(start)
                db.session.commit()
            _remind(start + timedelta(days=10, hours=-1))
            with db.engine.connect() as conn:
                revision = MigrationContext.configure(conn).get_current_revision()
                tables: dict[str, list[dict[str, Any]]] = {}
                for table in db.metadata.sorted_tables:
                    rows = conn.execute(select(table).order_by(*table.primary_key.columns))
                    tables[table.name] = [
                        {k: _jsonable(v) for k, v in row._mapping.items()} for row in rows
                    ]
            db.engine.dispose()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({"revision": revision, "tables": tables}, indent=1, ensure_ascii=False) + "\n"
    )


if __name__ == "__main__":
    snapshot(Path(sys.argv[1]))
