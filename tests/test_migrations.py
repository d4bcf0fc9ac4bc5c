"""The schema comes only from Alembic: `upgrade head` on an empty database equals the models."""

from __future__ import annotations

import importlib.util
import os
import re
import uuid
from datetime import datetime, timedelta
from itertools import count
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from config import normalise_database_url
from sara import create_app
from sara.extensions import db
from sara.search.indexing import include_name
from tests.conftest import IS_POSTGRES


@pytest.fixture
def empty_database_url(tmp_path):
    if not IS_POSTGRES:
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    url = sa.engine.make_url(normalise_database_url(os.environ["DATABASE_URL"]))
    name = f"sara_migration_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def fresh_app(empty_database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url}, env="test")
    yield app
    with app.app_context():
        db.engine.dispose()


def _schema_diff(app) -> list:
    with app.app_context(), db.engine.connect() as connection:
        # The search index's tables are made by their migration alone (sara.search.indexing).
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True,
                              "include_name": include_name}
        )
        return compare_metadata(context, db.metadata)


def test_upgrade_head_gives_exactly_the_models_schema(fresh_app):
    with fresh_app.app_context():
        upgrade()
    assert _schema_diff(fresh_app) == []


def test_downgrade_to_base_and_upgrade_again(fresh_app):
    with fresh_app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = sa.inspect(db.engine).get_table_names()
        assert set(tables) <= {"alembic_version"}
        upgrade()
    assert _schema_diff(fresh_app) == []


@pytest.mark.skipif(IS_POSTGRES, reason="SQLite's migrations alone switch foreign keys off")
def test_migrating_leaves_sqlite_foreign_keys_on(fresh_app):
    # The process that migrates goes on using its pooled connections (this suite does).
    with fresh_app.app_context():
        upgrade()
        downgrade(revision="-1")
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


# --- every revision, one step at a time, with data present -------------------------------------
#
# The rows come from what each revision's database says of itself (tables, types, foreign keys,
# CHECK constraints), so a new revision is covered without touching this file; a column or
# constraint the filler cannot read fails loudly instead of being left empty.

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
#: Far from the frozen clock, so nothing here reads as "today"
EPOCH = datetime(2025, 3, 3, 9, 0)
IN_LIST = re.compile(r"\bIN \(|= ANY \(")
ONE_OF = re.compile(r"^\(*(\w+) IS NULL\) <> \((\w+) IS NULL\)+$")
LITERAL = re.compile(r"'([^']*)'")


def _revisions() -> list[str]:
    scripts = ScriptDirectory(str(MIGRATIONS))
    assert len(scripts.get_heads()) == 1, "the revisions must form one chain"
    return [script.revision for script in reversed(list(scripts.walk_revisions("base", "heads")))]


def _reflect(connection) -> list[sa.Table]:
    metadata = sa.MetaData()
    metadata.reflect(bind=connection)
    # The search index is a derived copy its migration fills and the application keeps up to date;
    # on SQLite it is an FTS5 table whose shadow tables take no inserts.
    return [table for table in metadata.sorted_tables
            if table.name != "alembic_version" and include_name(table.name, "table", {})]


class Filler:
    """Inserts rows into every table, parents first: one pass leaves every nullable column empty,
    the next fills every column, each row pointing at the newest row of each table it refers to
    (so unique combinations of references stay unique, as every pass adds a row to every table)."""

    def __init__(self):
        self.numbers = count(1)

    def fill(self, connection, *, sparse: bool) -> None:
        if connection.dialect.name == "sqlite":
            # Each reference is then checked as it is inserted, not only by the next migration.
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        inspector = sa.inspect(connection)
        for table in _reflect(connection):
            row = self._row(connection, inspector, table, sparse)
            try:
                connection.execute(table.insert().values(row))
            except sa.exc.DBAPIError as error:
                raise AssertionError(f"cannot insert into {table.name}: {row}") from error

    def _row(self, connection, inspector, table: sa.Table, sparse: bool) -> dict:
        n = next(self.numbers)
        allowed, chosen, left_empty = self._checks(inspector, table, sparse)
        row: dict = {}
        for constraint in table.foreign_key_constraints:
            local = [element.parent.name for element in constraint.elements]
            optional = all(table.c[name].nullable and name not in chosen for name in local)
            if (sparse and optional) or left_empty.intersection(local):
                continue
            referred = [element.column for element in constraint.elements]
            newest = connection.execute(
                sa.select(*referred).order_by(*(column.desc() for column in referred)).limit(1)
            ).first()
            if newest is None:
                if optional:
                    continue
                raise AssertionError(f"{table.name} refers to {constraint.referred_table.name}, "
                                     "which has no rows")
            row.update(zip(local, newest, strict=True))
        autoincrement = (len(table.primary_key.columns) == 1
                         and isinstance(table.primary_key.columns[0].type, sa.Integer))
        for column in table.columns:
            if column.name in left_empty:
                row[column.name] = None
                continue
            if column.name in row or (autoincrement and column.primary_key):
                continue
            if sparse and column.nullable and column.name not in chosen:
                continue
            if column.name in allowed:
                values = allowed[column.name]
                row[column.name] = values[n % len(values)]
            else:
                row[column.name] = _value(table, column, n)
        return row

    @staticmethod
    def _checks(inspector, table: sa.Table, sparse: bool):
        """The values each CHECK constraint allows; for "exactly one of a and b", which is set."""
        allowed: dict[str, list[str]] = {}
        chosen: set[str] = set()
        left_empty: set[str] = set()
        for check in inspector.get_check_constraints(table.name):
            text = check["sqltext"]
            if one_of := ONE_OF.match(text.strip()):
                first, second = one_of.groups()
                # Both ways round over the two passes.
                chosen.add(first if sparse else second)
                left_empty.add(second if sparse else first)
                continue
            named = [c.name for c in table.columns if re.search(rf"\b{c.name}\b", text)]
            if IN_LIST.search(text) and len(named) == 1:
                allowed[named[0]] = LITERAL.findall(text)
                continue
            raise AssertionError(f"the filler cannot satisfy {table.name}'s CHECK {text!r}: "
                                 "teach it this kind of constraint")
        return allowed, chosen, left_empty


def _value(table: sa.Table, column: sa.Column, n: int):
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return n % 2 == 0
    if isinstance(kind, sa.Integer):
        return n
    if isinstance(kind, sa.Float | sa.Numeric):
        return 51.0 + n / 1000
    if isinstance(kind, sa.DateTime):
        return EPOCH + timedelta(hours=n)
    if isinstance(kind, sa.Date):
        return EPOCH.date() + timedelta(days=n)
    if isinstance(kind, sa.JSON):
        return {"value": n % 2 == 0, "number": n}
    if isinstance(kind, sa.String):
        if "email" in column.name:
            text = f"user{n}@example.org"
        else:
            text = f"{table.name} {column.name} {n}"
        limit = kind.length
        if limit and len(text) > limit:
            suffix = f"-{n}"
            text = (column.name[:max(limit - len(suffix), 0)] + suffix)[-limit:]
        return text
    raise AssertionError(f"the filler has no value for {table.name}.{column.name} ({kind!r})")


def _snapshot(connection) -> dict[str, tuple[list[str], dict[tuple, dict]]]:
    """Every table's columns, and its rows by primary key."""
    tables = {}
    for table in _reflect(connection):
        key = [column.name for column in table.primary_key.columns]
        rows = connection.execute(sa.select(table)).mappings().all()
        tables[table.name] = ([column.name for column in table.columns],
                              {tuple(row[name] for name in key): dict(row) for row in rows})
    return tables


def _flag_rules_fold_into_the_lowest_force(before, after, when):
    """b7c1d2e3f401: downgraded, the rules are one set for everyone again, the lowest force's
    (its rows kept as they were); upgraded, every police force gets a copy of that set."""
    rows = before["flag_rules"][1].values()
    lowest = min(row["organisation_id"] for row in rows)
    kept = {key: {name: value for name, value in row.items() if name != "organisation_id"}
            for key, row in before["flag_rules"][1].items() if row["organisation_id"] == lowest}
    if when == "downgraded":
        return after["flag_rules"][1] == kept
    police = {key[0] for key, row in after["organisations"][1].items() if row["kind"] == "police"}

    def rule(row):
        return tuple(sorted((name, repr(value)) for name, value in row.items()
                            if name not in ("id", "organisation_id")))

    expected = sorted((force, rule(row)) for force in police for row in kept.values())
    actual = sorted((row["organisation_id"], rule(row)) for row in after["flag_rules"][1].values())
    return actual == expected


def _people_keys_refilled(before, after, when):
    """a4b6c8d10901: each way, the normalised keys are filled again from the name, phone and
    address, by the rule of the revision arrived at; every other column stays as it was."""
    path = MIGRATIONS / "versions" / "a4b6c8d10901_possible_duplicates_and_name_keys.py"
    spec = importlib.util.spec_from_file_location("a4b6c8d10901", path)
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)
    keys = revision.old_keys if when == "downgraded" else revision.new_keys
    derived = {"name_key": "nk", "surname_key": "sk", "name_sounds": "ns", "phone_key": "pk",
               "address_key": "ak"}
    for key, row in before["people"][1].items():
        now = after["people"][1].get(key)
        expected = keys(row["name"], row["phone"], row["address"])
        if now is None or any(now[column] != row[column] for column in row
                              if column not in derived and column in now):
            return False
        if any(now[column] != expected[short] for column, short in derived.items()):
            return False
    return True


def _asb_review_flags_deleted(before, after, when):
    """0b6ff6f02ed3: downgrading deletes the flags of the kind it adds (their reviews go with
    their tables) and keeps every other flag as it was, then and after upgrading again."""
    rows, now = before["flags"][1], after["flags"][1]
    for key, row in rows.items():
        dropped = row["kind"] == "asb_review_overdue"
        if dropped != (key not in now):
            return False
        if not dropped and any(now[key][column] != row[column] for column in row
                               if column in now[key]):
            return False
    # The filler wrote one of the new kind, so the deletion was seen.
    return any(row["kind"] == "asb_review_overdue" for row in rows.values())


def _partner_incidents_become_form(before, after, when):
    """c4d2e8f10a15: downgrading makes the partners' incidents "form" ones (the older schema has
    no "partner" source), and keeps every other column of every incident as it was."""
    for key, row in before["incidents"][1].items():
        now = after["incidents"][1].get(key)
        if now is None:
            return False
        expected = {**row, "source": "form"} if row["source"] == "partner" else row
        if any(now[column] != expected[column] for column in row if column in now):
            return False
    return True


#: Tables a revision's downgrade reshapes on purpose, as its docstring or comments say, and how
RESHAPED = {
    "b7c1d2e3f401": {"flag_rules": _flag_rules_fold_into_the_lowest_force},
    "a4b6c8d10901": {"people": _people_keys_refilled},
    "0b6ff6f02ed3": {"flags": _asb_review_flags_deleted},
    "c4d2e8f10a15": {"incidents": _partner_incidents_become_form},
}
#: Columns a downgrade must fill where they were empty, because the older schema needs a value
FILLED = {
    "764185ac495a": {("people", "created_by_id")},
}


def _lost(revision, before, after, columns, when) -> list[str]:
    """What of `before` is not in `after`, for the tables and columns `columns` names."""
    problems = []
    for name, (names, rows) in before.items():
        if name not in columns:
            continue
        if check := RESHAPED.get(revision, {}).get(name):
            if not check(before, after, when):
                problems.append(f"{name}: not reshaped as its downgrade says")
            continue
        kept = [column for column in names if column in columns[name]]
        for key, row in rows.items():
            now = after[name][1].get(key)
            if now is None:
                problems.append(f"{name} {key}: gone")
                continue
            for column in kept:
                if row[column] is None and (name, column) in FILLED.get(revision, ()):
                    if now[column] is None:
                        problems.append(f"{name} {key}: {column} left empty")
                elif now[column] != row[column]:
                    problems.append(f"{name} {key}: {column} {row[column]!r} -> {now[column]!r}")
    return problems


def test_every_revision_downgrades_and_upgrades_again_with_data(fresh_app):
    revisions = _revisions()
    filler = Filler()
    with fresh_app.app_context():
        previous = "base"
        for revision in revisions:
            upgrade(revision=revision)
            with db.engine.begin() as connection:
                filler.fill(connection, sparse=True)
                filler.fill(connection, sparse=False)
                before = _snapshot(connection)

            downgrade(revision=previous)
            with db.engine.connect() as connection:
                down = _snapshot(connection)
            survivors = {name: set(names) for name, (names, _) in down.items()}
            assert _lost(revision, before, down, survivors, "downgraded") == [], \
                f"{revision} downgraded to {previous}"

            upgrade(revision=revision)
            with db.engine.connect() as connection:
                again = _snapshot(connection)
            assert _lost(revision, before, again, survivors, "upgraded") == [], \
                f"{revision} downgraded and upgraded again"
            previous = revision

        # All the way down from a full database: the newest tables were emptied by their own
        # round trip just now.
        with db.engine.begin() as connection:
            filler.fill(connection, sparse=True)
            filler.fill(connection, sparse=False)
            full = _snapshot(connection)
        for name in ("organisations", "users", "problem_cases", "people", "incidents", "actions",
                     "action_entries", "case_events", "flags", "audit_events",
                     "audit_event_cases", "outbox_messages"):
            assert len(full[name][1]) >= 2, name
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
    assert _schema_diff(fresh_app) == []


def test_a_forces_case_review_window_in_days_becomes_calendar_months(fresh_app):
    """e5b7d9f01401: 183 days, as a force set it, is the statutory guidance's 6 months."""
    organisations = sa.table("organisations", sa.column("id", sa.Integer),
                             sa.column("name", sa.String), sa.column("kind", sa.String),
                             sa.column("created_dt", sa.DateTime))
    rules = sa.table("flag_rules", sa.column("organisation_id", sa.Integer),
                     sa.column("kind", sa.String), sa.column("version", sa.Integer),
                     sa.column("params", sa.JSON), sa.column("created_dt", sa.DateTime))

    def params():
        with db.engine.connect() as connection:
            return connection.execute(sa.select(rules.c.params)).scalar_one()

    with fresh_app.app_context():
        upgrade(revision="d4f6b8c91201")
        with db.engine.begin() as connection:
            connection.execute(organisations.insert().values(id=1, name="Force", kind="police",
                                                             created_dt=EPOCH))
            connection.execute(rules.insert().values(
                organisation_id=1, kind="case_review", version=2, created_dt=EPOCH,
                params={"complaints": 4, "people": 5, "window_days": 183}))
        upgrade()
        assert params() == {"complaints": 4, "people": 5, "window_months": 6}
        downgrade(revision="d4f6b8c91201")
        assert params() == {"complaints": 4, "people": 5, "window_days": 183}
