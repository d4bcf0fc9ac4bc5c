"""The evaluation over the JSON API: read, start, update, submit, approve and return, with the
web's policy, the timeline and audit rows, ETag / If-Match and field-level errors."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from sara.audit.models import AuditEvent
from sara.cases import service as case_service
from sara.cases.models import CaseEvent
from sara.evaluation.models import Evaluation
from sara.extensions import db
from sara.partners import service as sharing

BASE = "/api/v1/cases/{}/evaluation"


@pytest.fixture
def people(make_user, make_org):
    return {
        "owner": make_user("officer", name="Owen Owner"),
        "colleague": make_user("officer", name="Cath Colleague"),
        "supervisor": make_user("supervisor", name="Sue Supervisor"),
        "other_supervisor": make_user("supervisor", org=make_org("Neighbouring Constabulary")),
    }


@pytest.fixture
def case(people, make_case):
    owner = people["owner"]
    case = make_case(owner=owner, scan_summary="Pattern", analysis_location="Dark alley")
    case_service.add_objective(case, owner, "Halve the calls in 3 months", case.version)
    case_service.add_tactic(case, owner, category="situational", triangle_side="location",
                            description="Lighting", expected_version=case.version)
    for stage in ("analysis", "response", "assessment"):
        case_service.move_stage(case, owner, stage, None, case.version)
    db.session.commit()
    return case


def _start(api, people, case):
    owner = api(people["owner"])
    response = owner("POST", BASE.format(case.reference))
    assert response.status_code == 201, response.get_json()
    return owner, response


FILLED = {
    "measure": "ASB calls about the alley", "before_start": "2026-01-01",
    "before_end": "2026-03-31", "before_count": 40, "after_start": "2026-05-01",
    "after_end": "2026-06-16", "after_count": 10, "comparison_area": "Next ward",
    "comparison_before_count": 50, "comparison_after_count": 50, "outcome": "reduced",
    "lessons": "Light works", "displacement_types": ["spatial"], "is_displacement_checked": True,
}


def _audit_summaries(case) -> list[str]:
    """The case's audited evaluation changes, oldest first."""
    rows = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.case_id == case.id, AuditEvent.action == "alteration")
        .order_by(AuditEvent.id)).all()
    return [row.summary for row in rows if (row.details or {}).get("event") == "evaluation"]


def test_the_whole_workflow_over_the_api(api, people, case):
    owner, started = _start(api, people, case)
    assert started.headers["Location"].endswith(f"/api/v1/cases/{case.reference}/evaluation")
    body = started.get_json()
    assert body["status"] == "draft" and body["case"] == case.reference
    tactic_id, objective_id = body["tactics"][0]["id"], body["objectives"][0]["id"]
    assert body["tactics"][0]["description"] == "Lighting"
    assert body["objectives"][0]["text"] == "Halve the calls in 3 months"

    response = owner("PATCH", BASE.format(case.reference), etag=started.headers["ETag"], json={
        **FILLED,
        "tactics": [{"id": tactic_id, "delivery": "fully", "effectiveness": "effective",
                     "delivery_note": "All six lamps"}],
        "objectives": [{"id": objective_id, "result": "met"}],
    })
    assert response.status_code == 200, response.get_json()
    saved = response.get_json()
    assert response.headers["ETag"] != started.headers["ETag"]
    assert saved["before_count"] == 40 and saved["outcome"] == "reduced"
    assert saved["impact"]["change"] == -75.0 and saved["impact"]["relative"] == -75.0
    assert saved["tactics"][0]["delivery"] == "fully"
    assert saved["tactics"][0]["delivery_note"] == "All six lamps"
    assert saved["objectives"][0]["result"] == "met"
    assert saved["figures_source"]["before_count"] == {"source": "entered by hand"}

    # A PATCH changes only what it names.
    response = owner("PATCH", BASE.format(case.reference), etag=response.headers["ETag"],
                     json={"lessons": "Lighting works; keep it"})
    assert response.get_json()["lessons"] == "Lighting works; keep it"
    assert response.get_json()["measure"] == "ASB calls about the alley"
    assert response.get_json()["tactics"][0]["effectiveness"] == "effective"

    submitted = owner("POST", BASE.format(case.reference) + "/submit",
                      etag=response.headers["ETag"])
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["status"] == "submitted"
    assert submitted.get_json()["submitted_by"]["name"] == "Owen Owner"

    supervisor = api(people["supervisor"])
    approved = supervisor("POST", BASE.format(case.reference) + "/approve",
                          etag=submitted.headers["ETag"], json={"comments": "Well evidenced"})
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["status"] == "approved"
    assert approved.get_json()["decided_by"]["name"] == "Sue Supervisor"

    # Approved is final.
    refused = owner("PATCH", BASE.format(case.reference), etag=approved.headers["ETag"],
                    json={"lessons": "rewrite"})
    assert refused.status_code == 409
    assert refused.mimetype == "application/problem+json"

    # The same timeline and audit rows as the web.
    assert _audit_summaries(case) == [
        "Started the evaluation", "Saved the evaluation draft", "Saved the evaluation draft",
        "Submitted the evaluation for sign-off", "Approved the evaluation: Well evidenced"]
    events = db.session.scalars(sa.select(CaseEvent.summary).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "evaluation")).all()
    assert "Approved the evaluation: Well evidenced" in events


def test_returning_needs_comments_and_sends_it_back_to_draft(api, people, case):
    owner, started = _start(api, people, case)
    saved = owner("PATCH", BASE.format(case.reference), etag=started.headers["ETag"], json=FILLED)
    submitted = owner("POST", BASE.format(case.reference) + "/submit",
                      etag=saved.headers["ETag"])
    supervisor = api(people["supervisor"])
    path = BASE.format(case.reference) + "/return"

    without = supervisor("POST", path, etag=submitted.headers["ETag"], json={})
    assert without.status_code == 422
    assert without.get_json()["invalid_params"][0]["name"] == "comments"
    blank = supervisor("POST", path, etag=submitted.headers["ETag"], json={"comments": "  "})
    assert blank.status_code == 422

    returned = supervisor("POST", path, etag=submitted.headers["ETag"],
                          json={"comments": "Add the comparison area's source"})
    assert returned.status_code == 200
    body = returned.get_json()
    assert body["status"] == "draft" and body["status_label"] == "Returned to draft"
    assert body["return_comments"] == "Add the comparison area's source"
    assert "Returned the evaluation to draft: Add the comparison area's source" in \
        _audit_summaries(case)
    # Back in draft, the owner can edit again.
    again = owner("PATCH", BASE.format(case.reference), etag=returned.headers["ETag"],
                  json={"comparison_area": "Next ward (police.uk)"})
    assert again.status_code == 200


def test_submitting_needs_an_outcome_and_a_measure(api, people, case):
    owner, started = _start(api, people, case)
    response = owner("POST", BASE.format(case.reference) + "/submit",
                     etag=started.headers["ETag"])
    assert response.status_code == 422
    assert response.get_json()["invalid_params"] == [
        {"name": "outcome", "reason": "Choose the outcome before submitting"}]
    assert db.session.scalar(sa.select(Evaluation.status)) == "draft"


def test_if_match_is_required_and_a_stale_one_saves_nothing(api, people, case):
    owner, started = _start(api, people, case)
    path = BASE.format(case.reference)
    missing = owner("PATCH", path, json={"lessons": "x"})
    assert missing.status_code == 428 and missing.mimetype == "application/problem+json"

    first = owner("PATCH", path, etag=started.headers["ETag"], json={"lessons": "First"})
    assert first.status_code == 200
    stale = owner("PATCH", path, etag=started.headers["ETag"], json={"lessons": "Second"})
    assert stale.status_code == 412
    assert stale.headers["ETag"] == first.headers["ETag"]
    assert owner("GET", path).get_json()["lessons"] == "First"
    stale_submit = owner("POST", path + "/submit", etag=started.headers["ETag"])
    assert stale_submit.status_code == 412
    assert owner("GET", path).get_json()["status"] == "draft"


@pytest.mark.parametrize("patch, field", [
    ({"outcome": "brilliant"}, "outcome"),
    ({"before_count": -1}, "before_count"),
    ({"before_count": "forty"}, "before_count"),
    ({"before_count": True}, "before_count"),
    ({"before_start": "31/01/2026"}, "before_start"),
    ({"measure": "x" * 501}, "measure"),
    ({"displacement_types": ["sideways"]}, "displacement_types"),
    ({"is_good_practice": "yes"}, "is_good_practice"),
    ({"colour": "red"}, "colour"),
    ({"tactics": [{"id": 999999, "delivery": "fully"}]}, "tactics[0].id"),
    ({"tactics": "all of them"}, "tactics"),
    ({"objectives": [{"id": 999999, "result": "met"}]}, "objectives[0].id"),
    # The service's own rules, across fields:
    ({"before_start": "2026-03-01", "before_end": "2026-02-01"}, "before_end"),
    ({"is_good_practice": True, "good_practice_summary": ""}, "good_practice_summary"),
])
def test_bad_fields_are_422_with_the_field_named_and_nothing_saved(api, people, case, patch,
                                                                   field):
    owner, started = _start(api, people, case)
    response = owner("PATCH", BASE.format(case.reference), etag=started.headers["ETag"],
                     json={"lessons": "should not be saved", **patch})
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert field in [p["name"] for p in response.get_json()["invalid_params"]]
    db.session.expire_all()
    assert db.session.scalar(sa.select(Evaluation.lessons)) == ""


def test_not_json_is_a_problem(api, people, case):
    owner, started = _start(api, people, case)
    path = BASE.format(case.reference)
    assert owner("PATCH", path, etag=started.headers["ETag"], data="lessons=x",
                 content_type="application/x-www-form-urlencoded").status_code == 415
    assert owner("PATCH", path, etag=started.headers["ETag"], data="{not json",
                 content_type="application/json").status_code == 400
    assert owner("PATCH", path, etag=started.headers["ETag"], json=[1]).status_code == 422


def test_who_may_do_what(api, people, case, make_user, make_org):
    path = BASE.format(case.reference)
    # Not started yet: nothing to read.
    assert api(people["owner"])("GET", path).status_code == 404
    owner, started = _start(api, people, case)
    etag = started.headers["ETag"]

    # Another force cannot see the case at all: 404 everywhere, audited as refused.
    other = api(people["other_supervisor"])
    for method, suffix in (("GET", ""), ("PATCH", ""), ("POST", "/approve"),
                           ("POST", "/return"), ("POST", "/submit"), ("POST", "")):
        assert other(method, path + suffix, etag=etag, json={}).status_code == 404
    denied = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "access_denied", AuditEvent.user_id == people["other_supervisor"].id
    )).all()
    assert len(denied) == 6 and {e.record_ref for e in denied} == {case.reference}

    # A partner the case is shared with reads it, but cannot write it.
    council = make_org("City Council", kind="local_authority")
    partner = make_user("partner", org=council)
    sharing.share_with_organisation(case, people["owner"], council, "contribute")
    db.session.commit()
    partner_api = api(partner)
    assert partner_api("GET", path).status_code == 200
    assert partner_api("PATCH", path, etag=etag, json={"lessons": "x"}).status_code == 403
    assert partner_api("POST", path + "/approve", etag=etag).status_code == 403

    # A colleague may edit, but only the owner submits; only a supervisor decides.
    colleague = api(people["colleague"])
    edited = colleague("PATCH", path, etag=etag, json=FILLED)
    assert edited.status_code == 200
    etag = edited.headers["ETag"]
    assert colleague("POST", path + "/submit", etag=etag).status_code == 403
    submitted = owner("POST", path + "/submit", etag=etag)
    assert submitted.status_code == 200
    assert owner("POST", path + "/approve", etag=submitted.headers["ETag"]).status_code == 403
    # Approving what is not submitted is a conflict with its state.
    supervisor = api(people["supervisor"])
    approved = supervisor("POST", path + "/approve", etag=submitted.headers["ETag"])
    assert approved.status_code == 200
    again = supervisor("POST", path + "/approve", etag=approved.headers["ETag"])
    assert again.status_code == 409


def test_starting_needs_assessment_and_twice_is_harmless(api, people, case, make_case):
    early = make_case(owner=people["owner"])
    db.session.commit()
    owner = api(people["owner"])
    assert owner("POST", BASE.format(early.reference)).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evaluation)) == 0
    _start(api, people, case)
    again = owner("POST", BASE.format(case.reference))
    assert again.status_code == 200 and again.get_json()["status"] == "draft"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evaluation)) == 1


def test_reading_is_audited_as_a_view_of_the_case(api, people, case):
    owner, _ = _start(api, people, case)
    response = owner("GET", BASE.format(case.reference))
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"{case.reference}-evaluation.v{response.json["version"]}"'
    views = db.session.scalars(sa.select(AuditEvent.summary).where(
        AuditEvent.case_id == case.id, AuditEvent.action == "consultation")).all()
    assert views == [f"Viewed /api/v1/cases/{case.reference}/evaluation"]


def test_no_token_is_401(client, case):
    response = client.get(BASE.format(case.reference))
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
