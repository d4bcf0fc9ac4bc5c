"""Issue 15, part 3: the ASB case review itself, from the application to the outcome letter, in
the browser's own requests (the test client) as each role involved. The suite's clock stands at
Wednesday 17 June 2026, 09:30 in London (FROZEN_NOW)."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from sara.asb_reviews import clocks
from sara.asb_reviews.models import AsbReview
from sara.audit.models import AuditEvent
from sara.extensions import db
from sara.flags.models import Flag
from sara.flags.scan import scan_asb_review_overdue
from sara.orgs.models import Organisation
from sara.partners.models import CaseShare
from tests.conftest import IS_POSTGRES
from tests.test_person_flags import _incident, _person


def _at(day: int, month: int, year: int = 2026) -> datetime:
    return datetime(year, month, day, 12, 0, tzinfo=UTC)


def _form_date(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


@pytest.fixture
def council(make_org):
    return make_org("City of Lincoln Council", kind="local_authority")


@pytest.fixture
def housing(make_org):
    return make_org("Lincs Homes", kind="housing")


@pytest.fixture
def people(police, make_user, council, housing):
    """Everyone a review involves: the officer who records it, the supervisor who decides, a
    partner of each body, and a partner of a body with no part in it."""
    return {
        "officer": make_user("officer", name="Olive Officer"),
        "supervisor": make_user("supervisor", name="Sam Supervisor"),
        "call_handler": make_user("call_handler", name="Cal Handler"),
        "council": make_user("partner", org=council, name="Chris Council"),
        "housing": make_user("partner", org=housing, name="Hana Housing"),
    }


@pytest.fixture
def victim(police, council):
    """Edith has three complaints that count (one to the council) and one made too late."""
    person = _person(police, "Edith Rowan")
    _incident(police, person, _at(2, 5))
    _incident(police, person, _at(9, 5))
    _incident(police, person, _at(1, 6), reported=_at(3, 6), reported_to=council)
    _incident(police, person, _at(1, 4), reported=_at(18, 5), reported_to=council)
    return person


def _review(reference: str | None = None) -> AsbReview:
    query = sa.select(AsbReview).order_by(AsbReview.id.desc())
    if reference:
        query = query.where(AsbReview.reference == reference)
    db.session.expire_all()
    return db.session.scalars(query).first()


def _apply(browser, user, person, council, **overrides):
    force = db.session.get(Organisation, person.organisation_id)
    data = {"applicant_kind": "councillor", "applicant_name": "Cllr Ann Vale",
            "applicant_contact": "Ward office, 1 High Street, Lincoln LN1 1AA",
            "received_by_id": str(council.id), "received_date": _form_date(date(2026, 6, 12)),
            "summary": "Youths kick footballs at her windows every evening.",
            "neighbourhood_id": str(force.neighbourhoods[0].id)}
    data.update(overrides)
    return browser(user).post(f"/asb-case-reviews/new/{person.reference}", data=data)


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


# --- clocks ----------------------------------------------------------------------------------

def test_working_days_skip_weekends_and_england_and_wales_bank_holidays():
    # Friday 22 May 2026; Monday 25 May is the spring bank holiday.
    assert clocks.add_working_days(date(2026, 5, 22), 1) == date(2026, 5, 26)
    assert clocks.add_working_days(date(2026, 5, 22), 10) == date(2026, 6, 8)
    # Christmas 2026: Friday 25, Monday 28 December (Boxing Day observed), then New Year's Day
    # on Friday 1 January: from Thursday 24 December, the 29th, 30th, 31st and 4 January.
    assert clocks.add_working_days(date(2026, 12, 24), 3) == date(2026, 12, 31)
    assert clocks.add_working_days(date(2026, 12, 24), 4) == date(2027, 1, 4)
    assert clocks.working_days_between(date(2026, 12, 24), date(2027, 1, 4)) == 4


# --- 1. the application ----------------------------------------------------------------------

def test_an_application_on_behalf_of_the_victim_received_by_the_council_is_recorded(
        browser, people, victim, council):
    response = _apply(browser, people["officer"], victim, council)
    assert response.status_code == 302
    review = _review()
    assert (review.person_id, review.applicant_kind, review.applicant_name,
            review.received_by_id) == (victim.id, "councillor", "Cllr Ann Vale", council.id)
    assert review.status == "awaiting_decision"
    # Received Friday 12 June 2026: ten working days is Friday 26 June.
    assert review.decision_due_date == date(2026, 6, 26)
    # What the rule found on the day it was received is kept with the application.
    evidence = review.threshold_evidence
    assert evidence["complaints"] == 3 and evidence["met"] is True
    assert [i["reported_to"] for i in evidence["incidents"]] == [
        "Test Constabulary", "Test Constabulary", "City of Lincoln Council"]
    assert evidence["not_qualifying"][0]["reason"] == "reported 47 days after the behaviour"
    page = _text(browser(people["officer"]).get(response.headers["Location"]))
    assert "3 qualifying complaints" in page and "due by <strong>26 June 2026</strong>" in page
    # The victim is a link to their record (the tags were once escaped into the page as text).
    assert (f'<a class="govuk-link" href="/people/{victim.reference}">Edith Rowan '
            f'({victim.reference})</a>') in page and "&lt;a" not in page
    audit = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.record_type == "asb_review", AuditEvent.record_ref == review.reference)).all()
    assert any("Application received by City of Lincoln Council" in a.summary for a in audit)


def test_the_caller_lookup_says_the_caller_applied_for_a_case_review_and_where_it_is(
        browser, api, people, victim, council):
    handler = browser(people["call_handler"])
    before = _text(handler.post("/lookup", {"name": "Edith Rowan"}))
    assert "ASB case review threshold reached" in before
    assert "Applied for a case review" not in before
    _apply(browser, people["officer"], victim, council)
    review = _review()
    page = _text(handler.post("/lookup", {"name": "Edith Rowan"}))
    assert "Applied for a case review" in page
    assert (f"Applied for an ASB case review: <a class=\"govuk-link\" href=\"/asb-case-reviews/"
            f"{review.reference}\">{review.reference}</a>, received 12 June 2026. "
            "Awaiting the threshold decision.") in page
    # The complaints counted are still shown beside it.
    assert "ASB case review threshold reached: 3 qualifying complaints in the last 6 months" in page
    # The API's lookup gives the same answer.
    hit, = api(people["call_handler"]).get("/api/v1/lookup?name=Edith+Rowan").get_json()["results"]
    assert hit["case_review_applications"] == [
        {"reference": review.reference, "received": "2026-06-12", "status": "awaiting_decision",
         "status_label": "Awaiting the threshold decision"}]


def test_an_application_needs_the_applicants_name_when_made_on_behalf_and_nothing_is_kept(
        browser, people, victim, council):
    response = _apply(browser, people["officer"], victim, council, applicant_name="",
                      received_date=_form_date(date(2026, 6, 30)))
    assert response.status_code == 200
    page = _text(response)
    assert "Enter the name of the person who applied on their behalf" in page \
        or "must be today or in the past" in page
    assert _review() is None


def test_a_future_received_date_is_refused_with_a_clear_message(browser, people, victim,
                                                                council):
    response = _apply(browser, people["officer"], victim, council,
                      received_date=_form_date(date(2026, 6, 30)))
    assert response.status_code == 200
    assert "must be today or in the past" in _text(response)
    assert _review() is None


def test_a_partner_cannot_record_an_application_or_see_the_person(browser, people, victim,
                                                                  council):
    response = _apply(browser, people["council"], victim, council)
    assert response.status_code == 404
    assert _review() is None


# --- 2. the threshold decision ----------------------------------------------------------------

def _decide(browser, user, review, met="yes", reasons="Three complaints in time, as listed."):
    return browser(user).post(f"/asb-case-reviews/{review.reference}/decision",
                              data={"is_threshold_met": met, "reasons": reasons,
                                    "version": str(review.version)})


def test_a_named_supervisor_decides_the_threshold_and_the_meeting_clock_starts(
        browser, people, victim, council):
    _apply(browser, people["officer"], victim, council)
    review = _review()
    # An officer runs the review but does not decide it.
    assert _decide(browser, people["officer"], review).status_code == 403
    assert _decide(browser, people["supervisor"], review, reasons="").status_code == 200
    assert _review().status == "awaiting_decision"
    assert _decide(browser, people["supervisor"], review).status_code == 302
    review = _review()
    assert (review.status, review.is_threshold_met, review.decided_by_id) == (
        "awaiting_meeting", True, people["supervisor"].id)
    # Decided Wednesday 17 June: fifteen working days is Wednesday 8 July.
    assert review.meeting_due_date == date(2026, 7, 8)


def test_the_decision_letter_lists_the_complaints_and_is_recorded_as_sent(
        browser, people, victim, council):
    _apply(browser, people["officer"], victim, council)
    review = _review()
    _decide(browser, people["supervisor"], review, met="no",
            reasons="The council complaint was about another address.")
    officer = browser(people["officer"])
    letter = _text(officer.get(f"/asb-case-reviews/{review.reference}/letters/decision"))
    assert "Dear Cllr Ann Vale" in letter and "The threshold for a case review is not met" in letter
    assert "The council complaint was about another address." in letter
    assert "2 May 2026: ASB, reported to Test Constabulary on 2 May 2026" in letter
    assert "reported 47 days after the behaviour, to City of Lincoln Council" in letter
    assert officer.post(f"/asb-case-reviews/{review.reference}/letters/decision/sent"
                        ).status_code == 302
    review = _review()
    assert review.decision_letter_sent_by_id == people["officer"].id
    assert review.status == "threshold_not_met"


# --- 3, 4, 5: the meeting, its recommendations, the outcome letter ----------------------------

def _to_meeting(browser, people, victim, council, housing):
    _apply(browser, people["officer"], victim, council)
    review = _review()
    _decide(browser, people["supervisor"], review)
    officer = browser(people["officer"])
    for body, name in ((council, "Chris Council"), (housing, "Hana Housing")):
        assert officer.post(f"/asb-case-reviews/{review.reference}/participants", data={
            "organisation_id": str(body.id), "person_name": name, "role_title": "ASB officer",
            "agency_actions": f"{body.name} visited twice and wrote to the family."}
        ).status_code == 302
    return _review(review.reference), officer


def test_the_meeting_records_who_took_part_what_each_did_and_the_victims_views(
        browser, people, victim, council, housing):
    review, officer = _to_meeting(browser, people, victim, council, housing)
    response = officer.post(f"/asb-case-reviews/{review.reference}/meeting", data={
        "meeting_date": _form_date(date(2026, 6, 16)), "version": str(review.version),
        "victim_views": "She wants the ball games moved to the park.", "meeting_notes": ""})
    assert response.status_code == 302
    review = _review(review.reference)
    assert review.status == "awaiting_outcome" and review.meeting_date == date(2026, 6, 16)
    # The outcome letter is due five working days after today (the meeting was yesterday).
    assert review.outcome_due_date == date(2026, 6, 24)
    page = _text(officer.get(f"/asb-case-reviews/{review.reference}"))
    assert "Lincs Homes visited twice and wrote to the family." in page
    assert "She wants the ball games moved to the park." in page


def test_a_meeting_before_the_application_is_refused(browser, people, victim, council, housing):
    review, officer = _to_meeting(browser, people, victim, council, housing)
    response = officer.post(f"/asb-case-reviews/{review.reference}/meeting", data={
        "meeting_date": _form_date(date(2026, 6, 1)), "version": str(review.version),
        "victim_views": "Views."})
    assert response.status_code == 200
    assert "must be on or after the application (12 June 2026)" in _text(response)
    assert _review(review.reference).status == "awaiting_meeting"


def _meet(officer, review):
    officer.post(f"/asb-case-reviews/{review.reference}/meeting", data={
        "meeting_date": _form_date(date(2026, 6, 16)), "version": str(review.version),
        "victim_views": "She wants the ball games moved to the park."})
    return _review(review.reference)


def _recommend(officer, review, allocation, case="new", title="Move the ball games"):
    return officer.post(f"/asb-case-reviews/{review.reference}/recommendations/new", data={
        "case": case, "title": title, "description": "", "tactic_category": "situational",
        "triangle_side": "location", "allocation": allocation,
        "due_date": _form_date(date(2026, 7, 31)), "priority": "normal"})


def test_a_recommendation_is_an_action_for_a_body_taking_part_who_then_sees_the_case(
        browser, people, victim, council, housing):
    review, officer = _to_meeting(browser, people, victim, council, housing)
    review = _meet(officer, review)
    response = _recommend(officer, review, f"org:{council.id}")
    assert response.status_code == 302, _text(response)
    review = _review(review.reference)
    [recommendation] = review.recommendations
    action = recommendation.action
    assert action.allocated_organisation_id == council.id
    assert action.case.title == f"ASB case review {review.reference}"
    # That case is the review's problem case now: the next recommendation is on it by default.
    assert review.case_id == action.case_id
    page = _text(officer.get(f"/asb-case-reviews/{review.reference}/recommendations/new"))
    assert f"The action on {action.case.reference}" in page
    assert _recommend(officer, review, f"org:{council.id}", case=action.case.reference,
                      title="Light the green").status_code == 302
    assert {r.action.case_id for r in _review(review.reference).recommendations} == {
        action.case_id}
    # Allocating it shared the new case with the council, by the usual sharing rules.
    share = db.session.scalar(sa.select(CaseShare).where(CaseShare.case_id == action.case_id))
    assert (share.organisation_id, share.level) == (council.id, "contribute")
    partner = browser(people["council"])
    assert partner.get(f"/cases/{action.case.reference}/actions/{action.reference}"
                       ).status_code == 200
    page = _text(partner.get(f"/asb-case-reviews/{review.reference}"))
    assert action.reference in page and "Move the ball games" in page
    # The council received the application, so holds the names already; another body taking
    # part sees the review but not the victim's name or the applicant's address.
    assert "Edith Rowan" in page
    page = _text(browser(people["housing"]).get(f"/asb-case-reviews/{review.reference}"))
    assert action.reference in page
    assert "Edith Rowan" not in page and "1 High Street" not in page


def test_a_body_with_no_part_in_the_review_gets_404(browser, people, victim, council, make_org,
                                                    make_user, housing):
    review, _officer = _to_meeting(browser, people, victim, council, housing)
    fire = make_org("Lincs Fire", kind="fire")
    outsider = make_user("partner", org=fire)
    assert browser(outsider).get(f"/asb-case-reviews/{review.reference}").status_code == 404
    other_force = make_org("Other Constabulary")
    stranger = make_user("supervisor", org=other_force)
    assert browser(stranger).get(f"/asb-case-reviews/{review.reference}").status_code == 404
    assert review.reference not in _text(browser(stranger).get("/asb-case-reviews?status=all"))


def test_a_recommendation_on_an_existing_case_keeps_to_that_cases_allocation(
        browser, people, victim, council, housing, make_case):
    case = make_case(owner=people["officer"], title="Ball games on Elm Close")
    review, officer = _to_meeting(browser, people, victim, council, housing)
    review = _meet(officer, review)
    # Someone outside the case and the review is no choice.
    response = _recommend(officer, review, "org:999999", case=case.reference)
    assert response.status_code == 200
    assert "Choose who the action is for" in _text(response)
    assert _recommend(officer, review, f"user:{people['officer'].id}", case=case.reference
                      ).status_code == 302
    [recommendation] = _review(review.reference).recommendations
    assert recommendation.action.case_id == case.id


def test_the_outcome_letter_lists_the_recommendations_and_completes_the_review(
        browser, people, victim, council, housing):
    review, officer = _to_meeting(browser, people, victim, council, housing)
    review = _meet(officer, review)
    _recommend(officer, review, f"org:{housing.id}", title="Fence the green")
    letter = _text(officer.get(f"/asb-case-reviews/{review.reference}/letters/outcome"))
    assert "met on 16 June 2026" in letter
    assert "Fence the green: Lincs Homes, by 31 July 2026" in letter
    # As the decision letter does, it lists the complaints counted, and the one made too late.
    assert "reported to City of Lincoln Council on 3 June 2026" in letter
    assert "2 May 2026:" in letter and "9 May 2026:" in letter
    assert "1 April 2026:" in letter
    assert officer.post(f"/asb-case-reviews/{review.reference}/letters/outcome/sent"
                        ).status_code == 302
    assert _review(review.reference).status == "completed"


# --- 6. escalation ------------------------------------------------------------------------------

def test_an_applicant_can_ask_for_a_not_met_decision_to_be_looked_at_again(
        browser, people, victim, council):
    _apply(browser, people["officer"], victim, council)
    review = _review()
    _decide(browser, people["supervisor"], review, met="no", reasons="Not persistent.")
    officer = browser(people["officer"])
    assert officer.post(f"/asb-case-reviews/{review.reference}/escalation", data={
        "escalation_requested_date": _form_date(date(2026, 6, 17)),
        "escalation_reason": "Three complaints were in time."}).status_code == 302
    # The officer records the request; the result is a supervisor's.
    result = {"escalation_result": "changed", "escalation_decided_date": _form_date(
        date(2026, 6, 17)), "escalation_notes": "The PCC's office found three in time."}
    assert officer.post(f"/asb-case-reviews/{review.reference}/escalation/result",
                        data=result).status_code == 403
    assert browser(people["supervisor"]).post(
        f"/asb-case-reviews/{review.reference}/escalation/result", data=result
    ).status_code == 302
    review = _review(review.reference)
    assert (review.status, review.is_threshold_met, review.escalation_result) == (
        "awaiting_meeting", True, "changed")
    assert review.meeting_due_date == date(2026, 7, 8)


# --- 7. clocks: overdue stages are flags in the supervisor queue --------------------------------

def test_an_overdue_decision_is_a_flag_on_the_supervisors_queue_until_it_is_made(
        browser, people, victim, council, clock):
    _apply(browser, people["officer"], victim, council)
    review = _review()
    scan_asb_review_overdue()
    assert _live_overdue() == []
    clock.move_to(datetime(2026, 6, 29, 8, 0, tzinfo=UTC))  # due 26 June
    scan_asb_review_overdue()
    [flag] = _live_overdue()
    assert (flag.subject_key, flag.person_id) == (f"asb_review:{review.id}:decision", victim.id)
    queue = _text(browser(people["supervisor"]).get("/flags"))
    assert f"ASB case review {review.reference}: the threshold decision was due by 26 June 2026" \
        in queue
    queue = _text(browser(people["supervisor"]).get("/queue"))
    assert "ASB case reviews overdue" in queue and review.reference in queue
    _decide(browser, people["supervisor"], _review(review.reference))
    assert _live_overdue() == []
    assert review.reference not in _text(browser(people["supervisor"]).get("/queue"))


def _live_overdue() -> list[Flag]:
    db.session.expire_all()
    return db.session.scalars(sa.select(Flag).where(Flag.kind == "asb_review_overdue",
                                                    Flag.resolved_dt.is_(None))).all()


@pytest.mark.committed
@pytest.mark.worker
def test_a_real_worker_runs_the_asb_review_clock_scan(app, police, make_user, celery_worker):
    from sara.asb_reviews import service

    officer = make_user("officer")
    person = _person(police, "Wanda Worker")
    review = service.record_application(officer, person, {
        "applicant_kind": "victim", "applicant_contact": "1 Elm Close",
        "received_by_id": police.id, "received_date": date(2026, 5, 1),
        "summary": "Noise.", "neighbourhood_id": police.neighbourhoods[0].id})
    db.session.commit()
    db.session.execute(sa.delete(Flag))  # the instant check raised it; the worker must too
    db.session.commit()
    from worker.tasks import run_scan

    run_scan.delay("asb-reviews")
    deadline = time.monotonic() + 30
    flags = []
    while time.monotonic() < deadline and not flags:
        flags = _live_overdue()
        db.session.rollback()
        time.sleep(0.2)
    assert [f.subject_key for f in flags] == [f"asb_review:{review.id}:decision"]
    if IS_POSTGRES:
        assert app.extensions["celery"].conf.broker_url.startswith("redis://")


def test_every_change_to_a_review_is_audited(browser, people, victim, council, housing):
    review, officer = _to_meeting(browser, people, victim, council, housing)
    summaries = [a.summary for a in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.record_ref == review.reference,
                                    AuditEvent.action == "alteration")
        .order_by(AuditEvent.id))]
    assert summaries[0].startswith("Application received")
    assert any(s.startswith("Threshold met") for s in summaries)
    assert "Lincs Homes takes part in the review" in summaries
    officer.get(f"/asb-case-reviews/{review.reference}")
    viewed = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.record_ref == review.reference, AuditEvent.action == "consultation")).all()
    assert viewed  # opening the review is a consultation


def test_merging_two_profiles_moves_the_application_and_undoing_moves_it_back(
        browser, people, victim, council, police):
    from sara.people import merge as merging

    _apply(browser, people["officer"], victim, council)
    review = _review()
    kept = _person(police, "Edith Rowan-Smith")
    merge = merging.merge_people(kept, victim, people["supervisor"])
    assert _review(review.reference).person_id == kept.id
    page = _text(browser(people["officer"]).get(f"/people/{kept.reference}"))
    assert review.reference in page
    merging.undo_merge(merge, people["supervisor"])
    assert _review(review.reference).person_id == victim.id
