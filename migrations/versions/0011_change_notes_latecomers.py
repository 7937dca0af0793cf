"""changes in the open and latecomers

``decision_change`` keeps a dated note of each change made to a decision
after it opened (a later deadline, a reworded description or option, an
organisation added to the electorate), shown on its page. ``elector.added_at``
says when a facilitator added an organisation to an open decision's
electorate (``NULL``: in it from the opening).

Data: none to move; existing electors were all there at opening.

Downgrade: the table and the column are dropped (the log keeps the entries).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 06:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import cop_vote.models


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'decision_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('decision_id', sa.Integer(), nullable=False),
        sa.Column('at', cop_vote.models.UTCDateTime(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('deadline', 'description', 'option', 'electorate')",
            name=op.f('ck_decision_change_kind'),
        ),
        sa.ForeignKeyConstraint(['actor_id'], ['person.id'], name=op.f('fk_decision_change_actor_id_person')),
        sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], name=op.f('fk_decision_change_decision_id_decision')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_change')),
    )
    with op.batch_alter_table('decision_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_change_decision_id'), ['decision_id'], unique=False)
    with op.batch_alter_table('elector', schema=None) as batch_op:
        batch_op.add_column(sa.Column('added_at', cop_vote.models.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('elector', schema=None) as batch_op:
        batch_op.drop_column('added_at')
    with op.batch_alter_table('decision_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_change_decision_id'))
    op.drop_table('decision_change')
