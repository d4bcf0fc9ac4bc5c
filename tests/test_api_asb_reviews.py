"""Issue 15, part 5: the ASB case reviews over the JSON API, with the access rules of the review's
page (tests/test_asb_review_access.py): the force's staff see the force's reviews; a body taking
part sees the review without the victim's details; the body that received the application sees
them too; anyone else gets 404. The suite's clock stands at Wednesday 17 June 2026 (FROZEN_NOW).
"""

from __future__ import annotations

from datetime import date

import jsonschema_rs
import pytest
import sqlalchemy as sa

from sara.api.openapi import document
from sara.asb_reviews import service
from sara.audit.models import AuditEvent
from sara.extensions import db
from tests.test_asb_reviews import _at
from tests.test_person_flags import _incident, _person

PROBLEM = "application/problem+json"


@pytest.fixture
def world(police, make_org, make_user):
    """Edith's review, received by the council, met, held with the council and the housing
    provider taking part, one recommendation for the council on a new case, and the decision
    letter sent."""
    council = make_org("City of Lincoln Council", kind="local_authority")
    housing = make_org("Lincs Homes", kind="housing")
    users = {
        "officer": make_user("officer", name="Olive Officer"),
        "supervisor": make_user("supervisor", name="Sam Supervisor"),
        "council": make_user("partner", org=council, name="Chris Council"),
        "housing": make_user("partner", org=housing, name="Hana Housing"),
        "fire": make_user("partner", org=make_org("Lincs Fire", kind="fire")),
        "other_force": make_user("supervisor", org=make_org("Other Constabulary")),
    }
    # Three complaints that count (one to the council) and one made 47 days late.
    victim = _person(police, "Edith Rowan")
    _incident(police, victim, _at(2, 5))
    _incident(police, victim, _at(9, 5))
    _incident(police, victim, _at(1, 6), reported=_at(3, 6), reported_to=council)
    _incident(police, victim, _at(1, 4), reported=_at(18, 5), reported_to=council)
    officer = users["officer"]
    review = service.record_application(officer, victim, {
        "applicant_kind": "councillor", "applicant_name": "Cllr Ann Vale",
        "applicant_contact": "Ward office, 1 High Street, Lincoln LN1 1AA",
        "received_by_id": council.id, "received_date": date(2026, 6, 12),
        "summary": "Youths kick footballs at her windows every evening.",
        "neighbourhood_id": police.neighbourhoods[0].id})
    service.decide_threshold(review, users["supervisor"], True, "Three complaints in time.")
    service.record_letter_sent(review, officer, "decision")
    service.add_participant(review, officer, {
        "organisation_id": council.id, "person_name": "Chris Council",
        "agency_actions": "Logged the complaints."})
    service.add_participant(review, officer, {
        "organisation_id": housing.id, "person_name": "Hana Housing",
        "role_title": "ASB officer", "agency_actions": "Visited twice and wrote to the family."})
    service.record_meeting(review, officer, {
        "meeting_date": date(2026, 6, 16),
        "victim_views": "She wants the ball games moved to the park."})
    recommendation = service.add_recommendation(review, officer, {
        "title": "Move the ball games", "description": "", "tactic_category": "situational",
        "triangle_side": "location", "allocation": f"org:{council.id}",
        "due_date": date(2026, 7, 31), "priority": "normal"}, None)
    db.session.commit()
    return review, recommendation.action, users


def _item(api, user, reference):
    return api(user).get(f"/api/v1/asb-reviews/{reference}")


def _validate(name: str, body) -> None:
    doc = document()
    jsonschema_rs.Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": doc["components"]},
        validate_formats=True).validate(body)


def test_the_forces_officer_lists_the_review_and_reads_it_whole(api, world):
    review, action, users = world
    client = api(users["officer"])
    page = client.get("/api/v1/asb-reviews").get_json()
    assert page["total"] == 1
    [item] = page["items"]
    _validate("AsbReviewSummary", item)
    assert item["reference"] == review.reference
    assert (item["status"], item["received"], item["received_by"]["name"]) == (
        "awaiting_outcome", "2026-06-12", "City of Lincoln Council")
    assert (item["stage"], item["is_overdue"]) == ("outcome", False)
    assert item["due_dates"]["decision"] == "2026-06-26"

    response = client.get(item["links"]["self"])
    assert response.status_code == 200 and response.headers["ETag"]
    body = response.get_json()
    _validate("AsbReview", body)
    assert body["victim"] == {"reference": review.person.reference, "name": "Edith Rowan"}
    assert body["application"]["applicant_kind"] == "councillor"
    assert body["application"]["applicant_name"] == "Cllr Ann Vale"
    decision = body["decision"]
    assert (decision["state"], decision["reasons"], decision["decided_by"]) == (
        "met", "Three complaints in time.", "Sam Supervisor")
    evidence = decision["evidence"]
    assert (evidence["complaints"], evidence["threshold"], evidence["met"]) == (3, 3, True)
    assert [c["reported_to"] for c in evidence["qualifying"]] == [
        "Test Constabulary", "Test Constabulary", "City of Lincoln Council"]
    [late] = evidence["not_qualifying"]
    assert late["reason"] == "reported 47 days after the behaviour"
    assert [(p["organisation"]["name"], p["person_name"], p["agency_actions"])
            for p in body["meeting"]["participants"]] == [
        ("City of Lincoln Council", "Chris Council", "Logged the complaints."),
        ("Lincs Homes", "Hana Housing", "Visited twice and wrote to the family.")]
    assert body["meeting"]["date"] == "2026-06-16"
    assert body["meeting"]["victim_views"] == "She wants the ball games moved to the park."
    [recommendation] = body["recommendations"]
    assert recommendation == {
        "action_reference": action.reference, "title": "Move the ball games",
        "allocated_to": "City of Lincoln Council",
        "allocated_organisation": {"id": action.allocated_organisation_id,
                                   "name": "City of Lincoln Council"},
        "due_date": "2026-07-31", "status": "open", "status_label": "Open", "is_overdue": False,
        "case_reference": action.case.reference,
        "links": {"action": f"/api/v1/cases/{action.case.reference}/actions/"
                            f"{action.reference}"}}
    assert body["letters"]["decision"]["sent_by"] == "Olive Officer"
    assert body["letters"]["outcome"] is None
    assert body["escalation"] is None


def test_reading_a_review_is_audited_with_its_victim_as_the_page_does(api, world):
    review, _action, users = world
    before = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0
    assert _item(api, users["officer"], review.reference).status_code == 200
    db.session.expire_all()
    rows = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.id > before, AuditEvent.action == "consultation",
        AuditEvent.user_id == users["officer"].id)).all()
    assert {(r.record_type, r.record_ref) for r in rows} >= {
        ("asb_review", review.reference), ("person", review.person.reference)}


def test_a_body_taking_part_sees_the_review_without_the_victims_details(api, world):
    review, action, users = world
    client = api(users["housing"])
    assert [i["reference"] for i in client.get("/api/v1/asb-reviews").get_json()["items"]] == [
        review.reference]
    response = client.get(f"/api/v1/asb-reviews/{review.reference}")
    assert response.status_code == 200
    body = response.get_json()
    _validate("AsbReview", body)
    text = response.get_data(as_text=True)
    assert "Edith Rowan" not in text and review.person.reference not in text
    assert "Cllr Ann Vale" not in text and "1 High Street" not in text
    assert body["victim"] is None and body["people_shown"] is False
    # The numbers the decision rests on, but not the victim's complaints themselves.
    assert body["decision"]["evidence"]["complaints"] == 3
    assert body["decision"]["evidence"]["qualifying"] is None
    # The recommendation went to the council, on a case not shared with the housing provider.
    [recommendation] = body["recommendations"]
    assert recommendation["action_reference"] == action.reference
    assert recommendation["case_reference"] is None and action.case.reference not in text
    # No person row in the audit: nothing about her was shown.
    db.session.expire_all()
    assert not db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.user_id == users["housing"].id, AuditEvent.record_type == "person")).all()


def test_the_body_that_received_the_application_sees_the_victim(api, world):
    review, action, users = world
    body = _item(api, users["council"], review.reference).get_json()
    assert body["victim"] == {"reference": review.person.reference, "name": "Edith Rowan"}
    assert body["application"]["applicant_contact"].startswith("Ward office")
    assert len(body["decision"]["evidence"]["qualifying"]) == 3
    # Allocating the recommendation shared its case with the council.
    assert body["recommendations"][0]["case_reference"] == action.case.reference


@pytest.mark.parametrize("actor", ["fire", "other_force"])
def test_a_body_with_no_part_and_another_force_get_404_and_an_empty_list(api, world, actor):
    review, _action, users = world
    client = api(users[actor])
    page = client.get("/api/v1/asb-reviews").get_json()
    assert (page["total"], page["items"]) == (0, [])
    response = client.get(f"/api/v1/asb-reviews/{review.reference}")
    missing = client.get("/api/v1/asb-reviews/CR-999999")
    for answer in (response, missing):
        assert answer.status_code == 404 and answer.mimetype == PROBLEM
    # The same answer as for a review that does not exist.
    assert response.get_json() == missing.get_json()
    assert "Edith" not in response.get_data(as_text=True)


def test_an_unchanged_review_answers_304_and_a_changed_one_a_new_etag(api, world):
    review, _action, users = world
    client = api(users["officer"])
    path = f"/api/v1/asb-reviews/{review.reference}"
    etag = client.get(path).headers["ETag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    # Another user is shown something else: its own tag.
    assert api(users["housing"]).get(path).headers["ETag"] != etag
    service.record_letter_sent(review, users["officer"], "outcome")
    db.session.commit()
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.get_json()["status"] == "completed"
    assert changed.get_json()["letters"]["outcome"]["sent_by"] == "Olive Officer"


@pytest.mark.parametrize("reference", ["CR-%00001", "CR-" + "9" * 60, "%00"])
def test_a_nul_or_overlong_reference_is_a_404(api, world, reference):
    _review, _action, users = world
    response = api(users["officer"]).get(f"/api/v1/asb-reviews/{reference}")
    assert response.status_code == 404 and response.mimetype == PROBLEM


def test_the_list_is_newest_first_paginated_and_says_which_stage_is_overdue(
        api, world, police):
    review, _action, users = world
    # Received on 1 May: its decision was due ten working days later, long gone.
    older = service.record_application(users["officer"], _person(police, "Olive Older"), {
        "applicant_kind": "victim", "applicant_contact": "2 Elm Close",
        "received_by_id": police.id, "received_date": date(2026, 5, 1), "summary": "Noise.",
        "neighbourhood_id": police.neighbourhoods[0].id})
    db.session.commit()
    client = api(users["officer"])
    first = client.get("/api/v1/asb-reviews?per_page=1").get_json()
    assert first["total"] == 2 and [i["reference"] for i in first["items"]] == [review.reference]
    second = client.get(first["links"]["next"]).get_json()
    [item] = second["items"]
    assert (item["reference"], item["stage"], item["is_overdue"]) == (
        older.reference, "decision", True)
    assert item["case_reference"] is None
    live = client.get("/api/v1/asb-reviews?status=awaiting_decision").get_json()
    assert [i["reference"] for i in live["items"]] == [older.reference]
    bad = client.get("/api/v1/asb-reviews?status=nowhere")
    assert bad.status_code == 422 and bad.mimetype == PROBLEM
    assert bad.get_json()["invalid_params"][0]["name"] == "status"
    # The housing provider takes part in the first review only.
    assert api(users["housing"]).get("/api/v1/asb-reviews").get_json()["total"] == 1


def test_a_partners_admin_has_no_review_list(api, world, make_user):
    _review, _action, users = world
    admin = make_user("admin", org=users["housing"].organisation)
    response = api(admin).get("/api/v1/asb-reviews")
    assert response.status_code == 403 and response.mimetype == PROBLEM


def test_a_review_met_by_a_hate_incident_says_so(api, police, make_user):
    """The local variant (off by default): the force has turned it on, and one hate incident,
    reported in time, met the threshold on the day the application was received."""
    from sara.flags.service import change_rule

    change_rule("case_review", {"hate_incident": 1}, make_user("admin"), police)
    victim = _person(police, "Ada Okafor")
    hate = _incident(police, victim, _at(2, 6), hate=True)
    officer = make_user("officer")
    review = service.record_application(officer, victim, {
        "applicant_kind": "victim", "applicant_contact": "12 Ermine Road, Lincoln",
        "received_by_id": police.id,
        "received_date": date(2026, 6, 12), "summary": "Abuse shouted at her door.",
        "neighbourhood_id": police.neighbourhoods[0].id})
    db.session.commit()
    answer = _item(api, officer, review.reference)
    assert answer.status_code == 200, answer.get_json()
    evidence = answer.get_json()["decision"]["evidence"]
    assert (evidence["met"], evidence["met_by_hate"], evidence["met_by_complaints"]) == (
        True, True, False)
    assert [i["reference"] for i in evidence["hate_incidents"]] == [hate.reference]
    _validate("AsbReview", answer.get_json())
