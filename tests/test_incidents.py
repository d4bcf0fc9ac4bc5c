"""Incidents on the web: recording one by form, its page, uploading a file for the worker to
import (progress, outcome, error report), and a case's incidents (suggestions, linking)."""

from __future__ import annotations

import io
import math
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import current_app

from sara.core.references import person_reference
from sara.core.types import local_zone, today, utcnow
from sara.extensions import db
from sara.incidents import importer, queries
from sara.incidents import service as incident_service
from sara.incidents.models import CaseIncident, Incident, IncidentImport, IncidentPerson
from sara.partners import service as sharing
from sara.people import matching
from sara.people.models import Person
from tests.conftest import (
    IS_POSTGRES,
    Browser,
    csrf_token,
    intercept_task,
    login,
    seen_by_another_process,
)
from worker.tasks import import_incidents_file

CAD_HEADER = ("incident_ref,occurred_at,category,is_asb,location,postcode,latitude,longitude,"
              "caller_name,caller_phone,caller_address,caller_dob,description")
GOOD_CAD = [
    CAD_HEADER,
    "CAD-101,2026-03-01 21:30,Rowdy behaviour,yes,Ermine parade,LN2 2AB,53.25,-0.53,"
    "Ann Smith,07700 900123,\"12 Ermine Road, Lincoln\",1950-04-02,Youths shouting",
    "CAD-102,2026-03-08 22:10,Rowdy behaviour,yes,Ermine parade,LN2 2AB,,,,,,,Again",
    "CAD-103,2026-03-09 20:00,Criminal damage,no,Shop,LN2 2AC,,,,,,,Window",
]
_n = iter(range(1, 10**9))


def _csv(lines: list[str]) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


def _count(model=Incident, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _person(org, name="Ann Smith") -> Person:
    person = Person(reference=person_reference(), organisation_id=org.id, name=name)
    matching.fill_keys(person)
    db.session.add(person)
    db.session.flush()
    return person


def _incident(org, *, lat=None, lon=None, lsoa=None, when=None, asb=True, source="cad",
              precision="exact", category="Rowdy behaviour", location="Ermine parade",
              person=None) -> Incident:
    incident = Incident(
        source=source, source_key=f"T-{next(_n)}", organisation_id=org.id,
        occurred_dt=when or utcnow() - timedelta(days=30), occurred_precision=precision,
        category=category, is_asb=asb, location_text=location, latitude=lat, longitude=lon,
        lsoa_code=lsoa)
    db.session.add(incident)
    db.session.flush()
    if person is not None:
        db.session.add(IncidentPerson(incident_id=incident.id, person_id=person.id,
                                      role="victim", occurred_dt=incident.occurred_dt,
                                      is_asb=incident.is_asb))
        db.session.flush()
    return incident


@pytest.fixture
def queued_imports(app, monkeypatch, request):
    """Import ids sent to the worker, with (in tests that really commit) the state a fresh
    connection saw when the task was sent: only a committed row is visible there."""
    sent: list[tuple[int, str | None]] = []
    committed = request.node.get_closest_marker("committed") is not None

    def delay(import_id):
        state = None
        if committed:
            state = seen_by_another_process(sa.select(IncidentImport.state)
                                            .where(IncidentImport.id == import_id))
        sent.append((import_id, state))

    intercept_task(app, monkeypatch, "import_incidents_file", delay)
    return sent


# --- recording by form -------------------------------------------------------------------------

def _form(**overrides) -> dict:
    data = {
        "occurred_date": ["14", "3", "2026"], "occurred_time": "21:30",
        "category": "Rowdy behaviour", "is_asb": "yes", "location_text": "Ermine parade shops",
        "postcode": "ln2 2ab", "latitude": "53.2501", "longitude": "-0.5302",
        "description": "Youths shouting\nand throwing bottles", "person_reference": "",
        "person_role": "",
    }
    data.update(overrides)
    return data


def test_recording_an_incident_with_a_person_queues_their_check(browser, officer, police,
                                                               queued_checks):
    person = _person(police)
    db.session.commit()
    response = browser(officer).post("/incidents/new", data=_form(
        person_reference=person.reference.lower(), person_role="victim"))
    assert response.status_code == 302, response.get_data(as_text=True)
    incident = db.session.scalar(sa.select(Incident))
    assert response.headers["Location"].endswith(f"/incidents/{incident.id}")
    assert incident.source == "form" and incident.category == "Rowdy behaviour"
    # 21:30 in London in March (GMT) is 21:30 UTC.
    assert incident.occurred_dt == datetime(2026, 3, 14, 21, 30, tzinfo=UTC)
    assert incident.is_asb and incident.postcode == "LN2 2AB"
    assert (incident.latitude, incident.longitude) == (53.2501, -0.5302)
    assert [(p.person_id, p.role) for p in incident.people] == [(person.id, "victim")]
    assert {person.id} in queued_checks
    page = browser(officer).get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "Rowdy behaviour" in page and "Ann Smith" in page and person.reference in page
    assert "Youths shouting" in page


def test_summer_time_is_converted_to_utc(browser, officer):
    response = browser(officer).post("/incidents/new", data=_form(
        occurred_date=["14", "7", "2025"], occurred_time="9.05"))
    assert response.status_code == 302
    incident = db.session.scalar(sa.select(Incident))
    assert incident.occurred_dt == datetime(2025, 7, 14, 8, 5, tzinfo=UTC)


@pytest.mark.parametrize("overrides, message", [
    ({"category": ""}, "Enter the category"),
    ({"occurred_time": "25:10"}, "Enter a real time, like 21:30"),
    ({"occurred_date": ["31", "2", "2026"]}, "Enter a real date"),
    ({"occurred_date": ["", "", ""]}, "Enter the date it happened"),
    ({"is_asb": ""}, "Choose whether it is anti-social behaviour"),
    ({"location_text": ""}, "Enter where it happened"),
    ({"postcode": "not a postcode"}, "Enter a real UK postcode"),
    ({"longitude": ""}, "Enter both the latitude and the longitude, or neither"),
    ({"latitude": "nan"}, "Latitude must be a number"),
    ({"latitude": "91"}, "Latitude must be between -90 and 90"),
    ({"person_reference": "PN-000001"}, "Choose the person&#39;s part in the incident"),
    ({"person_role": "victim"}, "Enter the person&#39;s reference"),
    ({"person_reference": "PN-999999", "person_role": "victim"}, "There is no person PN-999999"),
    ({"person_reference": "Bob", "person_role": "victim"}, "Enter a reference like PN-000123"),
])
def test_an_invalid_incident_is_refused_and_keeps_what_was_typed(browser, officer, overrides,
                                                                 message):
    response = browser(officer).post("/incidents/new", data=_form(**overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in html and message in html
    assert "Ermine parade shops" in html or overrides.get("location_text") == ""
    assert _count() == 0 and _count(IncidentPerson) == 0


def test_a_future_date_is_refused(browser, officer):
    tomorrow = today() + timedelta(days=1)
    response = browser(officer).post("/incidents/new", data=_form(
        occurred_date=[str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)]))
    assert response.status_code == 200
    assert "When it happened must be in the past" in response.get_data(as_text=True)
    assert _count() == 0


def test_a_person_of_another_force_cannot_be_named(browser, officer, make_org):
    stranger = _person(make_org("Other Constabulary"))
    db.session.commit()
    response = browser(officer).post("/incidents/new", data=_form(
        person_reference=stranger.reference, person_role="victim"))
    assert f"There is no person {stranger.reference}" in response.get_data(as_text=True)
    assert _count() == 0


@pytest.mark.parametrize("field, value, message", [
    ("category", "Rowdy\x00", "Category contains characters that are not allowed"),
    ("description", "Bottles\x00", "must not contain a NUL character"),
    ("description", "x" * 100_000, "Description must be 20,000 characters or fewer"),
    ("location_text", "y" * 100_000, "Location must be 300 characters or fewer"),
])
def test_nul_bytes_and_huge_fields_are_form_errors(browser, officer, field, value, message):
    response = browser(officer).post("/incidents/new", data=_form(**{field: value}))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _count() == 0


@pytest.mark.parametrize("role, kind, status", [
    ("officer", "police", 200), ("supervisor", "police", 200), ("call_handler", "police", 200),
    ("admin", "police", 403), ("partner", "local_authority", 403),
])
def test_who_may_record_incidents(browser, make_user, make_org, role, kind, status):
    org = make_org(kind=kind)
    user = make_user(role, org=org)
    db.session.commit()
    assert browser(user).get("/incidents/new").status_code == status


# --- the incident page ---------------------------------------------------------------------------

def test_the_incident_page_is_for_its_own_force_only(browser, police, make_user, make_org,
                                                     make_case):
    victim = _person(police, "Vera Victim")
    incident = _incident(police, person=victim)
    case = make_case()
    db.session.add(CaseIncident(case_id=case.id, incident_id=incident.id,
                                created_by_id=case.owner_id))
    other_force = make_org("Other Constabulary")
    council = make_org("District Council", kind="local_authority")
    users = {
        "call_handler": make_user("call_handler"),
        "admin": make_user("admin"),
        "other_force_officer": make_user("officer", org=other_force),
        "partner": make_user("partner", org=council),
    }
    sharing.share_with_organisation(case, case.owner, council, "contribute")
    db.session.commit()
    url = f"/incidents/{incident.id}"

    handler = browser(users["call_handler"]).get(url)
    html = handler.get_data(as_text=True)
    assert handler.status_code == 200
    assert "Vera Victim" in html and case.reference in html
    # An admin of the force sees the incident, not the people on it.
    admin = browser(users["admin"]).get(url).get_data(as_text=True)
    assert "Vera Victim" not in admin and "1 person is recorded" in admin
    # Other forces and partners cannot tell it exists, even when it is linked to a shared case.
    for name in ("other_force_officer", "partner"):
        assert browser(users[name]).get(url).status_code == 404, name
    assert browser(users["call_handler"]).get("/incidents/999999").status_code == 404


def test_viewing_an_incident_is_audited(browser, officer, police):
    from sara.audit.models import AuditEvent

    incident = _incident(police, person=_person(police))
    db.session.commit()
    browser(officer).get(f"/incidents/{incident.id}")
    kinds = db.session.scalars(sa.select(AuditEvent.record_type).where(
        AuditEvent.action == "consultation", AuditEvent.user_id == officer.id)).all()
    assert sorted(kinds) == ["incident", "person"]


def test_a_police_uk_incident_shows_its_month(browser, officer, police):
    incident = _incident(police, source="police_uk", precision="month", lsoa="E01026100",
                         when=datetime(2015, 6, 1, tzinfo=UTC), location="On or near Park")
    db.session.commit()
    html = browser(officer).get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "June 2015" in html and "(month only)" in html and "E01026100" in html
    assert "No people are recorded" in html and "Not linked to any case" in html


def test_a_reference_shared_by_two_sources_needs_the_number(browser, officer, located_case,
                                                            police):
    cad = _incident(police)
    twin = Incident(source="police_uk", source_key=cad.source_key, organisation_id=police.id,
                    occurred_dt=cad.occurred_dt, category="Burglary")
    db.session.add(twin)
    db.session.commit()
    signed_in = browser(officer)
    url = f"/cases/{located_case.reference}/incidents/link"
    response = signed_in.post(url, data={"incident": cad.source_key})
    assert "enter the number shown on the incident" in response.get_data(as_text=True)
    assert signed_in.post(url, data={"incident": str(twin.id)}).status_code == 302
    assert _linked(located_case) == {twin.id}


# --- uploading a file ----------------------------------------------------------------------------

@pytest.fixture
def importer_user(make_user):
    return make_user("supervisor", name="Sam Supervisor")


def _signed_in(app, user) -> Browser:
    """A signed-in browser for tests that really commit. On SQLite every transaction takes the
    write lock, so the test's own session must hold none while a request runs, and no redirect
    may be followed (the first request's session lives until the whole call ends)."""
    email = user.email
    db.session.rollback()
    signed_in = Browser.__new__(Browser)
    signed_in.client, signed_in.user = app.test_client(), None
    assert login(signed_in.client, email).status_code == 302
    signed_in._token = csrf_token(signed_in.client, "/incidents/import")
    return signed_in


def _upload(signed_in, content: bytes, name: str = "march.csv", fmt: str = "cad",
            skip_invalid: bool = False, **kwargs):
    data = {"format": fmt, "file": (io.BytesIO(content), name)}
    if skip_invalid:
        data["skip_invalid"] = "y"
    return signed_in.post("/incidents/import", data=data, **kwargs)


def _uploads() -> list:
    folder = incident_service.uploads_dir()
    return sorted(folder.iterdir()) if folder.exists() else []


def _import(import_id: int) -> IncidentImport:
    db.session.expire_all()
    return db.session.get(IncidentImport, import_id)


@pytest.mark.committed
def test_upload_is_queued_after_commit_then_imported(app, importer_user, police,
                                                     queued_imports, queued_checks):
    db.session.commit()
    signed_in = _signed_in(app, importer_user)
    before = _uploads()
    response = _upload(signed_in, _csv(GOOD_CAD))
    assert response.status_code == 302, response.get_data(as_text=True)
    [(job_id, state_when_sent)] = queued_imports
    assert state_when_sent == "queued"  # the task went out after the commit
    assert response.headers["Location"].endswith(f"/incidents/import/{job_id}")
    job = _import(job_id)
    assert job.filename == "march.csv" and job.stored_path.startswith("uploads/")
    assert len(_uploads()) == len(before) + 1
    db.session.rollback()
    page = signed_in.get(f"/incidents/import/{job_id}").get_data(as_text=True)
    assert "Queued" in page and 'http-equiv="refresh"' in page

    assert import_incidents_file.run(job_id).startswith("3 imported")

    job = _import(job_id)
    assert (job.state, job.rows_total, job.rows_done, job.rows_imported) == ("done", 3, 3, 3)
    assert job.stored_path is None and _uploads() == before
    assert _count(Incident, Incident.import_id == job_id) == 3
    db.session.rollback()
    page = signed_in.get(f"/incidents/import/{job_id}").get_data(as_text=True)
    assert "Done" in page and 'http-equiv="refresh"' not in page
    assert 'data-testid="import-counts"' in page and "import-errors" not in page
    # The caller became a person whose flags are checked.
    assert any(queued_checks)
    db.session.rollback()

    # The same file again adds nothing.
    _upload(signed_in, _csv(GOOD_CAD))
    again_id = queued_imports[-1][0]
    import_incidents_file.run(again_id)
    again = _import(again_id)
    assert (again.rows_imported, again.rows_duplicate) == (0, 3)
    assert _count() == 3
    db.session.rollback()


BAD_CAD = GOOD_CAD + [
    "CAD-104,2026-13-01 21:30,Rowdy behaviour,yes,Somewhere,,,,,,,,",
    "CAD-105,2026-03-02 21:30,Rowdy behaviour,perhaps,Somewhere,,,,,,,,",
]


@pytest.mark.committed
def test_a_refused_upload_reports_each_bad_row_and_imports_nothing(app, importer_user,
                                                                   queued_imports):
    db.session.commit()
    signed_in = _signed_in(app, importer_user)
    _upload(signed_in, _csv(BAD_CAD))
    job_id = queued_imports[0][0]
    assert import_incidents_file.run(job_id).startswith("refused")
    job = _import(job_id)
    assert job.state == "failed" and job.stored_path is None
    assert [(e["line"], e["column"]) for e in job.errors] == [(5, "occurred_at"), (6, "is_asb")]
    assert _count() == 0 and _count(Person) == 0
    db.session.rollback()
    page = signed_in.get(f"/incidents/import/{job_id}").get_data(as_text=True)
    assert "Nothing was imported" in page and "2 rows have problems" in page
    assert 'data-testid="import-errors"' in page
    for text in (">5<", "occurred_at", "is not a date and time like", ">6<", "is_asb",
                 "&#39;perhaps&#39; is not yes or no"):
        assert text in page, text


@pytest.mark.committed
def test_skip_invalid_imports_the_good_rows_and_lists_the_bad(app, importer_user,
                                                              queued_imports):
    db.session.commit()
    signed_in = _signed_in(app, importer_user)
    _upload(signed_in, _csv(BAD_CAD), skip_invalid=True)
    job_id = queued_imports[0][0]
    import_incidents_file.run(job_id)
    job = _import(job_id)
    assert (job.state, job.rows_imported, len(job.errors)) == ("done", 3, 2)
    db.session.rollback()
    page = signed_in.get(f"/incidents/import/{job_id}").get_data(as_text=True)
    assert "Rows with problems (skipped)" in page and "is not yes or no" in page


@pytest.mark.committed
def test_a_lost_upload_fails_with_a_reason(app, importer_user, queued_imports):
    db.session.commit()
    _upload(_signed_in(app, importer_user), _csv(GOOD_CAD))
    job_id = queued_imports[0][0]
    (Path(current_app.instance_path) / _import(job_id).stored_path).unlink()
    db.session.rollback()
    assert import_incidents_file.run(job_id) == "nothing to import"
    job = _import(job_id)
    assert job.state == "failed" and "not found" in job.errors[0]["reason"]
    db.session.rollback()
    # A redelivered task does nothing more.
    assert import_incidents_file.run(job_id) == "nothing to import"


@pytest.mark.committed
@pytest.mark.skipif(not IS_POSTGRES, reason="SQLite has one writer: progress shows at the end")
def test_progress_is_committed_while_the_import_transaction_is_open(app, importer_user,
                                                                    queued_imports, monkeypatch):
    db.session.commit()
    rows = [CAD_HEADER] + [f"CAD-{n},2026-03-01 21:30,Noise,yes,Here,,,,,,,," for n in range(7)]
    _upload(_signed_in(app, importer_user), _csv(rows))
    job_id = queued_imports[0][0]
    monkeypatch.setattr(importer, "BATCH", 3)
    seen = []
    real_writer = incident_service.progress_writer

    def watching_writer(import_id):
        write = real_writer(import_id)

        def wrapped(done):
            write(done)
            with db.engine.connect() as other:  # what the status page would read now
                seen.append((done, other.scalar(sa.select(IncidentImport.rows_done).where(
                    IncidentImport.id == import_id)), other.scalar(
                    sa.select(sa.func.count()).select_from(Incident))))
        return wrapped

    monkeypatch.setattr(incident_service, "progress_writer", watching_writer)
    import_incidents_file.run(job_id)
    # Each batch's progress was visible at once, while its incidents were not yet.
    assert seen == [(3, 3, 0), (6, 6, 0), (7, 7, 0)]
    assert _count() == 7


def test_progress_is_reported_at_the_end_on_sqlite(app):
    if IS_POSTGRES:
        assert incident_service.progress_writer(1) is not None
    else:
        assert incident_service.progress_writer(1) is None


@pytest.mark.parametrize("content, name, fmt, message", [
    (None, None, "cad", "Select a CSV file"),
    (b"", "", "cad", "Select a CSV file"),
    (b"incident_ref\n", "march.txt", "cad", "The selected file must be a CSV file"),
    (b"", "empty.csv", "cad", "The selected file is empty"),
    (b"\r\n\r\n", "blank.csv", "cad", "The selected file is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "photo.csv", "cad",
     "it holds binary data"),
    (bytes(range(128, 256)) * 10, "junk.csv", "cad", "is not UTF-8 text"),
    ("Café,£5\n".encode("latin-1"), "excel.csv", "cad", "save it as CSV UTF-8"),
    (b"Month,Crime type\n2015-01,Burglary\n", "month.csv", "police-uk",
     "its first row has no Crime ID"),
    ("\n".join(GOOD_CAD).encode(), "march.csv", "police-uk", "is not a data.police.uk"),
    ("\n".join(GOOD_CAD).encode(), "march.csv", "excel", "Not a valid choice"),
])
def test_bad_uploads_are_form_errors(browser, importer_user, content, name, fmt, message,
                                     queued_imports):
    before = _uploads()
    data = {"format": fmt}
    if content is not None:
        data["file"] = (io.BytesIO(content), name)
    response = browser(importer_user).post("/incidents/import", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "govuk-error-summary" in html and message in html
    assert _count(IncidentImport) == 0 and queued_imports == []
    assert _uploads() == before


def test_a_utf8_file_with_a_bom_is_accepted(browser, importer_user, queued_imports):
    response = _upload(browser(importer_user), b"\xef\xbb\xbf" + _csv(GOOD_CAD))
    assert response.status_code == 302
    assert len(queued_imports) == 1


@pytest.mark.parametrize("role, kind, status", [
    ("supervisor", "police", 200), ("admin", "police", 200), ("officer", "police", 403),
    ("call_handler", "police", 403), ("partner", "local_authority", 403),
    ("admin", "local_authority", 403),
])
def test_who_may_upload(browser, make_user, make_org, role, kind, status):
    user = make_user(role, org=make_org(kind=kind))
    db.session.commit()
    assert browser(user).get("/incidents/import").status_code == status


def test_an_import_page_is_for_its_own_force_importers(browser, police, importer_user,
                                                       make_user, make_org):
    job = IncidentImport(filename="a.csv", format="cad", organisation_id=police.id,
                         created_by_id=importer_user.id, state="done")
    db.session.add(job)
    other = make_user("supervisor", org=make_org("Other Constabulary"))
    officer = make_user("officer")
    db.session.commit()
    assert browser(importer_user).get(f"/incidents/import/{job.id}").status_code == 200
    assert browser(other).get(f"/incidents/import/{job.id}").status_code == 404
    assert browser(officer).get(f"/incidents/import/{job.id}").status_code == 404


def test_a_running_import_shows_a_progress_bar(browser, police, importer_user):
    job = IncidentImport(filename="big.csv", format="police-uk", organisation_id=police.id,
                         created_by_id=importer_user.id, state="running", rows_total=5000,
                         rows_done=2000)
    db.session.add(job)
    db.session.commit()
    html = browser(importer_user).get(f"/incidents/import/{job.id}").get_data(as_text=True)
    assert '<progress id="import-progress" max="5000" value="2000"' in html
    assert "2,000 of 5,000 rows" in html and 'http-equiv="refresh" content="3"' in html


@pytest.mark.committed
@pytest.mark.worker
def test_a_real_worker_imports_an_upload(app, importer_user, police, celery_worker):
    db.session.commit()
    signed_in = _signed_in(app, importer_user)
    response = _upload(signed_in, _csv(GOOD_CAD))
    assert response.status_code == 302
    status_url = response.headers["Location"]
    deadline = time.monotonic() + 60
    page = ""
    while time.monotonic() < deadline:
        page = signed_in.get(status_url).get_data(as_text=True)
        if "Done" in page or "Not imported" in page:
            break
        time.sleep(0.3)
    assert "Done" in page, page
    assert _count() == 3
    db.session.rollback()


# --- a case's incidents: suggestions -------------------------------------------------------------

CASE_LAT, CASE_LON = 53.2300, -0.5400
M = queries.METRES_PER_DEGREE


def _north(metres: float) -> float:
    return CASE_LAT + metres / M


def _east(metres: float) -> float:
    return CASE_LON + metres / (M * math.cos(math.radians(CASE_LAT)))


@pytest.fixture
def located_case(make_case):
    case = make_case(latitude=CASE_LAT, longitude=CASE_LON)
    case.lsoa_code = "E01026100"
    db.session.flush()
    return case


def _suggested(case, **filters) -> set[int]:
    return {s.incident.id for s in queries.suggestions(
        case.owner, case, queries.SuggestionFilters(**filters))}


def test_suggestions_by_radius(located_case, police):
    at_240_north = _incident(police, lat=_north(240), lon=CASE_LON)
    at_200_east = _incident(police, lat=CASE_LAT, lon=_east(200))
    at_300 = _incident(police, lat=_north(300), lon=CASE_LON)
    assert _suggested(located_case) == {at_240_north.id, at_200_east.id}
    assert _suggested(located_case, radius=200) == {at_200_east.id}
    assert _suggested(located_case, radius=150) == set()
    assert _suggested(located_case, radius=301) == {at_240_north.id, at_200_east.id, at_300.id}
    distances = {s.incident.id: s.distance for s in queries.suggestions(located_case.owner,
        located_case, queries.SuggestionFilters())}
    assert distances[at_240_north.id] == pytest.approx(240, abs=0.01)
    assert distances[at_200_east.id] == pytest.approx(200, abs=0.01)


def test_suggestions_by_lsoa(located_case, police):
    same_lsoa_far = _incident(police, lat=53.5, lon=-0.1, lsoa="E01026100")
    same_lsoa_no_coordinates = _incident(police, lsoa="E01026100", source="police_uk")
    other_lsoa_far = _incident(police, lat=53.5, lon=-0.1, lsoa="E01026101")
    assert _suggested(located_case) == {same_lsoa_far.id, same_lsoa_no_coordinates.id}
    located_case.lsoa_code = None
    assert _suggested(located_case) == set()
    assert other_lsoa_far.id not in _suggested(located_case, radius=10_000)


def test_suggestions_by_period(located_case, police):
    now = utcnow()
    recent = _incident(police, lat=_north(50), lon=CASE_LON, when=now - timedelta(days=20))
    old = _incident(police, lat=_north(50), lon=CASE_LON, when=now - timedelta(days=500))
    assert _suggested(located_case) == {recent.id}
    a_while_ago = today() - timedelta(days=600)
    assert _suggested(located_case, date_from=a_while_ago) == {recent.id, old.id}
    assert _suggested(located_case, date_from=a_while_ago,
                      date_to=today() - timedelta(days=100)) == {old.id}
    # A data.police.uk row is dated to the first of its month: the month overlapping the period
    # counts.
    start = today() - timedelta(days=40)
    first_of_month = datetime(start.year, start.month, 1, tzinfo=local_zone()).astimezone(UTC)
    monthly = _incident(police, lsoa="E01026100", source="police_uk", precision="month",
                        when=first_of_month)
    exact_before = _incident(police, lsoa="E01026100",
                             when=first_of_month - timedelta(hours=1) if start.day > 1 else
                             first_of_month - timedelta(days=1))
    found = _suggested(located_case, date_from=start)
    assert monthly.id in found and exact_before.id not in found


def test_suggestions_leave_out_other_forces_linked_and_non_asb_on_request(located_case, police,
                                                                          make_org):
    other = _incident(make_org("Other Constabulary"), lat=_north(10), lon=CASE_LON,
                      lsoa="E01026100")
    linked = _incident(police, lat=_north(10), lon=CASE_LON)
    db.session.add(CaseIncident(case_id=located_case.id, incident_id=linked.id,
                                created_by_id=located_case.owner_id))
    theft = _incident(police, lat=_north(10), lon=CASE_LON, asb=False, category="Theft")
    asb = _incident(police, lat=_north(20), lon=CASE_LON)
    assert _suggested(located_case) == {theft.id, asb.id}
    assert _suggested(located_case, is_asb_only=True) == {asb.id}
    assert other.id not in _suggested(located_case, radius=10_000)


def test_suggestions_are_capped_nearest_first(located_case, police, monkeypatch):
    monkeypatch.setattr(queries, "SUGGESTION_LIMIT", 3)
    ids = [_incident(police, lat=_north(10 * n), lon=CASE_LON).id for n in (5, 1, 4, 2, 3)]
    found = [s.incident.id for s in queries.suggestions(located_case.owner, located_case,
                                                        queries.SuggestionFilters())]
    assert found == [ids[1], ids[3], ids[4]]


def test_the_suggestion_filters_on_the_page(browser, officer, located_case, police):
    near = _incident(police, lat=_north(240), lon=CASE_LON)
    db.session.commit()
    url = f"/cases/{located_case.reference}/incidents"
    signed_in = browser(officer)
    html = signed_in.get(url).get_data(as_text=True)
    assert f'data-testid="suggestion-{near.id}"' in html and "240 m" in html
    html = signed_in.get(url + "?radius=200").get_data(as_text=True)
    assert f'data-testid="suggestion-{near.id}"' not in html
    assert 'data-testid="no-suggestions"' in html
    # A bad filter is reported and ignored, never a 500.
    response = signed_in.get(url + "?radius=lots&date_from=99&date_from=1&date_from=2026")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Some filters were not valid" in html and f"suggestion-{near.id}" in html


def test_a_case_without_a_location_gets_no_suggestions(browser, officer, make_case, police):
    case = make_case()
    _incident(police, lat=CASE_LAT, lon=CASE_LON)
    db.session.commit()
    html = browser(officer).get(f"/cases/{case.reference}/incidents").get_data(as_text=True)
    assert "no incidents can be suggested" in html


# --- linking and unlinking -----------------------------------------------------------------------

@pytest.fixture
def sharing_world(located_case, police, make_org, make_user):
    council = make_org("District Council", kind="local_authority")
    housing = make_org("Riverside Housing", kind="housing")
    probation = make_org("Probation Service", kind="probation")
    owner = located_case.owner
    sharing.share_with_organisation(located_case, owner, council, "view")
    sharing.share_with_organisation(located_case, owner, housing, "contribute")
    users = {
        "owner": owner,
        "partner_view": make_user("partner", org=council),
        "partner_contribute": make_user("partner", org=housing),
        "partner_no_share": make_user("partner", org=probation),
    }
    return users


def _linked(case) -> set[int]:
    return set(db.session.scalars(sa.select(CaseIncident.incident_id)
                                  .where(CaseIncident.case_id == case.id)))


def test_linking_by_hand_by_number_or_source_reference(browser, officer, located_case, police,
                                                       make_org, queued_checks):
    victim = _person(police)
    by_ref = _incident(police, person=victim)
    by_number = _incident(police)
    foreign = _incident(make_org("Other Constabulary"))
    db.session.commit()
    signed_in = browser(officer)
    url = f"/cases/{located_case.reference}/incidents/link"
    response = signed_in.post(url, data={"incident": by_ref.source_key})
    assert response.status_code == 302
    assert {victim.id} in queued_checks
    assert signed_in.post(url, data={"incident": str(by_number.id)}).status_code == 302
    assert _linked(located_case) == {by_ref.id, by_number.id}
    # Again: nothing new.
    assert signed_in.post(url, data={"incident": by_ref.source_key}).status_code == 302
    for text in (foreign.source_key, str(foreign.id), "NOPE-1"):
        response = signed_in.post(url, data={"incident": text})
        assert response.status_code == 200
        assert "has no incident with that number or reference" in response.get_data(as_text=True)
    assert _linked(located_case) == {by_ref.id, by_number.id}
    page = signed_in.get(f"/cases/{located_case.reference}/incidents").get_data(as_text=True)
    assert f'data-testid="linked-{by_ref.id}"' in page
    timeline = signed_in.get(f"/cases/{located_case.reference}/timeline").get_data(as_text=True)
    assert f"Linked incident {by_ref.source_key}" in timeline


def test_linking_selected_suggestions(browser, officer, located_case, police, make_org):
    first = _incident(police, lat=_north(10), lon=CASE_LON)
    second = _incident(police, lat=_north(20), lon=CASE_LON)
    foreign = _incident(make_org("Other Constabulary"), lat=_north(10), lon=CASE_LON)
    db.session.commit()
    signed_in = browser(officer)
    url = f"/cases/{located_case.reference}/incidents/link-selected?radius=300"
    response = signed_in.post(url, data={"incident_id": [str(first.id), str(second.id),
                                                         str(foreign.id)]})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/cases/{located_case.reference}/incidents?radius=300")
    assert _linked(located_case) == {first.id, second.id}
    page = signed_in.get(f"/cases/{located_case.reference}/incidents").get_data(as_text=True)
    assert f'data-testid="suggestion-{first.id}"' not in page  # linked, so no longer suggested
    assert signed_in.post(url, data={"incident_id": "abc"}).status_code == 302
    assert signed_in.post(url, data={}).status_code == 302
    assert _linked(located_case) == {first.id, second.id}


def test_unlinking(browser, officer, located_case, police, queued_checks):
    victim = _person(police)
    incident = _incident(police, person=victim)
    db.session.add(CaseIncident(case_id=located_case.id, incident_id=incident.id,
                                created_by_id=officer.id))
    db.session.commit()
    signed_in = browser(officer)
    url = f"/cases/{located_case.reference}/incidents/unlink"
    assert signed_in.post(url, data={"incident_id": str(incident.id)}).status_code == 302
    assert _linked(located_case) == set()
    assert {victim.id} in queued_checks
    assert _count(Incident) == 1  # the incident itself stays
    response = signed_in.post(url, data={"incident_id": str(incident.id)}, follow_redirects=True)
    assert "That incident is not linked to this case" in response.get_data(as_text=True)
    assert signed_in.post(url, data={"incident_id": "x"}).status_code == 400
    timeline = signed_in.get(f"/cases/{located_case.reference}/timeline").get_data(as_text=True)
    assert f"Unlinked incident {incident.source_key}" in timeline


def test_who_may_see_link_and_unlink(browser, located_case, police, sharing_world):
    cad = _incident(police, lat=_north(10), lon=CASE_LON, location="12 Ermine Road")
    public = _incident(police, lat=_north(10), lon=CASE_LON, source="police_uk",
                       location="On or near Ermine Road")
    spare = _incident(police, lat=_north(20), lon=CASE_LON)
    for incident in (cad, public):
        db.session.add(CaseIncident(case_id=located_case.id, incident_id=incident.id,
                                    created_by_id=located_case.owner_id))
    db.session.commit()
    ref = located_case.reference
    page_url = f"/cases/{ref}/incidents"
    writes = [(f"/cases/{ref}/incidents/link", {"incident": spare.source_key}),
              (f"/cases/{ref}/incidents/link-selected", {"incident_id": str(spare.id)}),
              (f"/cases/{ref}/incidents/unlink", {"incident_id": str(cad.id)})]

    viewer = browser(sharing_world["partner_view"])
    html = viewer.get(page_url).get_data(as_text=True)
    assert viewer.get(page_url).status_code == 200
    assert f'data-testid="linked-{cad.id}"' in html
    assert "Unlink" not in html and "Incidents nearby" not in html
    # A partner sees no caller's address unless personal details are shared, and cannot open
    # the incident's own page.
    assert "12 Ermine Road" not in html and "On or near Ermine Road" in html
    assert f"/incidents/{cad.id}" not in html
    for url, data in writes:
        assert viewer.post(url, data=data).status_code == 403, url

    stranger = browser(sharing_world["partner_no_share"])
    assert stranger.get(page_url).status_code == 404
    for url, data in writes:
        assert stranger.post(url, data=data).status_code == 404, url
    assert _linked(located_case) == {cad.id, public.id}

    # A contributing partner edits the analysis, but sees no incident of the force beyond those
    # already linked: nothing to link, nothing suggested, and no door to open by number.
    contributor = browser(sharing_world["partner_contribute"])
    html = contributor.get(page_url).get_data(as_text=True)
    assert f'data-testid="suggestion-{spare.id}"' not in html and "Incidents nearby" not in html
    for url, data in writes:
        assert contributor.post(url, data=data).status_code == 403, url
    assert _linked(located_case) == {cad.id, public.id}

    owner = browser(sharing_world["owner"]).get(page_url).get_data(as_text=True)
    assert f"/incidents/{public.id}" in owner


def test_a_contributing_partner_cannot_link_the_forces_incidents_to_read_them(
        browser, located_case, police, sharing_world, make_org, make_user):
    """The attack: link any incident of the force into a shared case by its number, then read its
    address, victim and category on the case. Nothing is linked, by any route, and the incident
    never shows on the case."""
    victim = _person(police, name="Hidden Victim")
    secret = _incident(police, person=victim, location="9 Secret Lane", category="Burglary",
                       lat=_north(10), lon=CASE_LON)
    other_force = make_org("Other Constabulary")
    alliance_officer = make_user("officer", org=other_force)
    sharing.share_with_user(located_case, located_case.owner, alliance_officer.email,
                            "contribute")
    db.session.commit()
    ref = located_case.reference
    attempts = [(f"/cases/{ref}/incidents/link", {"incident": str(secret.id)}),
                (f"/cases/{ref}/incidents/link", {"incident": secret.source_key}),
                (f"/cases/{ref}/incidents/link-selected", {"incident_id": str(secret.id)})]
    for actor in (sharing_world["partner_contribute"], alliance_officer):
        signed_in = browser(actor)
        for url, data in attempts:
            assert signed_in.post(url, data=data).status_code == 403, (actor.email, url, data)
        page = signed_in.get(f"/cases/{ref}/incidents").get_data(as_text=True)
        for leak in ("9 Secret Lane", "Hidden Victim", secret.source_key, "Burglary"):
            assert leak not in page, leak
    assert _linked(located_case) == set()


def test_an_incident_outside_the_officers_scope_is_as_missing_as_none(browser, officer,
                                                                     located_case, make_org):
    foreign = _incident(make_org("Other Constabulary"), lat=_north(10), lon=CASE_LON)
    db.session.commit()
    signed_in = browser(officer)
    url = f"/cases/{located_case.reference}/incidents/link"
    answers = {text: signed_in.post(url, data={"incident": text}) for text in
               (str(foreign.id), foreign.source_key, "999999999", "99999999999999999999999")}
    assert {r.status_code for r in answers.values()} == {200}
    messages = {text: "has no incident with that number or reference" in r.get_data(as_text=True)
                for text, r in answers.items()}
    assert all(messages.values()), messages
    selected = signed_in.post(f"/cases/{located_case.reference}/incidents/link-selected",
                              data={"incident_id": [str(foreign.id), "99999999999999999999"]},
                              follow_redirects=True)
    assert selected.status_code == 200 and "Select the incidents to link" in selected.get_data(
        as_text=True)
    assert _linked(located_case) == set()


def test_a_closed_case_cannot_be_linked(browser, officer, located_case, police):
    incident = _incident(police)
    located_case.status = "closed"
    db.session.commit()
    response = browser(officer).post(f"/cases/{located_case.reference}/incidents/link",
                                     data={"incident": incident.source_key})
    assert response.status_code == 403
