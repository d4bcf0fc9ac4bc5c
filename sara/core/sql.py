"""Small helpers for SQL that differs between PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from sara.core.types import local_zone
from sara.extensions import db


def changed(statement) -> int:
    """Run an UPDATE or DELETE in the current transaction; how many rows it changed."""
    result = db.session.execute(statement)
    # A DML statement's result is a CursorResult, which Session.execute's type does not say.
    return cast(sa.CursorResult, result).rowcount or 0


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


def json_array(*values) -> sa.ColumnElement:
    """A JSON array of literal values, built in SQL."""
    args = [sa.literal(v) for v in values]
    if dialect_name() == "postgresql":
        return sa.func.json_build_array(*args, type_=sa.JSON)
    return sa.func.json_array(*args, type_=sa.JSON)


def json_array_agg(expr, *order_by) -> sa.ColumnElement:
    """Aggregate values into a JSON array, in `order_by` order. SQLite (before 3.44) has no
    ORDER BY in an aggregate: there the rows must come from a subquery already in that order."""
    if dialect_name() == "postgresql":
        if order_by:
            expr = postgresql.aggregate_order_by(expr, *order_by)
        return sa.func.json_agg(expr, type_=sa.JSON)
    return sa.func.json_group_array(expr, type_=sa.JSON)


def as_json(expr) -> sa.ColumnElement:
    """A JSON value read back from a subquery, to nest in json_object: SQLite forgets that a
    subquery's column is JSON and would nest it as a string."""
    if dialect_name() == "postgresql":
        return expr
    return sa.func.json(expr, type_=sa.JSON)


def iso_instant(expr) -> sa.ColumnElement:
    """A stored UTC datetime as ISO 8601 text, "2026-03-14T21:30:00Z", the same on both."""
    if dialect_name() == "postgresql":
        return sa.func.to_char(expr, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    return sa.func.strftime("%Y-%m-%dT%H:%M:%SZ", expr)


def plus_minutes(expr, minutes) -> sa.ColumnElement:
    """A stored datetime `minutes` (a number, or SQL for one) later, comparable with stored
    datetimes. SQLite keeps them as text, "2026-03-14 21:30:00.000000": the result is written
    the same way so that text comparison orders it."""
    if dialect_name() == "postgresql":
        return expr + sa.func.make_interval(0, 0, 0, 0, 0, minutes)
    shift = sa.cast(minutes, sa.String) + sa.literal(" minutes")
    return sa.func.strftime("%Y-%m-%d %H:%M:%f", expr, shift) + sa.literal("000")


def day_of(expr) -> sa.ColumnElement:
    """The calendar day (UTC) of a stored datetime."""
    if dialect_name() == "postgresql":
        return sa.cast(expr, sa.Date)
    return sa.func.date(expr)


def local_midnight(day) -> datetime:
    """The instant (UTC) at which `day` begins where the service is used (Europe/London)."""
    return datetime.combine(day, time.min, tzinfo=local_zone()).astimezone(UTC)


def month_bucket(expr, edges: list[datetime]) -> sa.ColumnElement:
    """Which of the months bounded by `edges` (local month starts as UTC instants, oldest first,
    one more edge than months) a stored UTC datetime falls in: 0 for the first, NULL outside.

    A CASE over the exact instants rather than a date function, so the months are local
    (Europe/London, where midnight is 23:00 UTC in summer) on SQLite and PostgreSQL alike, and the
    same instants bound the filtered lists a chart links to."""
    whens = [(expr < edge, index - 1) for index, edge in enumerate(edges) if index]
    return sa.case((expr < edges[0], sa.null()), *whens, else_=sa.null())


def month_range(first_day) -> tuple[datetime, datetime]:
    """The UTC instants bounding the local calendar month that starts on `first_day`."""
    following = (first_day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return local_midnight(first_day.replace(day=1)), local_midnight(following)
