"""outbox: notifications written with their cause, delivered by the worker

``notification`` becomes the outbox: a mail is written pending in the
transaction of the change that causes it and the worker delivers it, with
retries. New columns: ``status`` (pending, sent, failed, skipped), ``context``
(the values the mail shows), ``created_at``, ``attempts``,
``next_attempt_at``, ``failed_at``, ``address`` and ``last_error``;
``sent_at`` may be empty (not sent yet).

Data: every row before this revision is a mail that went out: it becomes
``sent`` after one attempt, written when it was sent.

Downgrade: the earlier schema holds sent mail only, so rows that never went
out (pending, failed or skipped) are deleted.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 16:41:46.277454

"""
from alembic import op
import sqlalchemy as sa
import cop_vote.models


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

notification = sa.table(
    "notification",
    sa.column("status", sa.String),
    sa.column("sent_at", cop_vote.models.UTCDateTime),
    sa.column("created_at", cop_vote.models.UTCDateTime),
    sa.column("attempts", sa.Integer),
)


def upgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        # The defaults describe the rows already there (each a mail sent);
        # new rows get theirs from the application.
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=False, server_default='sent'))
        batch_op.add_column(sa.Column('context', sa.JSON(none_as_null=True), nullable=True))
        batch_op.add_column(sa.Column('created_at', cop_vote.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('next_attempt_at', cop_vote.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('failed_at', cop_vote.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('address', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('last_error', sa.Text(), nullable=True))
        batch_op.alter_column('sent_at', existing_type=cop_vote.models.UTCDateTime(), nullable=True)

    op.execute(notification.update().values(created_at=notification.c.sent_at))

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.alter_column('created_at', existing_type=cop_vote.models.UTCDateTime(), nullable=False)
        batch_op.alter_column('status', existing_type=sa.String(length=16), server_default=None)
        batch_op.alter_column('attempts', existing_type=sa.Integer(), server_default=None)
        batch_op.create_check_constraint(
            'status', "status IN ('pending', 'sent', 'failed', 'skipped')"
        )
        batch_op.create_index('ix_notification_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)


def downgrade():
    op.execute(notification.delete().where(notification.c.status != 'sent'))
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_status_next_attempt_at')
        batch_op.drop_constraint(op.f('ck_notification_status'), type_='check')
        batch_op.alter_column('sent_at', existing_type=cop_vote.models.UTCDateTime(), nullable=False)
        batch_op.drop_column('last_error')
        batch_op.drop_column('address')
        batch_op.drop_column('failed_at')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('attempts')
        batch_op.drop_column('created_at')
        batch_op.drop_column('context')
        batch_op.drop_column('status')
