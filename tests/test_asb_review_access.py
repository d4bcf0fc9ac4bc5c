"""Every ASB case review page × method × kind of user (issue 15, part 3: "partner bodies taking
part in a review see that review ... and nothing else"). Someone who cannot see the review gets
404 everywhere; someone who sees it but may not do a step gets 403, and nothing changes."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from flask import url_for

from sara.asb_reviews import service
from sara.asb_reviews.models import AsbReview
from sara.extensions import db
from tests.test_person_flags import _person

SEES = {"officer", "supervisor", "call_handler", "council", "housing"}
RUNNERS = {"officer", "supervisor"}
ALLOWED = {
    "asb_reviews.show": SEES,
    "asb_reviews.decide": set(),  # decided already: the step is refused, not forbidden
    "asb_reviews.add_participant": RUNNERS,
    "asb_reviews.remove_participant": RUNNERS,
    "asb_reviews.record_meeting": RUNNERS,
    "asb_reviews.new_recommendation": RUNNERS,
    "asb_reviews.letter": RUNNERS,
    "asb_reviews.letter_sent": RUNNERS,
    "asb_reviews.request_escalation": RUNNERS,
    "asb_reviews.decide_escalation": {"supervisor"},
}
#: Refused by the policy (403) for those who see the review but may not take the step
DECIDERS_ONLY = {"asb_reviews.decide", "asb_reviews.decide_escalation"}


@pytest.fixture
def world(police, make_org, make_user):
    council = make_org("Council", kind="local_authority")
    housing = make_org("Homes", kind="housing")
    fire = make_org("Fire", kind="fire")
    other = make_org("Other Constabulary")
    users = {
        "officer": make_user("officer"), "supervisor": make_user("supervisor"),
        "call_handler": make_user("call_handler"),
        "council": make_user("partner", org=council), "housing": make_user("partner", org=housing),
        "fire": make_user("partner", org=fire), "other_force": make_user("supervisor", org=other),
    }
    person = _person(police, "Ada Access")
    review = service.record_application(users["officer"], person, {
        "applicant_kind": "victim", "applicant_contact": "1 Elm Close",
        "received_by_id": council.id, "received_date": date(2026, 6, 10), "summary": "Noise.",
        "neighbourhood_id": police.neighbourhoods[0].id})
    service.decide_threshold(review, users["supervisor"], True, "Three in time.")
    participant = service.add_participant(review, users["officer"], {
        "organisation_id": housing.id, "person_name": "H", "agency_actions": "Visited."})
    db.session.flush()
    return review, participant, users, person


def _rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("asb_reviews.") and "review_ref" in rule.arguments:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def test_every_review_route_has_an_expectation(app):
    assert {rule.endpoint for rule, _ in _rules(app)} == set(ALLOWED)


def test_review_access_matrix(app, world, browser):
    review, participant, users, _person_ = world
    browsers = {name: browser(user) for name, user in users.items()}
    failures = []
    for rule, method in _rules(app):
        values = {"review_ref": review.reference, "participant_id": participant.id,
                  "letter": "decision"}
        with app.test_request_context():
            url = url_for(rule.endpoint, **{k: v for k, v in values.items()
                                            if k in rule.arguments})
        for actor, signed_in in browsers.items():
            allowed = actor in ALLOWED[rule.endpoint]
            before = _version(review.id)
            if method == "GET":
                status = signed_in.get(url).status_code
            else:
                status = signed_in.post(url, data={}, csrf=not allowed).status_code
            if actor not in SEES:
                expected = {404}
            elif not allowed and (rule.endpoint in DECIDERS_ONLY and actor != "supervisor"
                                  or rule.endpoint not in DECIDERS_ONLY):
                expected = {403}
            elif method == "GET":
                expected = {200}
            else:
                expected = {400, 200}  # no CSRF token (or a refused step): nothing happens
            if status not in expected:
                failures.append(f"{method} {url} as {actor}: {status}, expected {expected}")
            if method == "POST" and _version(review.id) != before:
                failures.append(f"{method} {url} as {actor} changed the review")
    assert not failures, "\n".join(failures)


def _version(review_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(AsbReview.version).where(AsbReview.id == review_id))


def test_only_the_forces_recording_staff_open_the_application_form(world, browser):
    _review, _participant, users, person = world
    for actor in ("officer", "supervisor", "call_handler"):
        assert browser(users[actor]).get(f"/asb-case-reviews/new/{person.reference}"
                                         ).status_code == 200, actor
    for actor in ("council", "housing", "fire", "other_force"):
        assert browser(users[actor]).get(f"/asb-case-reviews/new/{person.reference}"
                                         ).status_code == 404, actor


def test_the_list_shows_each_body_only_its_own_reviews(world, browser):
    review, _participant, users, _person_ = world
    for actor in SEES:
        page = browser(users[actor]).get("/asb-case-reviews?status=all").get_data(as_text=True)
        assert review.reference in page, actor
    assert browser(users["fire"]).get("/asb-case-reviews?status=all").status_code == 200
    for actor in ("fire", "other_force"):
        page = browser(users[actor]).get("/asb-case-reviews?status=all").get_data(as_text=True)
        assert review.reference not in page, actor
