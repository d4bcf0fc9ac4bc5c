"""schemathesis runs every operation of the OpenAPI document (/api/v1/openapi.json) in-process
against the app: no response is a 5xx, and every response conforms to the document (status code,
content type, body schema).

It picks up every operation the document lists, so a new resource module is tested as soon as it
is in sara.api.openapi.RESOURCE_MODULES. Requests carry a real token of a supervisor who owns a
case at Assessment with a started evaluation, an action, a flag, an incident, an import and an
ASB case review; path parameters are either generated or one of those real records, so the
success paths are reached too. Everything runs inside the test's transaction and is rolled back afterwards.
"""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sara.actions import service as action_service
from sara.api import (
    routes,  # noqa: F401  (every resource module's routes and description)
    tokens,
)
from sara.api.openapi import build_document
from sara.asb_reviews import service as asb_review_service
from sara.cases import service as case_service
from sara.core.references import person_reference
from sara.core.types import today, utcnow
from sara.evaluation import service as evaluation_service
from sara.extensions import db
from sara.flags.models import Flag
from sara.incidents.models import Incident, IncidentImport, IncidentPerson
from sara.people import matching
from sara.people.models import Person

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
#: Generated examples per operation and generation mode (positive, negative), besides the
#: deterministic coverage phase: enough to reach each operation's success and error paths, few
#: enough for CI.
MAX_EXAMPLES = 20
#: The seeded case's, action's and review's references: none that numbering gives, so a record
#: created during the run never collides with them.
CASE_REF, ACTION_REF, REVIEW_REF = "PS-SCHEMA-1", "AC-SCHEMA-1", "CR-SCHEMA1"


class _FreshContextApp:
    """The app as a WSGI callable that gives each request its own app context, as in production
    (and as tests/conftest.py's client does): nothing in `g`, nor the session, is shared with the
    test or the previous request."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        with self.app.app_context():
            return self.app.wsgi_app(environ, start_response)


@pytest.fixture
def seeded(app, police, make_user, make_case, monkeypatch):
    # Nothing may reach the broker from here: the test's rows are rolled back afterwards.
    monkeypatch.setattr(app.extensions["celery"], "send_task", lambda *args, **kwargs: None)

    supervisor = make_user("supervisor", name="Schema Supervisor")
    case = make_case(owner=supervisor, scan_summary="Pattern", analysis_location="Alley")
    case_service.add_objective(case, supervisor, "Halve the calls", case.version)
    case_service.add_tactic(case, supervisor, category="situational", triangle_side="location",
                            description="Lighting", expected_version=case.version)
    for stage in ("analysis", "response", "assessment"):
        case_service.move_stage(case, supervisor, stage, None, case.version)
    evaluation_service.start(case, supervisor)
    action = action_service.create_action(case, supervisor, {
        "title": "Fix the lights", "tactic_category": "situational", "triangle_side": "location",
        "priority": "normal", "due_date": today() + timedelta(7),
        "allocation": f"user:{supervisor.id}"})
    # The examples of the test's copy of the document (below).
    case.reference, action.reference = CASE_REF, ACTION_REF
    db.session.flush()
    person = Person(reference=person_reference(), organisation_id=police.id, name="Ann Smith")
    matching.fill_keys(person)
    db.session.add(person)
    db.session.flush()
    incident = Incident(source="form", source_key="SCHEMA-1", organisation_id=police.id,
                        occurred_dt=utcnow() - timedelta(days=3), category="Noise", is_asb=True)
    db.session.add(incident)
    db.session.flush()
    db.session.add(IncidentPerson(incident_id=incident.id, person_id=person.id, role="victim",
                                  occurred_dt=incident.occurred_dt, is_asb=True))
    flag = Flag(kind="repeat_victim", subject_key=f"person:{person.id}", person_id=person.id,
                evidence={"incidents": 2, "threshold": 2, "window_days": 365})
    job = IncidentImport(filename="old.csv", format="cad", organisation_id=police.id,
                         created_by_id=supervisor.id, state="done", rows_total=1, rows_done=1,
                         rows_imported=1, errors=[])
    db.session.add_all([flag, job])
    # An ASB case review about the person, decided and held, with a recommendation: its page
    # reaches every part of the answer.
    review = asb_review_service.record_application(supervisor, person, {
        "applicant_kind": "victim", "applicant_contact": "1 Elm Close",
        "received_by_id": police.id, "received_date": today() - timedelta(days=7),
        "summary": "Noise", "neighbourhood_id": police.neighbourhoods[0].id})
    asb_review_service.decide_threshold(review, supervisor, True, "Met")
    asb_review_service.add_participant(review, supervisor, {
        "organisation_id": police.id, "person_name": "PC Smith", "agency_actions": "Patrols"})
    asb_review_service.record_meeting(review, supervisor, {
        "meeting_date": today(), "victim_views": "Wants it to stop"})
    asb_review_service.add_recommendation(review, supervisor, {
        "title": "Patrol the park", "description": "", "tactic_category": "enforcement",
        "triangle_side": "offender", "allocation": f"org:{police.id}",
        "due_date": today() + timedelta(14), "priority": "normal"}, case)
    review.reference = REVIEW_REF
    db.session.flush()
    _, token = tokens.create_token(supervisor, "schemathesis")
    db.session.commit()
    KNOWN.clear()
    KNOWN.update(reference=case.reference, action_ref=action.reference, flag_id=flag.id,
                 incident_id=incident.id, import_id=job.id, review_ref=review.reference)
    BODY.clear()
    BODY.update(allocation=f"user:{supervisor.id}")
    return {"token": token}


# The document as the code describes it: built without an app, so that pytest can make one test
# per operation at collection time (xdist spreads them). test_the_served_document_is_this_one
# checks that /api/v1/openapi.json serves exactly this.
def _document_for_the_test() -> dict:
    """The document, with examples that steer the coverage phase (which sends each parameter's
    example with its boundary-value bodies) at the seeded records, past the If-Match check."""
    doc = copy.deepcopy(build_document())
    parameters = doc["components"]["parameters"]
    parameters["Reference"]["example"] = CASE_REF
    parameters["ActionRef"]["example"] = ACTION_REF
    parameters["IfMatch"]["example"] = "*"
    doc["paths"]["/asb-reviews/{review_ref}"]["parameters"][0]["example"] = REVIEW_REF
    return doc


SCHEMA = schemathesis.openapi.from_dict(_document_for_the_test())
#: The seeded records' path parameters, for the hook below (set by the `seeded` fixture).
KNOWN: dict = {}
#: Body members that must name a seeded record to get past validation (set by `seeded`).
BODY: dict = {}


@SCHEMA.hook
def flatmap_path_parameters(context, path_parameters):
    # Half generated (mostly 404s), half a real record (the success paths).
    if not isinstance(path_parameters, dict):
        return st.just(path_parameters)
    real = {**path_parameters, **{k: v for k, v in KNOWN.items() if k in path_parameters}}
    return st.sampled_from([path_parameters, real])


@SCHEMA.hook
def flatmap_body(context, body):
    # A new action must be allocated to someone who can see the case: half the bodies name one.
    if not isinstance(body, dict) or not set(BODY) & set(body):
        return st.just(body)
    return st.sampled_from([body, {**body, **{k: v for k, v in BODY.items() if k in body}}])


@SCHEMA.hook
def flatmap_headers(context, headers):
    # An If-Match that matches whatever the version is, besides generated (stale) ones.
    if headers is not None and not isinstance(headers, dict):
        return st.just(headers)
    return st.sampled_from([headers, {**(headers or {}), "If-Match": "*"}])


def test_the_served_document_is_this_one(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json() == build_document()


@SCHEMA.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_conforms_to_the_document(case, app, seeded):
    case.call_and_validate(app=_FreshContextApp(app), checks=CHECKS,
                           headers={"Authorization": f"Bearer {seeded['token']}"})
