"""an incident can be marked as a hate incident or crime (the case review's local variant)

Revision ID: 7c1e4a9d2b53
Revises: 0b6ff6f02ed3
Create Date: 2026-12-04 22:40:00

Every existing incident is not marked (false): nothing was ever recorded as hate-motivated, and
the variant is off unless an area turns it on, so no flag changes.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1e4a9d2b53'
down_revision = '0b6ff6f02ed3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_hate', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_column('is_hate')
