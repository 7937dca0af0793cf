"""organisation self-service: a lead representative per organisation

``person.is_lead`` (false for everyone) marks an organisation's lead
representative, whom a facilitator names; a partial unique index
(``organisation_id`` where ``is_lead``) keeps it to one per organisation.

Data: nobody is a lead. Nothing else changes.

Downgrade: the index and the column are dropped (who was lead is lost; the
log keeps every naming).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 06:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('is_lead', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_index(
        'uq_person_lead_organisation_id',
        'person',
        ['organisation_id'],
        unique=True,
        sqlite_where=sa.text('is_lead'),
        postgresql_where=sa.text('is_lead'),
    )


def downgrade():
    op.drop_index('uq_person_lead_organisation_id', table_name='person')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('is_lead')
