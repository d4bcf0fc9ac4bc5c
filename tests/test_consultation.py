"""Every consultation is audited, once, by infrastructure (DPA 2018 s.62; issue 11, item 5).

The walk: on the demo data, every page (every GET route of app.url_map, web and API) is opened
as each kind of user, and every case and person reference the answer shows must be named by the
audit rows that very request wrote. A new page that shows a record without recording it fails
here without anyone editing this file.
"""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa
from flask import url_for

from sara.actions.models import Action
from sara.api import tokens
from sara.audit.models import AuditEvent, AuditEventCase
from sara.auth.models import User
from sara.auth.passwords import hash_password
from sara.cases.models import ProblemCase
from sara.demo.seed import (
    CALL_HANDLER,
    COUNCIL_OFFICER,
    HOUSING_OFFICER,
    OFFICER_A,
    SUPERVISOR,
    seed,
)
from sara.extensions import db
from sara.flags.models import Flag
from sara.incidents.models import IncidentImport
from sara.people.models import Person
from tests.conftest import PASSWORD, Browser

CASE_REF = re.compile(r"PS-\d{4}-\d{5}")
PERSON_REF = re.compile(r"PN-\d{6}")
#: Pages whose subject is the audit log itself: they quote references from its rows, and their
#: reading is recorded as a consultation of the audit log.
QUOTES_THE_LOG = ("audit.", "api.openapi", "api_docs.")
#: The examples hints and documentation give ("for example PN-000123"): they show no record.
EXAMPLES = {"PN-000123", "PS-2026-00042"}
#: Routes that are not pages of records.
NOT_RECORDS = {"static", "auth.logout", "auth.login", "core.healthz", "auth.password_reset",
               "auth.password_reset_link"}


def _user(email: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.email == email))
    user.password_hash = hash_password(PASSWORD)
    user.must_change_password = False if hasattr(user, "must_change_password") else None
    return user


def _example_values(user) -> dict:
    """A value for each route argument, visible to `user` where it can be (otherwise anything:
    the answer is then a 404 and nothing is shown)."""
    from sara import policy

    case = db.session.scalar(policy.visible_cases(user).order_by(ProblemCase.id.desc()).limit(1))
    action = case and db.session.scalar(sa.select(Action).where(Action.case_id == case.id)
                                        .limit(1))
    person = db.session.scalar(sa.select(Person).where(
        Person.organisation_id == user.organisation_id).limit(1))
    incident = db.session.scalar(policy.visible_incidents(user).limit(1))
    flag = db.session.scalar(sa.select(Flag).where(policy.flag_scope(user)).limit(1))
    job = db.session.scalar(sa.select(IncidentImport).limit(1))
    study = db.session.scalar(policy.library_cases(user).limit(1))
    review = db.session.scalar(policy.visible_asb_reviews(user).limit(1))
    return {
        "review_ref": review.reference if review else "CR-000001", "letter": "decision",
        "reference": case.reference if case else "PS-2000-00001",
        "action_ref": action.reference if action else "AC-000001",
        "person_ref": person.reference if person else "PN-000001",
        "incident_id": incident.id if incident else 1,
        "flag_id": flag.id if flag else 1,
        "import_id": job.id if job else 1,
        "case_reference": study.reference if study else "PS-2000-00001",
        "user_id": user.id, "org_id": user.organisation_id, "token_id": 1, "merge_id": 1,
        "item_id": 1, "share_id": 1, "link_id": 1, "scope": "all",
    }


def _get_routes(app, values: dict):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_RECORDS:
            continue
        args = {name: values[name] for name in rule.arguments}
        with app.test_request_context():
            yield rule.endpoint, url_for(rule.endpoint, **args)


def _audited_references(since: int) -> set[str]:
    """Every reference the audit rows after `since` name: their own, the references a list
    named, and the cases a row concerns."""
    db.session.expire_all()
    named = set()
    for event in db.session.scalars(sa.select(AuditEvent).where(AuditEvent.id > since)):
        named.add(event.record_ref or "")
        named.update((event.details or {}).get("references", []))
        if event.case_id:
            named.add(db.session.get(ProblemCase, event.case_id).reference)
    named.update(db.session.scalars(
        sa.select(ProblemCase.reference).join(AuditEventCase,
                                              AuditEventCase.case_id == ProblemCase.id)
        .where(AuditEventCase.audit_event_id > since)))
    return named


def _last_event_id() -> int:
    return db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0


@pytest.mark.parametrize("email", [OFFICER_A, SUPERVISOR, CALL_HANDLER, COUNCIL_OFFICER,
                                   HOUSING_OFFICER])
def test_every_reference_a_page_shows_is_in_its_audit_rows(app, email):
    seed()
    user = _user(email)
    db.session.commit()
    web = Browser(app.test_client(), user)
    _, token = tokens.create_token(user, "walk")
    db.session.commit()
    failures = []
    for endpoint, url in _get_routes(app, _example_values(user)):
        before = _last_event_id()
        if url.startswith("/api/"):
            response = app.test_client().get(url, headers={"Authorization": f"Bearer {token}"})
        else:
            response = web.get(url)
        if response.status_code >= 500:
            failures.append(f"{endpoint} {url}: {response.status_code}")
        if response.status_code != 200 or endpoint.startswith(QUOTES_THE_LOG):
            continue
        text = response.get_data(as_text=True)
        if response.is_json:
            text = json.dumps(response.get_json())
        shown = (set(CASE_REF.findall(text)) | set(PERSON_REF.findall(text))) - EXAMPLES
        missing = shown - _audited_references(before)
        if missing:
            failures.append(f"{endpoint} {url}: {sorted(missing)[:5]} ({len(missing)} in all)")
    assert not failures, "\n".join(failures)


def test_a_list_is_in_the_audit_log_of_every_case_it_showed(app, make_case, officer, browser,
                                                            make_user):
    cases = [make_case(title=f"Listed problem {n}") for n in range(3)]
    db.session.commit()
    signed_in = browser(officer)
    before = _last_event_id()
    assert signed_in.get("/cases").status_code == 200
    [row] = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.id > before, AuditEvent.action == "consultation"))
    assert sorted(row.details["references"]) == sorted(c.reference for c in cases)
    linked = set(db.session.scalars(sa.select(AuditEventCase.case_id).where(
        AuditEventCase.audit_event_id == row.id)))
    assert linked == {c.id for c in cases}
    # ...so each case's own audit log shows that it was listed.
    supervisor = browser(make_user("supervisor"))
    for case in cases:
        log = supervisor.get(f"/cases/{case.reference}/audit").get_data(as_text=True)
        assert "Listed 3 cases" in log, case.reference


def test_a_partners_search_is_audited_with_the_cases_it_listed(app, make_case, officer, make_org,
                                                               make_user, browser):
    from sara.partners import service as sharing

    council = make_org("District Council", kind="local_authority")
    partner = make_user("partner", org=council)
    shared = make_case(title="Graffiti on the underpass")
    make_case(title="Graffiti in the park")  # not shared: never listed, never logged
    sharing.share_with_organisation(shared, officer, council, "view")
    db.session.commit()
    signed_in = browser(partner)
    before = _last_event_id()
    html = signed_in.get("/search?q=graffiti").get_data(as_text=True)
    assert shared.reference in html
    rows = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.id > before, AuditEvent.user_id == partner.id)).all()
    assert [r.details["references"] for r in rows if r.record_type == "case"] == [
        [shared.reference]]


def test_a_search_export_is_in_the_audit_log_of_each_case_it_disclosed(app, make_case, officer,
                                                                       browser, make_user):
    first, second = make_case(title="Litter at the station"), make_case(title="Litter again")
    supervisor = make_user("supervisor")
    db.session.commit()
    response = browser(officer).get("/search/export.csv?q=litter")
    assert response.status_code == 200
    for case in (first, second):
        log = browser(supervisor).get(f"/cases/{case.reference}/audit").get_data(as_text=True)
        assert "Exported 2 cases from a search as CSV" in log, case.reference


def test_nul_characters_never_reach_the_stored_json(app, officer, browser):
    from sara.audit import service as audit

    signed_in = browser(officer)
    before = _last_event_id()
    assert signed_in.get("/cases/PS-2026-00001%00x").status_code == 404
    assert signed_in.get("/people/PN-000001%00").status_code == 404
    audit.record("consultation", user=officer, summary="a\x00b",
                 details={"search": "graffiti\x00drop", "key\x00": ["x\x00", {"y": "\x00"}]})
    db.session.commit()
    rows = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.id > before)).all()
    assert len(rows) == 2
    for row in rows:
        stored = json.dumps(row.details) + row.summary + (row.record_ref or "")
        assert "\\u0000" not in stored and "\x00" not in stored, stored
    assert rows[1].details["search"] == "graffiti\\x00drop"
    # Every row's path can be read as text in SQL: on PostgreSQL one \\u0000 anywhere in the
    # table made `details->>'path'` fail for the whole of it.
    paths = db.session.scalars(sa.select(AuditEvent.details["path"].as_string())
                               .where(AuditEvent.id > before)).all()
    assert paths[0] == "/cases/PS-2026-00001\\x00x"
