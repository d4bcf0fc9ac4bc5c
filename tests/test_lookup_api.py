"""The call-handler lookup, page and API, and personal access tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from sara.api import tokens
from sara.audit.models import AuditEvent
from sara.core.types import utcnow
from sara.extensions import db
from sara.flags.scan import scan_repeat_victims
from sara.incidents.models import Incident, IncidentPerson
from sara.people import matching
from sara.people.models import Person, PersonVulnerability


@pytest.fixture
def caller(police):
    person = Person(reference="PN-900001", organisation_id=police.id, name="Margaret Oakley",
                    phone="07700 900111", address="4 Monks Road, Lincoln", postcode="LN2 5AB")
    matching.fill_keys(person)
    person.vulnerabilities = [PersonVulnerability(kind="age"), PersonVulnerability(kind="isolation")]
    db.session.add(person)
    db.session.flush()
    now = utcnow()
    for i, days in enumerate((30, 3)):
        incident = Incident(source="form", source_key=f"L-{i}", organisation_id=police.id,
                            occurred_dt=now - timedelta(days=days), category="ASB", is_asb=True)
        db.session.add(incident)
        db.session.flush()
        db.session.add(IncidentPerson(incident_id=incident.id, person_id=person.id, role="victim",
                                      occurred_dt=incident.occurred_dt, is_asb=True))
    scan_repeat_victims()
    db.session.commit()
    return person


def test_call_handler_sees_repeat_and_vulnerable_status_at_once(browser, make_user, caller):
    handler = browser(make_user("call_handler"))
    html = handler.post("/lookup", {"phone": "+44 7700 900111"}).get_data(as_text=True)
    assert "1 match" in html and "Margaret Oakley" in html
    assert "Repeat ASB victim" in html and "2 ASB incidents in the last 365 days" in html
    # The incidents counted, so that the call handler can tell the caller which they were.
    assert "L-0: ASB" in html and "L-1: ASB" in html
    assert "Vulnerable: Age" in html and "Vulnerable: Isolation" in html
    assert "1 match" in handler.post("/lookup", {"name": "margaret"}).get_data(as_text=True)
    assert "1 match" in handler.post("/lookup", {"postcode": "ln25ab"}).get_data(as_text=True)
    assert "1 match" in handler.post("/lookup", {"address": "4 monks rd"}).get_data(as_text=True)
    assert "0 matches" in handler.post("/lookup", {"name": "Nobody"}).get_data(as_text=True)
    rows = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.record_ref == caller.reference, AuditEvent.action == "consultation")).all()
    assert len(rows) == 4


def test_the_lookup_is_a_post_that_shows_the_form_again_with_what_was_asked(browser, make_user,
                                                                              caller):
    handler = browser(make_user("call_handler"))
    html = handler.post("/lookup", {"name": "margaret", "postcode": "LN2 5AB"}).get_data(
        as_text=True)
    assert "1 match" in html and 'method="post"' in html and 'name="csrf_token"' in html
    assert 'value="margaret"' in html and 'value="LN2 5AB"' in html


def test_a_lookup_without_its_csrf_token_is_refused(browser, make_user, caller):
    handler = browser(make_user("call_handler"))
    response = handler.post("/lookup", {"name": "margaret"}, csrf=False)
    assert response.status_code == 400 and "Margaret Oakley" not in response.get_data(as_text=True)


def test_a_lookup_in_the_url_searches_nothing(browser, make_user, caller):
    # Names and phone numbers in a URL reach access logs and browser history: an old link or
    # bookmark is sent to the empty form, which asks again.
    handler = browser(make_user("call_handler"))
    response = handler.get("/lookup?name=margaret&phone=07700900111")
    assert response.status_code == 303 and response.headers["Location"] == "/lookup"
    html = handler.get("/lookup").get_data(as_text=True)
    assert "match" not in html and "Margaret" not in html
    assert not db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.record_ref == caller.reference, AuditEvent.action == "consultation")).all()


def test_partners_cannot_look_people_up(browser, make_user, make_org, caller):
    partner = browser(make_user("partner", org=make_org("Council", kind="local_authority")))
    assert partner.get("/lookup").status_code == 403
    assert partner.post("/lookup", {"name": "margaret"}).status_code == 403


def test_other_forces_people_are_not_found(browser, make_user, make_org, caller):
    other = make_user("call_handler", org=make_org("Other Constabulary"))
    html = browser(other).post("/lookup", {"name": "margaret"}).get_data(as_text=True)
    assert "0 matches" in html and "Margaret" not in html.split("0 matches")[1]


def test_api_lookup_with_a_token(client, make_user, caller):
    handler = make_user("call_handler")
    _, token = tokens.create_token(handler, "CAD integration")
    db.session.commit()
    response = client.get("/api/v1/lookup?name=Margaret",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["count"] == 1
    hit = body["results"][0]
    assert hit["reference"] == "PN-900001" and hit["repeat_victim"] is True
    assert hit["vulnerabilities"] == ["Age", "Isolation"]
    evidence = hit["repeat_victim_evidence"]
    assert evidence["count"] == 2 and evidence["window_days"] == 365
    assert [(i["reference"], i["category"]) for i in evidence["incidents"]] == [
        ("L-0", "ASB"), ("L-1", "ASB")]
    audit = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.record_ref == "PN-900001", AuditEvent.user_id == handler.id))
    assert audit.action == "consultation"


def test_api_errors_are_problem_json(client, make_user):
    response = client.get("/api/v1/lookup?name=x")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 401
    _, token = tokens.create_token(make_user("call_handler"))
    db.session.commit()
    response = client.get("/api/v1/lookup", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert {p["name"] for p in response.get_json()["invalid_params"]} == {
        "name", "phone", "address", "postcode"}
    response = client.get("/api/v1/nothing", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_a_session_cookie_does_not_open_the_api(browser, make_user, caller):
    handler = browser(make_user("call_handler"))
    assert handler.get("/api/v1/lookup?name=Margaret").status_code == 401


def test_token_stops_working_when_revoked_or_expired(client, make_user, caller):
    handler = make_user("call_handler")
    row, token = tokens.create_token(handler)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/lookup?name=Margaret", headers=headers).status_code == 200
    tokens.revoke(row)
    db.session.commit()
    assert client.get("/api/v1/lookup?name=Margaret", headers=headers).status_code == 401
    row2, token2 = tokens.create_token(handler)
    row2.expires_dt = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/lookup?name=Margaret",
                      headers={"Authorization": f"Bearer {token2}"}).status_code == 401


def test_tokens_are_stored_hashed_and_partners_get_403(client, make_user, make_org):
    partner = make_user("partner", org=make_org("Council", kind="local_authority"))
    row, token = tokens.create_token(partner)
    db.session.commit()
    assert token not in (row.token_hash, row.prefix) and len(row.token_hash) == 64
    response = client.get("/api/v1/lookup?name=a", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403


def test_create_token_command(app, make_user):
    user = make_user("call_handler", email="ch@example.org")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["sara", "create-token",
                                                                "ch@example.org"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert tokens.user_for_token(token).id == user.id
