"""The schema comes only from Alembic: `upgrade head` on an empty database equals the models."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
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
