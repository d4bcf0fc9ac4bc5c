"""a runtime database role that owns nothing and may only add to and read the audit log

Revision ID: b7c1d2e3f404
Revises: b7c1d2e3f403
Create Date: 2026-12-02 09:00:00

On PostgreSQL the web app and workers connect as a login role that is a member of `sara_runtime`;
migrations run as the role that owns the tables (MIGRATION_DATABASE_URL; README, "Database
roles"). The owner may switch off the audit log's triggers; `sara_runtime` may only add to and
read it, and may change the rows of every other table, but owns nothing and so can alter, drop or
disable nothing.

This revision grants on the tables every earlier revision made, and sets default privileges so
that tables and sequences created later by the migrating role are granted too. The rule for later
revisions: a new append-only table must `REVOKE UPDATE, DELETE ON <table> FROM sara_runtime` in
the same revision (tests/test_database_roles.py fails for any trigger-guarded table the runtime
role may change). Migrations must always run as the same role, or the default privileges do not
apply.

On SQLite this revision does nothing: SQLite has no roles.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7c1d2e3f404'
down_revision = 'b7c1d2e3f403'
branch_labels = None
depends_on = None

RUNTIME_ROLE = "sara_runtime"

#: Tables a trigger guards against change: the runtime role may only add to and read them.
APPEND_ONLY_TABLES = ("audit_events", "audit_event_cases")

#: Only migrations move the schema's version.
READ_ONLY_TABLES = ("alembic_version",)


def create_role_sql(role: str) -> str:
    """Create the NOLOGIN group role unless it exists; roles are cluster-wide, so it may already
    serve another database. A migrating role without CREATEROLE is told what the DBA must run."""
    return f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
        BEGIN
            CREATE ROLE {role} NOLOGIN;
        EXCEPTION
            WHEN insufficient_privilege THEN
                RAISE EXCEPTION 'The role {role} does not exist and % may not create it: a '
                                'database administrator must first run CREATE ROLE {role} NOLOGIN;',
                                current_user
                    USING HINT = 'Then run the migration again (README, "Database roles").';
            -- Another database's migration created it at the same moment.
            WHEN duplicate_object OR unique_violation THEN NULL;
        END;
    END IF;
END $$;
"""


def _each(statements: list[str]) -> str:
    """Run statements in which %1$I is the current database and %2$I the current schema, and do
    nothing if the role is gone (the downgrade of a database whose DBA dropped it)."""
    body = "\n".join(
        f"    EXECUTE format('{sql}', current_database(), current_schema());"
        for sql in statements
    )
    return f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{RUNTIME_ROLE}') THEN
        RETURN;
    END IF;
{body}
END $$;
"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(create_role_sql(RUNTIME_ROLE))
    role = RUNTIME_ROLE
    op.execute(_each([
        # TEMPORARY: the flag scans compute their candidates into temporary tables. PUBLIC has
        # it by default, but a DBA may have revoked that.
        f"GRANT CONNECT, TEMPORARY ON DATABASE %1$I TO {role}",
        f"GRANT USAGE ON SCHEMA %2$I TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %2$I TO {role}",
        *(f"REVOKE UPDATE, DELETE ON %2$I.{table} FROM {role}" for table in APPEND_ONLY_TABLES),
        *(f"REVOKE INSERT, UPDATE, DELETE ON %2$I.{table} FROM {role}"
          for table in READ_ONLY_TABLES),
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %2$I TO {role}",
        # Tables and sequences later revisions make are granted as they are made, so a new
        # append-only table must REVOKE UPDATE, DELETE in its own revision. Never TRUNCATE,
        # REFERENCES or TRIGGER, and never ownership: ALTER, DROP and DISABLE TRIGGER need it.
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA %2$I "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA %2$I GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    ]))
    # The audit log's trigger function needs no grant: the runtime role can never fire it, as it
    # may neither update, delete nor truncate the table.


def downgrade():
    # The role itself stays: it is cluster-wide and may serve other databases, and its login
    # members (the web and worker roles) belong to the deployment, not to this schema.
    if op.get_bind().dialect.name != "postgresql":
        return
    role = RUNTIME_ROLE
    op.execute(_each([
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA %2$I REVOKE USAGE, SELECT ON SEQUENCES FROM {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA %2$I "
        f"REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {role}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA %2$I FROM {role}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA %2$I FROM {role}",
        f"REVOKE USAGE ON SCHEMA %2$I FROM {role}",
        f"REVOKE CONNECT, TEMPORARY ON DATABASE %1$I FROM {role}",
    ]))
