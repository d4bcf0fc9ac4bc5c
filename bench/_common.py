"""Shared helpers for the hand-run benchmarks in bench/ (not part of the test suite).

Every script reads DATABASE_URL (default postgresql://127.0.0.1:5432/sara_bench) and refuses to
touch a database whose name does not contain "bench", so the test databases are never hit.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://127.0.0.1:5432/sara_bench"
BENCH_ORG = "Bench Constabulary"


def database_url() -> str:
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SARA_ENV", "development")
    name = database_name(url)
    if "bench" not in name:
        sys.exit(f"refusing to run against database {name!r}: its name must contain 'bench'")
    return url


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def libpq_url(url: str | None = None) -> str:
    """The URL for psycopg (no SQLAlchemy driver suffix); user root by default (trust auth)."""
    url = (url or database_url()).replace("postgresql+psycopg://", "postgresql://")
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        parts = parts._replace(netloc=f"root@{parts.netloc}")
    return urlunsplit(parts)


def maintenance_url(url: str | None = None) -> str:
    """The same server, database `postgres` (to CREATE / DROP the bench database)."""
    parts = urlsplit(libpq_url(url))
    return urlunsplit(parts._replace(path="/postgres"))


def connect(autocommit: bool = False):
    import psycopg

    return psycopg.connect(libpq_url(), autocommit=autocommit)


def flask_cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run `flask --app wsgi ...` from the project root against the bench database."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), DATABASE_URL=database_url(),
               SARA_ENV=os.environ.get("SARA_ENV", "development"))
    flask = Path(sys.executable).with_name("flask")
    return subprocess.run([str(flask), "--app", "wsgi", *args], cwd=ROOT, env=env, check=check,
                          capture_output=True, text=True)


def make_app():
    database_url()
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from sara import create_app

    return create_app()


@contextmanager
def timer():
    """with timer() as t: ...; t() -> seconds elapsed (frozen once the block exits)."""
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())


def median(values) -> float:
    return statistics.median(values)


def percentile(values, p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def fmt_s(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


class StatementCapture:
    """Collect the SQL statements (and parameters) an engine runs while active, so that the exact
    statements the application issues can be EXPLAINed afterwards."""

    def __init__(self, engine):
        self.engine = engine
        #: (statement, parameters, seconds) in the order run
        self.statements: list[tuple[str, object, float]] = []
        self._started: float = 0.0

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self._started = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append((statement, parameters, time.perf_counter() - self._started))

    def __enter__(self):
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


def explain(connection, statement: str, parameters=None, analyze: bool = True) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) a raw statement on a SQLAlchemy connection, inside a savepoint
    that is rolled back (so data-modifying statements leave nothing behind)."""
    options = "ANALYZE, BUFFERS" if analyze else "COSTS"
    with connection.begin_nested() as savepoint:
        rows = connection.exec_driver_sql(f"EXPLAIN ({options}) {statement}",
                                          parameters or {}).all()
        savepoint.rollback()
    return "\n".join(r[0] for r in rows)
