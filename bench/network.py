"""Build a benchmark network of any size, fast, in an empty database.

The skeleton goes through the services, as the app writes it (the network
and its facilitator, each decision created and opened, which fixes its
electorate). The bulk goes in with SQLAlchemy core, one ``executemany`` per
table: organisations with three representatives each, a ballot from every
organisation on every decision (version 1, a receipt, its history row and
its entry in the hash-chained log, exactly as the ballot service writes
them, so ``cop verify-log`` holds), and comments. On PostgreSQL the
tables are then analysed, as autovacuum does soon after a bulk load.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import insert, select, text

from cop_vote.extensions import db
from cop_vote.models import Ballot, BallotChange, Comment, Event, Organisation, Person
from cop_vote.services import auth, decisions, network, transitions
from cop_vote.services.audit import GENESIS, _digest
from cop_vote.services.ballots import new_receipt

FACILITATOR = "facilitator@bench.example.org"
#: Representatives per organisation.
PEOPLE_PER_ORGANISATION = 3
#: Comments on each ordinary decision.
COMMENTS = 20


@dataclass
class Built:
    """What a benchmark needs of a network it built."""

    size: int
    #: The decision the README tours ("form"): single choice, results live.
    form: int
    #: A ranked (instant-runoff) decision, results live.
    ranked: int
    #: A single-choice decision with a long thread of comments.
    thread: int
    #: Comments on the long thread.
    thread_comments: int = 0
    #: Option ids of the form decision, for PUT ballot.
    form_options: list[int] = field(default_factory=list)
    #: The representative who signs in (of the first organisation).
    representative: str = ""
    facilitator: str = FACILITATOR


def reset_schema(app: Flask) -> None:
    """Empty the database and migrate it to the current schema."""
    from flask_migrate import upgrade  # type: ignore[import-untyped]

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()


def _decision(facilitator: Person, body: dict[str, Any], now: datetime) -> int:
    decision = decisions.create_decision(facilitator, body, now)
    transitions.open_decision(facilitator, decision.id, now)
    return decision.id


def build(app: Flask, size: int, thread_comments: int, *, seed: int = 2009) -> Built:
    """Fill the (migrated, empty) database of ``app`` with a network of ``size``
    organisations.

    :param thread_comments: comments on the long-thread decision.
    """
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    closes_at = (now + timedelta(days=14)).isoformat()
    with app.app_context():
        facilitator = network.init_network(FACILITATOR, "Bench Facilitator", "Bench network", now)
        org_table = Organisation.__table__
        db.session.execute(
            insert(org_table),
            [
                {
                    "slug": f"org-{i:05d}",
                    "name": f"Organisation {i:05d}",
                    "short_name": f"Org {i}",
                    "kind": "diaspora" if i % 3 == 0 else "ngo",
                    "voting": True,
                    "active": True,
                    "created_at": now,
                }
                for i in range(size)
            ],
        )
        orgs = [
            row[0]
            for row in db.session.execute(
                select(Organisation.id).where(Organisation.slug.like("org-%")).order_by("id")
            )
        ]
        db.session.execute(
            insert(Person.__table__),
            [
                {
                    "name": f"Representative {k} of {i:05d}",
                    "email": f"rep{k}.org-{i:05d}@bench.example.org",
                    "organisation_id": org_id,
                    "role": "representative",
                    "function": "",
                    "notifications": "immediate",
                    "active": True,
                    "created_at": now,
                }
                for i, org_id in enumerate(orgs)
                for k in range(PEOPLE_PER_ORGANISATION)
            ],
        )
        people: dict[int, list[int]] = {}
        for person_id, org_id in db.session.execute(
            select(Person.id, Person.organisation_id).where(Person.role == "representative")
        ):
            people.setdefault(org_id, []).append(person_id)

        form = _decision(
            facilitator,
            {
                "title": "The form of our cooperation",
                "description": "Which form should the Community of Practice take?",
                "method": "single_choice",
                "results_visibility": "live",
                "options": [
                    {"label": label}
                    for label in (
                        "An informal network",
                        "A Community of Practice with a secretariat",
                        "A foundation",
                        "A platform hosted by a member",
                    )
                ],
                "closes_at": closes_at,
            },
            now,
        )
        ranked = _decision(
            facilitator,
            {
                "title": "Themes for the 2010 learning agenda",
                "method": "ranked",
                "counting": "irv",
                "results_visibility": "live",
                "options": [{"label": f"Theme {k}"} for k in range(1, 7)],
                "closes_at": closes_at,
            },
            now,
        )
        thread = _decision(
            facilitator,
            {
                "title": "Where do we meet next?",
                "method": "single_choice",
                "results_visibility": "live",
                "options": [{"label": city} for city in ("Den Haag", "Utrecht", "Amsterdam")],
                "closes_at": closes_at,
            },
            now,
        )
        db.session.commit()
        option_ids: dict[int, list[int]] = {}
        for decision_id in (form, ranked, thread):
            found = db.session.execute(
                text("SELECT id FROM option WHERE decision_id = :d ORDER BY position"),
                {"d": decision_id},
            )
            option_ids[decision_id] = [row[0] for row in found]

        def single(decision_id: int) -> dict[str, Any]:
            return {"option": rng.choice(option_ids[decision_id])}

        def ranking(decision_id: int) -> dict[str, Any]:
            order = rng.sample(option_ids[decision_id], len(option_ids[decision_id]))
            return {"ranking": order[: rng.randint(1, len(order))]}

        _ballots(form, orgs, people, single, now)
        _ballots(ranked, orgs, people, ranking, now)
        _ballots(thread, orgs, people, single, now)
        _comments(form, orgs, people, COMMENTS, rng, now)
        _comments(ranked, orgs, people, COMMENTS, rng, now)
        _comments(thread, orgs, people, thread_comments, rng, now)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # The statistics that autovacuum gathers within a minute of a bulk
            # load, which a server has long had: without them PostgreSQL plans
            # on default estimates (at N = 200 a participation page joined
            # 200 × 200 rows, 48 ms instead of 0.5 ms).
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        first = orgs[0]
        email = db.session.execute(select(Person.email).where(Person.id == people[first][0]))
        built = Built(
            size, form, ranked, thread, thread_comments, option_ids[form], str(email.scalar())
        )
        db.session.remove()
        db.engine.dispose()
        return built


def _ballots(
    decision_id: int,
    orgs: Sequence[int],
    people: dict[int, list[int]],
    content_for: Any,
    now: datetime,
) -> None:
    """A cast ballot from every organisation, with its history row and log entry."""
    cast: list[dict[str, Any]] = []
    for org_id in orgs:
        cast.append(
            {
                "decision_id": decision_id,
                "organisation_id": org_id,
                "content": content_for(decision_id),
                "is_cast": True,
                "version": 1,
                "receipt": new_receipt(),
                "cast_at": now,
                "cast_by_id": people[org_id][0],
            }
        )
    db.session.execute(insert(Ballot.__table__), cast)
    ids: dict[int, int] = {
        org_id: ballot_id
        for org_id, ballot_id in db.session.execute(
            select(Ballot.organisation_id, Ballot.id).where(Ballot.decision_id == decision_id)
        )
    }
    db.session.execute(
        insert(BallotChange.__table__),
        [
            {
                "ballot_id": ids[row["organisation_id"]],
                "version": 1,
                "action": "cast",
                "content": row["content"],
                "receipt": row["receipt"],
                "person_id": row["cast_by_id"],
                "at": now,
            }
            for row in cast
        ],
    )
    # The log entries the ballot service appends, chained in the same order.
    prev = db.session.execute(select(Event.hash).order_by(Event.id.desc()).limit(1)).scalar()
    prev = prev or GENESIS
    events: list[dict[str, Any]] = []
    subject = f"decision:{decision_id}"
    for row in cast:
        data = {
            "organisation_id": row["organisation_id"],
            "version": 1,
            "ballot": row["content"],
            "receipt": row["receipt"],
        }
        digest = _digest(prev, now, row["cast_by_id"], "ballot.cast", subject, data)
        events.append(
            {
                "at": now,
                "actor_id": row["cast_by_id"],
                "kind": "ballot.cast",
                "subject": subject,
                "data": data,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    db.session.execute(insert(Event.__table__), events)


def _comments(
    decision_id: int,
    orgs: Sequence[int],
    people: dict[int, list[int]],
    count: int,
    rng: random.Random,
    now: datetime,
) -> None:
    """``count`` comments by representatives of random organisations, a minute apart."""
    start = now - timedelta(minutes=count)
    rows = []
    for k in range(count):
        org_id = rng.choice(orgs)
        rows.append(
            {
                "decision_id": decision_id,
                "author_id": rng.choice(people[org_id]),
                "organisation_id": org_id,
                "body": f"Comment {k}: " + " ".join(rng.choices(_WORDS, k=rng.randint(8, 60))),
                "created_at": start + timedelta(minutes=k),
                "review": "new",
            }
        )
    if rows:
        db.session.execute(insert(Comment.__table__), rows)


_WORDS = (
    "cooperation migrant diaspora organisations equal voice network secretariat "
    "funding learning agenda meeting proposal platform members partnership "
    "development capacity knowledge exchange policy dialogue Den Haag Utrecht"
).split()


def sign_in_link(app: Flask, email: str) -> str:
    """A fresh sign-in link secret for ``email`` (valid for a day)."""
    with app.app_context():
        issued = auth.issue_login_link(email, datetime.now(UTC), minutes=24 * 60)
        assert issued is not None, f"{email} cannot sign in"
        secret = issued[1]
        db.session.commit()
        db.session.remove()
        return secret


def api_token(app: Flask, email: str) -> str:
    """A fresh API token for ``email``."""
    with app.app_context():
        _person, token = auth.issue_api_token(email, datetime.now(UTC), label="bench")
        db.session.commit()
        db.session.remove()
        return token
