"""Small helpers for SQL that differs between PostgreSQL and SQLite."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from sara.extensions import db


def dialect_name() -> str:
    return db.session.get_bind().dialect.name


def upsert_insert(table):
    """INSERT that supports ON CONFLICT on both databases."""
    return (postgresql.insert if dialect_name() == "postgresql" else sqlite.insert)(table)


def json_object(**pairs) -> sa.ColumnElement:
    """A JSON object built in SQL from column expressions."""
    args = [item for key, value in pairs.items() for item in (sa.literal(key), value)]
    if dialect_name() == "postgresql":
        return sa.func.json_build_object(*args, type_=sa.JSON)
    return sa.func.json_object(*args, type_=sa.JSON)


def json_array_agg(expr) -> sa.ColumnElement:
    """Aggregate values into a JSON array."""
    if dialect_name() == "postgresql":
        return sa.func.json_agg(expr, type_=sa.JSON)
    return sa.func.json_group_array(expr, type_=sa.JSON)


def day_of(expr) -> sa.ColumnElement:
    """The calendar day (UTC) of a stored datetime."""
    if dialect_name() == "postgresql":
        return sa.cast(expr, sa.Date)
    return sa.func.date(expr)
