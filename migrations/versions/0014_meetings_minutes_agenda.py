"""meetings: minutes, and the decisions on a meeting's agenda

``meeting.minutes`` holds the meeting's minutes as plain text (blank for the
meetings recorded before). ``meeting_decision`` links a meeting to the
decisions on its agenda; a decision may be on several agendas.

Data: nothing to convert; every meeting gets blank minutes and no links.

Downgrade: the links and the minutes are dropped.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 06:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('minutes', sa.Text(), server_default='', nullable=False))
    op.create_table(
        'meeting_decision',
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('decision_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], name=op.f('fk_meeting_decision_decision_id_decision')),
        sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_decision_meeting_id_meeting')),
        sa.PrimaryKeyConstraint('meeting_id', 'decision_id', name=op.f('pk_meeting_decision')),
    )
    with op.batch_alter_table('meeting_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_decision_decision_id'), ['decision_id'], unique=False)


def downgrade():
    with op.batch_alter_table('meeting_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_decision_decision_id'))
    op.drop_table('meeting_decision')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('minutes')
