"""constant work per request: the decision's tally stamp, and an index for comment pages

``decision.tally_stamp`` is a random value replaced in the transaction of
every ballot write and of the cut at close; the cached tally is keyed on it
(cop_vote/services/tally_cache.py). The index serves a decision's top-level
comments in id order (the comment pages' keyset).

Data: every decision gets a stamp of its own.

Downgrade: the column and the index are dropped; nothing else changes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 19:35:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

decision = sa.table(
    "decision",
    sa.column("id", sa.Integer),
    sa.column("tally_stamp", sa.String),
)


def upgrade():
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('tally_stamp', sa.String(length=32), nullable=False, server_default='')
        )
    conn = op.get_bind()
    for (decision_id,) in conn.execute(sa.select(decision.c.id)).all():
        conn.execute(
            decision.update()
            .where(decision.c.id == decision_id)
            .values(tally_stamp=secrets.token_hex(16))
        )
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.alter_column('tally_stamp', existing_type=sa.String(length=32), server_default=None)
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index(
            'ix_comment_decision_id_parent_id_id', ['decision_id', 'parent_id', 'id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_decision_id_parent_id_id')
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_column('tally_stamp')
