"""Who may do what through the API: the same answers and the same audit rows as the web pages.

A token-based matrix over every /api/v1 route about one case, in the world of tests/test_access.py
(plus a call handler, who may read the force's cases but not change them). The routes come from
app.url_map, so a new API case route fails here until it is given an expectation.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import url_for

from sara.actions import service as action_service
from sara.actions.models import Action, ActionEntry
from sara.api import tokens
from sara.audit.models import AuditEvent
from sara.cases import service as case_service
from sara.cases.models import CaseEvent, ProblemCase
from sara.evaluation import service as evaluation_service
from sara.evaluation.models import Evaluation
from sara.extensions import db
from sara.partners import service as sharing
from tests.conftest import FROZEN_NOW
from tests.conftest import ApiClient as Api

SEES_CASE = {"owner", "supervisor", "partner_view", "partner_contribute", "named_user",
             "call_handler"}
MANAGERS = {"owner", "supervisor"}
CONTRIBUTORS = MANAGERS | {"partner_contribute"}
ACTORS = (*sorted(SEES_CASE), "other_force_officer", "partner_no_share")

#: For each API endpoint about a case: who may call it (everyone else who sees the case gets 403,
#: anyone who does not gets 404), and a request that would succeed if the policy allowed it.
#: The case is open, at Assessment, with a draft evaluation, and an action allocated to the owner.
SOON = (FROZEN_NOW.date() + dt.timedelta(days=5)).isoformat()  # the tests' frozen clock
EXPECTED = {
    "api.get_case": (SEES_CASE, None),
    "api.update_case": (CONTRIBUTORS, {"analysis_when": "Friday nights"}),
    "api.move_case_stage": (MANAGERS, {"to": "response", "reason": "Rethink the plan"}),
    "api.list_case_actions": (SEES_CASE, None),
    "api.create_action": (CONTRIBUTORS, {
        "title": "New lights", "tactic_category": "situational", "triangle_side": "location",
        "allocation": "OWNER", "due_date": SOON}),
    "api.get_action": (SEES_CASE, None),
    # The action is allocated to the owner: a view-level partner may not work it.
    "api.update_action": (CONTRIBUTORS, {"note": "Progress"}),
    "api.get_evaluation": (SEES_CASE, None),
    "api.start_evaluation": (MANAGERS, None),
    "api.update_evaluation": (MANAGERS, {"measure": "ASB calls"}),
    "api.submit_evaluation": ({"owner"}, None),
    "api.approve_evaluation": ({"supervisor"}, None),
    "api.return_evaluation": ({"supervisor"}, {"comments": "More detail please"}),
    "api.case_incidents": (SEES_CASE, None),
    # Linking needs sight of the force's incidents, which no partner has.
    "api.link_case_incidents": (MANAGERS, {"incidents": [1]}),
}
#: Endpoints that take If-Match: an allowed caller leaving it out gets 428 and changes nothing.
NEEDS_IF_MATCH = {"api.update_case", "api.move_case_stage", "api.update_action",
                  "api.update_evaluation", "api.submit_evaluation", "api.approve_evaluation",
                  "api.return_evaluation"}


@pytest.fixture
def api_world(app, police, make_org, make_user, make_case):
    owner = make_user("officer", name="Owner Officer")
    supervisor = make_user("supervisor", name="Sam Supervisor")
    other_force = make_org("Other Constabulary")
    council = make_org("District Council", kind="local_authority")
    housing = make_org("Riverside Housing", kind="housing")
    probation = make_org("Probation Service", kind="probation")
    fire = make_org("Fire and Rescue", kind="fire")
    users = {
        "owner": owner,
        "supervisor": supervisor,
        "call_handler": make_user("call_handler"),
        "other_force_officer": make_user("officer", org=other_force),
        "partner_view": make_user("partner", org=council),
        "partner_contribute": make_user("partner", org=housing),
        "partner_no_share": make_user("partner", org=probation),
        "named_user": make_user("partner", org=fire),
    }
    case = make_case(owner=owner, title="Shared problem", scan_summary="Pattern",
                     analysis_victim="Shoppers")
    case_service.add_objective(case, owner, "Halve the calls", case.version)
    case_service.add_tactic(case, owner, category="situational", triangle_side="location",
                            description="Better lighting", expected_version=case.version)
    for stage in ("analysis", "response", "assessment"):
        case_service.move_stage(case, owner, stage, None, case.version)
    evaluation_service.start(case, owner)
    sharing.share_with_organisation(case, owner, council, "view")
    sharing.share_with_organisation(case, owner, housing, "contribute")
    sharing.share_with_user(case, owner, users["named_user"].email, "view")
    action = action_service.create_action(case, owner, {
        "title": "Cut back the hedges", "description": "", "tactic_category": "environmental",
        "triangle_side": "location", "allocation": f"user:{owner.id}",
        "due_date": dt.date.today() + dt.timedelta(days=7), "priority": "normal",
    })
    clients = {}
    for name, user in users.items():
        _, token = tokens.create_token(user, "matrix")
        clients[name] = Api(app.test_client(), token, user)
    db.session.commit()
    return case, action, users, clients


def _api_case_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") and "reference" in rule.arguments:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def _url(app, rule, case, action) -> str:
    values = {"reference": case.reference}
    if "action_ref" in rule.arguments:
        values["action_ref"] = action.reference
    missing = set(rule.arguments) - set(values)
    assert not missing, f"add an example value for {missing} in {rule.rule}"
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def _snapshot(case_id: int, action_id: int) -> tuple:
    """Everything a write through these routes could change."""
    db.session.expire_all()

    def count(model, *where):
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))

    return (
        db.session.scalar(sa.select(ProblemCase.version).where(ProblemCase.id == case_id)),
        count(CaseEvent, CaseEvent.case_id == case_id),
        count(Action, Action.case_id == case_id),
        db.session.scalar(sa.select(Action.version).where(Action.id == action_id)),
        count(ActionEntry, ActionEntry.action_id == action_id),
        db.session.scalar(sa.select(Evaluation.version).where(Evaluation.case_id == case_id)),
        db.session.scalar(sa.select(Evaluation.status).where(Evaluation.case_id == case_id)),
    )


def _audit(user) -> list[tuple]:
    db.session.expire_all()
    return [tuple(row) for row in db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.record_type, AuditEvent.record_ref)
        .where(AuditEvent.user_id == user.id).order_by(AuditEvent.id))]


def test_every_api_case_route_has_an_expectation(app):
    endpoints = {rule.endpoint for rule, _ in _api_case_rules(app)}
    assert endpoints == set(EXPECTED), "an API case route was added or removed: update EXPECTED"


def test_api_access_matrix(app, api_world):
    """Every API case route × user. Refused requests are complete and carry If-Match: *, so only
    the policy can stop them, and they must leave the database unchanged. Allowed writes are sent
    without If-Match (or, with none to send, as a form): they must get past the policy (428 or
    415, not 403/404) without changing anything."""
    case, action, users, clients = api_world
    failures = []
    for rule, method in _api_case_rules(app):
        allowed_actors, body = EXPECTED[rule.endpoint]
        if body and body.get("allocation") == "OWNER":
            body = {**body, "allocation": f"user:{users['owner'].id}"}
        url = _url(app, rule, case, action)
        for actor in ACTORS:
            client = clients[actor]
            before = _snapshot(case.id, action.id)
            audit_before = _audit(client.user)
            allowed = actor in allowed_actors
            if method == "GET":
                status = client.get(url).status_code
            elif allowed and rule.endpoint in NEEDS_IF_MATCH:
                status = client.open(url, method, json=body or {}).status_code
            elif allowed and body is not None:
                status = client.open(url, method, data="x=1",
                                     headers={"Content-Type": "text/plain"}).status_code
            else:
                status = client.open(url, method, json=body,
                                     headers={"If-Match": "*"}).status_code
            if actor not in SEES_CASE:
                expected = 404
            elif not allowed:
                expected = 403
            elif method == "GET" or rule.endpoint == "api.start_evaluation":
                expected = 200
            else:
                expected = 428 if rule.endpoint in NEEDS_IF_MATCH else 415
            where = f"{actor:>20} {method:5} {rule.rule}"
            if status != expected:
                failures.append(f"{where}: {status}, expected {expected}")
            if _snapshot(case.id, action.id) != before:
                failures.append(f"{where}: changed the case")
            # The audit rows are the web's: a consultation for each read of the case, an
            # access-denied row for each refused reference, and nothing for a 403 or a 428.
            new_rows = _audit(client.user)[len(audit_before):]
            if expected == 404:
                wanted = [("access_denied", "case", case.reference)]
            elif expected == 200 and method == "GET":
                wanted = [("consultation", "case", case.reference)]
            else:
                wanted = []
            if new_rows != wanted:
                failures.append(f"{where}: audit rows {new_rows}, expected {wanted}")
    assert not failures, "\n".join(failures)


def test_api_and_web_write_the_same_audit_rows(api_world, browser):
    case, _, users, clients = api_world
    for actor in ("partner_view", "partner_no_share", "call_handler"):
        user = users[actor]
        web = browser(user)
        start = len(_audit(user))
        web_status = web.get(f"/cases/{case.reference}").status_code
        web_rows = _audit(user)[start:]
        start = len(_audit(user))
        api_status = clients[actor].get(f"/api/v1/cases/{case.reference}").status_code
        api_rows = _audit(user)[start:]
        assert api_status == web_status, actor
        assert api_rows == web_rows and len(api_rows) == 1, actor


@pytest.mark.parametrize("actor", ["other_force_officer", "partner_no_share"])
def test_lists_never_show_or_count_an_unshared_case(api_world, actor):
    case, action, _, clients = api_world
    client = clients[actor]
    cases = client.get("/api/v1/cases").get_json()
    assert cases["total"] == 0 and cases["items"] == []
    for scope in ("mine", "organisation", "allocated"):
        body = client.get(f"/api/v1/actions?scope={scope}&finished=true").get_json()
        assert body["items"] == [], scope


@pytest.mark.parametrize("actor", ["partner_view", "partner_contribute", "named_user"])
def test_partner_lists_hold_the_shared_case(api_world, actor):
    case, _, _, clients = api_world
    body = clients[actor].get("/api/v1/cases").get_json()
    assert [item["reference"] for item in body["items"]] == [case.reference]
    assert body["total"] == 1


def test_withdrawn_share_answers_404_at_once(api_world):
    case, _, users, clients = api_world
    share = next(s for s in sharing.live_shares(case)
                 if s.organisation_id == users["partner_contribute"].organisation_id)
    assert clients["partner_contribute"].get(f"/api/v1/cases/{case.reference}").status_code == 200
    sharing.withdraw_share(case, users["owner"], share.id)
    db.session.commit()
    assert clients["partner_contribute"].get(f"/api/v1/cases/{case.reference}").status_code == 404


def test_revoked_and_expired_tokens_stop_working(app, api_world):
    case, _, users, clients = api_world
    row, token = tokens.create_token(users["owner"], "short-lived")
    db.session.commit()
    client = Api(app.test_client(), token, users["owner"])
    assert client.get(f"/api/v1/cases/{case.reference}").status_code == 200
    tokens.revoke(row)
    db.session.commit()
    response = client.get(f"/api/v1/cases/{case.reference}")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    row, token = tokens.create_token(users["owner"], "expired")
    row.expires_dt = row.created_dt - dt.timedelta(seconds=1)
    db.session.commit()
    assert Api(app.test_client(), token, users["owner"]).get("/api/v1/cases").status_code == 401


def test_nul_in_references_and_bodies_never_errors(api_world):
    case, action, _, clients = api_world
    owner = clients["owner"]
    for path in (f"/api/v1/cases/PS\x00{case.reference}",
                 f"/api/v1/cases/{case.reference}/actions/AC\x00",
                 f"/api/v1/cases/{case.reference}\x00/actions"):
        assert owner.get(path).status_code == 404, path
    response = owner.patch(f"/api/v1/cases/{case.reference}", json={"analysis_why": "a\x00b"},
                           headers={"If-Match": "*"})
    assert response.status_code == 422
    assert response.get_json()["invalid_params"][0]["name"] == "analysis_why"
    response = owner.patch(f"/api/v1/cases/{case.reference}/actions/{action.reference}",
                           json={"note": "\x00"}, headers={"If-Match": "*"})
    assert response.status_code == 422
    response = owner.get("/api/v1/cases?stage=\x00&neighbourhood=\x00")
    assert response.status_code == 422
