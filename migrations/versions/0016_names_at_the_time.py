"""names at the time of the act (issue 11, part 5)

A rename of a person or an organisation no longer rewrites the record: each
act keeps the names of its time in columns of its own row, written by the act's
one write path.

* ``comment``: ``author_name`` and ``organisation_short_name`` (the signature);
* ``ballot``: ``organisation_name``, ``cast_by_name``, ``recorded_by_name``;
* ``objection``: ``organisation_name``, ``person_name``;
* ``option``: ``proposed_by_name``;
* ``interest_declaration``: ``organisation_name``;
* ``attendance``: ``organisation_name``;
* ``follow_up_action``: ``owner_name``.

Data: every existing row takes today's names (the names of earlier times
were not kept). An erased person's name is ``""`` already, so their snapshots
are ``""`` too. Columns are added without a batch rebuild (no table is
copied; ``organisation``, with its expression index, is not touched).

Downgrade: the columns are dropped (the names of the time are lost).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 11:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

#: (table, column, length, the backfill: a scalar subquery of today's name).
COLUMNS = (
    ("comment", "author_name", 200,
     "(SELECT p.name FROM person p WHERE p.id = comment.author_id)"),
    ("comment", "organisation_short_name", 64,
     "(SELECT o.short_name FROM organisation o WHERE o.id = comment.organisation_id)"),
    ("ballot", "organisation_name", 200,
     "(SELECT o.name FROM organisation o WHERE o.id = ballot.organisation_id)"),
    ("ballot", "cast_by_name", 200,
     "(SELECT p.name FROM person p WHERE p.id = ballot.cast_by_id)"),
    ("ballot", "recorded_by_name", 200,
     "(SELECT p.name FROM person p WHERE p.id = ballot.recorded_by_id)"),
    ("objection", "organisation_name", 200,
     "(SELECT o.name FROM organisation o WHERE o.id = objection.organisation_id)"),
    ("objection", "person_name", 200,
     "(SELECT p.name FROM person p WHERE p.id = objection.person_id)"),
    ("option", "proposed_by_name", 200,
     "(SELECT o.name FROM organisation o WHERE o.id = option.proposed_by_id)"),
    ("interest_declaration", "organisation_name", 200,
     "(SELECT o.name FROM organisation o WHERE o.id = interest_declaration.organisation_id)"),
    ("attendance", "organisation_name", 200,
     "(SELECT o.name FROM organisation o WHERE o.id = attendance.organisation_id)"),
    ("follow_up_action", "owner_name", 200,
     "(SELECT o.name FROM organisation o WHERE o.id = follow_up_action.owner_id)"),
)


def upgrade():
    # ALTER TABLE ... ADD COLUMN works on SQLite as on PostgreSQL for a
    # nullable column: no batch rebuild is needed.
    for table, column, length, _today in COLUMNS:
        op.add_column(table, sa.Column(column, sa.String(length=length), nullable=True))
    for table, column, _length, today in COLUMNS:
        op.execute(f'UPDATE "{table}" SET {column} = {today}')


def downgrade():
    tables: dict[str, list[str]] = {}
    for table, column, _length, _today in COLUMNS:
        tables.setdefault(table, []).append(column)
    for table, columns in tables.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in reversed(columns):
                batch_op.drop_column(column)
