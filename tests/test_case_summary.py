"""The printable case summary: the whole case on one page for whoever may see the case, audited
as a consultation, with personal details only where the case page would show them."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from sara.actions import service as action_service
from sara.audit.models import AuditEvent
from sara.cases import service as case_service
from sara.extensions import db
from sara.partners import service as sharing
from sara.people import service as people_service

VICTIM = {"name": "Zebedee Sentinelperson", "phone": "07700 900417",
          "address": "17 Sentinel Mews, Lincoln", "postcode": "LN9 9ZZ"}


@pytest.fixture
def world(police, make_org, make_user, make_case):
    owner = make_user("officer", name="Owen Owner")
    council = make_org("District Council", kind="local_authority")
    users = {
        "owner": owner,
        "supervisor": make_user("supervisor", name="Sue Supervisor"),
        "partner": make_user("partner", org=council, name="Pat Partner"),
        "unshared_partner": make_user("partner", org=make_org("Probation", kind="probation")),
        "other_force": make_user("officer", org=make_org("Other Constabulary")),
    }
    case = make_case(owner=owner, title="Alley gatherings", scan_summary="Calls every Friday",
                     scan_baseline="Fewer than 2 calls a month", analysis_victim="Shop staff",
                     analysis_location="Unlit alley behind the parade")
    case_service.add_objective(case, owner, "Halve the Friday calls by June", case.version)
    case_service.add_tactic(case, owner, category="situational", triangle_side="location",
                            description="Install lighting in the alley",
                            expected_version=case.version)
    case_service.move_stage(case, owner, "analysis", "Pattern confirmed", case.version)
    case_service.move_stage(case, owner, "response", "Plan agreed with the council",
                            case.version)
    action_service.create_action(case, owner, {
        "title": "Survey the lamp posts", "description": "", "tactic_category": "situational",
        "triangle_side": "location", "allocation": f"user:{owner.id}",
        "due_date": dt.date.today() + dt.timedelta(days=10), "priority": "high",
    })
    people_service.add_person_to_case(case, owner, {**VICTIM, "date_of_birth": dt.date(1931, 7, 29)},
                                      "victim", ["age"])
    sharing.share_with_organisation(case, owner, council, "view")
    db.session.commit()
    return case, users


def _summary(browser, user, case):
    return browser(user).get(f"/cases/{case.reference}/summary")


def _consultations(user, ref: str, record_type: str = "case") -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.user_id == user.id, AuditEvent.record_ref == ref,
        AuditEvent.record_type == record_type, AuditEvent.action == "consultation")))


def test_the_summary_holds_the_whole_case(world, browser):
    case, users = world
    response = _summary(browser, users["owner"], case)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for text in ("Alley gatherings", case.reference, "Calls every Friday",
                 "Fewer than 2 calls a month", "Shop staff", "Unlit alley behind the parade",
                 "Halve the Friday calls by June", "Install lighting in the alley",
                 "Survey the lamp posts", "Owen Owner", "Pattern confirmed",
                 "Plan agreed with the council", "Evaluation: <strong>Not started</strong>"):
        assert text in html, text
    assert html.count("<h1") == 1
    assert "Scanning to Analysis" in html and "Analysis to Response" in html


def test_the_summary_can_be_printed_and_is_linked_from_the_case(world, browser):
    case, users = world
    b = browser(users["owner"])
    case_page = b.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert f'href="/cases/{case.reference}/summary"' in case_page
    html = b.get(f"/cases/{case.reference}/summary").get_data(as_text=True)
    assert 'data-module="app-print"' in html and "Print this page" in html
    assert "/static/print.js" in html
    assert 'class="app-case-summary"' in html and "app-print-only" in html
    # No forms to fill in on paper.
    assert "<form" not in html.split('class="app-case-summary"', 1)[1]


def test_viewing_the_summary_is_audited_as_a_consultation(world, browser):
    case, users = world
    owner = users["owner"]
    _summary(browser, owner, case)
    [event] = _consultations(owner, case.reference)
    assert event.summary == f"Viewed /cases/{case.reference}/summary"
    # The people whose details were on it are audited too.
    assert len(db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.user_id == owner.id, AuditEvent.record_type == "person",
        AuditEvent.action == "consultation")).all()) == 1


def test_the_owning_force_sees_personal_details(world, browser):
    case, users = world
    html = _summary(browser, users["supervisor"], case).get_data(as_text=True)
    for value in VICTIM.values():
        assert value in html
    assert "29 July 1931" in html


def test_a_partner_sees_the_case_but_not_withheld_personal_details(world, browser):
    case, users = world
    response = _summary(browser, users["partner"], case)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Install lighting in the alley" in html
    for value in VICTIM.values():
        assert value not in html
    assert "1931" not in html
    assert "1 person is linked to this case (1 victim)" in " ".join(html.split())
    assert "withheld" in html
    assert _consultations(users["partner"], case.reference)
    people_rows = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.user_id == users["partner"].id, AuditEvent.record_type == "person")).all()
    assert people_rows == []


def test_a_partner_sees_personal_details_once_the_owner_shares_them(world, browser):
    case, users = world
    sharing.set_personal_details_shared(case, users["owner"], True, case.version)
    db.session.commit()
    html = _summary(browser, users["partner"], case).get_data(as_text=True)
    assert VICTIM["name"] in html and VICTIM["phone"] in html


@pytest.mark.parametrize("who", ["unshared_partner", "other_force"])
def test_anyone_who_cannot_see_the_case_gets_404_and_it_is_logged(world, browser, who):
    case, users = world
    response = _summary(browser, users[who], case)
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Alley gatherings" not in body
    db.session.expire_all()
    denied = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.user_id == users[who].id, AuditEvent.action == "access_denied")).all()
    assert [e.record_ref for e in denied] == [case.reference]
    assert browser(users[who]).get("/cases/PS-1999-99999/summary").status_code == 404


def test_the_evaluation_is_on_the_summary(world, browser):
    case, users = world
    owner = users["owner"]
    case_service.move_stage(case, owner, "assessment", "Lights are in", case.version)
    db.session.commit()
    b = browser(owner)
    assert b.post(f"/cases/{case.reference}/evaluation/start").status_code == 302
    db.session.expire_all()
    case = db.session.get(type(case), case.id)
    tactic, objective = case.tactics[0].id, case.objectives[0].id
    response = b.post(f"/cases/{case.reference}/evaluation", data={
        "measure": "ASB calls about the alley", "before_count": "40", "after_count": "10",
        "outcome": "reduced", "lessons": "Lighting the alley worked",
        f"delivery_{tactic}": "fully", f"effectiveness_{tactic}": "effective",
        f"objective_{objective}": "met", "version": str(case.evaluation.version),
    })
    assert response.status_code == 302
    html = _summary(browser, users["partner"], case).get_data(as_text=True)
    assert "Evaluation: <strong>Draft</strong>" in html
    assert "ASB calls about the alley" in html and "Lighting the alley worked" in html
    assert "-75" in html  # the change, computed as on the evaluation page
