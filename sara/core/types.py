"""Column types shared by every domain package."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


DEFAULT_TIMEZONE = "Europe/London"


def local_zone() -> ZoneInfo:
    """The zone days are counted in (due dates, review dates): the service's, not the server's."""
    if has_app_context():
        return ZoneInfo(current_app.config.get("DISPLAY_TIMEZONE", DEFAULT_TIMEZONE))
    return ZoneInfo(DEFAULT_TIMEZONE)


def today() -> date:
    """Today's date where the service is used (Europe/London by default)."""
    return utcnow().astimezone(local_zone()).date()


def date_in_words(value: date | str | None) -> str:
    """'30 December 2026', as every page writes a day; also for the ISO text ('2026-12-30') of a
    flag's evidence. Text that is not a date is given back as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            day = date.fromisoformat(value[:10])
        except ValueError:
            return value
    elif isinstance(value, datetime):
        day = value.astimezone(local_zone()).date()
    else:
        day = value
    return f"{day.day} {day:%B %Y}"


class UTCDateTime(TypeDecorator):
    """Stores naive UTC and always returns aware UTC datetimes.

    SQLite keeps no time zone, PostgreSQL would convert to the session zone; storing naive UTC on
    both means the same comparisons work everywhere and nothing local leaks into the data.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def one_of(column: str, values) -> str:
    """SQL for a CHECK constraint keeping `column` within a fixed list of keys."""
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"
