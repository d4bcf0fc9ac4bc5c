"""An incident import whose worker is killed with SIGKILL part-way through the file: nothing of
it is stored, and the re-run (the same message, given back because the worker died before
acknowledging it) imports every row once."""

from __future__ import annotations

import io
import os
import signal

import pytest
import sqlalchemy as sa

from sara.extensions import db
from sara.incidents.models import Incident, IncidentImport
from sara.people.models import Person
from tests.conftest import Browser, _FreshContextClient, seen_by_another_process
from tests.faults.conftest import celery_settings
from tests.faults.services import wait_for

pytestmark = [pytest.mark.committed, pytest.mark.worker]

#: Three batches of sara.incidents.importer.BATCH (1,000) rows: killed after the first
ROWS = 2500
HEADER = ("incident_ref,occurred_at,category,is_asb,location,postcode,latitude,longitude,"
          "caller_name,caller_phone,caller_address,caller_dob,description")


def _cad_file() -> bytes:
    lines = [HEADER]
    for number in range(1, ROWS + 1):
        caller = ("Ann Smith,07700 900123,\"12 Ermine Road, Lincoln\",1950-04-02"
                  if number % 100 == 0 else ",,,")
        lines.append(f"CAD-{number:05d},2026-03-{1 + number % 28:02d} 21:30,Rowdy behaviour,yes,"
                     f"Ermine parade,LN2 2AB,,,{caller},Youths shouting")
    return ("\r\n".join(lines) + "\r\n").encode()


def _job(import_id: int) -> IncidentImport:
    db.session.rollback()
    return db.session.get(IncidentImport, import_id)


def _stored(import_id: int) -> int:
    return seen_by_another_process(sa.select(sa.func.count()).select_from(Incident)
                                   .where(Incident.import_id == import_id))


def test_an_import_killed_part_way_stores_nothing_and_its_rerun_imports_every_row_once(
        tmp_path, database_url, other_app, redis_server, processes, make_user):
    web = other_app(SQLALCHEMY_DATABASE_URI=database_url,
                    CELERY=celery_settings(redis_server.url))
    web.test_client_class = _FreshContextClient
    supervisor = make_user("supervisor", name="Sam Supervisor")
    db.session.commit()
    pause = tmp_path / "pause"
    pause.mkdir()
    worker = processes.worker("tests.faults.slow_import_worker",
                              env={"SARA_FAULTS_PAUSE_DIR": str(pause)})
    signed_in = Browser(web.test_client(), supervisor)

    response = signed_in.post("/incidents/import", data={
        "format": "cad", "file": (io.BytesIO(_cad_file()), "march.csv")})
    assert response.status_code == 302, response.get_data(as_text=True)
    import_id = int(response.headers["Location"].rsplit("/", 1)[-1])

    paused = pause / "import.paused"
    assert wait_for(paused.exists, 60), processes.logs()
    child = int(paused.read_text())
    assert child in worker.pool_children()
    # The first thousand rows are flushed in the import's transaction: nobody else sees them.
    assert _stored(import_id) == 0
    assert _job(import_id).state == "running"

    os.kill(child, signal.SIGKILL)

    # Its outcome is committed, then its upload removed (in a second commit: a file removed
    # before a commit that then failed would be lost to the re-run).
    assert wait_for(lambda: (job := _job(import_id)).state in ("done", "failed")
                    and job.stored_path is None, 90), processes.logs()
    job = _job(import_id)
    assert job.state == "done", job.errors
    assert (job.rows_total, job.rows_imported, job.rows_duplicate) == (ROWS, ROWS, 0)
    assert _stored(import_id) == ROWS
    assert db.session.scalar(sa.select(sa.func.count(sa.distinct(Incident.source_key)))
                             .where(Incident.import_id == import_id)) == ROWS
    # Its one caller, once.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)
                             .where(Person.name == "Ann Smith")) == 1
    runs = (pause / "runs").read_text().split()
    assert runs[0::2] == ["import", "import"] and runs[1] == str(child) != runs[3]
    assert "WorkerLostError" in worker.log()
    page = signed_in.get(f"/incidents/import/{import_id}").get_data(as_text=True)
    assert "Done" in page
