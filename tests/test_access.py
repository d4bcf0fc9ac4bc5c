"""Who sees what: the access matrix over every case route, lists, and withheld personal details.

The routes come from app.url_map, so a new case route is checked without editing this file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import url_for

from sara.actions import service as action_service
from sara.cases import service as case_service
from sara.cases.models import CaseEvent, CaseObjective, PlannedTactic, ProblemCase
from sara.extensions import db
from sara.partners import service as sharing
from sara.partners.models import CaseShare
from sara.people import service as people_service
from sara.people.models import CasePerson

SENTINELS = {
    "name": "Zebedee Sentinelperson",
    "phone": "07700 900417",
    "address": "17 Sentinel Mews, Lincoln",
    "postcode": "LN9 9ZZ",
}
SENTINEL_DOB = dt.date(1931, 7, 29)


@dataclass
class World:
    case: ProblemCase
    other_case: ProblemCase
    users: dict
    objective_id: int
    tactic_id: int
    share_id: int
    link_id: int
    action_ref: str


@pytest.fixture
def world(police, make_org, make_user, make_case):
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
        "other_force_officer": make_user("officer", org=other_force),
        "partner_view": make_user("partner", org=council),
        "partner_contribute": make_user("partner", org=housing),
        "partner_no_share": make_user("partner", org=probation),
        "named_user": make_user("partner", org=fire),
        # Administering an organisation gives no sight of cases (issue 11): another force's
        # admin and the admin of a partner organisation the case was not shared with.
        "other_force_admin": make_user("admin", org=other_force),
        "partner_admin_no_share": make_user("admin", org=probation),
    }
    case = make_case(owner=owner, title="Shared problem", scan_summary="Pattern",
                     analysis_victim="Shoppers")
    case_service.add_objective(case, owner, "Halve the calls", case.version)
    case_service.add_tactic(case, owner, category="situational", triangle_side="location",
                            description="Better lighting", expected_version=case.version)
    link = people_service.add_person_to_case(
        case, owner, {**SENTINELS, "date_of_birth": SENTINEL_DOB}, "victim", ["age"]
    )
    sharing.share_with_organisation(case, owner, council, "view")
    housing_share = sharing.share_with_organisation(case, owner, housing, "contribute")
    sharing.share_with_user(case, owner, users["named_user"].email, "view")
    action = action_service.create_action(case, owner, {
        "title": "Cut back the hedges", "description": "", "tactic_category": "environmental",
        "triangle_side": "location", "allocation": f"user:{owner.id}",
        "due_date": dt.date.today() + dt.timedelta(days=7), "priority": "normal",
    })
    other_case = make_case(owner=owner, title="Unshared problem")
    db.session.commit()
    return World(
        case=case, other_case=other_case, users=users,
        objective_id=case.objectives[0].id, tactic_id=case.tactics[0].id,
        share_id=housing_share.id, link_id=link.id, action_ref=action.reference,
    )


# What each actor may do. Anyone not listed for an endpoint who can see the case gets 403;
# anyone who cannot see the case gets 404 everywhere.
SEES_CASE = {"owner", "supervisor", "partner_view", "partner_contribute", "named_user"}
MANAGERS = {"owner", "supervisor"}
CONTRIBUTORS = MANAGERS | {"partner_contribute"}
ALLOWED = {
    "cases.show": SEES_CASE,
    "cases.timeline": SEES_CASE,
    "cases.summary": SEES_CASE,
    "cases.edit": MANAGERS,
    "cases.edit_scanning": MANAGERS,
    "cases.move_stage": MANAGERS,
    "cases.close": MANAGERS,
    "cases.reopen": set(),  # the case is open: nobody may reopen it
    "cases.edit_analysis": CONTRIBUTORS,
    "cases.edit_response": CONTRIBUTORS,
    "cases.add_objective": CONTRIBUTORS,
    "cases.remove_objective": CONTRIBUTORS,
    "cases.add_tactic": CONTRIBUTORS,
    "cases.remove_tactic": CONTRIBUTORS,
    "cases.add_note": CONTRIBUTORS,
    "partners.sharing": MANAGERS,
    "partners.share_with_organisation": MANAGERS,
    "partners.share_with_user": MANAGERS,
    "partners.withdraw": MANAGERS,
    "partners.personal_details": MANAGERS,
    "people.add_person": MANAGERS,
    "people.link_person": MANAGERS,
    "incidents.case_incidents": SEES_CASE,
    # Linking needs sight of the force's incidents, which no partner has (issue 11, item 2).
    "incidents.link": MANAGERS,
    "incidents.link_selected": MANAGERS,
    "incidents.unlink": MANAGERS,
    "people.remove_person": MANAGERS,
    "actions.new_action": CONTRIBUTORS,
    "actions.show": SEES_CASE,
    # The world's action is allocated to the owner: a view-level partner may not work it.
    "actions.change_status": CONTRIBUTORS,
    "actions.add_note": CONTRIBUTORS,
    "actions.edit": CONTRIBUTORS,
    "evaluation.show": SEES_CASE,
    # The world's case is at Scanning with no evaluation: nobody may write or decide one yet.
    "evaluation.start": set(),
    "evaluation.save": set(),
    "evaluation.submit": set(),
    "evaluation.approve": set(),
    "evaluation.return_to_draft": set(),
    "evaluation.fill_figures": set(),
    # The case study's draft is the owning force's; with no evaluation at Assessment, nobody may
    # write, publish or withdraw one yet.
    "evaluation.case_study": MANAGERS,
    "evaluation.save_case_study": set(),
    "evaluation.publish_case_study": set(),
    "evaluation.withdraw_case_study": set(),
    "evaluation.review": {"supervisor"},
    "audit.case_audit": {"supervisor"},
    "audit.case_audit_csv": {"supervisor"},
}


def _case_rules(app):
    """Every web route about one case. The API's routes authenticate by token and have their own
    matrix (tests/test_api_access.py)."""
    for rule in app.url_map.iter_rules():
        if "reference" in rule.arguments and not rule.rule.startswith("/api/"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def _url(app, rule, world: World) -> str:
    ids = {
        "item_id": world.tactic_id if "tactic" in rule.endpoint else world.objective_id,
        "share_id": world.share_id,
        "link_id": world.link_id,
        "action_ref": world.action_ref,
    }
    values = {"reference": world.case.reference}
    values.update({k: v for k, v in ids.items() if k in rule.arguments})
    missing = set(rule.arguments) - set(values)
    assert not missing, f"add an example value for {missing} in {rule.rule}"
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def _snapshot(case_id: int) -> tuple:
    """Everything a write to the case could change."""
    db.session.expire_all()
    count = lambda model, *where: db.session.scalar(  # noqa: E731
        sa.select(sa.func.count()).select_from(model).where(*where))
    return (
        db.session.scalar(sa.select(ProblemCase.version).where(ProblemCase.id == case_id)),
        count(CaseEvent, CaseEvent.case_id == case_id),
        count(CaseShare, CaseShare.case_id == case_id, CaseShare.ended_dt.is_(None)),
        count(CasePerson, CasePerson.case_id == case_id),
        count(CaseObjective, CaseObjective.case_id == case_id),
        count(PlannedTactic, PlannedTactic.case_id == case_id),
    )


def test_every_rule_in_the_matrix_has_an_expectation(app):
    endpoints = {rule.endpoint for rule, _ in _case_rules(app)}
    assert endpoints == set(ALLOWED), "a case route was added or removed: update ALLOWED"


def test_access_matrix(app, world, browser):
    """Every case route × method × user. Forbidden requests carry a valid CSRF token, so only the
    policy can stop them, and must leave the database unchanged. Allowed POSTs are sent without a
    token: they must get past the policy (400, not 403/404) without changing anything."""
    browsers = {name: browser(user) for name, user in world.users.items()}
    failures = []
    for rule, method in _case_rules(app):
        url = _url(app, rule, world)
        for actor, signed_in in browsers.items():
            before = _snapshot(world.case.id)
            allowed = actor in ALLOWED[rule.endpoint]
            if method == "GET":
                status = signed_in.get(url).status_code
            else:
                status = signed_in.post(url, data={}, csrf=not allowed).status_code
            if actor not in SEES_CASE:
                expected = {404}
            elif not allowed:
                expected = {403}
            else:
                expected = {200} if method == "GET" else {400}
            if status not in expected:
                failures.append(f"{actor:>20} {method:4} {rule.rule}: {status}, expected {expected}")
            if _snapshot(world.case.id) != before:
                failures.append(f"{actor:>20} {method:4} {rule.rule}: changed the case")
    assert not failures, "\n".join(failures)


def test_allowed_writes_really_work_for_a_contributing_partner(world, browser):
    partner = browser(world.users["partner_contribute"])
    case = world.case
    response = partner.post(f"/cases/{case.reference}/notes", data={"text": "Housing visited"})
    assert response.status_code == 302
    response = partner.post(f"/cases/{case.reference}/analysis",
                            data={"analysis_guardian": "Caretaker on site", "version": case.version})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ProblemCase, case.id).analysis_guardian == "Caretaker on site"
    timeline = partner.get(f"/cases/{case.reference}/timeline").get_data(as_text=True)
    assert "Housing visited" in timeline


def test_view_partner_cannot_add_a_note(world, browser):
    partner = browser(world.users["partner_view"])
    response = partner.post(f"/cases/{world.case.reference}/notes", data={"text": "Sneaky"})
    assert response.status_code == 403
    assert "Sneaky" not in browser(world.users["owner"]).get(
        f"/cases/{world.case.reference}/timeline").get_data(as_text=True)


# --- lists and counts --------------------------------------------------------------------------

@pytest.mark.parametrize("actor", ["other_force_officer", "partner_no_share", "other_force_admin",
                                   "partner_admin_no_share"])
def test_lists_and_counts_never_show_an_unshared_case(world, browser, actor):
    signed_in = browser(world.users[actor])
    for path in ("/cases", "/cases/mine", "/cases?status=open", "/cases?sort=title&dir=asc",
                 f"/cases?owner={world.users['owner'].id}"):
        html = signed_in.get(path).get_data(as_text=True)
        assert world.case.reference not in html, path
        assert world.other_case.reference not in html, path
        assert "Shared problem" not in html and "Unshared problem" not in html
        assert "0 cases" in html, path


@pytest.mark.parametrize("actor", ["partner_view", "partner_contribute", "named_user"])
def test_partner_list_is_cases_shared_with_us(world, browser, actor):
    signed_in = browser(world.users[actor])
    response = signed_in.get("/", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Cases shared with us" in html
    assert world.case.reference in html
    assert world.other_case.reference not in html
    assert "1 case" in html
    # The owner filter offers the owner of the shared case, and filtering by it still hides the
    # unshared case of the same owner.
    filtered = signed_in.get(f"/cases?owner={world.users['owner'].id}").get_data(as_text=True)
    assert world.case.reference in filtered and world.other_case.reference not in filtered


def test_police_user_sees_own_force_and_cases_shared_with_them(world, make_user, make_org,
                                                              make_case, browser):
    alliance = world.users["other_force_officer"]
    own_case = make_case(owner=alliance, title="Their own force's problem")
    sharing.share_with_user(world.case, world.users["owner"], alliance.email, "view")
    db.session.commit()
    html = browser(alliance).get("/cases").get_data(as_text=True)
    assert own_case.reference in html
    assert world.case.reference in html
    assert world.other_case.reference not in html


def test_withdrawing_a_share_answers_404_on_the_very_next_request(world, browser):
    partner = browser(world.users["partner_contribute"])
    owner = browser(world.users["owner"])
    page = f"/cases/{world.case.reference}"
    assert partner.get(page).status_code == 200
    response = owner.post(f"/cases/{world.case.reference}/sharing/{world.share_id}/withdraw")
    assert response.status_code == 302
    assert partner.get(page).status_code == 404
    assert world.case.reference not in partner.get("/cases").get_data(as_text=True)
    # The withdrawal is on the timeline and the case page's access list no longer names them.
    owner_page = owner.get(page).get_data(as_text=True)
    assert "Withdrew Riverside Housing" in owner_page


def test_access_list_shows_who_and_since_when(world, browser):
    html = browser(world.users["partner_view"]).get(
        f"/cases/{world.case.reference}").get_data(as_text=True)
    assert "District Council" in html and "Riverside Housing" in html
    assert "Contribute" in html and "View" in html
    today = dt.date.today()
    assert f"{today.day} {today:%B %Y}" in html


# --- withheld personal details -----------------------------------------------------------------

def _get_routes(app, world):
    for rule, method in _case_rules(app):
        if method == "GET":
            yield _url(app, rule, world)
    yield "/cases"
    yield "/"


def _leaks(text: str) -> list[str]:
    found = [label for label, value in SENTINELS.items() if value in text]
    if "1931" in text:
        found.append("date_of_birth")
    return found


@pytest.mark.parametrize("actor", ["partner_view", "partner_contribute", "named_user"])
def test_withheld_personal_details_never_reach_a_partner(app, world, browser, actor):
    signed_in = browser(world.users[actor])
    for path in _get_routes(app, world):
        response = signed_in.get(path, follow_redirects=True)
        assert not _leaks(response.get_data(as_text=True)), f"{path} leaked {_leaks(response.get_data(as_text=True))}"
    page = " ".join(signed_in.get(f"/cases/{world.case.reference}").get_data(as_text=True).split())
    assert "1 person is linked to this case (1 victim)" in page
    assert "withheld" in page


def test_owner_can_share_personal_details_and_partners_then_see_them(world, browser):
    owner = browser(world.users["owner"])
    partner = browser(world.users["partner_view"])
    owner_page = owner.get(f"/cases/{world.case.reference}").get_data(as_text=True)
    assert SENTINELS["name"] in owner_page  # the owning force always sees them
    response = owner.post(f"/cases/{world.case.reference}/sharing/personal-details",
                          data={"personal_details_shared": "yes", "version": world.case.version})
    assert response.status_code == 302
    page = partner.get(f"/cases/{world.case.reference}").get_data(as_text=True)
    assert SENTINELS["name"] in page and SENTINELS["phone"] in page
    # ...and withholding them again hides them again.
    db.session.expire_all()
    version = db.session.get(ProblemCase, world.case.id).version
    owner.post(f"/cases/{world.case.reference}/sharing/personal-details",
               data={"personal_details_shared": "no", "version": version})
    assert not _leaks(partner.get(f"/cases/{world.case.reference}").get_data(as_text=True))


def test_personal_details_are_withheld_by_default(make_case):
    assert make_case().personal_details_shared is False


# --- sharing rules -----------------------------------------------------------------------------

def test_only_the_owner_or_a_supervisor_may_share(world, make_user, browser):
    colleague = make_user("officer")
    db.session.commit()
    response = browser(colleague).get(f"/cases/{world.case.reference}/sharing")
    assert response.status_code == 403
    assert browser(world.users["supervisor"]).get(
        f"/cases/{world.case.reference}/sharing").status_code == 200


def test_sharing_errors_are_explained(world, browser, police):
    owner = browser(world.users["owner"])
    ref = world.case.reference
    response = owner.post(f"/cases/{ref}/sharing/organisations",
                          data={"organisation_id": police.id, "level": "view"})
    assert response.status_code == 200
    assert "There is a problem" in response.get_data(as_text=True)
    response = owner.post(f"/cases/{ref}/sharing/users",
                          data={"email": "nobody@example.org", "level": "view"})
    assert "There is no active user with that email address" in response.get_data(as_text=True)
    response = owner.post(f"/cases/{ref}/sharing/users",
                          data={"email": world.users["supervisor"].email, "level": "view"})
    assert "already sees it" in response.get_data(as_text=True)


def test_changing_the_level_updates_the_existing_share(world, browser):
    owner = browser(world.users["owner"])
    council = world.users["partner_view"].organisation
    owner.post(f"/cases/{world.case.reference}/sharing/organisations",
               data={"organisation_id": council.id, "level": "contribute"})
    shares = db.session.scalars(sa.select(CaseShare).where(
        CaseShare.case_id == world.case.id, CaseShare.organisation_id == council.id)).all()
    assert [s.level for s in shares] == ["contribute"]
    partner = browser(world.users["partner_view"])
    assert partner.post(f"/cases/{world.case.reference}/notes",
                        data={"text": "Now we can"}).status_code == 302


def test_no_page_shows_escaped_markup(app, world, browser):
    """Text users typed is escaped once, and the page's own markup never shows as text."""
    case_service.update_fields(world.case, world.users["owner"],
                               {"description": "Line one\nLine <two> & three"}, world.case.version)
    db.session.commit()
    owner = browser(world.users["owner"])
    for path in _get_routes(app, world):
        html = owner.get(path, follow_redirects=True).get_data(as_text=True)
        for tag in ("&lt;span", "&lt;strong", "&lt;a ", "&lt;br"):
            assert tag not in html, f"{path} shows escaped markup {tag}"
    page = owner.get(f"/cases/{world.case.reference}").get_data(as_text=True)
    assert "Line <two>" not in page and "Line &lt;two&gt; &amp; three" in page
