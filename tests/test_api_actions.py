"""/api/v1 actions: lists, allocating, reading, editing, moving on and notes."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from sara.actions import service as action_service
from sara.actions.models import Action, ActionEntry
from sara.extensions import db
from sara.partners import service as sharing
from tests.conftest import FROZEN_NOW
from tests.test_api_cases import audit_rows, invalid_names

SOON = (FROZEN_NOW.date() + dt.timedelta(days=7)).isoformat()  # the tests' frozen clock


@pytest.fixture
def shared_case(officer, make_case, make_org, make_user):
    """A case shared to view with a council, whose caseworker has an action allocated."""
    council = make_org("District Council", kind="local_authority")
    caseworker = make_user("partner", org=council, name="Cara Caseworker")
    case = make_case(title="Shared problem")
    sharing.share_with_organisation(case, officer, council, "view")
    action = action_service.create_action(case, officer, {
        "title": "Visit the residents", "description": "", "tactic_category": "engagement",
        "triangle_side": "victim", "allocation": f"user:{caseworker.id}",
        "due_date": dt.date.today() + dt.timedelta(days=3), "priority": "high",
    })
    db.session.flush()
    return case, action, caseworker, council


def _new(allocation: str, **extra) -> dict:
    return {"title": "Cut back the hedges", "tactic_category": "environmental",
            "triangle_side": "location", "allocation": allocation, "due_date": SOON, **extra}


def test_create_action_allocated_to_a_partner_organisation(api, officer, shared_case):
    case, _, caseworker, council = shared_case
    client = api(officer)
    response = client.post(f"/api/v1/cases/{case.reference}/actions",
                           json=_new(f"org:{council.id}", description="Along the footpath"))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["allocated_to"]["kind"] == "organisation"
    assert body["allocated_to"]["name"] == "District Council"
    assert body["priority"] == "normal" and body["status"] == "open"
    assert body["case"]["reference"] == case.reference
    assert response.headers["Location"] == (
        f"/api/v1/cases/{case.reference}/actions/{body['reference']}")
    assert response.headers["ETag"] == f'"{body["reference"]}.v{body["version"]}"'
    assert audit_rows(officer, "alteration", body["reference"])
    listed = client.get(f"/api/v1/cases/{case.reference}/actions").get_json()
    assert {a["reference"] for a in listed["items"]} >= {body["reference"]}


def test_create_action_validates_like_the_form(api, officer, shared_case, make_org, make_user):
    case, *_ = shared_case
    stranger = make_user("officer", org=make_org("Other Constabulary"))
    client = api(officer)
    response = client.post(f"/api/v1/cases/{case.reference}/actions", json={
        "title": "", "tactic_category": "magic", "triangle_side": "victim",
        "allocation": "user:1", "due_date": "next week"})
    assert invalid_names(response) == {"title", "tactic_category", "due_date"}
    response = client.post(f"/api/v1/cases/{case.reference}/actions",
                           json=_new(f"user:{stranger.id}"))
    assert invalid_names(response) == {"allocation"}
    response = client.post(f"/api/v1/cases/{case.reference}/actions",
                           json=_new(f"user:{officer.id}", due_date="2001-01-01"))
    assert invalid_names(response) == {"due_date"}


def test_view_partner_cannot_add_actions(api, shared_case):
    case, _, caseworker, council = shared_case
    response = api(caseworker).post(f"/api/v1/cases/{case.reference}/actions",
                                    json=_new(f"org:{council.id}"))
    assert response.status_code == 403


def test_allocated_partner_works_the_action_with_view_access(api, shared_case):
    case, action, caseworker, _ = shared_case
    client = api(caseworker)
    url = f"/api/v1/cases/{case.reference}/actions/{action.reference}"
    got = client.get(url)
    assert got.status_code == 200
    assert got.get_json()["history"][0]["kind"] == "created"
    etag = got.headers["ETag"]

    response = client.patch(url, json={"status": "in_progress", "note": "Booked for Tuesday"},
                            headers={"If-Match": etag})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["status"] == "in_progress"
    etag = response.headers["ETag"]

    response = client.patch(url, json={"note": "Spoke to three households"},
                            headers={"If-Match": etag})
    assert response.status_code == 200
    assert response.get_json()["history"][0]["text"] == "Spoke to three households"

    # Done needs the result.
    response = client.patch(url, json={"status": "done"},
                            headers={"If-Match": response.headers["ETag"]})
    assert invalid_names(response) == {"note"}
    # A view-level partner works the action but may not change what it is.
    response = client.patch(url, json={"title": "Something else"}, headers={"If-Match": "*"})
    assert response.status_code == 403
    db.session.expire_all()
    fresh = db.session.get(Action, action.id)
    assert fresh.status == "in_progress" and fresh.title == "Visit the residents"


def test_owner_edits_an_action_and_marks_it_done(api, officer, shared_case):
    case, action, *_ = shared_case
    client = api(officer)
    url = f"/api/v1/cases/{case.reference}/actions/{action.reference}"
    etag = client.get(url).headers["ETag"]
    response = client.patch(url, json={"priority": "urgent", "due_date": SOON,
                                       "allocation": f"user:{officer.id}"},
                            headers={"If-Match": etag})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["priority"] == "urgent" and body["allocation"] == f"user:{officer.id}"
    assert body["title"] == "Visit the residents"  # untouched fields keep their values
    response = client.patch(url, json={"status": "done", "note": "All visited"},
                            headers={"If-Match": response.headers["ETag"]})
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "done" and body["result"] == "All visited"
    assert body["completed_dt"] is not None


def test_action_update_needs_a_current_if_match(api, officer, shared_case):
    case, action, *_ = shared_case
    client = api(officer)
    url = f"/api/v1/cases/{case.reference}/actions/{action.reference}"
    entries = db.session.scalar(sa.select(sa.func.count()).select_from(ActionEntry))
    assert client.patch(url, json={"note": "Hello"}).status_code == 428
    stale = client.patch(url, json={"note": "Hello"},
                         headers={"If-Match": f'"{action.reference}.v{action.version + 5}"'})
    assert stale.status_code == 412
    assert stale.headers["ETag"] == f'"{action.reference}.v{action.version}"'
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ActionEntry)) == entries


def test_action_lists_by_scope(api, officer, shared_case, make_user):
    case, action, caseworker, _ = shared_case
    mine = api(caseworker).get("/api/v1/actions?scope=mine").get_json()
    assert [a["reference"] for a in mine["items"]] == [action.reference]
    allocated = api(officer).get("/api/v1/actions?scope=allocated").get_json()
    assert [a["reference"] for a in allocated["items"]] == [action.reference]
    assert api(officer).get("/api/v1/actions").get_json()["items"] == []
    assert invalid_names(api(officer).get("/api/v1/actions?scope=everyone")) == {"scope"}
    colleague = make_user("partner", org=caseworker.organisation)
    theirs = api(colleague).get("/api/v1/actions?scope=organisation").get_json()
    assert [a["reference"] for a in theirs["items"]] == [action.reference]


def test_unknown_or_nul_action_reference_is_404(api, officer, shared_case):
    case, *_ = shared_case
    client = api(officer)
    for ref in ("AC-999999", "AC-\x00", "A" * 200):
        response = client.get(f"/api/v1/cases/{case.reference}/actions/{ref}")
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
