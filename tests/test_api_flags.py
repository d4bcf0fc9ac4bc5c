"""The flag queue over the JSON API: the web queue's scope, filters and acknowledgement."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from sara.audit.models import AuditEvent
from sara.core.references import person_reference
from sara.core.types import utcnow
from sara.extensions import db
from sara.flags.models import Flag
from sara.people import matching
from sara.people.models import Person


def _person(org, name) -> Person:
    person = Person(reference=person_reference(), organisation_id=org.id, name=name)
    matching.fill_keys(person)
    db.session.add(person)
    db.session.flush()
    return person


@pytest.fixture
def flags(police, make_case, make_org, make_user):
    """A case flag in Central, a flag about a person on no case, a resolved one, and another
    force's flag."""
    now = utcnow()
    case = make_case(title="Alley fires")
    person = _person(police, "Margaret Oakley")
    other_force = make_org("Other Constabulary")
    other_case = make_case(owner=make_user("officer", org=other_force), title="Elsewhere")
    made = {
        "case": Flag(kind="review_overdue", subject_key=f"case:{case.id}", case_id=case.id,
                     evidence={"days": 28, "next_review_date": None},
                     raised_dt=now - timedelta(days=2)),
        "person": Flag(kind="repeat_victim", subject_key=f"person:{person.id}",
                       person_id=person.id, raised_dt=now - timedelta(days=1),
                       evidence={"incidents": 3, "threshold": 2, "window_days": 365}),
        "resolved": Flag(kind="closed_unevaluated", subject_key=f"case:{case.id}:old",
                         case_id=case.id, status="resolved", raised_dt=now - timedelta(days=9),
                         resolved_dt=now - timedelta(days=3), resolved_note="Evaluated"),
        "other": Flag(kind="review_overdue", subject_key=f"case:{other_case.id}",
                      case_id=other_case.id, evidence={"days": 28}),
    }
    db.session.add_all(made.values())
    db.session.commit()
    return {**made, "case_ref": case.reference, "person_ref": person.reference}


def _ids(body) -> list[int]:
    return [item["id"] for item in body["items"]]


def test_the_queue_is_the_forces_own_newest_first(api, make_user, flags):
    response = api(make_user("supervisor"))("GET", "/api/v1/flags")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert _ids(body) == [flags["person"].id, flags["case"].id] and body["total"] == 2
    person_item, case_item = body["items"]
    assert person_item["person"] == {"reference": flags["person_ref"], "name": "Margaret Oakley"}
    assert person_item["description"] == ("Repeat ASB victim: 3 ASB incidents in the last "
                                          "12 months (threshold 2)")
    assert person_item["evidence"]["incidents"] == 3 and person_item["neighbourhoods"] == []
    assert case_item["case"]["reference"] == flags["case_ref"]
    assert case_item["case"]["title"] == "Alley fires"
    assert case_item["case"]["links"]["self"] == f"/api/v1/cases/{flags['case_ref']}"
    assert case_item["neighbourhoods"] == ["Central"] and case_item["status"] == "raised"


def test_an_admin_sees_the_queue_without_peoples_names(api, make_user, flags):
    body = api(make_user("admin"))("GET", "/api/v1/flags").get_json()
    person_item = next(i for i in body["items"] if i["id"] == flags["person"].id)
    assert person_item["person"] == {"reference": flags["person_ref"]}
    assert "Margaret" not in str(body)


def test_filters_and_pages(api, make_user, police, flags):
    client = api(make_user("supervisor"))
    central = police.neighbourhoods[0].id
    assert _ids(client("GET", "/api/v1/flags?kind=repeat_victim").get_json()) == \
        [flags["person"].id]
    assert _ids(client("GET", f"/api/v1/flags?neighbourhood={central}").get_json()) == \
        [flags["case"].id]
    assert _ids(client("GET", "/api/v1/flags?neighbourhood=none").get_json()) == \
        [flags["person"].id]
    resolved = client("GET", "/api/v1/flags?resolved=true").get_json()
    assert _ids(resolved) == [flags["resolved"].id]
    assert resolved["items"][0]["resolved_note"] == "Evaluated"

    first = client("GET", "/api/v1/flags?per_page=1").get_json()
    assert _ids(first) == [flags["person"].id] and first["total"] == 2
    second = client("GET", first["links"]["next"]).get_json()
    assert _ids(second) == [flags["case"].id] and "next" not in second["links"]


@pytest.mark.parametrize("query, field", [
    ("kind=everything", "kind"), ("neighbourhood=99999", "neighbourhood"),
    ("neighbourhood=Central", "neighbourhood"), ("resolved=maybe", "resolved"),
    ("page=0", "page"), ("per_page=1000", "per_page"),
])
def test_bad_filters_are_422(api, make_user, flags, query, field):
    response = api(make_user("supervisor"))("GET", f"/api/v1/flags?{query}")
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert [p["name"] for p in response.get_json()["invalid_params"]] == [field]


def test_another_forces_neighbourhood_is_not_a_filter(api, make_user, make_org, flags):
    other = make_org("Third Constabulary", neighbourhoods=("Docks",))
    response = api(make_user("supervisor"))(
        "GET", f"/api/v1/flags?neighbourhood={other.neighbourhoods[0].id}")
    assert response.status_code == 422


@pytest.mark.parametrize("role, kind", [("officer", "police"), ("call_handler", "police"),
                                        ("partner", "local_authority"),
                                        ("admin", "local_authority")])
def test_only_supervisors_and_admins_of_a_force_have_the_queue(api, make_user, make_org, flags,
                                                               role, kind):
    client = api(make_user(role, org=make_org(kind=kind)))
    flag_id = flags["case"].id
    for method, path in (("GET", "/api/v1/flags"), ("GET", f"/api/v1/flags/{flag_id}"),
                         ("POST", f"/api/v1/flags/{flag_id}/acknowledge")):
        response = client(method, path)
        assert response.status_code == 403, (method, path)
        assert response.mimetype == "application/problem+json"
    assert db.session.get(Flag, flag_id).status == "raised"


def test_one_flag_and_another_forces(api, make_user, flags):
    client = api(make_user("supervisor"))
    body = client("GET", f"/api/v1/flags/{flags['case'].id}").get_json()
    assert body["kind"] == "review_overdue" and body["case"]["reference"] == flags["case_ref"]
    assert body["neighbourhoods"] == ["Central"]
    person = client("GET", f"/api/v1/flags/{flags['person'].id}").get_json()
    assert person["person"]["name"] == "Margaret Oakley"
    assert client("GET", f"/api/v1/flags/{flags['other'].id}").status_code == 404
    assert client("GET", "/api/v1/flags/999999").status_code == 404
    # Beyond what an id column holds: still just not found (PostgreSQL would refuse to compare).
    assert client("GET", f"/api/v1/flags/{2**40}").status_code == 404
    assert client("POST", f"/api/v1/flags/{2**40}/acknowledge").status_code == 404


def test_acknowledging_is_audited_and_happens_once(api, make_user, flags):
    supervisor = make_user("supervisor", name="Sam Sergeant")
    client = api(supervisor)
    flag_id = flags["case"].id
    response = client("POST", f"/api/v1/flags/{flag_id}/acknowledge")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "acknowledged"
    assert body["acknowledged_by"] == {"id": supervisor.id, "name": "Sam Sergeant"}
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.record_ref == f"flag:{flag_id}", AuditEvent.user_id == supervisor.id))
    assert event.summary == "Acknowledged the flag 'Case overdue for review'"
    assert event.record_ref == f"flag:{flag_id}" and event.case_id == flags["case"].case_id

    again = client("POST", f"/api/v1/flags/{flag_id}/acknowledge")
    assert again.status_code == 409 and "Sam Sergeant" in again.get_json()["detail"]
    resolved = client("POST", f"/api/v1/flags/{flags['resolved'].id}/acknowledge")
    assert resolved.status_code == 409
    other = client("POST", f"/api/v1/flags/{flags['other'].id}/acknowledge")
    assert other.status_code == 404
    db.session.expire_all()
    assert db.session.get(Flag, flags["other"].id).status == "raised"
