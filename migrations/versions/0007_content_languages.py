"""content in two languages: an original language and translations

``decision``, ``meeting``, ``attendance`` and ``follow_up_action`` get
``original_language`` (the language their text is written in) and
``translations`` (JSON, ``{language: {field: text}}``); ``option`` gets
``translations`` only (its original language is its decision's).

Data: every existing row is marked as written in the network's default
language (``network.default_language``; ``nl`` when there is no network) and
has no translation. Nothing else changes.

Downgrade: the columns are dropped (translations are lost; originals stay).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

WITH_LANGUAGE = ('decision', 'meeting', 'attendance', 'follow_up_action')


def upgrade():
    conn = op.get_bind()
    network = sa.table('network', sa.column('id', sa.Integer), sa.column('default_language', sa.String))
    language = conn.execute(
        sa.select(network.c.default_language).order_by(network.c.id).limit(1)
    ).scalar()
    language = language if language in ('nl', 'en') else 'nl'
    for name in WITH_LANGUAGE:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column(
                    'original_language', sa.String(length=8), nullable=False, server_default=language
                )
            )
            batch_op.add_column(sa.Column('translations', sa.JSON(), nullable=True))
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.alter_column(
                'original_language', existing_type=sa.String(length=8), server_default=None
            )
    with op.batch_alter_table('option', schema=None) as batch_op:
        batch_op.add_column(sa.Column('translations', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('option', schema=None) as batch_op:
        batch_op.drop_column('translations')
    for name in reversed(WITH_LANGUAGE):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_column('translations')
            batch_op.drop_column('original_language')
