"""Issue 13, item 1: matching that never invents or splits a person (sara.people.matching), and
the possible-duplicates queue where a supervisor decides what the rule would not."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from sara.audit.models import AuditEvent
from sara.extensions import db
from sara.flags.status import people_status
from sara.incidents import importer
from sara.incidents.models import IncidentPerson
from sara.people import matching
from sara.people.models import Person, PersonMerge, PossibleDuplicate

HEADER = ("incident_ref,occurred_at,category,is_asb,location,postcode,latitude,longitude,"
          "caller_name,caller_phone,caller_address,caller_dob,description")


def _import(tmp_path, police, callers, name="cad.csv"):
    """One ASB call a week from each (name, phone, address, dob) caller, in order."""
    lines = [HEADER]
    for n, (caller, phone, address, born) in enumerate(callers, start=1):
        lines.append(f"{name}-{n},2026-03-{n:02d} 21:30,Noise,yes,Monks Road,LN2 5PG,,,"
                     f"\"{caller}\",{phone},\"{address}\",{born},Music")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    result = importer.import_file(path, "cad", police.id)
    db.session.commit()
    return result


def _people():
    return db.session.scalars(sa.select(Person).where(Person.merged_into_id.is_(None))
                              .order_by(Person.id)).all()


def _pairs():
    return db.session.scalars(sa.select(PossibleDuplicate).order_by(PossibleDuplicate.id)).all()


def _repeat_victims(people):
    status = people_status([p.id for p in people])
    return [p.name for p in people if status[p.id].repeat_victim]


# === the rule ====================================================================================

def test_a_household_stays_two_people_and_neither_is_a_repeat_victim(tmp_path, police):
    _import(tmp_path, police, [("John Smith", "", "12 Ermine Road, Lincoln", ""),
                               ("Jane Smith", "", "12 Ermine Rd Lincoln", "")])
    people = _people()
    assert [p.name for p in people] == ["John Smith", "Jane Smith"]
    # Before: one profile, a repeat victim on the strength of two people's calls.
    assert _repeat_victims(people) == []
    [pair] = _pairs()
    assert pair.summary == "same address and surname; different first names"


def test_double_barrelled_surnames_at_one_address_are_different_people(tmp_path, police):
    _import(tmp_path, police, [("Ada Nowak-Okafor", "", "3 Lamb Gardens", ""),
                               ("Ada Pritchard-Okafor", "", "3 Lamb Gardens", "")])
    people = _people()
    assert [p.surname_key for p in people] == ["nowak-okafor", "pritchard-okafor"]
    # The incident's postcode (LN2 5PG) is where it happened, not the caller's.
    assert [p.postcode for p in people] == [None, None]
    assert _pairs() == [] and _repeat_victims(people) == []


def test_a_caller_who_gives_only_a_name_twice_is_proposed_not_lost(tmp_path, police):
    result = _import(tmp_path, police, [("Amira Larkspur", "", "", ""),
                                        ("amira  larkspur", "", "", "")])
    assert len(_people()) == 2 and result.possible_duplicates == 1
    [pair] = _pairs()
    assert pair.summary == "same name" and pair.status == "open"


@pytest.mark.parametrize("phones", [
    ("+44 7700 900123", "0044 7700 900123", "07700-900-123"),
    ("07700 900123", "+44 (0)7700 900123", "447700900123"),
])
def test_the_same_phone_and_a_compatible_name_link_automatically(tmp_path, police, phones):
    _import(tmp_path, police, [("John Smith", phones[0], "", ""),
                               ("J Smith", phones[1], "", ""),
                               ("SMITH, John", phones[2], "", "")])
    [person] = _people()
    assert _repeat_victims([person]) == ["John Smith"]
    assert _pairs() == []


def test_a_shared_landline_with_different_first_names_is_a_possible_duplicate(tmp_path, police):
    _import(tmp_path, police, [("Keith Ulceby", "01522 528117", "", ""),
                               ("Joan Ulceby", "+44 1522 528117", "", "")])
    assert [p.name for p in _people()] == ["Keith Ulceby", "Joan Ulceby"]
    [pair] = _pairs()
    assert pair.summary == "same phone number; different first names"


def test_name_and_date_of_birth_link_and_a_different_date_of_birth_does_not(tmp_path, police):
    _import(tmp_path, police, [("Mary O'Neill", "", "", "1961-07-08"),
                               ("Mrs Mary ONeill", "", "", "1961-07-08"),
                               ("Mary O Neill", "07700 900999", "", "1961-07-08"),
                               # Same name and phone, another date of birth: her daughter.
                               ("Mary O'Neill", "07700 900999", "", "1990-01-02")])
    people = _people()
    assert len(people) == 2 and people[1].date_of_birth == date(1990, 1, 2)
    [pair] = _pairs()
    # The automatic link does not change the profile's details, so only the name is shared.
    assert pair.summary == "same name; different dates of birth"


def test_a_caller_matching_two_profiles_strongly_is_linked_to_neither(tmp_path, police):
    _import(tmp_path, police, [("John Smith", "01522 111222", "", ""),
                               ("Jane Smith", "01522 111222", "", ""),
                               ("Mrs Smith", "01522 111222", "", "")])
    assert [p.name for p in _people()] == ["John Smith", "Jane Smith", "Mrs Smith"]
    assert {(pair.person.name, pair.other.name) for pair in _pairs()} == {
        ("John Smith", "Jane Smith"), ("John Smith", "Mrs Smith"), ("Jane Smith", "Mrs Smith")}


@pytest.mark.parametrize("one, other", [
    ("Mary O'Neill", "mary  ONEILL"), ("Mary O'Neill", "Mary O Neill"),
    ("Mary O’Neill", "Mary O'Neill"), ("Pieter van der Berg", "PIETER VAN DER BERG"),
    ("Pieter van der Berg", "Pieter Vanderberg"), ("Smith, John", "John Smith"),
    ("Dr John Smith", "john smith"), ("José Álvarez", "Jose Alvarez"),
    ("Ada Nowak-Okafor", "Ada  nowak-OKAFOR"),
])
def test_names_normalise_to_one_surname(one, other):
    assert matching.surname_key(one) == matching.surname_key(other) != ""
    assert matching.evidence(Person(name=other, name_key=matching.name_key(other)),
                             name=one, date_of_birth=None, phone=None, address=None) is not None


@pytest.mark.parametrize("one, other", [
    ("Ada Nowak-Okafor", "Ada Pritchard-Okafor"), ("Ada Nowak-Okafor", "Ada Okafor"),
    ("Pieter van der Berg", "Pieter Berg"), ("Al Smith", "Alsmith"),
])
def test_surnames_keep_every_part(one, other):
    assert matching.surname_key(one) != matching.surname_key(other)


@pytest.mark.parametrize("written", ["07700 900123", "+44 7700 900123", "0044 7700 900123",
                                     "+44 (0) 7700 900123", "07700-900-123", "(07700) 900123",
                                     "44 7700 900123"])
def test_uk_phone_numbers_normalise(written):
    assert matching.phone_key(written) == "07700900123"


def test_service_numbers_and_foreign_numbers_are_not_confused():
    assert matching.phone_key("101") is None and matching.phone_key("withheld") is None
    assert matching.phone_key("+33 1 23 45 67 89") == "0033123456789"


# === the queue ===================================================================================

@pytest.fixture
def landline(tmp_path, police):
    _import(tmp_path, police, [("Keith Ulceby", "01522 528117", "", ""),
                               ("Joan Ulceby", "01522 528117", "", ""),
                               ("Amira Larkspur", "", "", ""),
                               ("Amira Larkspur", "", "", "")])
    return tmp_path


def test_a_supervisor_sees_the_evidence_and_decides(landline, police, make_user, browser):
    supervisor = make_user("supervisor")
    db.session.commit()
    web = browser(supervisor)
    page = web.get("/people/duplicates").get_data(as_text=True)
    keith, joan, amira, amira_again = _people()
    shared, name_only = _pairs()
    assert "same phone number; different first names" in page and "same name" in page
    for person in (keith, joan, amira, amira_again):
        assert person.reference in page
    assert "Possible duplicates" in page  # in the navigation too
    # Listing them is a consultation of each profile shown.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "consultation", AuditEvent.record_ref == keith.reference)) == 1

    # Keith and Joan share a landline: different people, and remembered.
    response = web.post(f"/people/duplicates/{shared.id}/different")
    assert response.status_code == 302
    db.session.expire_all()
    assert shared.status == "different" and shared.decided_by_id == supervisor.id
    # Joan calls again from the landline: hers, and nothing is proposed again.
    _import(landline, police, [("Joan Ulceby", "01522 528117", "", "")], name="again.csv")
    assert len(_people()) == 4 and len(_pairs()) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IncidentPerson).where(
        IncidentPerson.person_id == joan.id)) == 2
    # A new profile with the same evidence against Keith is not proposed again either.
    assert matching.propose(joan, matching.candidates(
        police.id, name="Joan Ulceby", date_of_birth=None, phone="01522 528117",
        address=None, exclude_id=joan.id)) == 0

    # Amira twice is one woman: merged through the undoable merge, and now a repeat victim.
    assert _repeat_victims([amira]) == []
    response = web.post(f"/people/duplicates/{name_only.id}/merge")
    assert response.status_code == 302
    db.session.expire_all()
    assert name_only.status == "merged"
    assert amira_again.merged_into_id == amira.id
    assert _repeat_victims([amira]) == ["Amira Larkspur"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IncidentPerson).where(
        IncidentPerson.person_id == amira.id)) == 2
    page = web.get("/people/duplicates").get_data(as_text=True)
    assert "There are no possible duplicates to decide." in page

    # Undoing the merge puts the pair back in the queue.
    merge = db.session.scalar(sa.select(PersonMerge))
    response = web.post(f"/people/{amira.reference}/merges/{merge.id}/undo")
    assert response.status_code == 302
    db.session.expire_all()
    assert name_only.status == "open"
    assert amira.reference in web.get("/people/duplicates").get_data(as_text=True)


def test_deciding_twice_is_refused_with_a_message(landline, make_user, browser):
    web = browser(make_user("supervisor"))
    db.session.commit()
    shared = _pairs()[0]
    web.post(f"/people/duplicates/{shared.id}/different")
    response = web.post(f"/people/duplicates/{shared.id}/merge", follow_redirects=True)
    assert "Someone has already decided about these two profiles" in response.get_data(
        as_text=True)
    db.session.expire_all()
    assert shared.status == "different" and db.session.scalar(sa.select(PersonMerge)) is None


@pytest.mark.parametrize("role", ["officer", "call_handler"])
def test_only_supervisors_and_the_admin_decide(landline, make_user, browser, role):
    shared = _pairs()[0]
    web = browser(make_user(role))
    admin = browser(make_user("admin"))
    db.session.commit()
    assert web.get("/people/duplicates").status_code == 403
    assert web.post(f"/people/duplicates/{shared.id}/different").status_code == 403
    assert "Possible duplicates" not in web.get("/").get_data(as_text=True)
    assert shared.reasons[0] in admin.get("/people/duplicates").get_data(as_text=True)
    assert admin.post(f"/people/duplicates/{shared.id}/different").status_code == 302


def test_another_forces_supervisor_gets_a_404(landline, make_org, make_user, browser):
    shared = _pairs()[0]
    other = browser(make_user("supervisor", org=make_org("Other Constabulary")))
    db.session.commit()
    assert "Keith" not in other.get("/people/duplicates").get_data(as_text=True)
    assert other.post(f"/people/duplicates/{shared.id}/merge").status_code == 404
    assert other.post(f"/people/duplicates/{shared.id}/different").status_code == 404
    db.session.expire_all()
    assert shared.status == "open"


def test_a_person_page_names_the_possible_duplicates(landline, make_user, browser):
    keith, joan, *_ = _people()
    web = browser(make_user("officer"))
    db.session.commit()
    page = web.get(f"/people/{keith.reference}").get_data(as_text=True)
    assert "This may be the same person as" in page and joan.reference in page
    assert "same phone number; different first names" in page


def test_a_new_profile_chosen_on_the_form_is_proposed_to_a_supervisor(
        tmp_path, police, make_case, officer, browser):
    _import(tmp_path, police, [("Peggy Oakley", "", "4 Monks Road, Lincoln", "")])
    case = make_case()
    db.session.commit()
    web = browser(officer)
    form = {"name": "Margaret Oakley", "role": "victim", "phone": "",
            "address": "4 Monks Rd Lincoln", "postcode": ""}
    warned = web.post(f"/cases/{case.reference}/people/new", data=form).get_data(as_text=True)
    assert "This may be someone already on record" in warned
    response = web.post(f"/cases/{case.reference}/people/new", data={**form, "confirmed": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    [pair] = _pairs()
    assert (pair.person.name, pair.other.name) == ("Peggy Oakley", "Margaret Oakley")
    assert pair.summary == "same address and surname; different first names"


def test_the_import_summary_counts_possible_duplicates(app, tmp_path, police):
    path = tmp_path / "cad.csv"
    path.write_text(HEADER + "\n"
                    "C-1,2026-03-01 21:30,Noise,yes,Monks Road,,,,Amira Larkspur,,,,Music\n"
                    "C-2,2026-03-08 21:30,Noise,yes,Monks Road,,,,Amira Larkspur,,,,Music\n")
    result = app.test_cli_runner().invoke(args=["sara", "import-incidents", str(path),
                                                "--format", "cad",
                                                "--org", police.name])
    assert "2 imported" in result.output, result.output
    assert "1 possible duplicate callers to decide" in result.output
