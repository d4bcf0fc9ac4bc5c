"""People (issue 6): the person page and who may open it, duplicate checks when adding a person to
a case, and merging two profiles of the same person, with an exact undo."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from sara.audit.models import AuditEvent
from sara.cases.models import CaseEvent
from sara.core.types import today, utcnow
from sara.extensions import db
from sara.flags.scan import scan_repeat_victims
from sara.incidents.models import CaseIncident, Incident, IncidentPerson
from sara.partners import service as sharing
from sara.people import lookup, matching
from sara.people import service as people_service
from sara.people.models import CasePerson, Person, PersonMerge, PersonVulnerability

_n = iter(range(1, 10**9))


def _person(org, name="Margaret Oakley", *, date_of_birth=None, phone=None, address=None,
            postcode=None, vulnerabilities=()) -> Person:
    person = Person(reference=f"PN-{900000 + next(_n):06d}", organisation_id=org.id, name=name,
                    date_of_birth=date_of_birth, phone=phone, address=address, postcode=postcode,
                    vulnerabilities=[PersonVulnerability(kind=k) for k in vulnerabilities])
    matching.fill_keys(person)
    db.session.add(person)
    db.session.flush()
    return person


def _incident(org, person, *, days_ago=3, role="victim", asb=True, category="Rowdy behaviour",
              case=None) -> Incident:
    when = utcnow() - timedelta(days=days_ago)
    incident = Incident(source="form", source_key=f"P-{next(_n)}", organisation_id=org.id,
                        occurred_dt=when, category=category, is_asb=asb)
    db.session.add(incident)
    db.session.flush()
    db.session.add(IncidentPerson(incident_id=incident.id, person_id=person.id, role=role,
                                  occurred_dt=when, is_asb=asb))
    if case is not None:
        db.session.add(CaseIncident(case_id=case.id, incident_id=incident.id,
                                    created_by_id=case.owner_id))
    db.session.flush()
    return incident


def _link(case, person, role="victim"):
    link = CasePerson(case_id=case.id, person_id=person.id, role=role,
                      created_by_id=case.owner_id)
    db.session.add(link)
    db.session.flush()
    return link


def _consultations(reference: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "consultation", AuditEvent.record_type == "person",
        AuditEvent.record_ref == reference))


def _text(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


@pytest.fixture
def world(police, make_org, make_user, make_case):
    other_force = make_org("Other Constabulary")
    council = make_org("District Council", kind="local_authority")
    users = {
        "officer": make_user("officer", name="Owner Officer"),
        "supervisor": make_user("supervisor", name="Sam Supervisor"),
        "call_handler": make_user("call_handler"),
        "admin": make_user("admin"),
        "partner": make_user("partner", org=council),
        "other_officer": make_user("officer", org=other_force),
        "other_supervisor": make_user("supervisor", org=other_force),
    }
    case = make_case(owner=users["officer"], title="Shop front problem")
    sharing.share_with_organisation(case, users["officer"], council, "view")
    case.personal_details_shared = True
    person = _person(police, date_of_birth=date(1950, 4, 1), phone="07700 900111",
                     address="4 Monks Road, Lincoln", postcode="LN2 5AB",
                     vulnerabilities=("age", "isolation"))
    _link(case, person)
    db.session.commit()
    return {"users": users, "case": case, "person": person, "police": police,
            "other_force": other_force}


# === 1. The person page ==========================================================================

@pytest.mark.parametrize("actor, status", [
    ("officer", 200), ("supervisor", 200), ("call_handler", 200),
    ("partner", 404), ("other_officer", 404), ("other_supervisor", 404), ("admin", 404),
])
def test_who_may_open_a_person_page(world, browser, actor, status):
    response = browser(world["users"][actor]).get(f"/people/{world['person'].reference}")
    assert response.status_code == status
    if status == 404:
        # Not even the name leaks, though the partner sees it on the case shared with details.
        assert "Margaret Oakley" not in response.get_data(as_text=True)


def test_the_policy_itself_keeps_people_within_their_force(world):
    from sara import policy

    person, users = world["person"], world["users"]
    allowed = {name for name, user in users.items() if policy.can_view_person(user, person)}
    assert allowed == {"officer", "supervisor", "call_handler"}
    mergers = {name for name, user in users.items() if policy.can_merge_people(user, person)}
    assert mergers == {"supervisor"}


def test_a_refused_person_page_is_audited_and_answers_like_a_missing_one(world, browser):
    partner = browser(world["users"]["partner"])
    ref = world["person"].reference
    assert partner.get(f"/people/{ref}").status_code == 404
    assert partner.get("/people/PN-999999").status_code == 404
    denied = db.session.scalars(sa.select(AuditEvent.record_ref).where(
        AuditEvent.action == "access_denied", AuditEvent.record_type == "person")).all()
    assert denied == [ref, "PN-999999"]
    assert _consultations(ref) == 0


def test_each_view_writes_exactly_one_consultation_row(world, browser):
    handler = browser(world["users"]["call_handler"])
    ref = world["person"].reference
    before = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0
    assert handler.get(f"/people/{ref}").status_code == 200
    assert _consultations(ref) == 1
    # Besides the person's own row, one row per list the page shows (their cases, their
    # incidents), each naming what it listed.
    others = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.id > before, sa.or_(AuditEvent.record_ref.is_(None),
                                       AuditEvent.record_ref != ref))).all()
    assert all(row.details.get("references") for row in others)
    assert len(others) == len({row.record_type for row in others})
    handler.get(f"/people/{ref}")
    assert _consultations(ref) == 2
    row = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.record_ref == ref)).first()
    assert row.user_id == world["users"]["call_handler"].id


def test_page_shows_details_cases_incidents_and_the_flag_with_its_evidence(world, browser,
                                                                           make_case):
    police, person = world["police"], world["person"]
    for days in (300, 100, 20, 2):
        _incident(police, person, days_ago=days, category="Rowdy behaviour",
                  case=world["case"] if days == 2 else None)
    theft = _incident(police, person, days_ago=5, role="witness", asb=False,
                      category="Shoplifting")
    scan_repeat_victims()
    db.session.commit()
    html = _text(browser(world["users"]["officer"]).get(f"/people/{person.reference}"))
    assert "Repeat ASB victim: 4 ASB incidents in the last 12 months" in html
    assert 'data-testid="flags-banner"' in html
    assert "1 April 1950" in html and "07700 900111" in html and "LN2 5AB" in html
    assert "Age, Isolation" in html
    case = world["case"]
    assert f'href="/cases/{case.reference}"' in html and "Shop front problem" in html
    assert "Victim" in html and "Witness" in html and "Shoplifting" in html
    assert f'href="/incidents/{theft.id}">{theft.source_key}</a>' in html
    when = utcnow() - timedelta(days=5)
    assert f"{when.day} {when:%b %Y}" in html


def test_cases_the_viewer_cannot_see_are_not_listed(world, browser, make_user, make_case):
    """A case or incident of another force the person is (wrongly) linked to stays invisible."""
    other_owner = make_user("officer", org=world["other_force"])
    other_case = make_case(owner=other_owner, title="Their secret problem")
    _link(other_case, world["person"], "witness")
    _incident(world["other_force"], world["person"], category="Their secret incident")
    db.session.commit()
    html = browser(world["users"]["officer"]).get(
        f"/people/{world['person'].reference}").get_data(as_text=True)
    assert other_case.reference not in html and "Their secret problem" not in html
    assert "Their secret incident" not in html
    assert world["case"].reference in html


# === 2. Duplicates when adding a person ==========================================================

def _form(**values) -> dict:
    born = values.pop("date_of_birth", None)
    data = {"name": "", "role": "victim", "phone": "", "address": "", "postcode": ""}
    data.update(values)
    if born:
        data["date_of_birth"] = [str(born.day), str(born.month), str(born.year)]
    return data


def _people_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Person))


RULES = {
    "name and date of birth": (_form(name="margaret  OAKLEY", date_of_birth=date(1950, 4, 1)),
                               "Same name, same date of birth"),
    "phone": (_form(name="M Oakley", phone="+44 7700 900111"),
              "Same phone number, compatible names"),
    "address and surname": (_form(name="Peggy Oakley", address="4 Monks Rd Lincoln"),
                            "Same address and surname, different first names"),
}


@pytest.mark.parametrize("rule", list(RULES))
def test_each_part_of_the_duplicate_rule_warns_before_creating(world, browser, make_case, rule):
    data, reason = RULES[rule]
    case = make_case(owner=world["users"]["officer"], title="Another problem")
    db.session.commit()
    officer = browser(world["users"]["officer"])
    count = _people_count()
    response = officer.post(f"/cases/{case.reference}/people/new", data=data)
    html = _text(response)
    assert response.status_code == 200
    assert "This may be someone already on record" in html
    person = world["person"]
    assert person.reference in html and reason in html
    assert "1 April 1950" in html and "07700 900111" in html and "4 Monks Road, Lincoln" in html
    assert f"Link {person.reference} as victim" in html
    assert "They are a different person: create a new profile" in html
    assert 'name="confirmed" value="1"' in html
    db.session.expire_all()
    assert _people_count() == count
    # Showing them is a consultation of their record.
    assert _consultations(person.reference) == 1


def test_no_warning_when_nothing_matches(world, browser):
    officer = browser(world["users"]["officer"])
    case = world["case"]
    count = _people_count()
    response = officer.post(f"/cases/{case.reference}/people/new",
                            data=_form(name="Brand New", phone="01522 000000"))
    assert response.status_code == 302
    db.session.expire_all()
    assert _people_count() == count + 1


def test_a_different_person_is_created_once_confirmed(world, browser):
    officer = browser(world["users"]["officer"])
    case = world["case"]
    data = _form(name="Margaret Oakley", phone="07700 900111", role="witness")
    count = _people_count()
    assert officer.post(f"/cases/{case.reference}/people/new", data=data).status_code == 200
    response = officer.post(f"/cases/{case.reference}/people/new", data={**data, "confirmed": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert _people_count() == count + 1
    new = db.session.scalar(sa.select(Person).order_by(Person.id.desc()).limit(1))
    assert new.id != world["person"].id and new.phone == "07700 900111"


def test_linking_the_existing_person_instead(world, browser, make_case):
    case = make_case(owner=world["users"]["officer"], title="Another problem")
    db.session.commit()
    officer = browser(world["users"]["officer"])
    person = world["person"]
    count = _people_count()
    response = officer.post(f"/cases/{case.reference}/people/link",
                            data={"person_ref": person.reference, "role": "reporter",
                                  "vulnerabilities": ["age", "disability"]})
    assert response.status_code == 302
    db.session.expire_all()
    assert _people_count() == count
    links = db.session.scalars(sa.select(CasePerson).where(CasePerson.case_id == case.id)).all()
    assert [(link.person_id, link.role) for link in links] == [(person.id, "reporter")]
    kinds = sorted(v.kind for v in db.session.get(Person, person.id).vulnerabilities)
    assert kinds == ["age", "disability", "isolation"]
    events = db.session.scalars(sa.select(CaseEvent.summary).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "person_linked")).all()
    assert events == [f"Linked {person.reference} as reporter"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "alteration", AuditEvent.record_ref == person.reference,
        AuditEvent.case_id == case.id)) == 1
    page = _text(officer.get(f"/cases/{case.reference}"))
    assert f"{person.name} ({person.reference}) linked as reporter" in page
    # The same link twice is refused, with a reason.
    again = officer.post(f"/cases/{case.reference}/people/link",
                         data={"person_ref": person.reference, "role": "reporter"},
                         follow_redirects=True)
    assert "is already linked to this case as reporter" in _text(again)
    assert len(db.session.scalars(sa.select(CasePerson).where(
        CasePerson.case_id == case.id)).all()) == 1


def test_the_warning_says_when_the_match_is_already_on_the_case(world, browser):
    officer = browser(world["users"]["officer"])
    html = _text(officer.post(f"/cases/{world['case'].reference}/people/new",
                              data=_form(name="Someone", phone="07700900111")))
    assert f"{world['person'].reference} is already linked to this case as victim" in html
    assert f"Link {world['person'].reference} as victim" not in html


@pytest.mark.parametrize("person_ref, message", [
    ("PN-999999", "There is no profile with that reference"),
    ("", "Choose the profile to link"),
    ("PN-00\x001", "Enter a person reference, like PN-000123"),
    ("'; drop table people; --", "Enter a person reference, like PN-000123"),
])
def test_linking_bad_references_is_explained(world, browser, person_ref, message):
    officer = browser(world["users"]["officer"])
    response = officer.post(f"/cases/{world['case'].reference}/people/link",
                            data={"person_ref": person_ref, "role": "witness"},
                            follow_redirects=True)
    assert response.status_code == 200
    assert message in _text(response)


def test_a_person_of_another_force_cannot_be_linked(world, browser, make_user):
    stranger = _person(world["other_force"], "Other Force Person")
    db.session.commit()
    officer = browser(world["users"]["officer"])
    response = officer.post(f"/cases/{world['case'].reference}/people/link",
                            data={"person_ref": stranger.reference, "role": "witness"},
                            follow_redirects=True)
    assert "There is no profile with that reference" in _text(response)
    with pytest.raises(people_service.PersonError):
        people_service.add_existing_person_to_case(world["case"], world["users"]["officer"],
                                                   stranger, "witness")


# === 3. Merging two profiles =====================================================================

@pytest.fixture
def pair(world, make_case):
    """Two profiles of the same woman, with overlapping links of every kind."""
    police, officer = world["police"], world["users"]["officer"]
    kept = _person(police, "Margaret Oakley", date_of_birth=date(1950, 4, 1),
                   vulnerabilities=("age",))
    merged = _person(police, "Maggie Oakley", phone="07700 900222", address="9 Steep Hill",
                     postcode="LN1 1AA", vulnerabilities=("age", "disability"))
    shared_case = world["case"]
    second_case = make_case(owner=officer, title="Second problem")
    _link(shared_case, kept, "victim")
    _link(shared_case, merged, "victim")     # the same link on both: a duplicate
    _link(shared_case, merged, "reporter")
    _link(second_case, merged, "witness")
    both = _incident(police, kept, days_ago=10)
    db.session.add(IncidentPerson(incident_id=both.id, person_id=merged.id, role="victim",
                                  occurred_dt=both.occurred_dt, is_asb=True))  # duplicate too
    _incident(police, merged, days_ago=20, role="reporter")
    _incident(police, merged, days_ago=40)
    db.session.commit()
    return {"kept": kept, "merged": merged, "cases": (shared_case, second_case)}


def _rows(query) -> list[tuple]:
    return sorted(tuple(row) for row in db.session.execute(query))


def _snapshot(*people: Person) -> dict:
    """Everything a merge touches, by row id."""
    db.session.expire_all()
    result = {}
    for p in people:
        person = db.session.get(Person, p.id)
        result[p.reference] = {
            "details": (person.name, person.date_of_birth, person.phone, person.address,
                        person.postcode, person.name_key, person.phone_key, person.address_key,
                        person.postcode_key, person.merged_into_id),
            "cases": _rows(sa.select(
                CasePerson.id, CasePerson.case_id, CasePerson.role, CasePerson.created_dt,
                CasePerson.created_by_id).where(CasePerson.person_id == p.id)),
            "incidents": _rows(sa.select(
                IncidentPerson.id, IncidentPerson.incident_id, IncidentPerson.role,
                IncidentPerson.occurred_dt, IncidentPerson.is_asb)
                .where(IncidentPerson.person_id == p.id)),
            "vulnerabilities": _rows(sa.select(
                PersonVulnerability.id, PersonVulnerability.kind)
                .where(PersonVulnerability.person_id == p.id)),
        }
    return result


def _merge(signed_in, kept, merged):
    return signed_in.post(f"/people/{kept.reference}/merge",
                          data={"other_reference": merged.reference})


def _unique_links(snapshot: dict) -> dict:
    """The links of all the profiles together, as what they mean (not which row holds them)."""
    everyone = snapshot.values()
    return {
        "cases": {(c[1], c[2]) for s in everyone for c in s["cases"]},
        "incidents": {(i[1], i[2]) for s in everyone for i in s["incidents"]},
        "vulnerabilities": {v[1] for s in everyone for v in s["vulnerabilities"]},
    }


def test_merge_moves_every_link_and_loses_none(world, pair, browser, queued_checks):
    kept, merged = pair["kept"], pair["merged"]
    before = _snapshot(kept, merged)
    rows_before = {key: sum(len(s[key]) for s in before.values())
                   for key in ("cases", "incidents", "vulnerabilities")}
    assert rows_before == {"cases": 4, "incidents": 4, "vulnerabilities": 3}
    supervisor = browser(world["users"]["supervisor"])
    response = _merge(supervisor, kept, merged)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/people/{kept.reference}")

    after = _snapshot(kept, merged)
    on_merged = after[merged.reference]
    assert on_merged["cases"] == on_merged["incidents"] == on_merged["vulnerabilities"] == []
    # Every link the two had is now on the kept profile...
    assert _unique_links({kept.reference: after[kept.reference]}) == _unique_links(before)
    # ...and each row is either on it or, being a duplicate, kept whole in the merge record.
    record = db.session.scalar(sa.select(PersonMerge).where(PersonMerge.kept_id == kept.id))
    removed = record.record["removed"]
    assert len(removed["case_people"]) == len(removed["incident_people"]) == 1
    assert len(removed["vulnerabilities"]) == 1
    assert len(after[kept.reference]["cases"]) + len(removed["case_people"]) == 4
    assert len(after[kept.reference]["incidents"]) + len(removed["incident_people"]) == 4
    assert len(after[kept.reference]["vulnerabilities"]) + len(removed["vulnerabilities"]) == 3
    moved_ids = {row[0] for row in before[merged.reference]["cases"]}
    assert moved_ids == set(record.record["moved"]["case_people"]) | {
        r["id"] for r in removed["case_people"]}

    # Missing details came from the merged profile; the kept ones stayed.
    details = after[kept.reference]["details"]
    assert details[:5] == ("Margaret Oakley", date(1950, 4, 1), "07700 900222", "9 Steep Hill",
                           "LN1 1AA")
    assert details[6] == matching.phone_key("07700 900222")
    assert after[merged.reference]["details"][-1] == kept.id
    assert record.record["filled"] == {"phone": merged.reference, "address": merged.reference,
                                       "postcode": merged.reference}
    # The merged profile leaves lookups and duplicate checks.
    found = lookup.lookup(world["police"].id, phone="07700 900222")
    assert [hit.person.id for hit in found] == [kept.id]
    assert [e.person.id for e in matching.candidates(world["police"].id, name="Maggie Oakley",
                                                     date_of_birth=None,
                                                     phone="07700 900222",
                                                     address=None)] == [kept.id]
    # Timeline on each case, an audit row for each profile, flag checks for both.
    for case in pair["cases"]:
        assert db.session.scalar(sa.select(CaseEvent.summary).where(
            CaseEvent.case_id == case.id, CaseEvent.kind == "person_merged")) == (
            f"Merged {merged.reference} into {kept.reference} (two profiles of the same person)")
    audited = db.session.scalars(sa.select(AuditEvent.record_ref).where(
        AuditEvent.action == "alteration", AuditEvent.record_type == "person",
        AuditEvent.summary == f"Merged {merged.reference} into {kept.reference}")).all()
    assert sorted(audited) == sorted([kept.reference, merged.reference])
    assert queued_checks == [{kept.id, merged.id}]


def test_the_page_says_where_each_detail_came_from(world, pair, browser):
    kept, merged = pair["kept"], pair["merged"]
    supervisor = browser(world["users"]["supervisor"])
    _merge(supervisor, kept, merged)
    html = _text(supervisor.get(f"/people/{kept.reference}"))
    day = today()
    stamp = f"(merged {day.day} {day:%b %Y})"
    assert f"Phone from {merged.reference} {stamp}" in html
    assert f"Address from {merged.reference} {stamp}" in html
    assert "Date of birth from" not in html  # the kept profile had its own
    assert f"{merged.reference} was merged into this profile" in html
    assert "Undo this merge" in html
    # The merged profile's own page points to where it lives now.
    old = _text(supervisor.get(f"/people/{merged.reference}"))
    assert "This profile was merged into" in old and kept.reference in old


def test_undo_restores_exactly_what_was_there(world, pair, browser, queued_checks):
    kept, merged = pair["kept"], pair["merged"]
    before = _snapshot(kept, merged)
    supervisor = browser(world["users"]["supervisor"])
    assert _merge(supervisor, kept, merged).status_code == 302
    assert _snapshot(kept, merged) != before
    record = db.session.scalar(sa.select(PersonMerge).where(PersonMerge.kept_id == kept.id))
    response = supervisor.post(f"/people/{kept.reference}/merges/{record.id}/undo")
    assert response.status_code == 302
    assert _snapshot(kept, merged) == before
    db.session.expire_all()
    assert db.session.get(PersonMerge, record.id).undone_dt is not None
    assert queued_checks == [{kept.id, merged.id}, {kept.id, merged.id}]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "alteration",
        AuditEvent.summary == f"Undid the merge of {merged.reference} into {kept.reference}",
    )) == 2
    for case in pair["cases"]:
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent).where(
            CaseEvent.case_id == case.id, CaseEvent.kind == "person_merge_undone")) == 1
    html = _text(supervisor.get(f"/people/{kept.reference}"))
    assert "Undone" in html and "Phone from" not in html
    # Undoing twice is refused with a reason; the state stays as it is.
    again = supervisor.post(f"/people/{kept.reference}/merges/{record.id}/undo",
                            follow_redirects=True)
    assert "This merge has already been undone" in _text(again)
    assert _snapshot(kept, merged) == before


def test_merges_are_undone_newest_first(world, pair, browser):
    kept, merged = pair["kept"], pair["merged"]
    third = _person(world["police"], "Mags Oakley", phone="07700 900333")
    db.session.commit()
    supervisor = browser(world["users"]["supervisor"])
    _merge(supervisor, kept, merged)
    _merge(supervisor, kept, third)
    first, second = db.session.scalars(sa.select(PersonMerge).where(
        PersonMerge.kept_id == kept.id).order_by(PersonMerge.id)).all()
    refused = supervisor.post(f"/people/{kept.reference}/merges/{first.id}/undo",
                              follow_redirects=True)
    assert f"Undo the later merge of {third.reference}" in _text(refused)
    db.session.expire_all()
    assert db.session.get(PersonMerge, first.id).undone_dt is None
    supervisor.post(f"/people/{kept.reference}/merges/{second.id}/undo")
    supervisor.post(f"/people/{kept.reference}/merges/{first.id}/undo")
    db.session.expire_all()
    assert db.session.get(Person, merged.id).merged_into_id is None
    assert db.session.get(Person, third.id).merged_into_id is None


def test_the_comparison_shows_both_and_changes_nothing(world, pair, browser):
    kept, merged = pair["kept"], pair["merged"]
    before = _snapshot(kept, merged)
    supervisor = browser(world["users"]["supervisor"])
    response = supervisor.get(f"/people/{kept.reference}/merge?other_reference="
                              f"{merged.reference.lower()}")
    html = _text(response)
    assert response.status_code == 200
    assert "Margaret Oakley" in html and "Maggie Oakley" in html
    assert "07700 900222" in html and "1 April 1950" in html
    assert f"{kept.reference} gets the phone, address, postcode of {merged.reference}" in html
    assert f"Merge {merged.reference} into {kept.reference}" in html
    assert _snapshot(kept, merged) == before
    assert _consultations(kept.reference) == _consultations(merged.reference) == 1


@pytest.mark.parametrize("actor, status", [
    ("officer", 403), ("call_handler", 403), ("other_supervisor", 404), ("partner", 404),
])
def test_only_a_supervisor_of_the_force_may_merge(world, pair, browser, actor, status):
    kept, merged = pair["kept"], pair["merged"]
    signed_in = browser(world["users"][actor])
    before = _snapshot(kept, merged)
    assert signed_in.get(f"/people/{kept.reference}/merge").status_code == status
    assert _merge(signed_in, kept, merged).status_code == status
    supervisor = browser(world["users"]["supervisor"])
    _merge(supervisor, kept, merged)
    record = db.session.scalar(sa.select(PersonMerge).where(PersonMerge.kept_id == kept.id))
    assert signed_in.post(
        f"/people/{kept.reference}/merges/{record.id}/undo").status_code == status
    db.session.expire_all()
    assert db.session.get(PersonMerge, record.id).undone_dt is None
    if status == 403:
        html = signed_in.get(f"/people/{kept.reference}").get_data(as_text=True)
        assert "Merge another profile into this one" not in html and "Undo this merge" not in html
    assert before[merged.reference]["details"][-1] is None


def test_an_officer_page_has_no_merge_controls_a_supervisor_page_does(world, browser):
    ref = world["person"].reference
    officer = browser(world["users"]["officer"]).get(f"/people/{ref}").get_data(as_text=True)
    supervisor = browser(world["users"]["supervisor"]).get(f"/people/{ref}").get_data(
        as_text=True)
    assert "Merge another profile into this one" not in officer
    assert "Merge another profile into this one" in supervisor


@pytest.mark.parametrize("other, message", [
    ("PN-999999", "There is no profile with that reference"),
    ("SELF", "A profile cannot be merged into itself"),
    ("OTHER_FORCE", "There is no profile with that reference"),
    ("PN-00\x0012", "Enter a person reference, like PN-000123"),
    ("not a reference", "Enter a person reference, like PN-000123"),
    ("", "Enter the reference of the other profile"),
    ("x" * 5000, "Enter a person reference, like PN-000123"),
])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_bad_merge_input_is_explained_never_a_500(world, pair, browser, other, message, method):
    kept = pair["kept"]
    if other == "SELF":
        other = kept.reference
    elif other == "OTHER_FORCE":
        other = _person(world["other_force"], "Maggie Oakley").reference
        db.session.commit()
    before = _snapshot(kept, pair["merged"])
    supervisor = browser(world["users"]["supervisor"])
    url = f"/people/{kept.reference}/merge"
    if method == "GET":
        response = supervisor.get(url, query_string={"other_reference": other})
    else:
        response = supervisor.post(url, data={"other_reference": other})
    assert response.status_code == 200
    html = _text(response)
    assert "There is a problem" in html and message in html
    assert _snapshot(kept, pair["merged"]) == before


def test_an_already_merged_profile_cannot_be_merged_again(world, pair, browser):
    kept, merged = pair["kept"], pair["merged"]
    third = _person(world["police"], "Mags Oakley")
    db.session.commit()
    supervisor = browser(world["users"]["supervisor"])
    _merge(supervisor, kept, merged)
    html = _text(_merge(supervisor, third, merged))
    assert f"{merged.reference} has already been merged into {kept.reference}" in html
    html = _text(_merge(supervisor, merged, third))
    assert f"{merged.reference} has been merged into {kept.reference}" in html
    # ...nor linked to a case: the kept profile is the one to use.
    response = browser(world["users"]["officer"]).post(
        f"/cases/{world['case'].reference}/people/link",
        data={"person_ref": merged.reference, "role": "witness"}, follow_redirects=True)
    assert f"was merged into {kept.reference}: link that profile instead" in _text(response)


@pytest.mark.parametrize("path", ["/people/PN-00%001", "/people/" + "9" * 300,
                                  "/people/%F0%9F%92%A9", "/people/PN-000001/merges/1/undo"])
def test_bad_person_urls_answer_404(world, browser, path):
    signed_in = browser(world["users"]["supervisor"])
    response = signed_in.post(path) if path.endswith("/undo") else signed_in.get(path)
    assert response.status_code == 404


def test_undo_of_a_merge_of_another_profile_is_404(world, pair, browser):
    kept, merged = pair["kept"], pair["merged"]
    supervisor = browser(world["users"]["supervisor"])
    _merge(supervisor, kept, merged)
    record = db.session.scalar(sa.select(PersonMerge).where(PersonMerge.kept_id == kept.id))
    ref = world["person"].reference
    assert supervisor.post(f"/people/{ref}/merges/{record.id}/undo").status_code == 404
