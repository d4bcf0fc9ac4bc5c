"""a transactional outbox, the keys of tasks done, runs of every scan, and e-mail claims' times

Revision ID: c8d2e4f60501
Revises: b7c1d2e3f404
Create Date: 2026-12-02 18:00:00

The runtime role (b7c1d2e3f404) is granted these tables by the default privileges of the role
that runs the migrations.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c8d2e4f60501'
down_revision = 'b7c1d2e3f404'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=36), nullable=False),
    sa.Column('task', sa.String(length=100), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('created_dt', sa.DateTime(), nullable=False),
    sa.Column('due_dt', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('sent_dt', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
    sa.UniqueConstraint('key', name=op.f('uq_outbox_messages_key'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_messages_sent_dt_due_dt', ['sent_dt', 'due_dt'],
                              unique=False)
    op.create_table('task_runs',
    sa.Column('key', sa.String(length=36), nullable=False),
    sa.Column('task', sa.String(length=100), nullable=False),
    sa.Column('finished_dt', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_task_runs'))
    )
    op.create_table('scan_runs',
    sa.Column('key', sa.String(length=155), nullable=False),
    sa.Column('finished', sa.JSON(), nullable=False),
    sa.Column('started_dt', sa.DateTime(), nullable=False),
    sa.Column('finished_dt', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_scan_runs'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_dt', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('claimed_dt')
    op.drop_table('scan_runs')
    op.drop_table('task_runs')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_sent_dt_due_dt')
    op.drop_table('outbox_messages')
