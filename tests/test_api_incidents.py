"""Incidents over the JSON API: recording one (with the people involved, whose flag checks are
queued after the commit), reading it back, and CSV imports run by the worker."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from sara.audit.models import AuditEvent
from sara.core.references import person_reference
from sara.core.types import utcnow
from sara.extensions import db
from sara.incidents import service as incident_service
from sara.incidents.models import Incident, IncidentImport, IncidentPerson
from sara.people import matching
from sara.people.models import Person
from tests.conftest import intercept_task, seen_by_another_process
from worker.tasks import import_incidents_file

CAD_HEADER = ("incident_ref,occurred_at,category,is_asb,location,postcode,latitude,longitude,"
              "caller_name,caller_phone,caller_address,caller_dob,description")
GOOD_CAD = [
    CAD_HEADER,
    "CAD-201,2026-03-01 21:30,Rowdy behaviour,yes,Ermine parade,LN2 2AB,53.25,-0.53,"
    "Ann Smith,07700 900123,\"12 Ermine Road, Lincoln\",1950-04-02,Youths shouting",
    "CAD-202,2026-03-08 22:10,Rowdy behaviour,yes,Ermine parade,LN2 2AB,,,,,,,Again",
    "CAD-203,2026-03-09 20:00,Criminal damage,no,Shop,LN2 2AC,,,,,,,Window",
]
BAD_CAD = GOOD_CAD + ["CAD-204,2026-13-01 21:30,Rowdy behaviour,yes,Somewhere,,,,,,,,"]


def _csv(lines) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.fixture
def person(police):
    person = Person(reference=person_reference(), organisation_id=police.id, name="Ann Smith")
    matching.fill_keys(person)
    db.session.add(person)
    db.session.flush()
    return person


@pytest.fixture
def sent_checks(app, monkeypatch, request):
    """The people whose flag checks went to the worker, each with whether a fresh connection
    (another process) could already see the new incident's people then."""
    sent = []

    def delay(person_ids):
        visible = None
        if request.node.get_closest_marker("committed"):
            visible = seen_by_another_process(sa.select(sa.func.count()).select_from(
                IncidentPerson).where(IncidentPerson.person_id.in_(person_ids)))
        sent.append((set(person_ids), visible))

    intercept_task(app, monkeypatch, "check_people", delay)
    return sent


@pytest.fixture
def queued_imports(app, monkeypatch, request):
    """Import ids sent to the worker, with the state another process saw when it was sent."""
    sent = []

    def delay(import_id):
        state = None
        if request.node.get_closest_marker("committed"):
            state = seen_by_another_process(sa.select(IncidentImport.state)
                                            .where(IncidentImport.id == import_id))
        sent.append((import_id, state))

    intercept_task(app, monkeypatch, "import_incidents_file", delay)
    return sent


INCIDENT = {
    "occurred_at": "2026-03-14T21:30:00+00:00", "category": "Rowdy behaviour", "is_asb": True,
    "location": "Ermine parade shops", "postcode": "ln2 2ab", "latitude": 53.2501,
    "longitude": -0.5302, "description": "Youths shouting",
}


def _count(model=Incident, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


# --- recording one -------------------------------------------------------------------------------

@pytest.mark.committed
def test_recording_an_incident_with_a_person_checks_them_after_the_commit(api, officer, person,
                                                                         sent_checks):
    db.session.commit()
    reference, person_id = person.reference, person.id
    client = api(officer)  # commits: on SQLite, the test must not hold the write lock now
    response = client("POST", "/api/v1/incidents", json={
        **INCIDENT, "source_reference": "CAD-9001",
        "people": [{"reference": reference.lower(), "role": "victim"}]})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    incident = db.session.get(Incident, body["id"])
    assert response.headers["Location"].endswith(f"/api/v1/incidents/{incident.id}")
    assert (incident.source, incident.source_key) == ("api", "CAD-9001")
    assert incident.occurred_dt == datetime(2026, 3, 14, 21, 30, tzinfo=UTC)
    assert incident.is_asb and incident.postcode == "LN2 2AB"
    assert body["people"] == [{"reference": reference, "name": "Ann Smith", "role": "victim",
                              "caller_type": "public"}]
    # The check went to the worker once the incident was committed, so the worker can see it.
    assert sent_checks == [({person_id}, 1)]
    assert db.session.scalar(sa.select(AuditEvent.summary).where(
        AuditEvent.record_type == "incident", AuditEvent.user_id == officer.id)) == \
        "Recorded incident CAD-9001 (Rowdy behaviour)"
    db.session.rollback()


def test_an_incident_without_a_reference_is_numbered_and_read_back(api, officer, make_user,
                                                                   sent_checks):
    handler = make_user("call_handler")
    created = api(handler)("POST", "/api/v1/incidents", json={
        **INCIDENT, "occurred_at": "2026-03-14T21:30", "postcode": None})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["reference"].startswith("SARA-") and body["source"] == "api"
    # Without an offset it is UK time: 21:30 in March is 21:30 UTC.
    assert body["occurred_at"].startswith("2026-03-14T21:30:00")
    assert sent_checks == []  # no one involved, nothing to check

    read = api(officer)("GET", created.headers["Location"])
    assert read.status_code == 200
    assert read.get_json()["category"] == "Rowdy behaviour"
    assert read.get_json()["people"] == [] and read.get_json()["cases"] == []
    assert db.session.scalar(sa.select(AuditEvent.summary).where(
        AuditEvent.action == "consultation", AuditEvent.user_id == officer.id)) == \
        f"Viewed incident {body['reference']}"


def test_reading_an_incident_with_people_is_audited_per_person(api, officer, person, make_user,
                                                               make_org):
    incident = Incident(source="form", source_key="F-1", organisation_id=person.organisation_id,
                        occurred_dt=utcnow() - timedelta(days=1), category="Noise", is_asb=True)
    db.session.add(incident)
    db.session.flush()
    db.session.add(IncidentPerson(incident_id=incident.id, person_id=person.id, role="reporter",
                                  occurred_dt=incident.occurred_dt, is_asb=True))
    db.session.commit()
    body = api(officer)("GET", f"/api/v1/incidents/{incident.id}").get_json()
    assert body["people"][0]["reference"] == person.reference
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.record_type == "person", AuditEvent.record_ref == person.reference)) == 1
    # Another force's officer cannot see it; an admin sees it without the people.
    other = make_user("officer", org=make_org("Other Constabulary"))
    assert api(other)("GET", f"/api/v1/incidents/{incident.id}").status_code == 404
    admin = api(make_user("admin"))("GET", f"/api/v1/incidents/{incident.id}").get_json()
    assert "people" not in admin


@pytest.mark.parametrize("change, field", [
    ({"occurred_at": None}, "occurred_at"),
    ({"occurred_at": "yesterday"}, "occurred_at"),
    ({"occurred_at": "0001-01-01T00:00:00+14:00"}, "occurred_at"),
    ({"occurred_at": (datetime.now(UTC) + timedelta(days=2)).isoformat()}, "occurred_at"),
    ({"category": ""}, "category"),
    ({"category": "x" * 81}, "category"),
    ({"category": "bell\x07"}, "category"),
    ({"is_asb": "yes"}, "is_asb"),
    ({"location": None}, "location"),
    ({"postcode": "NOT A CODE"}, "postcode"),
    ({"latitude": 91}, "latitude"),
    ({"longitude": None}, "longitude"),
    ({"latitude": "north"}, "latitude"),
    ({"people": [{"reference": "PN-999999", "role": "victim"}]}, "people[0].reference"),
    ({"people": [{"reference": "Ann", "role": "victim"}]}, "people[0].reference"),
    ({"people": [{"reference": "PN-1", "role": "bystander"}]}, "people[0].role"),
    ({"people": "everyone"}, "people"),
    ({"source_reference": "SARA-0000001"}, "source_reference"),
    ({"weather": "rain"}, "weather"),
])
def test_bad_incidents_are_422_and_record_nothing(api, officer, change, field, sent_checks):
    response = api(officer)("POST", "/api/v1/incidents", json={**INCIDENT, **change})
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert field in [p["name"] for p in response.get_json()["invalid_params"]]
    assert _count() == 0 and sent_checks == []


def test_the_same_source_reference_twice_is_a_conflict(api, officer):
    first = api(officer)("POST", "/api/v1/incidents", json={**INCIDENT, "source_reference": "X1"})
    assert first.status_code == 201
    again = api(officer)("POST", "/api/v1/incidents", json={**INCIDENT, "source_reference": "X1"})
    assert again.status_code == 409
    assert _count() == 1


@pytest.mark.parametrize("role, kind", [("partner", "local_authority"), ("admin", "police"),
                                        ("officer", "housing")])
def test_who_may_not_record_incidents(api, make_user, make_org, role, kind):
    user = make_user(role, org=make_org(kind=kind))
    response = api(user)("POST", "/api/v1/incidents", json=INCIDENT)
    assert response.status_code == 403 and response.mimetype == "application/problem+json"
    assert _count() == 0


# --- importing a file ----------------------------------------------------------------------------

@pytest.fixture
def importer_user(make_user):
    return make_user("supervisor", name="Ivy Importer")


def _uploads() -> list:
    folder = incident_service.uploads_dir()
    return sorted(folder.iterdir()) if folder.exists() else []


def _post_csv(client, content: bytes, query="?format=cad", **kwargs):
    return client("POST", "/api/v1/incidents/imports" + query, data=content,
                  content_type=kwargs.pop("content_type", "text/csv"), **kwargs)


@pytest.mark.committed
def test_a_csv_body_is_queued_after_commit_then_imported(api, importer_user, queued_imports):
    db.session.commit()
    client = api(importer_user)
    response = _post_csv(client, _csv(GOOD_CAD), "?format=cad&filename=march.csv")
    assert response.status_code == 202, response.get_json()
    [(job_id, state_when_sent)] = queued_imports
    assert state_when_sent == "queued"  # sent after the commit: the worker will find the row
    location = response.headers["Location"]
    assert location.endswith(f"/api/v1/incidents/imports/{job_id}")
    assert response.get_json()["state"] == "queued"
    assert response.get_json()["filename"] == "march.csv"

    assert import_incidents_file.run(job_id).startswith("3 imported")
    db.session.rollback()
    status = client("GET", location).get_json()
    assert (status["state"], status["imported"], status["duplicates"], status["errors"]) == \
        ("done", 3, 0, [])
    assert _count() == 3
    assert db.session.scalar(sa.select(AuditEvent.summary).where(
        AuditEvent.record_ref == f"import:{job_id}")) == "Uploaded march.csv (cad) for import"
    db.session.rollback()


@pytest.mark.committed
def test_bad_rows_are_reported_by_the_import_as_on_the_web(api, importer_user, queued_imports):
    db.session.commit()
    client = api(importer_user)
    response = client("POST", "/api/v1/incidents/imports", data={
        "format": "cad", "file": (io.BytesIO(_csv(BAD_CAD)), "bad.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 202, response.get_json()
    job_id = queued_imports[0][0]
    assert import_incidents_file.run(job_id).startswith("refused")
    db.session.rollback()
    status = client("GET", response.headers["Location"]).get_json()
    assert status["state"] == "failed" and status["filename"] == "bad.csv"
    assert [(e["line"], e["column"]) for e in status["errors"]] == [(5, "occurred_at")]
    assert status["invalid"] == 1 and status["imported"] == 0
    assert _count() == 0
    db.session.rollback()


@pytest.mark.parametrize("content, query, content_type, status, field", [
    (b"", "?format=cad", "text/csv", 422, "body"),
    (b"\r\n\r\n", "?format=cad", "text/csv", 422, "body"),
    (b"Month,Crime type\n2015-01,Burglary\n", "?format=police-uk", "text/csv", 422, "body"),
    (b"\x00\x01binary", "?format=cad", "text/csv", 422, "body"),
    (_csv(GOOD_CAD), "", "text/csv", 422, "format"),
    (_csv(GOOD_CAD), "?format=excel", "text/csv", 422, "format"),
    (_csv(GOOD_CAD), "?format=cad&skip_invalid=maybe", "text/csv", 422, "skip_invalid"),
    (_csv(GOOD_CAD), "?format=cad&filename=march.txt", "text/csv", 422, "body"),
    (b'{"rows": []}', "?format=cad", "application/json", 415, None),
])
def test_a_bad_upload_is_a_problem_at_once(api, importer_user, queued_imports, content, query,
                                           content_type, status, field):
    before = _uploads()
    response = _post_csv(api(importer_user), content, query, content_type=content_type)
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    if field:
        assert field in [p["name"] for p in response.get_json()["invalid_params"]]
    assert _count(IncidentImport) == 0 and queued_imports == []
    assert _uploads() == before


def test_a_multipart_form_without_a_file_is_a_problem(api, importer_user, queued_imports):
    response = api(importer_user)("POST", "/api/v1/incidents/imports",
                                  data={"format": "cad"}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.get_json()["invalid_params"][0]["name"] == "file"


def test_an_oversized_file_is_refused(app, api, importer_user, queued_imports, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    response = _post_csv(api(importer_user), _csv(GOOD_CAD * 20))
    assert response.status_code == 413 and response.mimetype == "application/problem+json"
    assert _count(IncidentImport) == 0 and queued_imports == []


def test_who_may_import_and_see_an_import(api, police, importer_user, make_user, make_org,
                                         queued_imports):
    for role in ("officer", "call_handler"):
        response = _post_csv(api(make_user(role)), _csv(GOOD_CAD))
        assert response.status_code == 403
    job = IncidentImport(filename="a.csv", format="cad", organisation_id=police.id,
                         created_by_id=importer_user.id, state="done")
    db.session.add(job)
    db.session.commit()
    path = f"/api/v1/incidents/imports/{job.id}"
    assert api(importer_user)("GET", path).status_code == 200
    assert api(make_user("admin"))("GET", path).status_code == 200
    other = make_user("supervisor", org=make_org("Other Constabulary"))
    assert api(other)("GET", path).status_code == 404
    assert api(make_user("officer"))("GET", path).status_code == 404
    huge = api(importer_user)
    assert huge("GET", f"/api/v1/incidents/imports/{2**40}").status_code == 404
    assert huge("GET", f"/api/v1/incidents/{2**70}").status_code == 404


@pytest.mark.committed
@pytest.mark.worker
def test_a_real_worker_imports_an_api_upload(api, importer_user, celery_worker):
    db.session.commit()
    client = api(importer_user)
    response = _post_csv(client, _csv(GOOD_CAD))
    assert response.status_code == 202
    deadline = time.monotonic() + 60
    status = {}
    while time.monotonic() < deadline:
        status = client("GET", response.headers["Location"]).get_json()
        if status["state"] in ("done", "failed"):
            break
        time.sleep(0.3)
    assert status["state"] == "done", status
    assert (status["imported"], status["rows_total"]) == (3, 3)
    assert _count() == 3
    db.session.rollback()


# --- a case's incidents ------------------------------------------------------------------------

def _force_incident(org, key, location="9 Secret Lane", person=None) -> Incident:
    incident = Incident(source="cad", source_key=key, organisation_id=org.id,
                        occurred_dt=utcnow() - timedelta(days=3), category="Burglary",
                        is_asb=False, location_text=location, description="Back door forced")
    db.session.add(incident)
    db.session.flush()
    if person is not None:
        db.session.add(IncidentPerson(incident_id=incident.id, person_id=person.id,
                                      role="victim", occurred_dt=incident.occurred_dt))
    return incident


def _case_links(case) -> set[int]:
    from sara.incidents.models import CaseIncident

    return set(db.session.scalars(sa.select(CaseIncident.incident_id)
                                  .where(CaseIncident.case_id == case.id)))


def test_an_officer_links_incidents_by_number_or_reference(api, officer, make_case, police,
                                                          make_org, person, sent_checks):
    case = make_case()
    by_number = _force_incident(police, "CAD-301", person=person)
    by_ref = _force_incident(police, "CAD-302")
    foreign = _force_incident(make_org("Other Constabulary"), "CAD-303")
    db.session.commit()
    client = api(officer)
    url = f"/api/v1/cases/{case.reference}/incidents"
    response = client.post(url, json={"incidents": [by_number.id, "CAD-302"]})
    assert response.status_code == 200, response.get_json()
    assert {i["reference"] for i in response.get_json()["items"]} == {"CAD-301", "CAD-302"}
    assert _case_links(case) == {by_number.id, by_ref.id}
    # Another force's incident, by number or reference, is the same 404 as one that does not
    # exist, and nothing of the request is linked.
    spare = _force_incident(police, "CAD-304")
    db.session.commit()
    answers = [client.post(url, json={"incidents": [spare.id, wanted]})
               for wanted in (foreign.id, "CAD-303", 987654321, "NOPE-1", 2**70, "x\x00y")]
    assert [a.status_code for a in answers] == [404] * 6
    assert all(a.content_type == "application/problem+json" for a in answers)
    assert _case_links(case) == {by_number.id, by_ref.id}
    listed = client.get(url).get_json()
    assert listed["total"] == 2 and listed["items"][0]["location"] == "9 Secret Lane"
    for bad in ({}, {"incidents": []}, {"incidents": [True]}, {"incidents": "CAD-301"},
                {"incidents": [1], "extra": 1}):
        assert client.post(url, json=bad).status_code in (400, 422), bad


def test_a_contributing_partner_cannot_link_or_read_the_forces_incidents(
        api, officer, make_case, police, make_org, make_user, person):
    from sara.partners import service as sharing

    case = make_case()
    housing = make_org("Riverside Housing", kind="housing")
    partner = make_user("partner", org=housing)
    sharing.share_with_organisation(case, officer, housing, "contribute")
    linked = _force_incident(police, "CAD-310", location="1 Known Street")
    secret = _force_incident(police, "CAD-311", person=person)
    from sara.incidents.models import CaseIncident

    db.session.add(CaseIncident(case_id=case.id, incident_id=linked.id, created_by_id=officer.id))
    db.session.commit()
    client = api(partner)
    url = f"/api/v1/cases/{case.reference}/incidents"
    for wanted in (secret.id, "CAD-311"):
        response = client.post(url, json={"incidents": [wanted]})
        assert response.status_code == 403
    assert _case_links(case) == {linked.id}
    assert client.get(f"/api/v1/incidents/{secret.id}").status_code == 404
    body = client.get(url).get_json()
    assert [i["reference"] for i in body["items"]] == ["CAD-310"]
    # Personal details are withheld from partners by default: no caller's address, and no
    # link to an incident page they may not open.
    assert body["items"][0]["location"] == "" and body["items"][0]["links"] == {}
    text = client.get(url).get_data(as_text=True)
    assert "Ann Smith" not in text and "CAD-311" not in text
    # A case they may not see at all is a 404.
    unshared = make_case()
    db.session.commit()
    assert client.get(f"/api/v1/cases/{unshared.reference}/incidents").status_code == 404
    assert client.post(f"/api/v1/cases/{unshared.reference}/incidents",
                       json={"incidents": [secret.id]}).status_code == 404
