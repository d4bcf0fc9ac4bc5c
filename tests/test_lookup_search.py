"""The caller lookup finds a caller by any part of their name or address a call handler is
likely to be given: a surname alone, the start of any name, words from the middle of an
address."""

from __future__ import annotations

import pytest

from sara.core.references import person_reference
from sara.extensions import db
from sara.people import matching
from sara.people.lookup import lookup
from sara.people.models import CasePerson, Person


@pytest.fixture
def people(police):
    made = {}
    for name, address in (("Amira Larkspur", "112 Monks Road, Lincoln"),
                          ("Ewa Nowak-Okafor", "3 Ermine Close, Lincoln"),
                          ("Larkin Hale", "9 Park Street, Lincoln"),
                          ("Catherine Smith", "40 Mill Lane, Lincoln")):
        person = Person(reference=person_reference(), organisation_id=police.id, name=name,
                        address=address)
        matching.fill_keys(person)
        db.session.add(person)
        made[name] = person
    db.session.flush()
    return made


def _names(police, **criteria) -> list[str]:
    return sorted(hit.person.name for hit in lookup(police.id, **criteria))


@pytest.mark.parametrize("name, found", [
    ("Larkspur", ["Amira Larkspur"]),
    ("larks", ["Amira Larkspur"]),
    ("Amira", ["Amira Larkspur"]),
    ("amira lark", ["Amira Larkspur"]),
    ("lark", ["Amira Larkspur", "Larkin Hale"]),
    ("Okafor", ["Ewa Nowak-Okafor"]),
    ("Nowak Okafor", ["Ewa Nowak-Okafor"]),
    ("Ewa Okafor", ["Ewa Nowak-Okafor"]),
    ("Hale Larkin", ["Larkin Hale"]),
    ("spur", []),
    ("Amira Hale", []),
    # Names that sound alike: a misheard or misspelt name over the phone.
    ("Smyth", ["Catherine Smith"]),
    ("Kathryn Smith", ["Catherine Smith"]),
    ("Larkspurr", ["Amira Larkspur"]),
    ("Okafore", ["Ewa Nowak-Okafor"]),
    ("Smithson", []),
])
def test_a_name_is_found_by_the_start_of_any_of_its_parts(police, people, name, found):
    assert _names(police, name=name) == found


@pytest.mark.parametrize("address, found", [
    ("Monks Road", ["Amira Larkspur"]),
    ("monks rd", ["Amira Larkspur"]),
    ("112 Monks", ["Amira Larkspur"]),
    ("Ermine", ["Ewa Nowak-Okafor"]),
    ("Lincoln", ["Amira Larkspur", "Catherine Smith", "Ewa Nowak-Okafor", "Larkin Hale"]),
    ("Road Monks", []),
])
def test_an_address_is_found_by_words_anywhere_in_it(police, people, address, found):
    assert _names(police, address=address) == found


def test_the_page_finds_a_caller_by_surname_alone(police, people, browser, make_user):
    page = browser(make_user("call_handler")).post("/lookup", {"name": "Larkspur"})
    assert "Amira Larkspur" in page.get_data(as_text=True)


def test_each_hit_shows_the_open_cases_the_viewer_may_see_with_the_officer_in_charge(
        police, people, browser, make_user, make_case, make_org, officer, api):
    caller = people["Amira Larkspur"]
    open_case = make_case(owner=officer, title="Drinking on Monks Road")
    closed = make_case(owner=officer, title="Old noise problem")
    closed.status = "closed"
    for case in (open_case, closed):
        db.session.add(CasePerson(case_id=case.id, person_id=caller.id, role="victim",
                                  created_by_id=officer.id))
    db.session.flush()
    handler = make_user("call_handler")
    page = browser(handler).post("/lookup", {"name": "Larkspur"}).get_data(as_text=True)
    assert open_case.reference in page and "Drinking on Monks Road" in page
    assert f"officer in charge: {officer.name}" in page
    assert closed.reference not in page
    [hit] = api(handler)("GET", "/api/v1/lookup?name=Larkspur").get_json()["results"]
    assert hit["open_cases"] == [{"reference": open_case.reference,
                                  "title": "Drinking on Monks Road", "officer": officer.name}]
    # Another force's user finds no one of this force, and so none of its cases.
    other = make_user("call_handler", org=make_org("Humberside Police"))
    assert "Drinking on Monks Road" not in browser(other).post(
        "/lookup", {"name": "Larkspur"}).get_data(as_text=True)


def test_record_an_incident_for_a_caller_comes_with_the_caller_filled_in(
        police, people, browser, make_user):
    caller = people["Amira Larkspur"]
    handler = browser(make_user("call_handler"))
    page = handler.post("/lookup", {"name": "Larkspur"}).get_data(as_text=True)
    link = f"/incidents/new?person={caller.reference}"
    assert f'href="{link}"' in page and "Record an incident for Amira Larkspur" in page
    form = handler.get(link).get_data(as_text=True)
    assert f'value="{caller.reference}"' in form
    assert '<option value="reporter" selected>' in form
