"""complaints made to a partner body and recorded there: a new incident source, and what the
partner entered about the complainant

Revision ID: c4d2e8f10a15
Revises: 7c1e4a9d2b53
Create Date: 2026-12-04 22:40:00

Incidents gain a source, "partner", and a new table keeps the complainant's details as the
partner entered them, empty at first. Downgrading drops that table and makes the partners'
incidents "form" ones (they were recorded in SARA), so every complaint still counts.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d2e8f10a15'
down_revision = '7c1e4a9d2b53'
branch_labels = None
depends_on = None


OLD_SOURCES = ("form", "api", "cad", "police_uk")
NEW_SOURCES = (*OLD_SOURCES, "partner")


def _sources(sources):
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_incidents_source'), type_='check')
        batch_op.create_check_constraint(
            'source', "source IN (" + ", ".join(f"'{s}'" for s in sources) + ")")


def upgrade():
    _sources(NEW_SOURCES)
    op.create_table(
        'partner_complaints',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_dt', sa.DateTime(), nullable=False),
        sa.Column('complainant_name', sa.String(length=200), nullable=False),
        sa.Column('complainant_dob', sa.Date(), nullable=True),
        sa.Column('complainant_address', sa.String(length=300), nullable=True),
        sa.Column('complainant_postcode', sa.String(length=10), nullable=True),
        sa.Column('complainant_phone', sa.String(length=40), nullable=True),
        sa.Column('complainant_role', sa.String(length=12), nullable=False),
        sa.CheckConstraint("complainant_role IN ('victim', 'reporter')",
                           name=op.f('ck_partner_complaints_complainant_role')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_partner_complaints_created_by_id_users')),
        sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'],
                                name=op.f('fk_partner_complaints_incident_id_incidents')),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_partner_complaints_organisation_id_organisations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_complaints')),
        sa.UniqueConstraint('incident_id', name=op.f('uq_partner_complaints_incident_id')),
    )
    with op.batch_alter_table('partner_complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_complaints_organisation_id'),
                              ['organisation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('partner_complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_complaints_organisation_id'))
    op.drop_table('partner_complaints')
    op.execute("UPDATE incidents SET source = 'form' WHERE source = 'partner'")
    _sources(OLD_SOURCES)
