"""/api/v1/cases: list, create, read, update and stage moves, as a token holder sees them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from sara.audit.models import AuditEvent
from sara.cases.models import CaseEvent, ProblemCase
from sara.extensions import db
from sara.partners import service as sharing


def audit_rows(user, action: str, ref: str | None = None) -> list[AuditEvent]:
    db.session.expire_all()
    query = sa.select(AuditEvent).where(AuditEvent.user_id == user.id, AuditEvent.action == action)
    if ref is not None:
        query = query.where(AuditEvent.record_ref == ref)
    return list(db.session.scalars(query))


def invalid_names(response) -> set[str]:
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return {p["name"] for p in response.get_json()["invalid_params"]}


NEW_CASE = {
    "title": "Youths gathering at the parade",
    "problem_type": "asb_youth",
    "location_text": "Ermine shopping parade",
    "description": "Groups shouting late at night, most evenings.",
}


# --- list --------------------------------------------------------------------------------------

def test_list_shows_own_force_cases_filtered_and_paginated(api, officer, make_case, police):
    northside = police.neighbourhoods[1]
    a = make_case(title="First", scan_summary="Pattern")
    b = make_case(title="Second", neighbourhood=northside)
    c = make_case(title="Third", problem_type="graffiti")
    client = api(officer)

    body = client.get("/api/v1/cases").get_json()
    assert body["total"] == 3
    assert {item["reference"] for item in body["items"]} == {a.reference, b.reference, c.reference}

    by_area = client.get(f"/api/v1/cases?neighbourhood={northside.id}").get_json()
    assert [item["reference"] for item in by_area["items"]] == [b.reference]
    assert by_area["items"][0]["neighbourhood"] == {"id": northside.id, "name": "Northside"}

    by_type = client.get("/api/v1/cases?problem_type=graffiti").get_json()
    assert [item["reference"] for item in by_type["items"]] == [c.reference]

    sorted_page = client.get("/api/v1/cases?sort=title&direction=asc&per_page=2").get_json()
    assert [item["title"] for item in sorted_page["items"]] == ["First", "Second"]
    assert sorted_page["total"] == 3
    assert "next" in sorted_page["links"] and "prev" not in sorted_page["links"]
    # The next link keeps the filters and the sort.
    second = client.get(sorted_page["links"]["next"]).get_json()
    assert [item["title"] for item in second["items"]] == ["Third"]
    assert second["page"] == 2


def test_list_never_shows_another_forces_cases(api, make_user, make_org, make_case):
    other = make_user("officer", org=make_org("Other Constabulary"))
    make_case(title="Ours")
    body = api(other).get("/api/v1/cases").get_json()
    assert body["total"] == 0 and body["items"] == []


def test_partner_list_holds_only_shared_cases(api, officer, make_user, make_org, make_case):
    council = make_org("District Council", kind="local_authority")
    partner = make_user("partner", org=council)
    shared = make_case(title="Shared")
    make_case(title="Not shared")
    sharing.share_with_organisation(shared, officer, council, "view")
    body = api(partner).get("/api/v1/cases").get_json()
    assert [item["reference"] for item in body["items"]] == [shared.reference]
    assert body["total"] == 1


def test_list_refuses_bad_filters_naming_them(api, officer):
    response = api(officer).get("/api/v1/cases?stage=limbo&neighbourhood=abc&per_page=0")
    assert invalid_names(response) == {"stage", "neighbourhood"}
    assert invalid_names(api(officer).get("/api/v1/cases?per_page=1000")) == {"per_page"}


# --- create ------------------------------------------------------------------------------------

def test_create_case_answers_201_with_location_and_etag(api, officer, police):
    client = api(officer)
    response = client.post("/api/v1/cases", json={
        **NEW_CASE, "neighbourhood_id": police.neighbourhoods[0].id,
        "latitude": 53.23, "longitude": -0.54})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    reference = body["reference"]
    assert response.headers["Location"] == f"/api/v1/cases/{reference}"
    assert response.headers["ETag"] == f'"{reference}.v{body["version"]}"'
    assert body["stage"] == "scanning" and body["status"] == "open"
    assert body["owner"] == {"id": officer.id, "name": officer.name}
    case = db.session.scalar(sa.select(ProblemCase).where(ProblemCase.reference == reference))
    assert case.title == NEW_CASE["title"] and case.latitude == 53.23
    assert audit_rows(officer, "alteration", None)
    # It is where Location says.
    assert client.get(response.headers["Location"]).get_json()["title"] == NEW_CASE["title"]


def test_create_case_validates_like_the_form(api, officer, make_org):
    other_force = make_org("Elsewhere Police")
    client = api(officer)
    response = client.post("/api/v1/cases", json={
        "title": "x", "problem_type": "unicorns", "neighbourhood_id": "1",
        "location_text": "", "description": "ok", "latitude": 53.2})
    assert invalid_names(response) == {"title", "problem_type", "neighbourhood_id",
                                       "location_text", "latitude"}
    response = client.post("/api/v1/cases", json={
        **NEW_CASE, "neighbourhood_id": other_force.neighbourhoods[0].id})
    assert invalid_names(response) == {"neighbourhood_id"}
    response = client.post("/api/v1/cases", json={**NEW_CASE, "neighbourhood_id": 1,
                                                   "owner_id": 5})
    assert invalid_names(response) == {"owner_id"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProblemCase)) == 0


def test_create_case_refuses_nul_and_non_json(api, officer, police):
    client = api(officer)
    response = client.post("/api/v1/cases", json={
        **NEW_CASE, "title": "Bad\x00title", "neighbourhood_id": police.neighbourhoods[0].id})
    assert invalid_names(response) == {"title"}
    response = client.post("/api/v1/cases", data="title=x",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415
    assert response.mimetype == "application/problem+json"
    response = client.post("/api/v1/cases", data="{not json",
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert invalid_names(client.post("/api/v1/cases", json=[1, 2])) == {""}


@pytest.mark.parametrize("role", ["partner", "call_handler"])
def test_only_case_workers_create_cases(api, make_user, make_org, role, police):
    org = make_org(kind="local_authority") if role == "partner" else police
    response = api(make_user(role, org=org)).post("/api/v1/cases", json={
        **NEW_CASE, "neighbourhood_id": police.neighbourhoods[0].id})
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"


# --- read --------------------------------------------------------------------------------------

def test_read_case_with_stage_content_and_etag(api, officer, make_case):
    case = make_case(scan_summary="Shouting every Friday", analysis_why="Nowhere else to go")
    response = api(officer).get(f"/api/v1/cases/{case.reference}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["scan_summary"] == "Shouting every Friday"
    assert body["analysis_why"] == "Nowhere else to go"
    assert body["objectives"] == [] and body["tactics"] == []
    assert body["links"]["actions"] == f"/api/v1/cases/{case.reference}/actions"
    assert response.headers["ETag"] == f'"{case.reference}.v{case.version}"'
    rows = audit_rows(officer, "consultation", case.reference)
    assert len(rows) == 1


def test_unknown_and_nul_references_answer_404_problems(api, officer):
    client = api(officer)
    for ref in ("PS-2000-99999", "PS\x00", "x" * 300):
        response = client.get(f"/api/v1/cases/{ref}")
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"


# --- update ------------------------------------------------------------------------------------

def test_etag_round_trip(api, officer, make_case):
    case = make_case()
    client = api(officer)
    etag = client.get(f"/api/v1/cases/{case.reference}").headers["ETag"]
    response = client.patch(f"/api/v1/cases/{case.reference}",
                            json={"title": "A better title", "scan_source": "community_meeting"},
                            headers={"If-Match": etag})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["title"] == "A better title"
    new_etag = response.headers["ETag"]
    assert new_etag != etag
    # The old ETag is now stale; the new one works.
    stale = client.patch(f"/api/v1/cases/{case.reference}", json={"title": "Lost update"},
                         headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.headers["ETag"] == new_etag
    fresh = client.patch(f"/api/v1/cases/{case.reference}", json={"title": "Third title"},
                         headers={"If-Match": new_etag})
    assert fresh.status_code == 200
    db.session.expire_all()
    assert db.session.get(ProblemCase, case.id).title == "Third title"


def test_stale_if_match_changes_nothing(api, officer, make_case):
    case = make_case()
    before = (case.title, case.version)
    events = db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent))
    response = api(officer).patch(f"/api/v1/cases/{case.reference}", json={"title": "Nope"},
                                  headers={"If-Match": f'"{case.reference}.v{case.version - 1}"'})
    assert response.status_code == 412
    assert response.mimetype == "application/problem+json"
    db.session.expire_all()
    fresh = db.session.get(ProblemCase, case.id)
    assert (fresh.title, fresh.version) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent)) == events


def test_update_without_if_match_is_428(api, officer, make_case):
    case = make_case()
    response = api(officer).patch(f"/api/v1/cases/{case.reference}", json={"title": "Nope"})
    assert response.status_code == 428
    db.session.expire_all()
    assert db.session.get(ProblemCase, case.id).title != "Nope"


def test_update_validates_fields(api, officer, make_case):
    case = make_case()
    response = api(officer).patch(
        f"/api/v1/cases/{case.reference}",
        json={"review_cadence_days": 3, "latitude": 53.0, "scan_source": "gossip",
              "colour": "blue"},
        headers={"If-Match": "*"})
    assert invalid_names(response) == {"colour"}
    response = api(officer).patch(
        f"/api/v1/cases/{case.reference}",
        json={"review_cadence_days": True, "latitude": 53.0, "scan_source": "gossip"},
        headers={"If-Match": "*"})
    assert invalid_names(response) == {"review_cadence_days", "latitude", "scan_source"}


def test_contributing_partner_may_edit_the_analysis_only(api, officer, make_user, make_org,
                                                        make_case):
    housing = make_org("Riverside Housing", kind="housing")
    partner = make_user("partner", org=housing)
    case = make_case()
    sharing.share_with_organisation(case, officer, housing, "contribute")
    client = api(partner)
    etag = client.get(f"/api/v1/cases/{case.reference}").headers["ETag"]
    response = client.patch(f"/api/v1/cases/{case.reference}",
                            json={"analysis_guardian": "Caretaker on site"},
                            headers={"If-Match": etag})
    assert response.status_code == 200
    assert response.get_json()["analysis_guardian"] == "Caretaker on site"
    response = client.patch(f"/api/v1/cases/{case.reference}", json={"title": "Takeover"},
                            headers={"If-Match": response.headers["ETag"]})
    assert response.status_code == 403


# --- stage moves -------------------------------------------------------------------------------

def _move(client, case, to, reason=None, etag=None):
    body = {"to": to} if reason is None else {"to": to, "reason": reason}
    etag = etag or client.get(f"/api/v1/cases/{case.reference}").headers["ETag"]
    return client.post(f"/api/v1/cases/{case.reference}/stage", json=body,
                       headers={"If-Match": etag})


def test_stage_moves_follow_the_sara_rules(api, officer, make_case):
    case = make_case()
    client = api(officer)
    refused = _move(client, case, "analysis")
    assert refused.status_code == 409
    assert "scanning summary" in refused.get_json()["detail"]
    assert _move(client, case, "response").status_code == 409  # skipping Analysis

    etag = client.get(f"/api/v1/cases/{case.reference}").headers["ETag"]
    etag = client.patch(f"/api/v1/cases/{case.reference}", json={"scan_summary": "Pattern"},
                        headers={"If-Match": etag}).headers["ETag"]
    moved = _move(client, case, "analysis", etag=etag)
    assert moved.status_code == 200, moved.get_data(as_text=True)
    assert moved.get_json()["stage"] == "analysis"

    back = _move(client, case, "scanning")
    assert invalid_names(back) == {"reason"}
    back = _move(client, case, "scanning", reason="The pattern was wrong")
    assert back.status_code == 200 and back.get_json()["stage"] == "scanning"
    event = db.session.scalars(sa.select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "stage_moved")
        .order_by(CaseEvent.id.desc())).first()
    assert (event.from_stage, event.to_stage, event.reason) == (
        "analysis", "scanning", "The pattern was wrong")


def test_stage_move_needs_a_known_stage_and_if_match(api, officer, make_case):
    case = make_case(scan_summary="Pattern")
    client = api(officer)
    assert invalid_names(_move(client, case, "limbo")) == {"to"}
    response = client.post(f"/api/v1/cases/{case.reference}/stage", json={"to": "analysis"})
    assert response.status_code == 428
    response = client.post(f"/api/v1/cases/{case.reference}/stage", json={"to": "analysis"},
                           headers={"If-Match": f'"{case.reference}.v999"'})
    assert response.status_code == 412
    db.session.expire_all()
    assert db.session.get(ProblemCase, case.id).stage == "scanning"


def test_list_filters_by_the_day_cases_were_opened(api, officer, make_case):
    import datetime as dt

    from sara.api.cases import DATE_FILTERS

    if "opened_from" not in DATE_FILTERS:
        pytest.skip("the case list has no date filters")
    case = make_case()
    client = api(officer)
    today = dt.date.today()
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    assert client.get(f"/api/v1/cases?opened_from={tomorrow}").get_json()["total"] == 0
    body = client.get(f"/api/v1/cases?opened_from={yesterday}&opened_to={tomorrow}").get_json()
    assert [item["reference"] for item in body["items"]] == [case.reference]
    assert f"opened_from={yesterday}" in body["links"]["self"]
    assert invalid_names(client.get("/api/v1/cases?opened_to=9999-12-31&opened_from=soon")) == {
        "opened_to", "opened_from"}
