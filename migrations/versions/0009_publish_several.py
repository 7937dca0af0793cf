"""several options published, and an outcome history (reopen, amend)

``decision.selects`` says how many options a decision selects (default 1).
``selected_option`` holds a published outcome's options in their order (the
first is ``decision.outcome_option_id``). ``outcome_history`` keeps every
publication, amendment and reopening with its date, options, statement and
stated reason, so that the original outcome stays visible beside what
replaced it.

Data: every decision selects 1 option. Every published decision gets its
chosen option (if any) as its selection, and one ``published`` history entry
with its publication time, option, statement and the facilitator who
published it (from the event log's ``decision.published`` entry).

Downgrade: the tables and the column are dropped; the first published option
and the current statement stay in ``decision``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 02:15:00.000000

"""
from alembic import op
import sqlalchemy as sa

import cop_vote.models


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

decision = sa.table(
    'decision',
    sa.column('id', sa.Integer),
    sa.column('status', sa.String),
    sa.column('outcome_option_id', sa.Integer),
    sa.column('outcome_statement', sa.Text),
    sa.column('published_at', cop_vote.models.UTCDateTime),
)
event = sa.table(
    'event',
    sa.column('id', sa.Integer),
    sa.column('kind', sa.String),
    sa.column('subject', sa.String),
    sa.column('actor_id', sa.Integer),
)


def upgrade():
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('selects', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_check_constraint('selects_positive', 'selects >= 1')
    selected = op.create_table(
        'selected_option',
        sa.Column('decision_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('option_id', sa.Integer(), nullable=False),
        sa.CheckConstraint('position >= 0', name=op.f('ck_selected_option_position_not_negative')),
        sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], name=op.f('fk_selected_option_decision_id_decision')),
        sa.ForeignKeyConstraint(['option_id'], ['option.id'], name=op.f('fk_selected_option_option_id_option')),
        sa.PrimaryKeyConstraint('decision_id', 'position', name=op.f('pk_selected_option')),
        sa.UniqueConstraint('decision_id', 'option_id', name=op.f('uq_selected_option_decision_id_option_id')),
    )
    history = op.create_table(
        'outcome_history',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('decision_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('at', cop_vote.models.UTCDateTime(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('option_ids', sa.JSON(none_as_null=True), nullable=True),
        sa.Column('statement', sa.Text(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('closed_at', cop_vote.models.UTCDateTime(), nullable=True),
        sa.Column('closes_at', cop_vote.models.UTCDateTime(), nullable=True),
        sa.CheckConstraint("kind IN ('published', 'amended', 'reopened')", name=op.f('ck_outcome_history_kind')),
        sa.ForeignKeyConstraint(['actor_id'], ['person.id'], name=op.f('fk_outcome_history_actor_id_person')),
        sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], name=op.f('fk_outcome_history_decision_id_decision')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outcome_history')),
    )
    with op.batch_alter_table('outcome_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outcome_history_decision_id'), ['decision_id'], unique=False)

    conn = op.get_bind()
    published = conn.execute(
        sa.select(
            decision.c.id,
            decision.c.outcome_option_id,
            decision.c.outcome_statement,
            decision.c.published_at,
        )
        .where(decision.c.status == 'published')
        .order_by(decision.c.id)
    ).all()
    selections, entries = [], []
    for decision_id, option_id, statement, published_at in published:
        actor_id = conn.execute(
            sa.select(event.c.actor_id)
            .where(event.c.kind == 'decision.published', event.c.subject == f'decision:{decision_id}')
            .order_by(event.c.id.desc())
            .limit(1)
        ).scalar()
        if option_id is not None:
            selections.append({'decision_id': decision_id, 'position': 0, 'option_id': option_id})
        entries.append(
            {
                'decision_id': decision_id,
                'kind': 'published',
                'at': published_at,
                'actor_id': actor_id,
                'option_ids': [option_id] if option_id is not None else [],
                'statement': statement,
            }
        )
    if selections:
        op.bulk_insert(selected, selections)
    if entries:
        op.bulk_insert(history, entries)


def downgrade():
    with op.batch_alter_table('outcome_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outcome_history_decision_id'))
    op.drop_table('outcome_history')
    op.drop_table('selected_option')
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_decision_selects_positive'), type_='check')
        batch_op.drop_column('selects')
