"""Issue 15, part 2: the ASB case-review threshold as the statute and its guidance set it, on data
with known answers. The suite's clock stands at 17 June 2026, 09:30 in London (FROZEN_NOW).

Three qualifying complaints in the last six calendar months reach it, a case or none; a
complaint qualifies when made within one month of the behaviour; one episode reported to
several bodies counts once; five people complaining about one problem reach the local variant
only when they complain about more than one incident."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sara.extensions import db
from sara.flags.scan import scan_case_review
from sara.flags.service import describe
from sara.flags.status import case_review_evidence, people_status
from tests.conftest import FROZEN_NOW
from tests.test_person_flags import _incident, _live, _person

NOW = FROZEN_NOW


def _at(day: int, month: int, year: int = 2026, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=UTC)


def test_three_complaints_reach_the_threshold_without_any_case(police):
    person = _person(police, "Edith Rowan")
    for day in (2, 9, 16):
        _incident(police, person, _at(day, 5))
    scan_case_review(now=NOW)
    [flag] = _live("case_review")
    assert (flag.subject_key, flag.person_id, flag.case_id) == (f"person:{person.id}",
                                                                person.id, None)
    assert flag.evidence["complaints"] == 3 and flag.evidence["window_months"] == 6
    assert people_status([person.id], NOW)[person.id].case_review[0]["complaints"] == 3


def test_a_complaint_made_more_than_a_month_after_the_behaviour_does_not_count(police,
                                                                            make_org):
    council = make_org("City of Lincoln Council", kind="local_authority")
    person = _person(police, "Edith Rowan")
    _incident(police, person, _at(2, 5))
    _incident(police, person, _at(9, 5))
    # The behaviour on 1 April, complained of to the council on 18 May: 47 days later.
    late = _incident(police, person, _at(1, 4), reported=_at(18, 5), reported_to=council)
    scan_case_review(now=NOW)
    assert _live("case_review") == []
    # A third in time reaches it; the late one is listed, with its reason.
    _incident(police, person, _at(1, 6), reported=_at(1, 7) - timedelta(days=30),
              reported_to=council)
    scan_case_review(now=NOW)
    [flag] = _live("case_review")
    assert flag.evidence["complaints"] == 3
    [review] = people_status([person.id], NOW)[person.id].case_review
    assert [i["reported_to"] for i in review["incidents"]] == [
        "Test Constabulary", "Test Constabulary", "City of Lincoln Council"]
    [not_counted] = review["not_qualifying"]
    assert not_counted["reference"] == late.reference
    assert not_counted["reason"] == "reported 47 days after the behaviour"
    assert not_counted["reported_to"] == "City of Lincoln Council"


def test_a_month_is_a_calendar_month(police):
    """The behaviour on 31 March: a complaint on 30 April qualifies, one on 1 May does not."""
    on_time, too_late = _person(police, "On Time"), _person(police, "Too Late")
    for person, reported in ((on_time, _at(30, 4)), (too_late, _at(1, 5))):
        _incident(police, person, _at(31, 3), reported=reported)
        _incident(police, person, _at(10, 5))
        _incident(police, person, _at(20, 5))
    scan_case_review(now=NOW)
    assert [f.person_id for f in _live("case_review")] == [on_time.id]


def test_the_window_is_six_calendar_months_before_today_on_the_reported_date(police):
    """17 June 2026, 09:30 in London: the window opens on 17 December 2025 at 09:30."""
    inside, outside = _person(police, "Inside"), _person(police, "Outside")
    for person, first in ((inside, datetime(2025, 12, 17, 9, 31, tzinfo=UTC)),
                          (outside, datetime(2025, 12, 17, 9, 29, tzinfo=UTC))):
        _incident(police, person, first)
        _incident(police, person, _at(1, 3))
        _incident(police, person, _at(1, 6))
    # Behaviour before the window, reported (in time) inside it, counts: the complaint is
    # what the window holds.
    reported_in = _person(police, "Reported Inside")
    _incident(police, reported_in, datetime(2025, 12, 1, 12, 0, tzinfo=UTC),
              reported=datetime(2025, 12, 20, 12, 0, tzinfo=UTC))
    _incident(police, reported_in, _at(1, 3))
    _incident(police, reported_in, _at(1, 6))
    scan_case_review(now=NOW)
    assert {f.person_id for f in _live("case_review")} == {inside.id, reported_in.id}


def test_one_episode_reported_to_the_police_and_the_council_counts_once(police, make_org):
    council = make_org("City of Lincoln Council", kind="local_authority")
    person = _person(police, "Edith Rowan")
    first = _incident(police, person, _at(2, 5))
    # The council logs the same evening's behaviour the next day: one complaint, not two.
    _incident(police, person, _at(2, 5, hour=13), reported=_at(3, 5), reported_to=council,
              same_as=first)
    _incident(police, person, _at(9, 5))
    scan_case_review(now=NOW)
    assert _live("case_review") == []
    assert people_status([person.id], NOW)[person.id].case_review == []


def test_two_incidents_on_one_day_are_two_complaints(police):
    person = _person(police, "Edith Rowan")
    _incident(police, person, _at(2, 5, hour=9))
    _incident(police, person, _at(2, 5, hour=21))
    _incident(police, person, _at(9, 5))
    scan_case_review(now=NOW)
    assert [f.person_id for f in _live("case_review")] == [person.id]


def test_one_fight_reported_by_five_neighbours_is_not_five_people_about_a_problem(police,
                                                                                  make_case):
    case = make_case()
    neighbours = [_person(police, f"Neighbour {i}") for i in range(5)]
    fight = _incident(police, neighbours[0], _at(2, 5, hour=23), case=case)
    for neighbour in neighbours[1:]:
        _incident(police, neighbour, _at(2, 5, hour=23), case=case, same_as=fight)
    scan_case_review(now=NOW)
    assert _live("case_review") == []
    # Another night's trouble about the same problem: now it is persistent, and five people
    # have complained about it.
    _incident(police, neighbours[2], _at(9, 5, hour=23), case=case)
    scan_case_review(now=NOW)
    [flag] = _live("case_review")
    assert flag.subject_key == f"case:{case.id}:people"
    assert (flag.evidence["people"], flag.evidence["episodes"]) == (5, 2)
    # Each of them sees it in the lookup, with the two incidents counted.
    status = people_status([n.id for n in neighbours], NOW)
    assert all(len(status[n.id].case_review) == 1 for n in neighbours)
    assert len(status[neighbours[4].id].case_review[0]["incidents"]) == 2


def test_the_lookup_lists_the_complaints_counted_and_those_not_with_the_reason(
        police, browser, make_user, make_org):
    council = make_org("City of Lincoln Council", kind="local_authority")
    person = _person(police, "Edith Rowan")
    for day in (2, 9, 16):
        _incident(police, person, _at(day, 5))
    _incident(police, person, _at(1, 4), reported=_at(18, 5), reported_to=council)
    db.session.commit()
    page = browser(make_user("call_handler")).post(
        "/lookup", data={"name": "Edith Rowan"}).get_data(as_text=True)
    assert "ASB case review threshold reached: 3 qualifying complaints in the last 6 months" \
        in page
    assert "reported 47 days after the behaviour, to City of Lincoln Council" in page
    assert page.count("to Test Constabulary") == 3


# --- the local variant: a single hate incident or crime ----------------------------------------

def _turn_on_hate_variant(police, make_user) -> None:
    from sara.flags.service import change_rule

    change_rule("case_review", {"hate_incident": 1}, make_user("admin"), police)


def test_one_hate_incident_does_not_meet_the_threshold_unless_the_area_turns_it_on(
        police, make_user, make_org):
    person = _person(police, "Ada Okafor")
    _incident(police, person, _at(2, 5), hate=True)
    scan_case_review(now=NOW)
    assert _live("case_review") == []
    assert people_status([person.id], NOW)[person.id].case_review == []

    _turn_on_hate_variant(police, make_user)
    scan_case_review(now=NOW)
    [flag] = _live("case_review")
    assert flag.person_id == person.id
    assert (flag.evidence["complaints"], flag.evidence["hate_incident"]) == (1, 1)
    assert [i["category"] for i in flag.evidence["hate_incidents"]] == ["ASB"]
    assert describe(flag) == ("ASB case review threshold reached: a hate incident or crime "
                              "in the last 6 months (the area's local threshold)")
    # Another force, which has not turned it on, is not flagged on the same facts.
    other = make_org("Other Constabulary")
    _incident(other, _person(other, "Bea Okafor"), _at(2, 5), hate=True)
    scan_case_review(now=NOW)
    assert [f.person_id for f in _live("case_review")] == [person.id]


def test_a_hate_crime_counts_for_the_variant_but_never_as_an_asb_complaint(police, make_user):
    _turn_on_hate_variant(police, make_user)
    person = _person(police, "Ada Okafor")
    for day in (2, 9):
        _incident(police, person, _at(day, 5))
    crime = _incident(police, person, _at(16, 5), asb=False, hate=True)
    scan_case_review(now=NOW)
    [flag] = _live("case_review")
    assert flag.evidence["complaints"] == 2  # the crime is not a third ASB complaint
    assert [i["reference"] for i in flag.evidence["hate_incidents"]] == [crime.reference]
    assert flag.evidence.get("not_qualifying") in (None, [])
    # Another crime, not hate-motivated, is read by neither rule.
    _incident(police, person, _at(17, 5), asb=False)
    scan_case_review(now=NOW)
    assert _live("case_review")[0].evidence["complaints"] == 2


def test_a_hate_incident_reported_more_than_a_month_later_does_not_meet_it(police, make_user):
    _turn_on_hate_variant(police, make_user)
    person = _person(police, "Ada Okafor")
    late = _incident(police, person, _at(1, 4), reported=_at(18, 5), hate=True)
    scan_case_review(now=NOW)
    assert _live("case_review") == []
    assert people_status([person.id], NOW)[person.id].case_review == []
    evidence = case_review_evidence(person, NOW)
    assert evidence["met"] is False and evidence["met_by_hate"] is False
    assert [i["reference"] for i in evidence["not_qualifying"]] == [late.reference]
    assert evidence["not_qualifying"][0]["reason"] == "reported 47 days after the behaviour"
