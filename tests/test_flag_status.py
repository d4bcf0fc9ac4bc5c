"""The repeat-victim and case-review rules applied at the moment of the question: the lookup
(page and API) and the person page are right whatever the worker is doing, because they never
depend on stored flags to be right."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from sara.core.references import person_reference
from sara.core.types import utcnow
from sara.extensions import db
from sara.flags.models import Flag
from sara.incidents import service as incident_service
from sara.people import matching
from sara.people.models import Person


def _person(org, name: str, phone: str | None = None) -> Person:
    person = Person(reference=person_reference(), organisation_id=org.id, name=name, phone=phone)
    matching.fill_keys(person)
    db.session.add(person)
    db.session.flush()
    return person


def _incident(org, actor, people, days_ago: int, is_asb: bool = True):
    return incident_service.record_incident(org, actor, {
        "category": "Rowdy behaviour" if is_asb else "Burglary", "is_asb": is_asb,
        "location_text": "Ermine parade", "occurred_dt": utcnow() - timedelta(days=days_ago)},
        people=people)


def _flags() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Flag))


@pytest.fixture
def handler(make_user):
    return make_user("call_handler", name="Cal Handler")


def test_a_caller_with_two_asb_incidents_is_a_repeat_victim_before_any_worker_ran(
        police, officer, handler, browser, api):
    caller = _person(police, "Amira Larkspur", "07700 900777")
    for days in (40, 5):
        _incident(police, officer, [(caller, "victim")], days)
    assert _flags() == 0  # no scan has run: nothing is stored

    page = browser(handler).post("/lookup", {"phone": "07700900777"}).get_data(as_text=True)
    assert "Repeat ASB victim" in page and "No flags" not in page
    assert "2 ASB incidents in the last 365 days (threshold 2)" in page

    [hit] = api(handler)("GET", "/api/v1/lookup?phone=07700900777").get_json()["results"]
    assert hit["repeat_victim"] is True
    assert hit["repeat_victim_evidence"]["count"] == 2
    assert hit["repeat_victim_evidence"]["threshold"] == 2
    assert hit["repeat_victim_crime"] is False and hit["repeat_victim_crime_evidence"] is None

    person_page = browser(officer).get(f"/people/{caller.reference}").get_data(as_text=True)
    assert "Repeat ASB victim: 2 ASB incidents" in person_page
    assert _flags() == 0  # asking stores nothing


def test_a_stored_flag_the_rule_no_longer_supports_is_not_reported(police, officer, handler,
                                                                   browser):
    caller = _person(police, "Edna Wintersgill", "07700 900778")
    _incident(police, officer, [(caller, "victim")], 400)  # outside the 365-day window
    _incident(police, officer, [(caller, "victim")], 10)
    db.session.add(Flag(kind="repeat_victim", subject_key=f"person:{caller.id}",
                        person_id=caller.id, evidence={"incidents": 2, "threshold": 2,
                                                       "window_days": 365},
                        raised_dt=utcnow() - timedelta(days=300)))
    db.session.flush()
    page = browser(handler).post("/lookup", {"phone": "07700900778"}).get_data(as_text=True)
    assert "Repeat ASB victim" not in page and "No flags" in page


def test_one_incident_is_not_a_repeat_and_crime_is_not_asb(police, officer, handler, browser):
    caller = _person(police, "Ian Once", "07700 900779")
    _incident(police, officer, [(caller, "victim")], 10)
    _incident(police, officer, [(caller, "victim")], 20, is_asb=False)
    page = browser(handler).post("/lookup", {"phone": "07700900779"}).get_data(as_text=True)
    assert "Repeat ASB victim" not in page


def test_five_complainants_about_one_problem_each_show_the_case_review(
        police, officer, handler, browser, make_case):
    case = make_case(owner=officer)
    complainants = [_person(police, f"Neighbour {n} Okafor", f"07700 90080{n}") for n in range(5)]
    signed_in = browser(handler)

    def shown(n: int) -> bool:
        page = signed_in.post("/lookup", {"phone": f"07700 90080{n}"}).get_data(as_text=True)
        return "ASB case review threshold reached" in page

    for days, person in enumerate(complainants[:4], start=3):
        incident_service.link_incident(
            case, officer, _incident(police, officer, [(person, "reporter")], days))
    assert not any(shown(n) for n in range(5))  # four are not five
    incident_service.link_incident(
        case, officer, _incident(police, officer, [(complainants[4], "reporter")], 1))
    assert all(shown(n) for n in range(5))
    assert _flags() == 0


def test_three_complaints_by_one_person_about_one_problem_show_the_case_review(
        police, officer, handler, browser, make_case, api):
    case = make_case(owner=officer)
    caller = _person(police, "Rita Thrice", "07700 900790")
    for days in (3, 10, 17):
        incident_service.link_incident(
            case, officer, _incident(police, officer, [(caller, "reporter")], days))
    [hit] = api(handler)("GET", "/api/v1/lookup?phone=07700900790").get_json()["results"]
    assert hit["case_review"] is True
    assert [e["complaints"] for e in hit["case_review_evidence"]] == [3]
