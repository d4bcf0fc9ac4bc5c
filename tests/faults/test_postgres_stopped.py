"""PostgreSQL stopped under a running server, then started again.

The server (gunicorn as bin/run serves it, tests/live_server.py) runs on a PostgreSQL cluster of
this test's own, reached as the runtime role; the cluster is stopped the way a restart or a
failover stops it (`pg_ctl -m fast`: every connection ended at once). Users get the 503 page,
the API a 503 problem, /healthz 503; nothing half-done is kept. When the database is back the
same server answers again, without a restart, and a note posted then is kept."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from tests.conftest import RUNTIME_LOGIN_ROLE
from tests.faults.services import PostgresCluster, postgres_unavailable_reason, wait_for
from tests.live_server import OFFICERS, LiveServer, has_gunicorn

pytestmark = [pytest.mark.committed]


@pytest.fixture
def cluster():
    reason = postgres_unavailable_reason()
    if reason:
        pytest.skip(reason)
    with PostgresCluster() as running:
        yield running


def _notes(owner_url: str, text: str) -> int:
    engine = sa.create_engine(owner_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return connection.scalar(sa.text("SELECT count(*) FROM case_events WHERE kind = 'note' AND summary = :t"),
                                     {"t": text})
    finally:
        engine.dispose()


def test_with_postgres_stopped_users_get_the_503_page_and_the_server_recovers_by_itself(
        tmp_path, cluster):
    if not has_gunicorn():
        pytest.skip("gunicorn is not installed")
    owner_url = cluster.create_database("sara")
    runtime_url = sa.engine.make_url(owner_url).set(username=RUNTIME_LOGIN_ROLE) \
        .render_as_string(hide_password=False)
    with LiveServer(tmp_path / "live", runtime_url, owner_url) as server:
        officer = server.web(OFFICERS[0])
        api = server.api(OFFICERS[0])
        [reference, *_] = officer.case_references()
        assert officer.get(f"/cases/{reference}").status_code == 200

        cluster.stop("fast")

        page = officer.get(f"/cases/{reference}")
        assert page.status_code == 503
        assert "Sorry, the service is unavailable" in page.text
        assert "Traceback" not in page.text and "psycopg" not in page.text
        health = officer.get("/healthz")
        assert health.status_code == 503 and health.json()["database"] == "unavailable"
        answer = api.get(f"/cases/{reference}")
        assert answer.status_code == 503
        assert answer.headers["Content-Type"].startswith("application/problem+json")
        lost = f"Written while the database was down {uuid.uuid4().hex[:8]}"
        assert officer.post(f"/cases/{reference}/notes", {"text": lost}).status_code == 503

        cluster.start()

        # The same server, not restarted: its pool replaces the connections that died.
        assert officer.get(f"/cases/{reference}").status_code == 200
        assert wait_for(lambda: officer.get("/healthz").status_code == 200, 10)
        assert api.get(f"/cases/{reference}").status_code == 200
        kept = f"Written once it was back {uuid.uuid4().hex[:8]}"
        assert officer.post(f"/cases/{reference}/notes", {"text": kept}).status_code == 302
        assert _notes(owner_url, kept) == 1 and _notes(owner_url, lost) == 0
        assert " 500 " not in server.log_tail(100_000)
