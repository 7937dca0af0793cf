"""invitations and facilitator alerts

``person`` gets ``alerts`` (a facilitator's alerts by mail: ``immediate``,
``digest`` or ``none``, checked by ``ck_person_alerts``), ``invited_at`` (when
the last invitation was written to the outbox) and ``signed_in_at`` (when the
person last signed in with a link).

Data: everyone gets ``alerts = 'digest'`` (the default for new people too);
nobody has been invited yet (``invited_at`` stays null); ``signed_in_at`` is
the start of the person's latest session (``login_session.created_at``), null
for people who never signed in.

Downgrade: the three columns are dropped (the sessions they came from stay).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 02:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('alerts', sa.String(length=16), nullable=False, server_default='digest')
        )
        batch_op.add_column(sa.Column('invited_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('signed_in_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.alter_column('alerts', existing_type=sa.String(length=16), server_default=None)
        batch_op.create_check_constraint(
            op.f('ck_person_alerts'), "alerts IN ('immediate', 'digest', 'none')"
        )
    person = sa.table('person', sa.column('id', sa.Integer), sa.column('signed_in_at', sa.DateTime))
    session = sa.table(
        'login_session', sa.column('person_id', sa.Integer), sa.column('created_at', sa.DateTime)
    )
    latest = (
        sa.select(sa.func.max(session.c.created_at))
        .where(session.c.person_id == person.c.id)
        .scalar_subquery()
    )
    op.get_bind().execute(sa.update(person).values(signed_in_at=latest))


def downgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_person_alerts'), type_='check')
        batch_op.drop_column('signed_in_at')
        batch_op.drop_column('invited_at')
        batch_op.drop_column('alerts')
