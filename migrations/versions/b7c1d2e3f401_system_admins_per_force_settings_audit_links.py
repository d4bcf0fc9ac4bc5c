"""system administrators, per-force settings and flag rules, audit rows linked to every case they name

Revision ID: b7c1d2e3f401
Revises: a4ae3f3c5918
Create Date: 2026-12-02 09:00:00

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7c1d2e3f401'
down_revision = 'a4ae3f3c5918'
branch_labels = None
depends_on = None


APPEND_ONLY = """
CREATE FUNCTION audit_event_cases_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_event_cases is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_event_cases_append_only
    BEFORE UPDATE OR DELETE ON audit_event_cases
    FOR EACH ROW EXECUTE FUNCTION audit_event_cases_append_only();
CREATE TRIGGER audit_event_cases_no_truncate
    BEFORE TRUNCATE ON audit_event_cases
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_cases_append_only();
"""


def upgrade():
    # The cases a list, search or export showed, so that each is in the case's own audit log.
    op.create_table('audit_event_cases',
    sa.Column('audit_event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['audit_event_id'], ['audit_events.id'], name=op.f('fk_audit_event_cases_audit_event_id_audit_events')),
    sa.ForeignKeyConstraint(['case_id'], ['problem_cases.id'], name=op.f('fk_audit_event_cases_case_id_problem_cases')),
    sa.PrimaryKeyConstraint('audit_event_id', 'case_id', name=op.f('pk_audit_event_cases'))
    )
    with op.batch_alter_table('audit_event_cases', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_cases_case_id', ['case_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_system_admin', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))

    # The library's openness to partners becomes each force's own setting, starting from the
    # deployment-wide one; the settings table held nothing else.
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_library_open_to_partners', sa.Boolean(),
                                      server_default=sa.true(), nullable=False))
    bind = op.get_bind()
    stored = bind.execute(sa.text(
        "SELECT value FROM settings WHERE key = 'library_open_to_partners'")).scalar()
    if stored is not None:
        value = json.loads(stored) if isinstance(stored, str) else stored
        if not value.get("value", True):
            op.execute("UPDATE organisations SET is_library_open_to_partners = false")
    op.drop_table('settings')

    # The case a notification is about, so that reading the inbox is audited against it; the
    # existing ones are matched by the case page their link points to.
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_notifications_case_id_problem_cases'),
                                    'problem_cases', ['case_id'], ['id'])
    op.execute(
        "UPDATE notifications SET case_id = (SELECT c.id FROM problem_cases c "
        "WHERE notifications.link LIKE '/cases/' || c.reference || '/%' "
        "OR notifications.link = '/cases/' || c.reference)"
    )

    # Flag rules become each force's own: every police force inherits the numbers (and their
    # history) that applied to everyone until now.
    with op.batch_alter_table('flag_rules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint('uq_flag_rules_kind', type_='unique')
    op.execute(
        "INSERT INTO flag_rules (organisation_id, kind, version, params, created_dt, "
        "created_by_id) SELECT o.id, r.kind, r.version, r.params, r.created_dt, r.created_by_id "
        "FROM flag_rules r CROSS JOIN organisations o "
        "WHERE o.kind = 'police' AND r.organisation_id IS NULL"
    )
    op.execute("DELETE FROM flag_rules WHERE organisation_id IS NULL")
    with op.batch_alter_table('flag_rules', schema=None) as batch_op:
        batch_op.alter_column('organisation_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f('uq_flag_rules_organisation_id'), ['organisation_id', 'kind', 'version'])
        batch_op.create_foreign_key(
            batch_op.f('fk_flag_rules_organisation_id_organisations'), 'organisations',
            ['organisation_id'], ['id'])


def downgrade():
    op.create_table('settings',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_dt', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_settings_updated_by_id_users')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_settings'))
    )
    # One deployment-wide switch again: closed if any force had closed its library.
    closed = op.get_bind().execute(sa.text(
        "SELECT COUNT(*) FROM organisations WHERE is_library_open_to_partners = false")).scalar()
    if closed:
        op.execute("INSERT INTO settings (key, value, updated_dt) VALUES "
                   "('library_open_to_partners', '{\"value\": false}', CURRENT_TIMESTAMP)")
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('is_library_open_to_partners')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_case_id_problem_cases'),
                                 type_='foreignkey')
        batch_op.drop_column('case_id')

    # One rule for everyone again: the force with the lowest id keeps its history.
    op.execute(
        "DELETE FROM flag_rules WHERE organisation_id <> "
        "(SELECT MIN(organisation_id) FROM flag_rules)"
    )
    with op.batch_alter_table('flag_rules', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_flag_rules_organisation_id_organisations'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_flag_rules_organisation_id'), type_='unique')
        batch_op.drop_column('organisation_id')
        batch_op.create_unique_constraint('uq_flag_rules_kind', ['kind', 'version'])

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('is_system_admin')

    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_cases_no_truncate ON audit_event_cases")
        op.execute("DROP TRIGGER IF EXISTS audit_event_cases_append_only ON audit_event_cases")
        op.execute("DROP FUNCTION IF EXISTS audit_event_cases_append_only()")
    with op.batch_alter_table('audit_event_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_cases_case_id')
    op.drop_table('audit_event_cases')
