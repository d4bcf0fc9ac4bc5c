"""Every force keeps its own incidents: a source's reference is unique within one organisation,
not across them; and a data.police.uk crime published again with another crime type is the
same crime, reclassified."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from sara.extensions import db
from sara.incidents import importer
from sara.incidents import service as incident_service
from sara.incidents.models import Incident, IncidentImport, IncidentPerson
from sara.people.models import Person
from tests.test_incidents import _signed_in
from worker.tasks import import_incidents_file

POLICE_UK = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
             "LSOA name,Crime type,Last outcome category,Context")
CAD = ("incident_ref,occurred_at,category,is_asb,location,postcode,latitude,longitude,"
       "caller_name,caller_phone,caller_address,caller_dob,description")
CAD_ROWS = [
    "CAD-101,2026-03-01 21:30,Rowdy behaviour,yes,Ermine parade,LN2 2AB,,,"
    "Ann Smith,07700 900123,\"12 Ermine Road, Lincoln\",1950-04-02,Youths shouting",
    "CAD-102,2026-03-08 22:10,Rowdy behaviour,yes,Ermine parade,LN2 2AB,,,"
    "Ann Smith,07700 900123,\"12 Ermine Road, Lincoln\",1950-04-02,Again",
]
CRIME = "4f1e9c0d2b7a"


def _file(tmp_path, name: str, header: str, rows: list[str]):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def _crime(month: str, crime_type: str, outcome: str = "Under investigation") -> str:
    return (f"{CRIME},{month},Lincolnshire Police,Lincolnshire Police,-0.55,53.22,On or near Park,"
            f"E01026101,Lincoln 001B,{crime_type},{outcome},")


def _incidents(org) -> list[Incident]:
    return list(db.session.scalars(sa.select(Incident).where(
        Incident.organisation_id == org.id).order_by(Incident.source_key)))


@pytest.fixture
def two_forces(police, make_org):
    return police, make_org("Humberside Police")


# --- per-force natural keys -----------------------------------------------------------------

def test_a_second_force_importing_the_same_cad_references_stores_its_own_incidents(
        tmp_path, two_forces):
    first, second = two_forces
    path = _file(tmp_path, "cad.csv", CAD, CAD_ROWS)
    mine = importer.import_file(path, "cad", first.id)
    theirs = importer.import_file(path, "cad", second.id)
    assert (mine.imported, mine.duplicates) == (2, 0)
    assert (theirs.imported, theirs.duplicates) == (2, 0)
    assert [i.source_key for i in _incidents(second)] == ["CAD-101", "CAD-102"]
    # Each force's caller is a person of that force, with both calls: a repeat caller in each.
    for force in two_forces:
        [person] = db.session.scalars(sa.select(Person).where(Person.organisation_id == force.id))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(IncidentPerson).where(
            IncidentPerson.person_id == person.id)) == 2
    again = importer.import_file(path, "cad", second.id)
    assert (again.imported, again.duplicates) == (0, 2)


def test_a_second_force_importing_the_same_police_uk_crime_ids_stores_them(tmp_path, two_forces):
    first, second = two_forces
    path = _file(tmp_path, "june.csv", POLICE_UK, [_crime("2026-01", "Burglary")])
    assert importer.import_file(path, "police-uk", first.id).imported == 1
    assert importer.import_file(path, "police-uk", second.id).imported == 1
    assert len(_incidents(first)) == len(_incidents(second)) == 1


def test_the_api_refuses_a_reference_twice_in_one_force_but_not_one_another_force_holds(
        api, make_user, two_forces):
    first, second = two_forces
    body = {"source_reference": "CC-2026-001", "category": "Rowdy behaviour", "is_asb": True,
            "occurred_at": "2026-03-01T21:30:00Z", "location": "Ermine parade"}
    mine = api(make_user("officer", org=first))
    theirs = api(make_user("officer", org=second))
    assert mine("POST", "/api/v1/incidents", json=body).status_code == 201
    answer = theirs("POST", "/api/v1/incidents", json=body)
    assert answer.status_code == 201, answer.get_json()
    # Within one force it is still a conflict, and the message says nothing of other forces.
    again = theirs("POST", "/api/v1/incidents", json=body)
    assert again.status_code == 409
    assert "This force has recorded" in again.get_json()["detail"]


def test_the_service_refuses_a_reference_this_force_holds_with_a_message_for_the_field(
        police, officer):
    values = {"source_key": "CC-1", "category": "Rowdy behaviour", "is_asb": True,
              "location_text": "Park", "occurred_dt": incident_service.utcnow()}
    incident_service.record_incident(police, officer, dict(values))
    with pytest.raises(incident_service.DuplicateIncident) as error:
        incident_service.record_incident(police, officer, dict(values))
    assert error.value.field == "source_key"


# --- a crime published again with another crime type ------------------------------------------

def test_a_crime_published_again_with_another_type_is_reclassified_not_duplicated(
        tmp_path, police):
    january = _file(tmp_path, "jan.csv", POLICE_UK, [_crime("2026-01", "Burglary")])
    march = _file(tmp_path, "mar.csv", POLICE_UK,
                  [_crime("2026-03", "Criminal damage and arson", "Unable to prosecute")])
    importer.import_file(january, "police-uk", police.id)
    result = importer.import_file(march, "police-uk", police.id)
    assert (result.imported, result.duplicates, result.reclassified) == (0, 0, 1)
    [crime] = _incidents(police)
    assert crime.category == "Criminal damage and arson"
    assert crime.outcome == "Unable to prosecute"
    # It happened when it was first published; it was reclassified in March.
    assert (crime.occurred_dt.month, crime.classified_dt.month) == (1, 3)


def test_an_older_publication_imported_later_keeps_the_newer_classification(tmp_path, police):
    january = _file(tmp_path, "jan.csv", POLICE_UK, [_crime("2026-01", "Burglary")])
    march = _file(tmp_path, "mar.csv", POLICE_UK, [_crime("2026-03", "Criminal damage and arson")])
    importer.import_file(march, "police-uk", police.id)
    result = importer.import_file(january, "police-uk", police.id)
    assert (result.imported, result.duplicates, result.reclassified) == (0, 1, 0)
    [crime] = _incidents(police)
    assert crime.category == "Criminal damage and arson"
    assert (crime.occurred_dt.month, crime.classified_dt.month) == (1, 3)


def test_a_crime_published_again_with_the_same_type_is_already_there(tmp_path, police):
    importer.import_file(_file(tmp_path, "a.csv", POLICE_UK, [_crime("2026-01", "Burglary")]),
                         "police-uk", police.id)
    result = importer.import_file(
        _file(tmp_path, "b.csv", POLICE_UK, [_crime("2026-02", "Burglary")]),
        "police-uk", police.id)
    assert (result.imported, result.duplicates, result.reclassified) == (0, 1, 0)
    assert _incidents(police)[0].category == "Burglary"


@pytest.mark.committed
def test_the_import_page_says_how_many_crimes_were_reclassified(app, tmp_path, police,
                                                              make_user):
    supervisor = make_user("supervisor")
    importer.import_file(_file(tmp_path, "jan.csv", POLICE_UK, [_crime("2026-01", "Burglary")]),
                         "police-uk", police.id)
    db.session.commit()
    signed_in = _signed_in(app, supervisor)
    march = "\n".join([POLICE_UK, _crime("2026-03", "Robbery"), _crime("2026-03", "Robbery")
                       .replace(CRIME, "77aa00bb11cc")]) + "\n"
    response = signed_in.post("/incidents/import", data={
        "format": "police-uk", "file": (io.BytesIO(march.encode()), "march.csv")})
    assert response.status_code == 302, response.get_data(as_text=True)
    job_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    import_incidents_file.run(job_id)
    db.session.expire_all()
    job = db.session.get(IncidentImport, job_id)
    assert (job.rows_imported, job.rows_duplicate, job.rows_reclassified) == (1, 0, 1)
    assert incident_service.import_summary(job)["invalid"] == 0
    db.session.rollback()
    page = signed_in.get(f"/incidents/import/{job_id}").get_data(as_text=True)
    assert "Reclassified (crime type updated)" in page
    db.session.rollback()


# --- one readable reference ----------------------------------------------------------------------

LONG_CRIME_ID = "9a3f" * 16  # data.police.uk Crime IDs are 64 hexadecimal characters


def test_a_police_uk_incident_has_one_readable_reference_everywhere(tmp_path, police, officer,
                                                                     make_case, browser, api):
    path = _file(tmp_path, "june.csv", POLICE_UK, [
        f"{LONG_CRIME_ID},2026-01,Lincolnshire Police,Lincolnshire Police,-0.55,53.22,"
        "On or near Park,E01026101,Lincoln 001B,Burglary,Under investigation,",
        ",2026-01,Lincolnshire Police,Lincolnshire Police,-0.55,53.22,On or near Park,"
        "E01026101,Lincoln 001B,Anti-social behaviour,,",
    ])
    importer.import_file(path, "police-uk", police.id)
    asb, crime = sorted(_incidents(police), key=lambda i: i.category)
    case = make_case()
    db.session.commit()
    signed_in = browser(officer)

    listed = signed_in.get("/incidents").get_data(as_text=True)
    assert f"PUK-{crime.id}" in listed and f"PUK-{asb.id}" in listed
    assert LONG_CRIME_ID not in listed and asb.source_key not in listed
    page = signed_in.get(f"/incidents/{asb.id}").get_data(as_text=True)
    assert f"Incident PUK-{asb.id}" in page and asb.source_key not in page
    # The Crime ID is shown once, as a detail, for finding the crime in data.police.uk's files.
    page = signed_in.get(f"/incidents/{crime.id}").get_data(as_text=True)
    assert f"Incident PUK-{crime.id}" in page and page.count(LONG_CRIME_ID) == 1
    assert "data.police.uk Crime ID" in page

    # The reference shown is the one to type, in any case, with or without its hyphen.
    url = f"/cases/{case.reference}/incidents/link"
    assert signed_in.post(url, data={"incident": f"puk{crime.id}"}).status_code == 302
    linked = signed_in.get(f"/cases/{case.reference}/incidents").get_data(as_text=True)
    assert f"PUK-{crime.id}" in linked and LONG_CRIME_ID not in linked
    timeline = signed_in.get(f"/cases/{case.reference}/timeline").get_data(as_text=True)
    assert f"Linked incident PUK-{crime.id}" in timeline

    body = api(officer)("GET", f"/api/v1/incidents/{crime.id}").get_json()
    assert (body["reference"], body["source_reference"]) == (f"PUK-{crime.id}", LONG_CRIME_ID)


def test_a_reference_that_reads_as_a_police_uk_one_is_refused(tmp_path, police, officer, api):
    path = _file(tmp_path, "cad.csv", CAD, [CAD_ROWS[0].replace("CAD-101", "PUK-7")])
    with pytest.raises(importer.ImportRefused) as refused:
        importer.import_file(path, "cad", police.id)
    [error] = refused.value.result.errors
    assert error.column == "incident_ref" and "data.police.uk reference" in error.reason
    answer = api(officer)("POST", "/api/v1/incidents", json={
        "source_reference": "puk-12", "category": "Rowdy behaviour", "is_asb": True,
        "occurred_at": "2026-03-01T21:30:00Z", "location": "Ermine parade"})
    assert answer.status_code == 422
    assert "data.police.uk reference" in str(answer.get_json())
