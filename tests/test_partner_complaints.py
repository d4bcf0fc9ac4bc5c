"""Issue 15, part 1: partners record the complaints made to them (a council, a housing provider),
by form and API, for the force where the behaviour happened; those complaints count towards the
ASB case review there, and the partner sees only what they entered.

The clock is the tests' frozen FROZEN_NOW, 17 June 2026."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from sara.audit.models import AuditEvent
from sara.extensions import db
from sara.flags.scan import scan_case_review
from sara.flags.status import people_status
from sara.incidents.models import Incident, IncidentPerson, PartnerComplaint
from sara.people import matching
from sara.people.models import Person, PossibleDuplicate
from tests.conftest import FROZEN_NOW
from tests.test_person_flags import _incident, _live, _person


@pytest.fixture
def council(make_org):
    return make_org("City of Lincoln Council", kind="local_authority")


@pytest.fixture
def caseworker(make_user, council):
    return make_user("partner", org=council, name="Carla Caseworker")


def _form(police, **overrides) -> dict:
    data = {
        "force": str(police.id),
        "occurred_date": ["2", "6", "2026"], "occurred_time": "21:30",
        "reported_date": ["4", "6", "2026"],
        "category": "Rowdy behaviour", "location_text": "Ermine parade shops",
        "postcode": "ln2 2ab", "description": "Youths shouting outside the flats",
        "complainant_name": "Edith Rowan", "complainant_dob": ["", "", ""],
        "complainant_address": "12 Ermine Road, Lincoln", "complainant_postcode": "ln2 2ab",
        "complainant_phone": "07700 900123", "complainant_role": "victim",
    }
    data.update(overrides)
    return data


def _known_person(police) -> Person:
    """The force's own record of Edith Rowan, with details the partner never entered."""
    person = _person(police, "Edith Rowan")
    person.phone, person.address = "07700900123", "Flat 3, Secret House"
    matching.fill_keys(person)
    db.session.flush()
    return person


def _complaints() -> list[PartnerComplaint]:
    return db.session.scalars(sa.select(PartnerComplaint).order_by(PartnerComplaint.id)).all()


def test_a_council_caseworker_records_a_complaint_for_the_force_area(browser, police, council,
                                                                     caseworker, queued_checks):
    signed_in = browser(caseworker)
    page = signed_in.get("/complaints/new").get_data(as_text=True)
    assert "Record a complaint made to City of Lincoln Council" in page
    assert f'<option value="{police.id}">Test Constabulary</option>' in page
    # Only police forces are force areas.
    assert f'<option value="{council.id}">' not in page

    response = signed_in.post("/complaints/new", data=_form(police))
    assert response.status_code == 302, response.get_data(as_text=True)
    [complaint] = _complaints()
    incident = complaint.incident
    assert response.headers["Location"].endswith(f"/complaints/{incident.id}")
    assert (incident.organisation_id, incident.reported_to_id) == (police.id, council.id)
    assert incident.source == "partner" and incident.is_asb and incident.is_reported_in_time
    # 21:30 on 2 June in London (BST) is 20:30 UTC; the complaint was made on 4 June.
    assert incident.occurred_dt == datetime(2026, 6, 2, 20, 30, tzinfo=UTC)
    assert incident.reported_dt == datetime(2026, 6, 3, 23, 0, tzinfo=UTC)
    [link] = db.session.scalars(sa.select(IncidentPerson)).all()
    assert link.role == "victim" and link.person.organisation_id == police.id
    assert link.person.name == "Edith Rowan" and link.person.postcode == "LN2 2AB"
    # The person's checks run once it commits, as for any incident.
    assert {link.person_id} in queued_checks
    assert db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.user_id == caseworker.id, AuditEvent.record_ref == incident.reference,
        AuditEvent.action == "alteration")) is not None

    shown = signed_in.get(response.headers["Location"], follow_redirects=True)
    text = shown.get_data(as_text=True)
    assert f"Complaint {incident.reference} recorded." in text
    assert "Test Constabulary" in text and "2 June 2026 at 21:30" in text
    assert "4 June 2026" in text and "12 Ermine Road, Lincoln, LN2 2AB" in text
    assert "The victim" in text and "PN-" not in text

    listed = signed_in.get("/complaints").get_data(as_text=True)
    assert incident.reference in listed and "1 complaint" in listed
    assert "Test Constabulary" in listed and "Rowdy behaviour" in listed


def test_the_force_counts_a_councils_complaint_with_two_of_its_own(browser, police, council,
                                                                   caseworker):
    person = _known_person(police)
    _incident(police, person, datetime(2026, 5, 2, 12, 0, tzinfo=UTC))
    _incident(police, person, datetime(2026, 5, 20, 12, 0, tzinfo=UTC))
    db.session.commit()
    scan_case_review(now=FROZEN_NOW)
    assert _live("case_review") == []

    # Same name and phone: the matching rule is certain it is the force's Edith Rowan.
    assert browser(caseworker).post("/complaints/new", data=_form(police)).status_code == 302
    scan_case_review(now=FROZEN_NOW)
    [flag] = _live("case_review")
    assert flag.person_id == person.id and flag.evidence["complaints"] == 3
    [review] = people_status([person.id], FROZEN_NOW)[person.id].case_review
    assert [i["reported_to"] for i in review["incidents"]] == [
        "Test Constabulary", "Test Constabulary", "City of Lincoln Council"]
    # The force's record is untouched by what the partner typed.
    assert person.address == "Flat 3, Secret House"


def test_a_complaint_made_40_days_after_the_behaviour_does_not_count(browser, police,
                                                                     caseworker):
    person = _known_person(police)
    _incident(police, person, datetime(2026, 5, 2, 12, 0, tzinfo=UTC))
    _incident(police, person, datetime(2026, 5, 20, 12, 0, tzinfo=UTC))
    db.session.commit()
    signed_in = browser(caseworker)
    response = signed_in.post("/complaints/new", data=_form(
        police, occurred_date=["20", "4", "2026"], reported_date=["30", "5", "2026"]))
    assert response.status_code == 302, response.get_data(as_text=True)
    [complaint] = _complaints()
    assert complaint.incident.is_reported_in_time is False
    scan_case_review(now=FROZEN_NOW)
    assert _live("case_review") == []
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Reported 40 days after the behaviour" in page
    assert "More than a month later" in signed_in.get("/complaints").get_data(as_text=True)


def test_the_partner_never_learns_whether_the_force_knew_the_complainant(browser, police,
                                                                         caseworker):
    known = _known_person(police)
    db.session.commit()
    signed_in = browser(caseworker)
    # Certain (name and phone): the force's person. Name alone: a new person, whom the
    # force's duplicate queue proposes for merging.
    first = signed_in.post("/complaints/new", data=_form(police), follow_redirects=True)
    second = signed_in.post("/complaints/new", data=_form(police, complainant_phone=""),
                            follow_redirects=True)
    matched, new = _complaints()
    people = [db.session.scalar(sa.select(IncidentPerson.person_id).where(
        IncidentPerson.incident_id == c.incident_id)) for c in (matched, new)]
    assert people[0] == known.id and people[1] != known.id
    assert db.session.get(Person, people[1]).organisation_id == police.id
    assert db.session.scalar(sa.select(PossibleDuplicate).where(
        PossibleDuplicate.person_id == known.id,
        PossibleDuplicate.other_id == people[1])) is not None

    def shape(response, complaint) -> str:
        text = response.get_data(as_text=True).replace(complaint.incident.reference, "REF")
        text = re.sub(r'name="csrf_token"[^>]*>|nonce="[^"]*"', "", text)
        return re.sub(rf"/complaints/{complaint.incident_id}\b", "/complaints/ID", text)

    assert first.status_code == second.status_code == 200
    # The same page either way, but for the phone number the partner typed (or did not).
    assert shape(first, matched).replace("07700 900123", "Not given") == shape(second, new)
    assert "PN-" not in first.get_data(as_text=True) + second.get_data(as_text=True)
    assert "Secret House" not in first.get_data(as_text=True)


def test_the_partner_sees_none_of_the_forces_records_nor_other_partners_complaints(
        browser, police, make_org, make_user, caseworker, officer):
    known = _known_person(police)
    own_incident = _incident(police, known, datetime(2026, 5, 2, 12, 0, tzinfo=UTC))
    housing = make_org("Riverside Housing", kind="housing")
    other_partner = make_user("partner", org=housing)
    db.session.commit()
    assert browser(other_partner).post("/complaints/new", data=_form(
        police, category="Noise")).status_code == 302
    signed_in = browser(caseworker)
    assert signed_in.post("/complaints/new", data=_form(police)).status_code == 302
    theirs, ours = _complaints()

    assert signed_in.get(f"/complaints/{ours.incident_id}").status_code == 200
    assert signed_in.get(f"/complaints/{theirs.incident_id}").status_code == 404
    assert signed_in.get(f"/complaints/{own_incident.id}").status_code == 404
    assert signed_in.get(f"/incidents/{ours.incident_id}").status_code == 404
    assert signed_in.get(f"/incidents/{own_incident.id}").status_code == 404
    assert signed_in.get(f"/people/{known.reference}").status_code == 404
    listed = signed_in.get("/complaints").get_data(as_text=True)
    assert ours.incident.reference in listed and theirs.incident.reference not in listed
    assert own_incident.reference not in listed
    # The force sees the complaint as its own incident, with its person.
    page = browser(officer).get(f"/incidents/{ours.incident_id}").get_data(as_text=True)
    assert known.reference in page and "Recorded by a partner" in page


def test_the_police_record_incidents_not_complaints(browser, api, officer, police):
    signed_in = browser(officer)
    assert signed_in.get("/complaints/new").status_code == 403
    assert signed_in.post("/complaints/new", data=_form(police)).status_code == 403
    assert signed_in.get("/complaints").status_code == 403
    assert "Complaints" not in signed_in.get("/cases").get_data(as_text=True)
    client = api(officer)
    assert client.get("/api/v1/complaints").status_code == 403
    assert client.post("/api/v1/complaints", json={}).status_code == 403
    assert _complaints() == []


@pytest.mark.parametrize(("fields", "message"), [
    ({"occurred_date": ["18", "6", "2026"], "reported_date": ["18", "6", "2026"]},
     "The date the behaviour happened must be today or in the past"),
    ({"reported_date": ["20", "6", "2026"]},
     "The date the complaint was made must be today or in the past"),
    ({"reported_date": ["1", "6", "2026"]},
     "The date the complaint was made must be the same as or after the date the behaviour "
     "happened"),
    ({"complainant_name": ""}, "Enter the complainant&#39;s name"),
    ({"reported_date": ["", "", ""]}, "Enter the date the complaint was made"),
    ({"force": ""}, "Choose the police force area it happened in"),
    ({"complainant_role": ""}, "Choose whether the complainant is the victim or reporting it "
                               "for someone else"),
    ({"complainant_dob": ["1", "1", "2030"]}, "Date of birth must be in the past"),
])
def test_bad_input_shows_the_forms_errors_and_records_nothing(browser, police, caseworker,
                                                              fields, message):
    response = browser(caseworker).post("/complaints/new", data=_form(police, **fields))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and message in page
    assert _complaints() == [] and db.session.scalar(sa.select(sa.func.count(Incident.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Person.id))) == 0


def test_a_force_chosen_by_hand_that_is_not_a_force_is_refused(browser, police, council,
                                                               caseworker):
    response = browser(caseworker).post("/complaints/new",
                                        data=_form(police, force=str(council.id)))
    assert "Choose the police force area it happened in" in response.get_data(as_text=True)
    assert _complaints() == []


# --- the API -------------------------------------------------------------------------------

def _body(**overrides) -> dict:
    body = {
        "force": "Test Constabulary", "occurred_at": "2026-06-02T21:30:00+01:00",
        "reported_on": "2026-06-04", "category": "Rowdy behaviour",
        "location": "Ermine parade shops", "postcode": "ln2 2ab",
        "description": "Youths shouting",
        "complainant": {"name": "Edith Rowan", "phone": "07700 900123", "role": "reporter"},
    }
    body.update(overrides)
    return body


def test_the_api_records_and_lists_a_partners_complaints(api, police, council, caseworker,
                                                         make_org, make_user):
    client = api(caseworker)
    response = client.post("/api/v1/complaints", json=_body())
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    [complaint] = _complaints()
    incident = complaint.incident
    assert created["reference"] == incident.reference and created["force"] == "Test Constabulary"
    assert created["reported_to"] == "City of Lincoln Council" and created["reported_in_time"]
    assert created["complainant"] == {"name": "Edith Rowan", "date_of_birth": None,
                                      "address": None, "postcode": None,
                                      "phone": "07700 900123", "role": "reporter"}
    assert (incident.organisation_id, incident.reported_to_id, incident.source) == (
        police.id, council.id, "partner")
    assert "PN-" not in response.get_data(as_text=True)

    other = api(make_user("partner", org=make_org("Riverside Housing", kind="housing")))
    assert other.post("/api/v1/complaints", json=_body(category="Noise")).status_code == 201
    listed = client.get("/api/v1/complaints").get_json()
    assert listed["total"] == 1 and [c["reference"] for c in listed["items"]] == [
        incident.reference]


def test_an_invalid_api_body_is_a_problem_listing_each_field(api, caseworker, police):
    response = api(caseworker).post("/api/v1/complaints", json=_body(
        force="Nowhere Police", reported_on="2026-06-01", occurred_at="yesterday",
        complainant={"role": "neighbour"}))
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    reasons = {p["name"]: p["reason"] for p in response.get_json()["invalid_params"]}
    assert reasons == {
        "force": "must be the name of a police force in SARA",
        "occurred_at": "must be a date and time like 2026-03-14T21:30:00+00:00",
        "complainant.name": "is required",
        "complainant.role": "must be one of victim, reporter",
    }
    # The service's rules answer the same way: a complaint made before the behaviour.
    response = api(caseworker).post("/api/v1/complaints", json=_body(reported_on="2026-06-01"))
    assert response.status_code == 422
    assert response.get_json()["invalid_params"] == [{
        "name": "reported_on", "reason": "The date the complaint was made must be the same as "
                                         "or after the date the behaviour happened"}]
    assert _complaints() == [] and db.session.scalar(sa.select(sa.func.count(Person.id))) == 0
