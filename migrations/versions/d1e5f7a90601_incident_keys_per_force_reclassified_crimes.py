"""an incident's reference is unique within its force, not across forces; reclassified crimes

Revision ID: d1e5f7a90601
Revises: c8d2e4f60501
Create Date: 2026-12-03 08:00:00

UNIQUE(source, source_key) made a second force's import of the same CAD numbers or Crime IDs
report every row "already there" and store none of them. The key now includes the force.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd1e5f7a90601'
down_revision = 'c8d2e4f60501'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_constraint('uq_incidents_source', type_='unique')
        batch_op.create_unique_constraint(
            'uq_incidents_organisation_id', ['organisation_id', 'source', 'source_key'])
        batch_op.add_column(sa.Column('classified_dt', sa.DateTime(), nullable=True))
    with op.batch_alter_table('incident_imports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rows_reclassified', sa.Integer(), nullable=False,
                                      server_default='0'))
    with op.batch_alter_table('incident_imports', schema=None) as batch_op:
        batch_op.alter_column('rows_reclassified', server_default=None)


def downgrade():
    shared = op.get_bind().scalar(sa.text(
        "SELECT count(*) FROM (SELECT source, source_key FROM incidents "
        "GROUP BY source, source_key HAVING count(*) > 1) AS keys"))
    if shared:
        raise RuntimeError(
            f"{shared} incident references are held by more than one force; the older schema "
            "allows each in one force only. Remove one force's copies before downgrading.")
    with op.batch_alter_table('incident_imports', schema=None) as batch_op:
        batch_op.drop_column('rows_reclassified')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_column('classified_dt')
        batch_op.drop_constraint('uq_incidents_organisation_id', type_='unique')
        batch_op.create_unique_constraint('uq_incidents_source', ['source', 'source_key'])
