"""when an incident was reported, and to which body; whether in time for the ASB case review

Revision ID: d4f6b8c91201
Revises: c9e3a5b71101
Create Date: 2026-12-03 17:05:00

Every incident recorded so far was reported when it happened, to the force that holds it: those
are the defaults the CAD format and the API keep, so the new columns are filled so, and every
existing incident was reported in time.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4f6b8c91201'
down_revision = 'c9e3a5b71101'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reported_dt', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reported_to_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('is_reported_in_time', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
    op.execute("UPDATE incidents SET reported_dt = occurred_dt, reported_to_id = organisation_id")
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.alter_column('reported_dt', existing_type=sa.DateTime(), nullable=False)
        batch_op.alter_column('reported_to_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(op.f('fk_incidents_reported_to_id_organisations'),
                                    'organisations', ['reported_to_id'], ['id'])


def downgrade():
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_incidents_reported_to_id_organisations'),
                                 type_='foreignkey')
        batch_op.drop_column('is_reported_in_time')
        batch_op.drop_column('reported_to_id')
        batch_op.drop_column('reported_dt')
