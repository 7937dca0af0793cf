"""declared majority rules, kinds of sealed ballots, declarations of interest

``decision`` gets its majority rule beside the quorum: ``majority_rule``
(``relative``, the default and each method's own rule; ``absolute``,
``two_thirds``, ``fraction``), ``majority_base`` (``option_ballots``, the
default; ``cast``; ``electorate``), ``majority_share`` (for ``fraction``)
and ``double_majority`` (organisation kinds among which the winner must lead
too). ``anonymous_ballot.kind`` keeps a sealed secret ballot's organisation
kind, for the results by kind, and ``elector.kind`` the organisation's kind
when it joined the decision's electorate (what the results by kind and the
double majority count, so that a later change of kind rewrites nothing). ``interest_declaration`` holds the conflicts
of interest that representatives declare for their organisation.

Data: every decision keeps today's rule (relative, no double majority).
Ballots sealed before this revision have no kind (``NULL``): their decisions
show no results by kind, since the link to the organisation is cut. Every
elector takes its organisation's kind of today (the kinds at opening were not
kept before).

Downgrade: the columns and the table are dropped.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 06:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import cop_vote.models


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('majority_rule', sa.String(length=16), server_default='relative', nullable=False))
        batch_op.add_column(sa.Column('majority_base', sa.String(length=16), server_default='option_ballots', nullable=False))
        batch_op.add_column(sa.Column('majority_share', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('double_majority', sa.JSON(none_as_null=True), nullable=True))
        batch_op.create_check_constraint(
            'majority_rule', "majority_rule IN ('relative', 'absolute', 'two_thirds', 'fraction')"
        )
        batch_op.create_check_constraint(
            'majority_base', "majority_base IN ('option_ballots', 'cast', 'electorate')"
        )
    with op.batch_alter_table('anonymous_ballot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=32), nullable=True))
    with op.batch_alter_table('elector', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=32), nullable=True))
    op.execute(
        "UPDATE elector SET kind = (SELECT organisation.kind FROM organisation "
        "WHERE organisation.id = elector.organisation_id)"
    )
    with op.batch_alter_table('elector', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=32), nullable=False)
    op.create_table(
        'interest_declaration',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('decision_id', sa.Integer(), nullable=False),
        sa.Column('option_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('text', sa.String(length=300), nullable=False),
        sa.Column('created_at', cop_vote.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], name=op.f('fk_interest_declaration_decision_id_decision')),
        sa.ForeignKeyConstraint(['option_id'], ['option.id'], name=op.f('fk_interest_declaration_option_id_option')),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_interest_declaration_organisation_id_organisation')),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_interest_declaration_person_id_person')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_interest_declaration')),
        sa.UniqueConstraint('option_id', 'organisation_id', name=op.f('uq_interest_declaration_option_id_organisation_id')),
    )
    with op.batch_alter_table('interest_declaration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interest_declaration_decision_id'), ['decision_id'], unique=False)


def downgrade():
    with op.batch_alter_table('interest_declaration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interest_declaration_decision_id'))
    op.drop_table('interest_declaration')
    with op.batch_alter_table('elector', schema=None) as batch_op:
        batch_op.drop_column('kind')
    with op.batch_alter_table('anonymous_ballot', schema=None) as batch_op:
        batch_op.drop_column('kind')
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_decision_majority_base'), type_='check')
        batch_op.drop_constraint(op.f('ck_decision_majority_rule'), type_='check')
        batch_op.drop_column('double_majority')
        batch_op.drop_column('majority_share')
        batch_op.drop_column('majority_base')
        batch_op.drop_column('majority_rule')
