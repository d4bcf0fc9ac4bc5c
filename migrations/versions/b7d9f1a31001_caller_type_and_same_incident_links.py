"""who the caller was (a member of the public or a professional); "same incident as" links

Revision ID: b7d9f1a31001
Revises: a4b6c8d10901
Create Date: 2026-12-03 13:20:00

Every existing caller was a member of the public as far as anyone recorded, which is what the
rules assumed until now: the new column starts as "public". No incident is yet a second report
of another. Flags gain a kind: repeat victim of crime (removed again on downgrade).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d9f1a31001'
down_revision = 'a4b6c8d10901'
branch_labels = None
depends_on = None


OLD_KINDS = ("repeat_victim", "case_review", "review_overdue", "evaluation_unsigned",
             "closed_unevaluated", "action_overdue")
NEW_KINDS = ("repeat_victim", "repeat_victim_crime", *OLD_KINDS[1:])


def _kinds(kinds):
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_flags_kind'), type_='check')
        batch_op.create_check_constraint(
            'kind', "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")")


def upgrade():
    _kinds(NEW_KINDS)
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('same_as_id', sa.BigInteger().with_variant(
            sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_foreign_key(op.f('fk_incidents_same_as_id_incidents'), 'incidents',
                                    ['same_as_id'], ['id'])
        batch_op.create_index(op.f('ix_incidents_same_as_id'), ['same_as_id'])
    with op.batch_alter_table('incident_people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('caller_type', sa.String(length=12), nullable=False,
                                      server_default='public'))
        batch_op.add_column(sa.Column('same_as_id', sa.BigInteger().with_variant(
            sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_check_constraint(
            'caller_type', "caller_type IN ('public', 'professional')")
    with op.batch_alter_table('incident_imports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rows_possible_same_incidents', sa.Integer(),
                                      nullable=False, server_default='0'))
    with op.batch_alter_table('incident_imports', schema=None) as batch_op:
        batch_op.alter_column('rows_possible_same_incidents', server_default=None)
    op.create_table(
        'same_incident_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=False),
        sa.Column('other_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=False),
        sa.Column('reasons', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('created_dt', sa.DateTime(), nullable=False),
        sa.Column('decided_dt', sa.DateTime(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'confirmed', 'rejected')",
                           name=op.f('ck_same_incident_links_status')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_same_incident_links_decided_by_id_users')),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_same_incident_links_organisation_id_organisations')),
        sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'],
                                name=op.f('fk_same_incident_links_incident_id_incidents')),
        sa.ForeignKeyConstraint(['other_id'], ['incidents.id'],
                                name=op.f('fk_same_incident_links_other_id_incidents')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_same_incident_links')),
        sa.UniqueConstraint('incident_id', 'other_id',
                            name=op.f('uq_same_incident_links_incident_id')),
    )
    op.create_index('ix_same_incident_links_queue', 'same_incident_links',
                    ['organisation_id', 'status'])
    op.create_index(op.f('ix_same_incident_links_other_id'), 'same_incident_links',
                    ['other_id'])


def downgrade():
    op.execute("DELETE FROM flags WHERE kind = 'repeat_victim_crime'")
    _kinds(OLD_KINDS)
    op.drop_index(op.f('ix_same_incident_links_other_id'), table_name='same_incident_links')
    op.drop_index('ix_same_incident_links_queue', table_name='same_incident_links')
    op.drop_table('same_incident_links')
    with op.batch_alter_table('incident_imports', schema=None) as batch_op:
        batch_op.drop_column('rows_possible_same_incidents')
    with op.batch_alter_table('incident_people', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_incident_people_caller_type'), type_='check')
        batch_op.drop_column('same_as_id')
        batch_op.drop_column('caller_type')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index(op.f('ix_incidents_same_as_id'))
        batch_op.drop_constraint(op.f('fk_incidents_same_as_id_incidents'), type_='foreignkey')
        batch_op.drop_column('same_as_id')
