"""each person's choice of e-mail or in-app only, per kind of notification

Revision ID: c9e3a5b71101
Revises: b7d9f1a31001
Create Date: 2026-12-03 14:05:00

Nobody has chosen yet: without a row, a person gets every kind by e-mail and in the app, as
before. A notification kept in the app by its recipient's choice is "not_wanted" by e-mail; on
downgrade those become "sent" (they must never be e-mailed late, and the old states have no
better word for "done with").
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c9e3a5b71101'
down_revision = 'b7d9f1a31001'
branch_labels = None
depends_on = None


OLD_STATES = ("pending", "sending", "sent", "failed")
NEW_STATES = (*OLD_STATES, "not_wanted")


def _states(states):
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notifications_email_state'), type_='check')
        batch_op.create_check_constraint(
            'email_state', "email_state IN (" + ", ".join(f"'{s}'" for s in states) + ")")


def upgrade():
    _states(NEW_STATES)
    op.create_table(
        'notification_preferences',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('is_emailed', sa.Boolean(), nullable=False),
        sa.Column('updated_dt', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_notification_preferences_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preferences')),
        sa.UniqueConstraint('user_id', 'kind',
                            name=op.f('uq_notification_preferences_user_id')),
    )


def downgrade():
    op.drop_table('notification_preferences')
    op.execute("UPDATE notifications SET email_state = 'sent' WHERE email_state = 'not_wanted'")
    _states(OLD_STATES)
