"""trust: sealed secret ballots, objections, log anchors

Adds ``ballot.is_cast`` (whether an organisation holds a cast ballot, which
survives the cut), ``anonymous_ballot`` (a secret decision's contents after
close, unlinked), ``objection``, and on ``decision`` ``secret_receipts``,
``ballots_sealed_at`` and ``published_log_hash``.

Data: ``is_cast`` is filled from ``content``; every secret decision that ended
before this revision (closed, published or withdrawn) gets the same cut the
application now makes at close (services/sealing.py): its contents move, in a
random order, to ``anonymous_ballot`` and leave ``ballot`` and
``ballot_change``. Published decisions get the hash of their publication
entry in the event log as their anchor.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 15:36:53.883666

"""
import random
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa
import cop_vote.models


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

decision = sa.table(
    "decision",
    sa.column("id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("ballot_secrecy", sa.String),
    sa.column("closed_at", cop_vote.models.UTCDateTime),
    sa.column("withdrawn_at", cop_vote.models.UTCDateTime),
    sa.column("ballots_sealed_at", cop_vote.models.UTCDateTime),
    sa.column("published_log_hash", sa.String),
)
ballot = sa.table(
    "ballot",
    sa.column("id", sa.Integer),
    sa.column("decision_id", sa.Integer),
    sa.column("organisation_id", sa.Integer),
    sa.column("content", sa.JSON(none_as_null=True)),
    sa.column("receipt", sa.String),
    sa.column("is_cast", sa.Boolean),
)
ballot_change = sa.table(
    "ballot_change",
    sa.column("ballot_id", sa.Integer),
    sa.column("content", sa.JSON(none_as_null=True)),
    sa.column("receipt", sa.String),
)
elector = sa.table(
    "elector", sa.column("decision_id", sa.Integer), sa.column("organisation_id", sa.Integer)
)
anonymous_ballot = sa.table(
    "anonymous_ballot",
    sa.column("decision_id", sa.Integer),
    sa.column("position", sa.Integer),
    sa.column("content", sa.JSON),
    sa.column("receipt", sa.String),
)
event = sa.table(
    "event",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("subject", sa.String),
    sa.column("hash", sa.String),
)


def upgrade():
    op.create_table('anonymous_ballot',
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('receipt', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], name=op.f('fk_anonymous_ballot_decision_id_decision')),
    sa.PrimaryKeyConstraint('decision_id', 'position', name=op.f('pk_anonymous_ballot'))
    )
    op.create_table('objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', cop_vote.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], name=op.f('fk_objection_decision_id_decision')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_objection_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_objection_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objection'))
    )
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objection_decision_id'), ['decision_id'], unique=False)

    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_cast', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secret_receipts', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('ballots_sealed_at', cop_vote.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('published_log_hash', sa.String(length=64), nullable=True))

    bind = op.get_bind()
    bind.execute(sa.update(ballot).where(ballot.c.content.is_not(None)).values(is_cast=True))
    _seal_ended_secret_decisions(bind)
    _anchor_published_decisions(bind)


def _seal_ended_secret_decisions(bind):
    """The cut of services/sealing.py, for secret decisions that ended before it existed."""
    shuffle = random.SystemRandom().shuffle
    ended = bind.execute(
        sa.select(decision.c.id, decision.c.closed_at, decision.c.withdrawn_at).where(
            decision.c.ballot_secrecy == "secret",
            decision.c.status.in_(("closed", "published", "withdrawn")),
        )
    ).all()
    for decision_id, closed_at, withdrawn_at in ended:
        electors = sa.select(elector.c.organisation_id).where(elector.c.decision_id == decision_id)
        contents = [
            content
            for (content,) in bind.execute(
                sa.select(ballot.c.content).where(
                    ballot.c.decision_id == decision_id,
                    ballot.c.is_cast.is_(True),
                    ballot.c.organisation_id.in_(electors),
                )
            )
            if content is not None
        ]
        shuffle(contents)
        if contents:
            bind.execute(
                sa.insert(anonymous_ballot),
                [
                    {"decision_id": decision_id, "position": i, "content": c, "receipt": None}
                    for i, c in enumerate(contents)
                ],
            )
        ids = sa.select(ballot.c.id).where(ballot.c.decision_id == decision_id)
        bind.execute(
            sa.update(ballot_change)
            .where(ballot_change.c.ballot_id.in_(ids))
            .values(content=None, receipt=None)
        )
        bind.execute(
            sa.update(ballot)
            .where(ballot.c.decision_id == decision_id)
            .values(content=None, receipt=None)
        )
        bind.execute(
            sa.update(decision)
            .where(decision.c.id == decision_id)
            .values(ballots_sealed_at=closed_at or withdrawn_at or datetime.now(UTC))
        )


def _anchor_published_decisions(bind):
    published = bind.execute(
        sa.select(event.c.subject, event.c.hash)
        .where(event.c.kind == "decision.published")
        .order_by(event.c.id)
    ).all()
    for subject, digest in published:
        decision_id = int(subject.split(":", 1)[1])
        bind.execute(
            sa.update(decision)
            .where(decision.c.id == decision_id, decision.c.status == "published")
            .values(published_log_hash=digest)
        )


def downgrade():
    bind = op.get_bind()
    sealed = bind.execute(
        sa.select(sa.func.count()).select_from(decision).where(decision.c.ballots_sealed_at.is_not(None))
    ).scalar()
    if sealed:
        raise RuntimeError(
            f"{sealed} secret decision(s) have sealed ballots: their link to organisations "
            "was cut on purpose and cannot be restored. Restore a backup made before "
            "revision 0004 instead."
        )
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_column('published_log_hash')
        batch_op.drop_column('ballots_sealed_at')
        batch_op.drop_column('secret_receipts')

    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.drop_column('is_cast')

    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objection_decision_id'))

    op.drop_table('objection')
    op.drop_table('anonymous_ballot')
