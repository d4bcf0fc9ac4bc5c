"""Administration through the web pages: organisations, neighbourhoods and users, who may manage
them, deactivation, and the audit rows every change leaves.

The CLI commands create-org and create-user are tested in test_cli.py.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from sara.audit.models import AuditEvent
from sara.auth.models import User
from sara.extensions import db
from sara.orgs.models import ORG_KINDS, Neighbourhood, Organisation
from tests.conftest import PASSWORD, login

NEW_PASSWORD = "a long enough initial password"


# --- helpers -----------------------------------------------------------------------------------

@pytest.fixture
def admin(make_user):
    """A system administrator (granted on the command line): acts across organisations."""
    user = make_user("admin", name="Ada Admin")
    user.is_system_admin = True
    db.session.flush()
    return user


@pytest.fixture
def council(make_org):
    return make_org("Borough Council", kind="local_authority")


@pytest.fixture
def as_admin(browser, admin):
    return browser(admin)


def audit_rows(record_type: str | None = None, **where) -> list[AuditEvent]:
    db.session.expire_all()
    query = sa.select(AuditEvent).where(AuditEvent.action == "alteration").order_by(AuditEvent.id)
    if record_type:
        query = query.where(AuditEvent.record_type == record_type)
    for column, value in where.items():
        query = query.where(getattr(AuditEvent, column) == value)
    return list(db.session.scalars(query))


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def user_by_email(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def org_by_name(name: str) -> Organisation | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Organisation).where(Organisation.name == name))


def assert_error_summary(response, *messages: str) -> str:
    assert response.status_code == 200, response.status_code
    html = response.get_data(as_text=True)
    assert 'class="govuk-error-summary' in html
    assert "There is a problem" in html
    for message in messages:
        assert message in html, message
    return html


def user_form(org, **overrides) -> dict:
    values = {"name": "Nia New", "email": "nia.new@example.org", "organisation_id": org.id,
              "role": "officer", "password": NEW_PASSWORD}
    values.update(overrides)
    return values


def edit_form(user, **overrides) -> dict:
    values = {"name": user.name, "email": user.email, "organisation_id": user.organisation_id,
              "role": user.role}
    values.update(overrides)
    return values


def changes_of(row: AuditEvent) -> dict:
    return {c["field"]: (c["before"], c["after"]) for c in row.details["changes"]}


# --- who may administer ------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["officer", "supervisor", "partner", "call_handler"])
def test_only_admins_reach_the_admin_pages(browser, make_user, council, police, officer, role):
    user = make_user(role, org=council if role == "partner" else police)
    b = browser(user)
    for path in ("/admin/organisations", "/admin/organisations/new", f"/admin/organisations/{police.id}",
                 "/admin/users", "/admin/users/new", f"/admin/users/{officer.id}"):
        assert b.get(path).status_code == 403, path
    posts = {
        "/admin/organisations/new": {"name": "Sneaky Org", "kind": "other"},
        f"/admin/organisations/{police.id}": {"name": "Renamed Force", "kind": "police"},
        f"/admin/organisations/{police.id}/neighbourhoods": {"neighbourhood": "Sneaky Hill"},
        "/admin/users/new": user_form(police, email="sneaky@example.org"),
        f"/admin/users/{officer.id}": edit_form(officer, role="supervisor"),
        f"/admin/users/{officer.id}/deactivate": {},
        f"/admin/users/{user.id}/reactivate": {},
    }
    for path, data in posts.items():
        assert b.post(path, data=data).status_code == 403, path
    db.session.expire_all()
    assert org_by_name("Sneaky Org") is None and org_by_name("Test Constabulary") is not None
    assert user_by_email("sneaky@example.org") is None
    assert officer.role == "officer" and officer.is_enabled
    assert "Sneaky Hill" not in [n.name for n in police.neighbourhoods]
    assert audit_rows("user") == [] and audit_rows("organisation") == []


def test_admin_pages_list_organisations_and_users(as_admin, police, council, officer):
    html = as_admin.get("/admin/organisations").get_data(as_text=True)
    assert "Test Constabulary" in html and "Borough Council" in html and "Local authority" in html
    assert "Central, Northside, Riverside" in html
    html = as_admin.get("/admin/users").get_data(as_text=True)
    assert "Olivia Officer" in html and officer.email in html and "Ada Admin" in html


def test_users_list_filters_by_organisation_and_role(as_admin, admin, police, council, officer, make_user):
    partner = make_user("partner", org=council, name="Pat Partner")
    html = as_admin.get("/admin/users", query_string={"organisation": council.id}).get_data(as_text=True)
    assert f"/admin/users/{partner.id}" in html
    assert f"/admin/users/{officer.id}" not in html and f"/admin/users/{admin.id}" not in html
    html = as_admin.get("/admin/users", query_string={"role": "officer"}).get_data(as_text=True)
    assert f"/admin/users/{officer.id}" in html
    assert f"/admin/users/{partner.id}" not in html and f"/admin/users/{admin.id}" not in html


# --- an organisation's admin stays inside their organisation -----------------------------------

@pytest.fixture
def council_admin(make_user, council):
    return make_user("admin", org=council, name="Cora Council-Admin")


def test_a_partner_admin_cannot_create_a_user_in_the_police_force(browser, council_admin, police):
    b = browser(council_admin)
    response = b.post("/admin/users/new", data=user_form(
        police, email="force.supervisor@example.org", role="supervisor"))
    assert_error_summary(response, "Choose one of the organisations you administer",
                         'href="#organisation_id"')
    assert user_by_email("force.supervisor@example.org") is None
    assert audit_rows("user") == []
    # The form offers only their own organisation, and only the roles it can give.
    page = b.get("/admin/users/new").get_data(as_text=True)
    assert "Borough Council" in page and "Test Constabulary" not in page
    assert 'value="partner"' in page and 'value="admin"' in page
    assert 'value="supervisor"' not in page and 'value="officer"' not in page


def test_a_partner_admin_cannot_move_themselves_into_the_force(browser, council_admin, police):
    b = browser(council_admin)
    response = b.post(f"/admin/users/{council_admin.id}", data=edit_form(
        council_admin, organisation_id=police.id, role="supervisor"))
    assert_error_summary(response, "Choose one of the organisations you administer")
    db.session.refresh(council_admin)
    assert (council_admin.organisation_id, council_admin.role) == (
        council_admin.organisation_id, "admin")
    assert council_admin.organisation.name == "Borough Council"
    assert audit_rows("user") == []


def test_a_partner_admin_cannot_give_a_role_their_kind_does_not_allow(browser, council_admin,
                                                                       make_user, council):
    partner = make_user("partner", org=council)
    b = browser(council_admin)
    response = b.post(f"/admin/users/{partner.id}", data=edit_form(partner, role="supervisor"))
    assert_error_summary(response, "Choose a role that Borough Council can give: partner, "
                                   "administrator", 'href="#role"')
    db.session.refresh(partner)
    assert partner.role == "partner"


def test_a_partner_admin_manages_their_own_users(browser, council_admin, council):
    b = browser(council_admin)
    response = b.post("/admin/users/new", data=user_form(
        council, email="new.partner@example.org", role="partner"))
    assert response.status_code == 302
    assert user_by_email("new.partner@example.org").organisation_id == council.id


def test_a_partner_admin_sees_and_reaches_only_their_own_organisation(
        browser, council_admin, council, police, officer, make_user):
    colleague = make_user("partner", org=council, name="Colin Colleague")
    b = browser(council_admin)
    users = b.get("/admin/users").get_data(as_text=True)
    assert "Colin Colleague" in users and "Olivia Officer" not in users
    organisations = b.get("/admin/organisations").get_data(as_text=True)
    assert "Borough Council" in organisations and "Test Constabulary" not in organisations
    assert "Add an organisation" not in organisations
    # Another organisation's records are as missing as records that do not exist.
    for path in (f"/admin/users/{officer.id}", f"/admin/organisations/{police.id}"):
        assert b.get(path).status_code == 404, path
    for path, data in {
        f"/admin/users/{officer.id}": edit_form(officer, name="Renamed"),
        f"/admin/users/{officer.id}/deactivate": {},
        f"/admin/organisations/{police.id}": {"name": "Renamed Force", "kind": "police"},
        f"/admin/organisations/{police.id}/neighbourhoods": {"neighbourhood": "Eastgate"},
    }.items():
        assert b.post(path, data=data).status_code == 404, path
    assert b.get("/admin/organisations/new").status_code == 403
    assert b.post("/admin/organisations/new", data={"name": "New Org", "kind": "other"}
                  ).status_code == 403
    db.session.expire_all()
    assert officer.is_enabled and officer.name == "Olivia Officer"
    assert "Eastgate" not in [n.name for n in police.neighbourhoods]
    assert org_by_name("New Org") is None
    assert b.get(f"/admin/users/{colleague.id}").status_code == 200


def test_an_admin_of_another_force_cannot_touch_this_force(browser, make_org, make_user, police,
                                                          officer):
    other_force = make_org("Other Constabulary")
    other_admin = make_user("admin", org=other_force)
    b = browser(other_admin)
    assert b.get(f"/admin/users/{officer.id}").status_code == 404
    assert b.post(f"/admin/users/{officer.id}/deactivate").status_code == 404
    assert b.get(f"/admin/organisations/{police.id}").status_code == 404
    response = b.post("/admin/users/new", data=user_form(police, email="plant@example.org"))
    assert_error_summary(response, "Choose one of the organisations you administer")
    assert user_by_email("plant@example.org") is None


def test_only_a_system_administrator_changes_an_organisations_kind(browser, council_admin,
                                                                   council):
    b = browser(council_admin)
    page = b.get(f"/admin/organisations/{council.id}").get_data(as_text=True)
    assert "Only a system administrator can change this." in page
    response = b.post(f"/admin/organisations/{council.id}",
                      data={"name": "Borough Council", "kind": "police"})
    assert_error_summary(response, "Only a system administrator can change what kind")
    db.session.refresh(council)
    assert council.kind == "local_authority"
    # Renaming their own organisation is theirs to do.
    assert b.post(f"/admin/organisations/{council.id}",
                  data={"name": "Borough Council (Housing)", "kind": "local_authority"}
                  ).status_code == 302


def test_a_system_administrator_is_managed_only_by_another(browser, make_user, admin, police):
    org_admin = make_user("admin", name="Otto Org-Admin")
    b = browser(org_admin)
    assert b.get(f"/admin/users/{admin.id}").status_code == 404
    assert b.post(f"/admin/users/{admin.id}/deactivate").status_code == 404
    assert "Ada Admin" not in b.get("/admin/users").get_data(as_text=True)


def test_the_web_never_grants_the_system_administrator_capability(browser, admin, make_user):
    other = make_user("admin", name="Grace Grant")
    b = browser(admin)
    b.post(f"/admin/users/{other.id}", data={**edit_form(other), "is_system_admin": "y"})
    b.post("/admin/users/new", data={**user_form(admin.organisation, email="g2@example.org",
                                                 role="admin"), "is_system_admin": "y"})
    db.session.expire_all()
    assert other.is_system_admin is False
    assert user_by_email("g2@example.org").is_system_admin is False


# --- organisations -----------------------------------------------------------------------------

@pytest.mark.parametrize("kind", list(ORG_KINDS))
def test_admin_creates_an_organisation_of_each_kind(as_admin, admin, kind):
    name = f"New {kind} organisation"
    response = as_admin.post("/admin/organisations/new", data={"name": f"  {name} ", "kind": kind})
    assert response.status_code == 302
    org = org_by_name(name)
    assert org is not None and org.kind == kind
    assert response.headers["Location"].endswith(f"/admin/organisations/{org.id}")
    [row] = audit_rows("organisation")
    assert row.user_id == admin.id
    assert row.record_ref == name
    assert row.details["after"] == {"name": name, "kind": kind}
    assert row.ip_address == "127.0.0.1"


def test_duplicate_organisation_names_are_refused(as_admin, police):
    before = count(Organisation)
    response = as_admin.post("/admin/organisations/new", data={"name": "test CONSTABULARY", "kind": "police"})
    assert_error_summary(response, "already exists")
    assert count(Organisation) == before
    assert audit_rows("organisation") == []


@pytest.mark.parametrize("data, message", [
    ({"name": "", "kind": "police"}, "Enter the organisation&#39;s name"),
    ({"name": "No Kind Org"}, "Choose the kind of organisation"),
    ({"name": "Bad Kind Org", "kind": "pirate"}, "Not a valid choice"),
    ({"name": "x" * 201, "kind": "other"}, "200 characters or fewer"),
])
def test_invalid_organisations_are_refused(as_admin, data, message):
    before = count(Organisation)
    assert_error_summary(as_admin.post("/admin/organisations/new", data=data), message)
    assert count(Organisation) == before
    assert audit_rows("organisation") == []


def test_admin_renames_an_organisation_and_the_change_is_audited(as_admin, admin, council):
    response = as_admin.post(f"/admin/organisations/{council.id}", data={"name": "City Council", "kind": "local_authority"})
    assert response.status_code == 302
    db.session.refresh(council)
    assert council.name == "City Council"
    [row] = audit_rows("organisation")
    assert row.user_id == admin.id
    assert changes_of(row) == {"name": ("Borough Council", "City Council")}


def test_renaming_onto_another_organisations_name_is_refused(as_admin, council, police):
    response = as_admin.post(f"/admin/organisations/{council.id}", data={"name": "Test Constabulary", "kind": "local_authority"})
    assert_error_summary(response, "already exists")
    db.session.refresh(council)
    assert council.name == "Borough Council"
    assert audit_rows("organisation") == []


def test_a_force_with_neighbourhoods_must_stay_police(as_admin, police):
    response = as_admin.post(f"/admin/organisations/{police.id}", data={"name": police.name, "kind": "housing"})
    assert_error_summary(response, "must stay a police organisation", 'href="#kind')
    db.session.refresh(police)
    assert police.kind == "police"


@pytest.mark.parametrize("start, role, new_kind", [
    ("local_authority", "partner", "police"),
    ("police", "officer", "housing"),
    ("police", "call_handler", "other"),
])
def test_an_organisation_cannot_change_kind_under_users_whose_role_would_not_fit(
        as_admin, make_org, make_user, start, role, new_kind):
    org = make_org("Changing Org", kind=start, neighbourhoods=())
    make_user(role, org=org)
    response = as_admin.post(f"/admin/organisations/{org.id}", data={"name": "Changing Org", "kind": new_kind})
    assert_error_summary(response, "change or move them first", 'href="#kind')
    db.session.refresh(org)
    assert org.kind == start
    assert audit_rows("organisation") == []


def test_an_organisation_with_only_admins_can_change_kind(as_admin, make_org, make_user):
    org = make_org("Changing Org", kind="police", neighbourhoods=())
    make_user("admin", org=org)
    response = as_admin.post(f"/admin/organisations/{org.id}", data={"name": "Changing Org", "kind": "voluntary"})
    assert response.status_code == 302
    db.session.refresh(org)
    assert org.kind == "voluntary"
    [row] = audit_rows("organisation")
    assert changes_of(row) == {"kind": ("police", "voluntary")}


def test_admin_adds_neighbourhoods_to_a_police_organisation(as_admin, admin, police):
    page = as_admin.get(f"/admin/organisations/{police.id}").get_data(as_text=True)
    assert "Add neighbourhood" in page and "Riverside" in page
    response = as_admin.post(f"/admin/organisations/{police.id}/neighbourhoods", data={"neighbourhood": "Eastgate"})
    assert response.status_code == 302
    db.session.expire_all()
    assert "Eastgate" in [n.name for n in police.neighbourhoods]
    [row] = audit_rows("organisation")
    assert row.user_id == admin.id
    assert row.record_ref == police.name
    assert "Eastgate" in row.summary
    assert "Eastgate" in as_admin.get(f"/admin/organisations/{police.id}").get_data(as_text=True)


def test_a_duplicate_neighbourhood_is_refused(as_admin, police):
    before = count(Neighbourhood)
    response = as_admin.post(f"/admin/organisations/{police.id}/neighbourhoods", data={"neighbourhood": "northside"})
    assert_error_summary(response, "already has a neighbourhood")
    assert count(Neighbourhood) == before


def test_a_non_police_organisation_cannot_get_neighbourhoods(as_admin, council):
    page = as_admin.get(f"/admin/organisations/{council.id}").get_data(as_text=True)
    assert "Add neighbourhood" not in page
    before = count(Neighbourhood)
    response = as_admin.post(f"/admin/organisations/{council.id}/neighbourhoods", data={"neighbourhood": "Eastgate"})
    assert_error_summary(response, "Only police organisations have neighbourhood teams")
    assert count(Neighbourhood) == before
    assert audit_rows("organisation") == []


def test_unknown_organisation_is_404(as_admin):
    assert as_admin.get("/admin/organisations/999999").status_code == 404
    assert as_admin.post("/admin/organisations/999999/neighbourhoods", data={"neighbourhood": "X"}).status_code == 404


# --- creating users ----------------------------------------------------------------------------

def test_admin_creates_a_user_who_can_then_sign_in(app, as_admin, admin, police):
    response = as_admin.post("/admin/users/new", data=user_form(police, email="  Nia.NEW@Example.ORG "))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/users")
    user = user_by_email("nia.new@example.org")
    assert user is not None
    assert (user.name, user.role, user.organisation_id, user.is_enabled) == ("Nia New", "officer", police.id, True)
    assert user.password_hash != NEW_PASSWORD
    [row] = audit_rows("user")
    assert row.user_id == admin.id
    assert row.record_ref == "nia.new@example.org"
    assert row.details["after"] == {"name": "Nia New", "role": "officer", "organisation": police.name}
    assert NEW_PASSWORD not in str(row.details)
    assert login(app.test_client(), "nia.new@example.org", NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize("role, kind", [
    ("officer", "police"), ("supervisor", "police"), ("call_handler", "police"), ("admin", "police"),
    ("partner", "housing"), ("admin", "local_authority"),
])
def test_roles_that_fit_the_organisation_are_accepted(as_admin, make_org, police, role, kind):
    org = police if kind == "police" else make_org(kind=kind)
    email = f"{role}.{kind}@example.org"
    response = as_admin.post("/admin/users/new", data=user_form(org, email=email, role=role))
    assert response.status_code == 302
    assert user_by_email(email).role == role


@pytest.mark.parametrize("role, kind, message", [
    ("officer", "housing", "can give: partner, administrator"),
    ("supervisor", "local_authority", "can give: partner, administrator"),
    ("call_handler", "probation", "can give: partner, administrator"),
    ("partner", "police", "can give: officer, supervisor, call handler, administrator"),
])
def test_roles_that_do_not_fit_the_organisation_are_refused(as_admin, make_org, police, role, kind, message):
    org = police if kind == "police" else make_org(kind=kind)
    before = count(User)
    response = as_admin.post("/admin/users/new", data=user_form(org, role=role))
    assert_error_summary(response, message, 'href="#role"')
    assert count(User) == before
    assert user_by_email("nia.new@example.org") is None
    assert audit_rows("user") == []


@pytest.mark.parametrize("overrides, message, field", [
    ({"email": "OLIVIA@example.org"}, "already exists", "email"),
    ({"password": "elevenchars"}, "at least 12 characters", "password"),
    ({"password": ""}, "Enter an initial password", "password"),
    ({"name": ""}, "Enter the user&#39;s name", "name"),
    ({"email": "not-an-email"}, "Enter an email address in the correct format", "email"),
    ({"role": "overlord"}, "Choose a role that Test Constabulary can give", "role"),
    ({"organisation_id": ""}, "Choose the user&#39;s organisation", "organisation_id"),
    ({"organisation_id": "999999"}, "Choose one of the organisations you administer",
     "organisation_id"),
    ({"organisation_id": "99999999999999999999"}, "Choose one of the organisations you administer",
     "organisation_id"),
])
def test_invalid_new_users_are_refused_with_an_error_summary(as_admin, make_user, police, overrides, message, field):
    make_user("officer", email="olivia@example.org")
    before = count(User)
    response = as_admin.post("/admin/users/new", data=user_form(police, **overrides))
    assert_error_summary(response, message, f'href="#{field}')
    assert count(User) == before
    assert audit_rows("user") == []


def test_a_twelve_character_password_is_enough(as_admin, police):
    response = as_admin.post("/admin/users/new", data=user_form(police, password="twelve chars"))
    assert response.status_code == 302
    assert user_by_email("nia.new@example.org") is not None


# --- editing users -----------------------------------------------------------------------------

def test_admin_edits_a_user_and_the_change_is_audited(as_admin, admin, make_user, make_org, police):
    subject = make_user("officer", name="Eddie Edit", email="eddie@example.org")
    other_force = make_org("Other Constabulary")
    page = as_admin.get(f"/admin/users/{subject.id}").get_data(as_text=True)
    assert "Eddie Edit" in page and 'value="eddie@example.org"' in page

    response = as_admin.post(f"/admin/users/{subject.id}", data=edit_form(
        subject, name="Edward Edit", email="Edward@Example.org", role="supervisor",
        organisation_id=other_force.id))
    assert response.status_code == 302
    db.session.refresh(subject)
    assert (subject.name, subject.email, subject.role, subject.organisation_id) == (
        "Edward Edit", "edward@example.org", "supervisor", other_force.id)

    [row] = audit_rows("user")
    assert row.user_id == admin.id
    assert row.record_ref == "edward@example.org"
    assert changes_of(row) == {
        "name": ("Eddie Edit", "Edward Edit"),
        "email": ("eddie@example.org", "edward@example.org"),
        "role": ("officer", "supervisor"),
        "organisation_id": (police.id, other_force.id),
    }


def test_saving_without_changes_writes_no_audit_row(as_admin, officer):
    response = as_admin.post(f"/admin/users/{officer.id}", data=edit_form(officer), follow_redirects=True)
    assert "No changes to save." in response.get_data(as_text=True)
    assert audit_rows("user") == []


def test_moving_a_user_who_owns_cases_is_refused(as_admin, officer, make_case, make_org):
    make_case(owner=officer)
    other_force = make_org("Other Constabulary")
    response = as_admin.post(f"/admin/users/{officer.id}", data=edit_form(
        officer, organisation_id=other_force.id, name="Renamed Too"))
    assert_error_summary(response, "This user owns cases in their current organisation",
                         "give those cases to someone else", 'href="#organisation_id"')
    db.session.refresh(officer)
    assert officer.organisation_id != other_force.id
    assert officer.name == "Olivia Officer"
    assert audit_rows("user") == []


def test_a_user_who_owns_cases_can_still_be_edited_in_place(as_admin, officer, make_case):
    make_case(owner=officer)
    response = as_admin.post(f"/admin/users/{officer.id}", data=edit_form(officer, role="supervisor"))
    assert response.status_code == 302
    db.session.refresh(officer)
    assert officer.role == "supervisor"


@pytest.mark.parametrize("overrides, message", [
    ({"email": "TAKEN@example.org"}, "already exists"),
    ({"role": "partner"}, "Choose a role that Test Constabulary can give"),
])
def test_invalid_edits_are_refused(as_admin, make_user, officer, overrides, message):
    make_user("officer", email="taken@example.org")
    response = as_admin.post(f"/admin/users/{officer.id}", data=edit_form(officer, **overrides))
    assert_error_summary(response, message)
    db.session.refresh(officer)
    assert officer.email != "taken@example.org" and officer.role == "officer"
    assert audit_rows("user") == []


def test_a_partner_moved_into_a_police_force_must_change_role(as_admin, make_user, council, police):
    partner = make_user("partner", org=council)
    response = as_admin.post(f"/admin/users/{partner.id}", data=edit_form(partner, organisation_id=police.id))
    assert_error_summary(response, "Choose a role that Test Constabulary can give")
    response = as_admin.post(f"/admin/users/{partner.id}", data=edit_form(partner, organisation_id=police.id, role="officer"))
    assert response.status_code == 302
    db.session.refresh(partner)
    assert (partner.organisation_id, partner.role) == (police.id, "officer")


def test_unknown_user_is_404(as_admin):
    assert as_admin.get("/admin/users/999999").status_code == 404
    assert as_admin.post("/admin/users/999999/deactivate").status_code == 404


# --- deactivating and reactivating -------------------------------------------------------------

def test_deactivating_signs_the_user_out_at_once_and_reactivating_lets_them_back(
        app, browser, as_admin, admin, officer, make_case):
    case = make_case()
    officer_browser = browser(officer)
    assert officer_browser.get(f"/cases/{case.reference}").status_code == 200

    response = as_admin.post(f"/admin/users/{officer.id}/deactivate", follow_redirects=True)
    assert response.status_code == 200
    assert "Deactivated Olivia Officer" in response.get_data(as_text=True)
    db.session.refresh(officer)
    assert officer.is_enabled is False

    # The very next request from the officer's browser is sent to sign in, and sees nothing.
    response = officer_browser.get(f"/cases/{case.reference}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    response = officer_browser.post(f"/cases/{case.reference}/scanning", data={"scan_summary": "x", "version": case.version})
    assert response.status_code in (302, 400)
    assert "/login" in response.headers.get("Location", "/login")

    # ...and they cannot sign in again.
    fresh = app.test_client()
    response = login(fresh, officer)
    assert response.status_code == 200
    assert "Enter a correct email address and password" in response.get_data(as_text=True)

    [row] = audit_rows("user")
    assert row.user_id == admin.id
    assert row.record_ref == officer.email
    assert changes_of(row) == {"is_enabled": (True, False)}

    page = as_admin.get(f"/admin/users/{officer.id}").get_data(as_text=True)
    assert "Deactivated" in page and "Reactivate user" in page

    response = as_admin.post(f"/admin/users/{officer.id}/reactivate")
    assert response.status_code == 302
    db.session.refresh(officer)
    assert officer.is_enabled is True
    assert login(app.test_client(), officer).status_code == 302
    # The old browser's session ended for good; it does not come back to life.
    assert officer_browser.get(f"/cases/{case.reference}").status_code == 302

    rows = audit_rows("user")
    assert len(rows) == 2
    assert changes_of(rows[1]) == {"is_enabled": (False, True)}


def test_deactivating_twice_writes_one_audit_row(as_admin, officer):
    as_admin.post(f"/admin/users/{officer.id}/deactivate")
    as_admin.post(f"/admin/users/{officer.id}/deactivate")
    assert len(audit_rows("user")) == 1


def test_deactivation_needs_a_post_with_the_csrf_token(as_admin, officer):
    assert as_admin.get(f"/admin/users/{officer.id}/deactivate").status_code == 405
    assert as_admin.post(f"/admin/users/{officer.id}/deactivate", csrf=False).status_code == 400
    db.session.refresh(officer)
    assert officer.is_enabled
    assert audit_rows("user") == []


def test_an_admin_cannot_deactivate_themselves(as_admin, admin):
    page = as_admin.get(f"/admin/users/{admin.id}").get_data(as_text=True)
    assert "Deactivate user" not in page
    response = as_admin.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert response.status_code == 200
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.is_enabled
    assert audit_rows("user") == []
    assert as_admin.get("/admin/users").status_code == 200  # still signed in


def test_a_deactivated_user_can_not_sign_in_with_the_right_password(client, make_user):
    user = make_user("officer", enabled=False)
    response = login(client, user, PASSWORD)
    assert response.status_code == 200
    assert client.get("/cases").status_code == 302
