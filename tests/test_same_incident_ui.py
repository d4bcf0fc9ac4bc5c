"""One incident reported twice, on the web and the API: the queue where a supervisor confirms or
rejects a proposed pair of reports, a link recorded by hand on an incident's page, and the caller
type (a professional reports for others and is never counted as a victim)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from sara.core.references import person_reference
from sara.core.types import utcnow
from sara.extensions import db
from sara.flags.status import people_status
from sara.incidents import episodes
from sara.incidents import service as incident_service
from sara.incidents.models import Incident, IncidentPerson, SameIncidentLink
from sara.people import matching
from sara.people.models import Person

QUEUE = "/incidents/same-incident"
NAV_TEXT = "Same incident?"


@pytest.fixture(autouse=True)
def _no_broker(sent_tasks):
    """The flag checks each recorded incident queues stay here (nothing reaches a broker)."""
    return sent_tasks


def _person(org, name="Ann Smith") -> Person:
    person = Person(reference=person_reference(), organisation_id=org.id, name=name)
    matching.fill_keys(person)
    db.session.add(person)
    db.session.flush()
    return person


def _record(org, actor, key, when, *, person=None, role="victim", caller_type="public",
            location="Ermine parade shops", postcode="LN2 2AB", asb=True,
            source="form") -> Incident:
    people = [(person, role, caller_type)] if person is not None else []
    return incident_service.record_incident(org, actor, {
        "source_key": key, "occurred_dt": when, "category": "Rowdy behaviour", "is_asb": asb,
        "location_text": location, "postcode": postcode, "description": "Youths shouting",
    }, people, source=source)


@pytest.fixture
def pair(police, officer):
    """Ann rings twice about one episode, ten minutes apart: the pair is proposed."""
    ann = _person(police)
    first_dt = utcnow() - timedelta(days=3)
    first = _record(police, officer, "CAD-1", first_dt, person=ann)
    second = _record(police, officer, "CAD-2", first_dt + timedelta(minutes=10), person=ann)
    db.session.commit()
    link = db.session.scalar(sa.select(SameIncidentLink))
    assert (link.incident_id, link.other_id, link.status) == (second.id, first.id, "open")
    return ann, first, second, link


def _repeat_victim(person):
    return people_status([person.id])[person.id].repeat_victim


# === the queue ===================================================================================

def test_a_supervisor_confirms_two_reports_as_one_incident(pair, make_user, browser):
    ann, first, second, link = pair
    # Before anyone decides, each report counts: two ASB incidents make a repeat victim.
    assert _repeat_victim(ann)["count"] == 2
    web = browser(make_user("supervisor"))
    db.session.commit()

    page = web.get(QUEUE).get_data(as_text=True)
    assert "CAD-1" in page and "CAD-2" in page
    assert "same caller; same place" in page and "10 minutes apart" in page
    assert f'href="/incidents/{first.id}"' in page and f'href="/incidents/{second.id}"' in page
    assert NAV_TEXT in page

    response = web.post(f"{QUEUE}/{link.id}/confirm", follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "CAD-2 and CAD-1 are recorded as the same incident" in html
    assert "There are no possible reports of the same incident to decide." in html
    db.session.expire_all()
    assert link.status == "confirmed" and second.same_as_id == first.id
    # One episode: no longer a repeat victim on the strength of one incident reported twice.
    assert _repeat_victim(ann) is None

    later = web.get(f"/incidents/{second.id}").get_data(as_text=True)
    assert "A report of the same incident as" in later
    assert f'<a class="govuk-link" href="/incidents/{first.id}">CAD-1</a>' in later
    earlier = web.get(f"/incidents/{first.id}").get_data(as_text=True)
    assert "Other reports of this incident" in earlier and "CAD-2" in earlier
    assert "A report of the same incident as" not in earlier


def test_a_rejected_pair_is_remembered(pair, make_user, browser):
    ann, first, second, link = pair
    web = browser(make_user("supervisor"))
    db.session.commit()
    response = web.post(f"{QUEUE}/{link.id}/reject", follow_redirects=True)
    assert "CAD-2 and CAD-1 are kept as different incidents" in response.get_data(as_text=True)
    db.session.expire_all()
    assert link.status == "rejected" and second.same_as_id is None
    assert episodes.propose_for([first.id, second.id]) == 0
    assert "There are no possible reports" in web.get(QUEUE).get_data(as_text=True)
    assert _repeat_victim(ann)["count"] == 2


def test_deciding_twice_is_refused_with_a_message(pair, make_user, browser):
    *_, link = pair
    web = browser(make_user("admin"))
    db.session.commit()
    assert web.post(f"{QUEUE}/{link.id}/confirm").status_code == 302
    response = web.post(f"{QUEUE}/{link.id}/reject", follow_redirects=True)
    assert "Someone has already decided about these two incidents" in response.get_data(
        as_text=True)
    db.session.expire_all()
    assert link.status == "confirmed"


def test_deciding_needs_the_csrf_token(pair, make_user, browser):
    *_, link = pair
    web = browser(make_user("supervisor"))
    db.session.commit()
    assert web.post(f"{QUEUE}/{link.id}/confirm", csrf=False).status_code == 400
    assert web.post(f"{QUEUE}/{link.id}/reject", csrf=False).status_code == 400
    db.session.expire_all()
    assert link.status == "open"


@pytest.mark.parametrize("role, kind", [("officer", "police"), ("call_handler", "police"),
                                        ("partner", "local_authority")])
def test_only_a_forces_supervisors_and_admin_decide(pair, make_user, make_org, browser, role,
                                                   kind):
    *_, link = pair
    web = browser(make_user(role, org=make_org(kind=kind) if kind != "police" else None))
    db.session.commit()
    assert web.get(QUEUE).status_code == 403
    assert web.post(f"{QUEUE}/{link.id}/confirm").status_code == 403
    assert web.post(f"{QUEUE}/{link.id}/reject").status_code == 403
    assert NAV_TEXT not in web.get("/").get_data(as_text=True)
    db.session.expire_all()
    assert link.status == "open"


def test_another_forces_supervisor_gets_a_404(pair, make_org, make_user, browser):
    *_, link = pair
    other = browser(make_user("supervisor", org=make_org("Other Constabulary")))
    db.session.commit()
    page = other.get(QUEUE).get_data(as_text=True)
    assert "CAD-1" not in page and "There are no possible reports" in page
    assert other.post(f"{QUEUE}/{link.id}/confirm").status_code == 404
    assert other.post(f"{QUEUE}/{link.id}/reject").status_code == 404
    assert other.post(f"{QUEUE}/999999/confirm").status_code == 404
    db.session.expire_all()
    assert link.status == "open"


# === recording a link by hand ====================================================================

@pytest.fixture
def two_reports(police, officer):
    """A police call and a council report of one event, too far apart to be proposed."""
    when = utcnow() - timedelta(days=5)
    police_call = _record(police, officer, "CAD-10", when)
    council = _record(police, officer, "COUNCIL-7", when + timedelta(hours=5),
                      location="Back of the Ermine shops", postcode=None)
    db.session.commit()
    assert db.session.scalar(sa.select(SameIncidentLink)) is None
    return police_call, council


def test_a_supervisor_records_the_same_incident_by_hand(two_reports, make_user, browser):
    police_call, council = two_reports
    web = browser(make_user("supervisor"))
    db.session.commit()
    page = web.get(f"/incidents/{council.id}").get_data(as_text=True)
    assert "Record that this is the same incident as another" in page

    response = web.post(f"/incidents/{council.id}/same-as", data={"reference": " CAD-10 "})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/incidents/{council.id}")
    db.session.expire_all()
    assert council.same_as_id == police_call.id
    link = db.session.scalar(sa.select(SameIncidentLink))
    assert (link.status, link.reasons) == ("confirmed", ["recorded by hand"])
    html = web.get(f"/incidents/{council.id}").get_data(as_text=True)
    assert "A report of the same incident as" in html and "CAD-10" in html
    assert "is recorded as the same incident as CAD-10" in html  # the flash

    # Again, by its number this time: already recorded, said on the field.
    again = web.post(f"/incidents/{council.id}/same-as", data={"reference": str(police_call.id)})
    assert again.status_code == 200
    assert "COUNCIL-7 is already recorded as the same incident as CAD-10" in again.get_data(
        as_text=True)


@pytest.mark.parametrize("reference, message", [
    ("NOPE-1", "There is no incident NOPE-1"),
    ("99999999999999999999", "There is no incident 99999999999999999999"),
    ("", "Enter the other incident&#39;s reference or number"),
    ("bell\x07", "contains characters that are not allowed"),
    ("COUNCIL-7", "An incident cannot be a second report of itself"),
])
def test_a_bad_reference_is_an_error_on_the_field(two_reports, make_user, browser, reference,
                                                  message):
    _police_call, council = two_reports
    web = browser(make_user("supervisor"))
    db.session.commit()
    response = web.post(f"/incidents/{council.id}/same-as", data={"reference": reference})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in html and message in html
    assert 'href="#reference"' in html  # the summary points at the field
    db.session.expire_all()
    assert council.same_as_id is None and db.session.scalar(sa.select(SameIncidentLink)) is None


def test_a_reference_two_sources_share_needs_the_number(two_reports, police, officer,
                                                        make_user, browser):
    _police_call, council = two_reports
    when = utcnow() - timedelta(days=40)
    _record(police, officer, "SHARED-1", when, location="Elsewhere")
    by_api = _record(police, officer, "SHARED-1", when, location="Elsewhere", source="api")
    web = browser(make_user("supervisor"))
    db.session.commit()
    response = web.post(f"/incidents/{council.id}/same-as", data={"reference": "SHARED-1"})
    assert "enter the number shown on the incident&#39;s page" in response.get_data(as_text=True)
    response = web.post(f"/incidents/{council.id}/same-as", data={"reference": str(by_api.id)})
    assert response.status_code == 302
    db.session.expire_all()
    # The earlier report is the episode's first.
    assert council.same_as_id == by_api.id


def test_another_forces_incident_is_as_missing_as_none(two_reports, make_org, make_user,
                                                       browser):
    _police_call, council = two_reports
    other_force = make_org("Other Constabulary")
    theirs = _record(other_force, make_user("officer", org=other_force), "THEIRS-1",
                     utcnow() - timedelta(days=5))
    web = browser(make_user("supervisor"))
    db.session.commit()
    for reference in ("THEIRS-1", str(theirs.id)):
        response = web.post(f"/incidents/{council.id}/same-as", data={"reference": reference})
        assert f"There is no incident {reference}" in response.get_data(as_text=True)
    db.session.expire_all()
    assert council.same_as_id is None
    # And their supervisor cannot reach ours at all.
    stranger = browser(make_user("supervisor", org=other_force))
    db.session.commit()
    assert stranger.post(f"/incidents/{council.id}/same-as",
                         data={"reference": "THEIRS-1"}).status_code == 404


def test_the_form_is_for_supervisors_and_needs_the_csrf_token(two_reports, officer, make_user,
                                                              browser):
    police_call, council = two_reports
    web = browser(officer)
    db.session.commit()
    assert "Record that this is the same incident" not in web.get(
        f"/incidents/{council.id}").get_data(as_text=True)
    assert web.post(f"/incidents/{council.id}/same-as",
                    data={"reference": "CAD-10"}).status_code == 403
    supervisor = browser(make_user("supervisor"))
    db.session.commit()
    assert supervisor.post(f"/incidents/{council.id}/same-as", data={"reference": "CAD-10"},
                           csrf=False).status_code == 400
    db.session.expire_all()
    assert council.same_as_id is None


# === the caller type =============================================================================

def _form(person, day, **overrides) -> dict:
    data = {
        "occurred_date": [str(day), "3", "2026"], "occurred_time": "21:30",
        "category": "Rowdy behaviour", "is_asb": "yes", "location_text": f"{day} Ermine Road",
        "postcode": "", "latitude": "", "longitude": "", "description": "",
        "person_reference": person.reference, "person_role": "reporter",
    }
    data.update(overrides)
    return data


def test_a_professional_caller_is_never_a_repeat_victim(police, officer, browser):
    warden, resident = _person(police, "Wendy Warden"), _person(police, "Rita Resident")
    db.session.commit()
    web = browser(officer)
    page = web.get("/incidents/new").get_data(as_text=True)
    assert "Who is the person?" in page and "never counted as a victim" in page
    for day in (2, 20):
        response = web.post("/incidents/new", data=_form(warden, day, caller_type="professional"))
        assert response.status_code == 302, response.get_data(as_text=True)
        # A member of the public unless said otherwise (the form's default).
        assert web.post("/incidents/new", data=_form(resident, day)).status_code == 302
    callers = dict(db.session.execute(
        sa.select(IncidentPerson.person_id, IncidentPerson.caller_type).distinct()).all())
    assert callers == {warden.id: "professional", resident.id: "public"}

    status = people_status([warden.id, resident.id])
    assert status[warden.id].repeat_victim is None
    assert status[resident.id].repeat_victim["count"] == 2

    incident = db.session.scalar(sa.select(Incident).join(IncidentPerson).where(
        IncidentPerson.person_id == warden.id).limit(1))
    html = web.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "Who they are" in html and "Professional or organisation" in html


def test_an_unknown_caller_type_is_a_form_error(police, officer, browser):
    person = _person(police)
    db.session.commit()
    response = browser(officer).post("/incidents/new", data=_form(person, 2, caller_type="alien"))
    assert response.status_code == 200
    assert "Choose whether they are a member of the public or a professional" in \
        response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 0


INCIDENT = {
    "occurred_at": "2026-03-14T21:30:00+00:00", "category": "Rowdy behaviour", "is_asb": True,
    "location": "Ermine parade shops", "postcode": "LN2 2AB",
}


def test_the_api_takes_the_caller_type(police, officer, api):
    person = _person(police)
    client = api(officer)
    response = client.post("/api/v1/incidents", json={**INCIDENT, "people": [
        {"reference": person.reference, "role": "reporter", "caller_type": "professional"}]})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["people"][0]["caller_type"] == "professional"
    assert db.session.scalar(sa.select(IncidentPerson.caller_type)) == "professional"
    # Left out: a member of the public.
    response = client.post("/api/v1/incidents", json={**INCIDENT, "people": [
        {"reference": person.reference, "role": "victim"}]})
    assert response.get_json()["people"][0]["caller_type"] == "public"


@pytest.mark.parametrize("caller_type", ["alien", None, 1, ["public"]])
def test_the_api_refuses_an_unknown_caller_type(police, officer, api, caller_type):
    person = _person(police)
    response = api(officer).post("/api/v1/incidents", json={**INCIDENT, "people": [
        {"reference": person.reference, "role": "victim", "caller_type": caller_type}]})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "people[0].caller_type" in [p["name"] for p in response.get_json()["invalid_params"]]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 0
