"""The full backup: the whole network as one versioned JSON file, and its restore.

The file is driven by the SQLAlchemy metadata: every table of ``db.metadata``
is written, in foreign-key order, unless :data:`EXCLUDED_TABLES` leaves it out
on purpose (secrets and bookkeeping that a restored installation issues anew);
:data:`EXCLUDED_COLUMNS` does the same for single columns. A table added later
is therefore exported without anyone remembering to; a test holds that every
table is either exported or named here.

Shape (``FORMAT`` 2)::

    {"format": "cop-vote-backup", "version": 2, "revision": "0017",
     "exported_at": "...", "omitted": {...},
     "tables": {"organisation": {"columns": [...], "rows": [[...], ...]}, ...}}

Values are JSON: times as ISO 8601 in UTC, dates as ``YYYY-MM-DD``, JSON
columns as they are. :func:`restore` refuses a database that holds any row, a
file of another format or of another schema revision, inserts in dependency
order (a foreign key that closes a cycle, ``use_alter``, is set after all rows
are in) and moves PostgreSQL's id sequences past the restored ids. Services
flush, never commit: the command commits.

Version 2 (revision 0016) carries the names of the time that acts keep
(domain/names.py). A version 1 file of revision 0015, the one before, is
still restored into a database at 0016: its acts then take the names their
people and organisations have in the file, as the migration 0016 did. A
version 2 file of revision 0016 is restored into a database at 0017 as it
is: 0017 added an index, no table or column (:data:`SAME_DATA`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Date, ForeignKey, Table, func, select, text, update
from sqlalchemy.exc import IntegrityError, StatementError

from ..domain.errors import InvalidInput, Message
from ..extensions import db
from ..models import (
    Attendance,
    Ballot,
    Comment,
    Decision,
    FollowUpAction,
    InterestDeclaration,
    Objection,
    Option,
    Organisation,
    Person,
    UTCDateTime,
)

FORMAT = "cop-vote-backup"
VERSION = 2
#: The earlier file still restored: format ``PREVIOUS_VERSION`` of schema
#: revision ``PREVIOUS_REVISION``, into a database at ``REVISION`` (the names
#: of the time are then filled in, :func:`_fill_names_of_the_time`).
PREVIOUS_VERSION, PREVIOUS_REVISION, REVISION = 1, "0015", "0017"
#: Earlier revisions whose files of ``VERSION`` hold the tables and columns of
#: ``REVISION``'s (the revisions between added indexes only): restored as they are.
SAME_DATA = frozenset({"0016"})

#: Tables never written, and why. Sign-in links, sessions and API tokens are
#: secrets (people ask for new ones after a restore); the outbox holds mail
#: bookkeeping (addresses, attempts, leases) that a new installation starts afresh.
EXCLUDED_TABLES: Mapping[str, str] = {
    "login_token": "sign-in links (secret hashes): people ask for new ones",
    "login_session": "browser sessions: everybody signs in anew",
    "api_token": "API tokens (secret hashes): people make new ones",
    "notification": "the outbox: delivery bookkeeping, not the network's record",
    "calendar_feed": "calendar feed addresses (secret hashes): people make new ones",
    "webhook": "webhook addresses with their signing secrets: facilitators register them anew",
    "webhook_delivery": "webhook delivery bookkeeping, not the network's record",
}

#: Single columns never written (``{table: {column: why}}``); restored as their
#: default. Empty today: tables with secrets are excluded as a whole.
EXCLUDED_COLUMNS: Mapping[str, Mapping[str, str]] = {}


@dataclass
class Omission:
    """What a filtered download leaves out: rows per table, and why, for the file."""

    reason: str
    rows: dict[str, Callable[[Table], Any]] = field(default_factory=dict)


def exported_tables() -> list[Table]:
    """The tables a backup holds, parents before children."""
    return [t for t in db.metadata.sorted_tables if t.name not in EXCLUDED_TABLES]


def _columns(table: Table) -> list[Column[Any]]:
    skip = EXCLUDED_COLUMNS.get(table.name, {})
    return [c for c in table.columns if c.name not in skip]


def schema_revision() -> str | None:
    """The Alembic revision the database is at (``None`` before any migration)."""
    try:
        with db.session.begin_nested():
            return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001 - no table yet: not migrated
        return None


def _dump(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _load(column: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, UTCDateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    return value


def secret_open_ballots() -> Omission:
    """The filter of the facilitator's download: the ballots (and their change
    history) of secret decisions that are still open, whose link between
    organisation and choice must not leave the server before the cut at close."""
    secret_open = select(Decision.id).where(
        Decision.ballot_secrecy == "secret", Decision.status == "open"
    )
    ballots = select(Ballot.id).where(Ballot.decision_id.in_(secret_open))
    return Omission(
        reason="ballots of secret decisions that are still open",
        rows={
            "ballot": lambda t: t.c.decision_id.in_(secret_open),
            "ballot_change": lambda t: t.c.ballot_id.in_(ballots),
        },
    )


def secret_open_decisions() -> list[Decision]:
    """The secret decisions that are open now, whose ballots :func:`secret_open_ballots` skips."""
    return list(
        db.session.execute(
            select(Decision)
            .where(Decision.ballot_secrecy == "secret", Decision.status == "open")
            .order_by(Decision.id)
        ).scalars()
    )


def export(now: datetime, omission: Omission | None = None) -> dict[str, Any]:
    """The whole network as a JSON-able dict (see the module's docstring).

    :param now: the time stamped in the file.
    :param omission: rows to leave out (the facilitator's download); ``None``
        writes everything stored, bar the excluded tables and columns.
    """
    tables: dict[str, Any] = {}
    for table in exported_tables():
        columns = _columns(table)
        query = select(*columns).order_by(*table.primary_key.columns)
        if omission is not None and table.name in omission.rows:
            query = query.where(~omission.rows[table.name](table))
        rows = [[_dump(v) for v in row] for row in db.session.execute(query)]
        tables[table.name] = {"columns": [c.name for c in columns], "rows": rows}
    omitted: dict[str, Any] = {}
    if omission is not None:
        omitted = {"reason": omission.reason, "decisions": [d.id for d in secret_open_decisions()]}
    return {
        "format": FORMAT,
        "version": VERSION,
        "revision": schema_revision(),
        "exported_at": _dump(now),
        "excluded": {"tables": dict(EXCLUDED_TABLES), "columns": dict(EXCLUDED_COLUMNS)},
        "omitted": omitted,
        "tables": tables,
    }


def _refuse(template: str, **values: Any) -> InvalidInput:
    return InvalidInput(Message(template, **values))


def is_empty() -> bool:
    """Whether no table of the schema holds a row."""
    return all(
        db.session.execute(select(func.count()).select_from(t)).scalar() == 0
        for t in db.metadata.sorted_tables
    )


def omitted_of(backup: Mapping[str, Any]) -> dict[str, Any]:
    """What a file leaves out (its ``omitted``): ``{}`` for an operator's
    :func:`export`, ``{"reason", "decisions"}`` for a facilitator's download."""
    omitted = backup.get("omitted")
    return dict(omitted) if isinstance(omitted, Mapping) and omitted else {}


def leaves_out(backup: Mapping[str, Any]) -> bool:
    """Whether a file leaves rows out: a facilitator's download made while a
    secret decision was open. One that names no decision (``"decisions": []``)
    left nothing out, and its copy passes ``verify-log``."""
    omitted = omitted_of(backup)
    return bool(omitted) and omitted.get("decisions") != []


def restore(backup: Mapping[str, Any], *, partial: bool = False) -> dict[str, int]:
    """Insert a backup made by :func:`export` into this empty database (flushed).

    :param partial: restore a file that leaves rows out (a facilitator's
        download, see :func:`omitted_of`); its copy fails ``verify-log`` for
        the ballots left out. Without it such a file is refused, unless it
        names no decision (:func:`leaves_out`).
    :returns: rows restored per table.
    :raises InvalidInput: not a backup of this format, another schema revision,
        a partial file without ``partial``, a table or column this schema
        lacks, rows that break a constraint of the schema, or a database that
        holds rows. Nothing is restored then (the caller rolls back).
    """
    revision = schema_revision()
    previous = (
        backup.get("version") == PREVIOUS_VERSION
        and backup.get("revision") == PREVIOUS_REVISION
        and revision == REVISION
    )
    if backup.get("format") != FORMAT or (backup.get("version") != VERSION and not previous):
        raise _refuse(
            "This is not a cop-vote backup of format version %(version)s.", version=VERSION
        )
    same_data = (
        backup.get("version") == VERSION
        and backup.get("revision") in SAME_DATA
        and revision == REVISION
    )
    if backup.get("revision") != revision and not (previous or same_data):
        raise _refuse(
            "The backup is of schema revision %(theirs)s, this database is at %(ours)s: "
            "restore it with the version of cop-vote that made it.",
            theirs=backup.get("revision"),
            ours=revision,
        )
    if leaves_out(backup) and not partial:
        raise _refuse(
            "This file is a facilitator's partial download (it leaves out %(reason)s), "
            "so its copy would fail verify-log: restore an operator's cop export, "
            "or pass --partial to restore it anyway.",
            reason=omitted_of(backup).get("reason", "rows"),
        )
    if not is_empty():
        raise _refuse("The database is not empty: restore into a new, empty database.")
    stored: Mapping[str, Any] = backup.get("tables") or {}
    known = {t.name: t for t in exported_tables()}
    unknown = sorted(set(stored) - set(known))
    if unknown:
        raise _refuse("The backup has tables this schema lacks: %(names)s.", names=unknown)
    try:
        counts = _insert(known, stored)
        if previous:
            _fill_names_of_the_time()
    except IntegrityError as exc:
        # The driver's first line names the rule, never the row (PostgreSQL's
        # DETAIL line, which shows the values, is left out).
        rule = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else "a constraint"
        raise _refuse(
            "The backup's rows break a rule of this schema (%(rule)s): nothing was restored.",
            rule=rule,
        ) from None
    except StatementError as exc:  # a value of the wrong type; its text may quote the row
        raise _refuse(
            "The backup's rows do not fit this schema (%(kind)s): nothing was restored.",
            kind=type(exc.orig or exc).__name__,
        ) from None
    return counts


def _fill_names_of_the_time() -> None:
    """A revision 0015 file's acts take their people's and organisations'
    names in the file as their names of the time (as migration 0016 did)."""

    def person(id_column: Any) -> Any:
        return select(Person.name).where(Person.id == id_column).scalar_subquery()

    def org(id_column: Any, name: Any = Organisation.name) -> Any:
        return select(name).where(Organisation.id == id_column).scalar_subquery()

    fills: list[tuple[Any, dict[str, Any]]] = [
        (
            Comment,
            {
                "author_name": person(Comment.author_id),
                "organisation_short_name": org(Comment.organisation_id, Organisation.short_name),
            },
        ),
        (
            Ballot,
            {
                "organisation_name": org(Ballot.organisation_id),
                "cast_by_name": person(Ballot.cast_by_id),
                "recorded_by_name": person(Ballot.recorded_by_id),
            },
        ),
        (
            Objection,
            {
                "organisation_name": org(Objection.organisation_id),
                "person_name": person(Objection.person_id),
            },
        ),
        (Option, {"proposed_by_name": org(Option.proposed_by_id)}),
        (InterestDeclaration, {"organisation_name": org(InterestDeclaration.organisation_id)}),
        (Attendance, {"organisation_name": org(Attendance.organisation_id)}),
        (FollowUpAction, {"owner_name": org(FollowUpAction.owner_id)}),
    ]
    for model, values in fills:
        db.session.execute(
            update(model).values(values).execution_options(synchronize_session=False)
        )


def _insert(known: Mapping[str, Table], stored: Mapping[str, Any]) -> dict[str, int]:
    """Insert the backup's rows, table by table in :func:`exported_tables`' order.

    :raises InvalidInput: a column this schema lacks.
    :raises IntegrityError: rows that break a constraint.
    """
    counts: dict[str, int] = {}
    deferred: list[tuple[Table, Column[Any], list[tuple[Any, Any]]]] = []
    for name, table in known.items():
        part = stored.get(name) or {"columns": [], "rows": []}
        names: list[str] = list(part["columns"])
        missing = [n for n in names if n not in table.c]
        if missing:
            raise _refuse(
                "The backup's table %(table)s has columns this schema lacks: %(names)s.",
                table=name,
                names=missing,
            )
        columns = [table.c[n] for n in names]
        # A foreign key that closes a cycle (decision.outcome_option_id) is set
        # once every row is in.
        late = [c for c in columns if any(_closes_cycle(fk) for fk in c.foreign_keys)]
        rows = [
            {c.name: _load(c, v) for c, v in zip(columns, row, strict=True)} for row in part["rows"]
        ]
        for column in late:
            keyed = [(_key(table, r), r[column.name]) for r in rows if r[column.name] is not None]
            if keyed:
                deferred.append((table, column, keyed))
            for r in rows:
                r[column.name] = None
        if rows:
            db.session.execute(table.insert(), rows)
        counts[name] = len(rows)
    for table, column, keyed in deferred:
        for key, value in keyed:
            db.session.execute(
                table.update().where(*_match(table, key)).values({column.name: value})
            )
    _reset_sequences(known.values())
    db.session.flush()
    return counts


def _closes_cycle(fk: ForeignKey) -> bool:
    return fk.constraint is not None and fk.constraint.use_alter


def _key(table: Table, row: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(row[c.name] for c in table.primary_key.columns)


def _match(table: Table, key: tuple[Any, ...]) -> Iterable[Any]:
    return [c == v for c, v in zip(table.primary_key.columns, key, strict=True)]


def _reset_sequences(tables: Iterable[Table]) -> None:
    """Move PostgreSQL's id sequences past the restored ids (SQLite needs nothing)."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in tables:
        if "id" not in table.c or not table.c.id.primary_key or not table.c.id.autoincrement:
            continue
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
            )
        )
