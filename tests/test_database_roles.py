"""The application cannot rewrite the audit log (issue 11, item 4).

On PostgreSQL the web app and workers connect as a runtime role that owns nothing: it may only add
to and read `audit_events`, so it cannot switch off the append-only triggers, drop or alter the
table, or replay changes with `session_replication_role`. Migrations run as the owner. In the
PostgreSQL test run the application connects as `sara_test_runtime`, a member of `sara_runtime`
(tests/conftest.py), exactly as a deployment's web role would.
"""

from __future__ import annotations

import importlib.util
import logging
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from sara import create_app
from sara.audit import service as audit_service
from sara.audit.models import AuditEvent
from sara.extensions import db
from tests.conftest import IS_POSTGRES, ensure_login_role

pytestmark = pytest.mark.skipif(
    not IS_POSTGRES,
    reason="database roles and privileges are PostgreSQL's; the embedded SQLite file has none",
)

MIGRATION = (Path(__file__).resolve().parent.parent / "migrations" / "versions"
             / "b7c1d2e3f404_runtime_database_role.py")
INSUFFICIENT_PRIVILEGE = "42501"


@pytest.fixture
def audit_row(officer):
    event = audit_service.record("sign_in", user=officer, record_type="user",
                                 record_ref=officer.email, summary="Original summary")
    db.session.flush()
    return event


def _refused(statement: str, params: dict | None = None) -> DBAPIError:
    """Run `statement` as the application in a savepoint and return the database's refusal."""
    with pytest.raises(DBAPIError) as caught, db.session.begin_nested():
        db.session.execute(sa.text(statement), params or {})
    return caught.value


REWRITES = {
    "update": "UPDATE audit_events SET summary = 'Rewritten' WHERE id = :id",
    "delete": "DELETE FROM audit_events WHERE id = :id",
    "truncate": "TRUNCATE audit_events CASCADE",
    "disable all triggers": "ALTER TABLE audit_events DISABLE TRIGGER USER",
    "disable one trigger": "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
    "drop the trigger": "DROP TRIGGER audit_events_append_only ON audit_events",
    "replace the trigger function": """
        CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END; $$""",
    "add a column": "ALTER TABLE audit_events ADD COLUMN rewritten TEXT",
    "drop the table": "DROP TABLE audit_events",
    "replication role": "SET session_replication_role = replica",
    "replication role, locally": "SET LOCAL session_replication_role = replica",
}


@pytest.mark.parametrize("statement", REWRITES.values(), ids=REWRITES.keys())
def test_the_application_role_cannot_rewrite_the_audit_log(audit_row, statement):
    params = {"id": audit_row.id} if ":id" in statement else {}
    refusal = _refused(statement, params)
    # Refused for want of privilege, not by the trigger: an owner could switch the trigger off.
    assert refusal.orig.sqlstate == INSUFFICIENT_PRIVILEGE, refusal
    assert "append-only" not in str(refusal.orig)
    db.session.expire_all()
    assert db.session.scalar(
        sa.select(AuditEvent.summary).where(AuditEvent.id == audit_row.id)) == "Original summary"
    enabled = dict(db.session.execute(sa.text(
        "SELECT tgname, tgenabled FROM pg_trigger "
        "WHERE tgrelid = 'audit_events'::regclass AND NOT tgisinternal")).all())
    assert enabled == {"audit_events_append_only": "O", "audit_events_no_truncate": "O"}


def test_the_application_role_adds_to_and_reads_the_audit_log(officer):
    audit_service.record("sign_in", user=officer, record_type="user", record_ref=officer.email,
                         summary="Signed in from the test")
    db.session.flush()
    summaries = db.session.scalars(
        sa.select(AuditEvent.summary).where(AuditEvent.user_id == officer.id))
    assert list(summaries) == ["Signed in from the test"]


def test_the_application_role_owns_nothing_and_is_no_superuser(app):
    with db.engine.connect() as connection:
        role = connection.execute(sa.text(
            "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles "
            "WHERE rolname = current_user")).one()
        owned = connection.scalars(sa.text(
            "SELECT c.relname FROM pg_class c "
            "WHERE c.relnamespace = current_schema()::regnamespace "
            "AND pg_has_role(current_user, c.relowner, 'USAGE')")).all()
        member = connection.scalar(sa.text("SELECT pg_has_role(current_user, 'sara_runtime', "
                                           "'USAGE')"))
    assert tuple(role)[1:] == (False, False, False, False), role
    assert owned == []
    assert member


def test_append_only_tables_may_only_be_added_to_and_read(app):
    """Every table a trigger guards against change is SELECT and INSERT only for the application;
    every other table of the application's it may change."""
    with db.engine.connect() as connection:
        guarded = set(connection.scalars(sa.text(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace")))
        rights = {
            name: {p for p in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES",
                               "TRIGGER")
                   if connection.scalar(sa.text("SELECT has_table_privilege(:t, :p)"),
                                        {"t": name, "p": p})}
            for name in connection.scalars(sa.text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))
        }
    assert "audit_events" in guarded
    for name, granted in rights.items():
        if name in guarded:
            assert granted == {"SELECT", "INSERT"}, name
        elif name == "alembic_version":
            # Only migrations move the schema's version.
            assert granted == {"SELECT"}, name
        else:
            assert granted == {"SELECT", "INSERT", "UPDATE", "DELETE"}, name


def test_tables_made_by_later_migrations_are_granted_by_default(owner_database_url):
    engine = sa.create_engine(owner_database_url)
    try:
        with engine.connect() as connection, connection.begin() as transaction:
            connection.execute(sa.text("CREATE TABLE later_migration_table (id SERIAL PRIMARY KEY)"))
            granted = connection.execute(sa.text(
                "SELECT has_table_privilege('sara_runtime', 'later_migration_table', "
                "'SELECT, INSERT, UPDATE, DELETE'), "
                "has_table_privilege('sara_runtime', 'later_migration_table', 'TRUNCATE'), "
                "has_sequence_privilege('sara_runtime', 'later_migration_table_id_seq', "
                "'USAGE')")).one()
            transaction.rollback()
    finally:
        engine.dispose()
    assert tuple(granted) == (True, False, True)


def _migration_module():
    spec = importlib.util.spec_from_file_location("runtime_role_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_migrating_role_that_may_not_create_roles_is_told_what_the_dba_must_do(app):
    missing = f"sara_test_missing_{uuid.uuid4().hex[:8]}"
    refusal = _refused(_migration_module().create_role_sql(missing))
    assert f"CREATE ROLE {missing} NOLOGIN" in str(refusal.orig)
    assert not db.session.scalar(sa.text("SELECT count(*) FROM pg_roles WHERE rolname = :r"),
                                 {"r": missing})


def test_the_migration_creates_the_group_role_when_it_may(owner_database_url):
    missing = f"sara_test_missing_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(owner_database_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(_migration_module().create_role_sql(missing)))
            try:
                role = connection.execute(sa.text(
                    "SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = :r"),
                    {"r": missing}).one()
                # Running it again (another database's migration) changes nothing.
                connection.execute(sa.text(_migration_module().create_role_sql(missing)))
            finally:
                connection.execute(sa.text(f"DROP ROLE IF EXISTS {missing}"))
    finally:
        engine.dispose()
    assert tuple(role) == (False, False)


# --- the start-up warning -------------------------------------------------------------------------

STARTUP_WARNING = "Database roles"


def _start_in_production(url, monkeypatch, caplog):
    monkeypatch.setenv("SECRET_KEY", "a-long-random-secret-for-the-start-up-test")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        production = create_app({"SQLALCHEMY_DATABASE_URI": url}, env="production")
    with production.app_context():
        db.engine.dispose()
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_production_warns_when_the_application_connects_as_the_migrations_role(
        owner_database_url, monkeypatch, caplog):
    engine = sa.create_engine(owner_database_url)
    with engine.connect() as connection:
        superuser = connection.scalar(sa.text(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
    engine.dispose()
    warnings = _start_in_production(owner_database_url, monkeypatch, caplog)
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    # The test run migrates as a superuser here, and in CI may be a plain owner with CREATEROLE.
    assert ("is a superuser" if superuser else "owns the tables") in message
    assert STARTUP_WARNING in message


@pytest.fixture
def database_owned_by_a_plain_role(owner_database_url):
    """A database whose one table belongs to a login role that is no superuser."""
    owner = "sara_test_table_owner"
    url = sa.engine.make_url(owner_database_url)
    name = f"sara_owner_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    ensure_login_role(owner_database_url, owner)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    database = sa.create_engine(url.set(database=name), isolation_level="AUTOCOMMIT")
    with database.connect() as conn:
        conn.execute(sa.text("CREATE TABLE cases_of_old (id INTEGER PRIMARY KEY)"))
        conn.execute(sa.text(f"ALTER TABLE cases_of_old OWNER TO {owner}"))
    database.dispose()
    try:
        yield url.set(database=name, username=owner, password=None).render_as_string(
            hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_production_warns_when_the_application_owns_the_tables(database_owned_by_a_plain_role,
                                                               monkeypatch, caplog):
    warnings = _start_in_production(database_owned_by_a_plain_role, monkeypatch, caplog)
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert "owns" in message and "superuser" not in message and STARTUP_WARNING in message


def test_production_is_quiet_for_the_runtime_role(database_url, monkeypatch, caplog):
    assert _start_in_production(database_url, monkeypatch, caplog) == []


def test_production_starts_when_the_database_is_down(monkeypatch, caplog):
    warnings = _start_in_production("postgresql+psycopg://nobody@127.0.0.1:1/nothing",
                                    monkeypatch, caplog)
    assert len(warnings) == 1
    assert "could not check" in warnings[0].getMessage()


def test_development_does_not_check(owner_database_url, monkeypatch, caplog):
    with caplog.at_level(logging.WARNING):
        dev = create_app({"SQLALCHEMY_DATABASE_URI": owner_database_url}, env="test")
    with dev.app_context():
        db.engine.dispose()
    assert not [r for r in caplog.records if STARTUP_WARNING in r.getMessage()]
