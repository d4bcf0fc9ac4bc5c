"""URL converters for record ids that can only match what a column can hold.

A number in a URL beyond a column's range cannot be a record, and handed to the database it is an
error rather than "no such row" (PostgreSQL refuses to bind it as the column's type; SQLite
overflows beyond 64 bits). So `<int:...>` in this application matches 1 to the largest INTEGER,
`<bigid:...>` 1 to the largest BIGINT, and anything else is the plain 404 of a route that does not
exist.
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1
MAX_BIG_ID = 2**63 - 1


class RecordId(IntegerConverter):
    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's own parameter name
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class BigRecordId(RecordId):
    def __init__(self, map, *args, **kwargs):  # noqa: A002
        kwargs.setdefault("max", MAX_BIG_ID)
        super().__init__(map, *args, **kwargs)


def register(app) -> None:
    """Before any blueprint is registered: the rules are compiled with these converters."""
    app.url_map.converters["int"] = RecordId
    app.url_map.converters["bigid"] = BigRecordId
