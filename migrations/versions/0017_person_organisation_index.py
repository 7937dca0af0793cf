"""an index on the people of an organisation

``ix_person_organisation_id`` on ``person (organisation_id)``. A ballot
write's commit writes the mail to the other representatives of the
organisation (one ``INSERT ... SELECT`` on ``person``), and the pages and
reminders that name an organisation's representatives read them the same
way; without the index each read scans every person of the network, so a
ballot write cost more as the network grew (PostgreSQL, 6,000 people: a
0.6 ms scan under the decision's lock, for three rows).

Data: none changes.

Downgrade: the index is dropped.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 07:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_person_organisation_id', 'person', ['organisation_id'])


def downgrade():
    op.drop_index('ix_person_organisation_id', table_name='person')
