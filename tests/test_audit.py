"""The audit log through the web pages: what is recorded (views, changes, sign-ins, refusals,
exports), who may read it, its filters and CSV exports, and that it can only ever grow.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from sara.audit.models import AuditEvent
from sara.cases import service as case_service
from sara.extensions import db
from tests.conftest import IS_POSTGRES, PASSWORD, csrf_token, login

CSV_HEADER = ["time_utc", "user", "email", "organisation", "ip_address", "action", "record_type",
              "record", "summary"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# --- helpers -----------------------------------------------------------------------------------

def rows(**where) -> list[AuditEvent]:
    """Audit rows matching the given column values, oldest first."""
    db.session.expire_all()
    query = sa.select(AuditEvent).order_by(AuditEvent.id)
    for column, value in where.items():
        query = query.where(getattr(AuditEvent, column) == value)
    return list(db.session.scalars(query))


def case_log_rows(case) -> list[AuditEvent]:
    """Every row in the case's own log: its own, and the lists, searches and exports it was in."""
    from sara.audit.service import AuditFilters, case_log

    db.session.expire_all()
    return list(db.session.scalars(case_log(case, AuditFilters())))


def count_on_page(html: str) -> int:
    match = re.search(r'data-testid="audit-count">(\d+) entr', html)
    assert match, "no audit count on the page"
    return int(match.group(1))


def date_params(name: str, day: int | str, month: int | str, year: int | str) -> list[tuple]:
    """A GOV.UK date input: three values (day, month, year) under one name."""
    return [(name, str(day)), (name, str(month)), (name, str(year))]


def parse_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def add_old_row(case, user, when: datetime, summary: str, action: str = "alteration"):
    event = AuditEvent(action=action, user_id=user.id, organisation_id=user.organisation_id,
                       record_type="case", record_ref=case.reference, case_id=case.id,
                       summary=summary, created_dt=when)
    db.session.add(event)
    db.session.flush()
    return event


@pytest.fixture
def supervisor(make_user):
    return make_user("supervisor", name="Sam Supervisor")


@pytest.fixture
def admin(make_user):
    return make_user("admin", name="Ada Admin")


@pytest.fixture
def other_force(make_org):
    return make_org("Other Constabulary")


# --- what is recorded --------------------------------------------------------------------------

def test_each_view_of_a_case_page_writes_one_consultation_row(browser, officer, make_case):
    case = make_case()
    b = browser(officer)
    assert rows(action="consultation", case_id=case.id) == []

    before = datetime.now(UTC).replace(microsecond=0)
    assert b.get(f"/cases/{case.reference}").status_code == 200
    after = datetime.now(UTC)

    [row] = rows(action="consultation", case_id=case.id)
    assert row.user_id == officer.id
    assert row.organisation_id == officer.organisation_id
    assert row.ip_address == "127.0.0.1"
    assert row.record_type == "case"
    assert row.record_ref == case.reference
    assert row.created_dt.tzinfo is not None and row.created_dt.utcoffset().total_seconds() == 0
    assert before <= row.created_dt <= after

    assert b.get(f"/cases/{case.reference}").status_code == 200
    assert len(rows(action="consultation", case_id=case.id)) == 2


def test_an_edit_writes_alteration_rows_with_before_and_after(browser, officer, make_case):
    case = make_case(scan_summary="Youths gather on Fridays")
    b = browser(officer)
    response = b.post(f"/cases/{case.reference}/scanning", data={
        "scan_source": "incident_data",
        "scan_summary": "Youths gather every night",
        "scan_baseline": "23 ASB calls in three months",
        "version": case.version,
    })
    assert response.status_code == 302, response.get_data(as_text=True)

    edits = [r for r in rows(action="alteration", case_id=case.id)
             if r.details.get("event") == "edited" and r.details.get("method") == "POST"]
    assert len(edits) == 1
    [row] = edits
    assert row.user_id == officer.id
    assert row.ip_address == "127.0.0.1"
    assert row.record_ref == case.reference
    changes = {c["field"]: (c["before"], c["after"]) for c in row.details["changes"]}
    assert changes["scan_summary"] == ("Youths gather on Fridays", "Youths gather every night")
    assert changes["scan_baseline"] == ("", "23 ASB calls in three months")
    assert changes["scan_source"] == ("", "Incident or crime data")
    # A POST is not a consultation.
    assert rows(action="consultation", case_id=case.id) == []


def test_sign_in_sign_out_and_failed_sign_in_rows(app, client, officer):
    assert login(client, officer, "not the password").status_code == 200
    [failed] = rows(action="sign_in_failed", user_id=officer.id)
    assert failed.record_ref == officer.email
    assert failed.ip_address == "127.0.0.1"

    assert login(client, officer).status_code == 302
    [signed_in] = rows(action="sign_in", user_id=officer.id)
    assert signed_in.record_type == "user"
    assert signed_in.record_ref == officer.email
    assert signed_in.organisation_id == officer.organisation_id
    assert signed_in.ip_address == "127.0.0.1"

    token = csrf_token(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    [signed_out] = rows(action="sign_out", user_id=officer.id)
    assert signed_out.record_ref == officer.email
    assert signed_out.ip_address == "127.0.0.1"


def test_failed_sign_in_with_unknown_email_records_the_email_without_a_user(client):
    email = "Nobody.Here@Example.ORG"
    assert login(client, email).status_code == 200
    [row] = [r for r in rows(action="sign_in_failed") if r.record_ref == email.lower()]
    assert row.user_id is None
    assert row.organisation_id is None
    assert row.details["email"] == email.lower()
    assert row.ip_address == "127.0.0.1"


def test_another_forces_officer_is_refused_and_audited_without_a_consultation(
        browser, make_user, make_case, other_force):
    case = make_case()
    outsider = make_user("officer", org=other_force)
    response = browser(outsider).get(f"/cases/{case.reference}")
    assert response.status_code == 404
    [denied] = rows(action="access_denied", user_id=outsider.id)
    assert denied.record_ref == case.reference
    assert denied.organisation_id == other_force.id
    assert denied.ip_address == "127.0.0.1"
    assert rows(action="consultation", case_id=case.id) == []
    assert rows(action="consultation", user_id=outsider.id) == []


# --- the case audit page -----------------------------------------------------------------------

@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_supervisors_and_admins_of_the_force_see_the_case_log(browser, make_user, make_case, officer, role):
    case = make_case()
    browser(officer).get(f"/cases/{case.reference}")  # a consultation by the officer
    response = browser(make_user(role)).get(f"/cases/{case.reference}/audit")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"Audit log: {case.reference}" in html
    assert f"Case opened: {case.title}" in html
    assert f"Viewed /cases/{case.reference}" in html
    assert "Olivia Officer" in html
    assert "127.0.0.1" in html
    assert count_on_page(html) == len(case_log_rows(case)) - 1  # this page's own view comes after


def test_the_case_log_shows_before_and_after_of_changes(browser, officer, supervisor, make_case):
    case = make_case(scan_summary="Before text")
    b = browser(officer)
    b.post(f"/cases/{case.reference}/scanning", data={
        "scan_source": "", "scan_summary": "After text", "scan_baseline": "", "version": case.version,
    })
    html = browser(supervisor).get(f"/cases/{case.reference}/audit").get_data(as_text=True)
    assert "<del>Before text</del> → <ins>After text</ins>" in html


def test_the_case_owner_cannot_see_the_case_log(browser, officer, make_case):
    case = make_case()
    assert browser(officer).get(f"/cases/{case.reference}/audit").status_code == 403
    assert browser(officer).get(f"/cases/{case.reference}/audit.csv").status_code == 403


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_another_force_gets_404_for_the_case_log(browser, make_user, make_case, other_force, role):
    case = make_case()
    outsider = make_user(role, org=other_force)
    b = browser(outsider)
    assert b.get(f"/cases/{case.reference}/audit").status_code == 404
    assert b.get(f"/cases/{case.reference}/audit.csv").status_code == 404
    assert [r.record_ref for r in rows(action="access_denied", user_id=outsider.id)] == [case.reference] * 2
    assert rows(action="disclosure", case_id=case.id) == []


def test_filters_by_date_and_action_narrow_the_case_log(browser, officer, supervisor, make_case):
    case = make_case()
    add_old_row(case, officer, datetime(2024, 1, 10, 12, 0, tzinfo=UTC), "January change")
    add_old_row(case, officer, datetime(2024, 3, 15, 12, 0, tzinfo=UTC), "March change")
    add_old_row(case, officer, datetime(2024, 3, 20, 9, 0, tzinfo=UTC), "March view", action="consultation")
    # 23:30 UTC on 10 June is 00:30 on 11 June in London: dates are the display time zone's.
    add_old_row(case, officer, datetime(2024, 6, 10, 23, 30, tzinfo=UTC), "Late June change")
    b = browser(supervisor)
    url = f"/cases/{case.reference}/audit"

    everything = b.get(url).get_data(as_text=True)
    for text in ("January change", "March change", "March view", "Late June change", "Case opened"):
        assert text in everything

    march = b.get(url, query_string=date_params("date_from", 1, 3, 2024) + date_params("date_to", 31, 3, 2024))
    assert march.status_code == 200
    html = march.get_data(as_text=True)
    assert "March change" in html and "March view" in html
    assert "January change" not in html and "Late June change" not in html and "Case opened" not in html
    assert count_on_page(html) == 2
    assert "govuk-error-summary" not in html

    june_11 = b.get(url, query_string=date_params("date_from", 11, 6, 2024) + date_params("date_to", 11, 6, 2024))
    assert count_on_page(june_11.get_data(as_text=True)) == 1
    assert "Late June change" in june_11.get_data(as_text=True)

    march_changes = b.get(url, query_string=[*date_params("date_from", 1, 3, 2024),
                                             *date_params("date_to", 31, 3, 2024),
                                             ("action", "alteration")])
    html = march_changes.get_data(as_text=True)
    assert "March change" in html and "March view" not in html
    assert count_on_page(html) == 1

    views_only = b.get(url, query_string={"action": "consultation"}).get_data(as_text=True)
    assert "March view" in views_only
    assert "March change" not in views_only and "Case opened" not in views_only

    since = b.get(url, query_string=date_params("date_from", 1, 6, 2024)).get_data(as_text=True)
    assert "Late June change" in since and "Case opened" in since and "March change" not in since


@pytest.mark.parametrize("query", [
    date_params("date_from", 31, 2, 2024),
    date_params("date_to", "x", "y", "z"),
    [("date_from", "2024-03-01")],
    [("date_from", "1"), ("date_from", "3"), ("date_from", "2024"), ("date_from", "5")],
])
def test_an_invalid_date_shows_an_error_summary_not_a_server_error(browser, supervisor, make_case, query):
    case = make_case()
    response = browser(supervisor).get(f"/cases/{case.reference}/audit", query_string=query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html
    assert "Enter a real date" in html
    assert "Case opened" in html  # the bad filter is ignored, not applied


def test_an_unknown_action_filter_is_ignored(browser, supervisor, make_case):
    case = make_case()
    response = browser(supervisor).get(f"/cases/{case.reference}/audit", query_string={"action": "bogus"})
    assert response.status_code == 200
    assert "Case opened" in response.get_data(as_text=True)


# --- CSV exports -------------------------------------------------------------------------------

def test_case_csv_export_has_header_and_rows_and_is_itself_a_disclosure(browser, officer, supervisor, make_case):
    case = make_case()
    browser(officer).get(f"/cases/{case.reference}")
    b = browser(supervisor)
    consultations_before = len(rows(action="consultation", case_id=case.id))

    response = b.get(f"/cases/{case.reference}/audit.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert case.reference in response.headers["Content-Disposition"]
    table = parse_csv(response)
    assert table[0] == CSV_HEADER
    body = [dict(zip(CSV_HEADER, line, strict=True)) for line in table[1:]]
    # The officer's view and the "created" row, and the officer's list of cases it was on.
    assert len(body) == len(case_log_rows(case)) - 1  # all but this export's own disclosure
    opened = next(r for r in body if r["summary"].startswith("Case opened"))
    assert opened["email"] == officer.email
    assert opened["user"] == "Olivia Officer"
    assert opened["action"] == "alteration"
    assert opened["record"] == case.reference
    viewed = next(r for r in body if r["action"] == "consultation")
    assert viewed["ip_address"] == "127.0.0.1"
    assert viewed["organisation"] == officer.organisation.name
    assert datetime.fromisoformat(viewed["time_utc"]).utcoffset().total_seconds() == 0

    [disclosure] = rows(action="disclosure", case_id=case.id)
    assert disclosure.user_id == supervisor.id
    assert disclosure.record_type == "audit_log"
    assert disclosure.record_ref == case.reference
    assert disclosure.details["recipients"] == [supervisor.email]
    assert disclosure.details["rows"] == len(body)
    # The export is recorded as a disclosure, not as a view.
    assert len(rows(action="consultation", case_id=case.id)) == consultations_before

    second = parse_csv(b.get(f"/cases/{case.reference}/audit.csv"))
    assert len(second) == len(table) + 1
    assert any(line[5] == "disclosure" for line in second[1:])
    assert len(rows(action="disclosure", case_id=case.id)) == 2


def test_case_csv_export_applies_the_filters(browser, officer, supervisor, make_case):
    case = make_case()
    add_old_row(case, officer, datetime(2024, 3, 15, 12, 0, tzinfo=UTC), "March change")
    response = browser(supervisor).get(
        f"/cases/{case.reference}/audit.csv",
        query_string=date_params("date_from", 1, 3, 2024) + date_params("date_to", 31, 3, 2024))
    table = parse_csv(response)
    assert [line[8] for line in table[1:]] == ["March change"]
    [disclosure] = rows(action="disclosure", case_id=case.id)
    # The record of what was disclosed keeps the whole of each date, not just its day.
    assert disclosure.details["filters"] == {"date_from": ["1", "3", "2024"], "date_to": ["31", "3", "2024"]}
    assert disclosure.details["rows"] == 1


@pytest.mark.parametrize("query", [
    date_params("date_to", 31, 12, 9999),
    date_params("date_from", 1, 1, 1),
    date_params("date_from", 1, 1, 1) + date_params("date_to", 31, 12, 9999),
])
def test_the_first_and_last_possible_dates_filter_without_a_server_error(browser, supervisor, make_case, query):
    case = make_case()
    b = browser(supervisor)
    response = b.get(f"/cases/{case.reference}/audit", query_string=query)
    assert response.status_code == 200
    assert "Case opened" in response.get_data(as_text=True)
    response = b.get(f"/cases/{case.reference}/audit.csv", query_string=query)
    assert response.status_code == 200
    assert any(line[8].startswith("Case opened") for line in parse_csv(response)[1:])


def test_user_activity_csv_has_the_users_rows_and_records_the_export(browser, officer, supervisor, make_case):
    case = make_case()
    browser(officer).get(f"/cases/{case.reference}")
    b = browser(supervisor)
    response = b.get(f"/audit/users/{officer.id}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    table = parse_csv(response)
    assert table[0] == CSV_HEADER
    actions = sorted(line[5] for line in table[1:])
    assert actions == sorted(r.action for r in rows(user_id=officer.id))
    assert {"sign_in", "consultation", "alteration"} <= set(actions)
    assert all(line[2] == officer.email for line in table[1:])

    [disclosure] = [r for r in rows(action="disclosure", user_id=supervisor.id)]
    assert disclosure.record_type == "audit_log"
    assert disclosure.record_ref == officer.email
    assert disclosure.details["recipients"] == [supervisor.email]
    assert officer.email in disclosure.summary


def test_csv_cells_that_start_a_formula_are_neutralised(browser, make_org, make_user, make_case):
    force = make_org("=HYPERLINK(\"http://evil.example\",\"Force\")")
    owner = make_user("officer", org=force, name="=cmd|' /C calc'!A0")
    supervisor = make_user("supervisor", org=force)
    case = make_case(owner=owner)
    case_service.add_objective(case, owner, "=1+2", case.version)
    case_service.add_objective(case, owner, "@SUM(A1:A9)", case.version)
    case_service.add_objective(case, owner, "-2+3", case.version)
    db.session.flush()
    b = browser(supervisor)

    for url in (f"/cases/{case.reference}/audit.csv", f"/audit/users/{owner.id}.csv"):
        table = parse_csv(b.get(url))
        cells = [cell for line in table[1:] for cell in line]
        assert cells, url
        dangerous = [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
        assert dangerous == [], (url, dangerous)
        assert "'=1+2" in cells
        assert "'@SUM(A1:A9)" in cells
        assert "'-2+3" in cells
        assert "'=cmd|' /C calc'!A0" in cells
        assert "'" + force.name in cells


# --- user activity and the staff list ----------------------------------------------------------

def test_supervisor_sees_own_staff_activity_but_not_another_organisations(
        browser, officer, supervisor, make_user, other_force):
    stranger = make_user("officer", org=other_force, name="Stranger Officer")
    browser(stranger)  # signs in, so there is activity to hide
    browser(officer)
    b = browser(supervisor)

    response = b.get(f"/audit/users/{officer.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Activity: Olivia Officer" in html
    assert "Signed in" in html
    assert officer.email in html
    [viewed] = rows(action="consultation", record_type="audit_log", user_id=supervisor.id)
    assert viewed.record_ref == officer.email

    assert b.get(f"/audit/users/{stranger.id}").status_code == 404
    assert b.get(f"/audit/users/{stranger.id}.csv").status_code == 404
    assert b.get("/audit/users/999999").status_code == 404
    assert [r for r in rows(user_id=supervisor.id) if r.record_ref == stranger.email] == []


def test_user_activity_filters(browser, officer, supervisor, make_case):
    case = make_case()
    add_old_row(case, officer, datetime(2024, 3, 15, 12, 0, tzinfo=UTC), "March change")
    b = browser(supervisor)
    html = b.get(f"/audit/users/{officer.id}",
                 query_string=date_params("date_from", 1, 3, 2024) + date_params("date_to", 31, 3, 2024)).get_data(as_text=True)
    assert "March change" in html and count_on_page(html) == 1
    bad = b.get(f"/audit/users/{officer.id}", query_string=date_params("date_to", 30, 2, 2024))
    assert bad.status_code == 200
    assert "govuk-error-summary" in bad.get_data(as_text=True)


def test_an_admin_sees_only_their_own_organisations_activity(browser, make_org, make_user,
                                                            other_force, officer):
    """A council's admin once read any police officer's activity, with the values typed into
    unshared cases. Now another organisation's user is as missing as no user at all."""
    council = make_org("Borough Council", kind="local_authority")
    admin = make_user("admin", org=council)
    partner = make_user("partner", org=council)
    stranger = make_user("officer", org=other_force)
    b = browser(admin)
    for subject in (partner, admin):
        assert b.get(f"/audit/users/{subject.id}").status_code == 200
        assert b.get(f"/audit/users/{subject.id}.csv").status_code == 200
    for subject in (officer, stranger):
        assert b.get(f"/audit/users/{subject.id}").status_code == 404
        assert b.get(f"/audit/users/{subject.id}.csv").status_code == 404
    assert [r.record_ref for r in rows(action="disclosure", user_id=admin.id)] == [partner.email,
                                                                                   admin.email]
    staff = b.get("/audit/staff").get_data(as_text=True)
    assert partner.name in staff and officer.name not in staff and stranger.name not in staff


def test_a_system_administrator_sees_anyones_activity(browser, make_org, make_user,
                                                      other_force):
    admin = make_user("admin")
    admin.is_system_admin = True
    stranger = make_user("officer", org=other_force)
    partner = make_user("partner", org=make_org("Borough Council", kind="local_authority"))
    b = browser(admin)
    for subject in (partner, stranger, admin):
        assert b.get(f"/audit/users/{subject.id}").status_code == 200


@pytest.mark.parametrize("role", ["officer", "call_handler", "partner"])
def test_other_roles_get_404_for_user_activity(browser, make_org, make_user, officer, role):
    org = make_org(kind="housing") if role == "partner" else None
    viewer = make_user(role, org=org)
    b = browser(viewer)
    for subject in (officer, viewer):
        assert b.get(f"/audit/users/{subject.id}").status_code == 404
        assert b.get(f"/audit/users/{subject.id}.csv").status_code == 404
    assert rows(action="disclosure", user_id=viewer.id) == []
    assert b.get("/audit/staff").status_code == 403


def test_staff_list_shows_a_supervisor_only_their_own_organisation(
        browser, officer, supervisor, make_user, other_force):
    colleague = make_user("call_handler", name="Colin Callhandler")
    stranger = make_user("officer", org=other_force, name="Stranger Officer")
    html = browser(supervisor).get("/audit/staff").get_data(as_text=True)
    assert "Olivia Officer" in html and "Colin Callhandler" in html and "Sam Supervisor" in html
    assert "Stranger Officer" not in html
    assert f"/audit/users/{officer.id}" in html
    assert f"/audit/users/{stranger.id}" not in html
    assert colleague  # listed above


def test_staff_list_shows_an_admin_their_own_force(browser, officer, admin, make_user,
                                                  other_force):
    stranger = make_user("officer", org=other_force, name="Stranger Officer")
    response = browser(admin).get("/audit/staff")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Olivia Officer" in html and "Stranger Officer" not in html
    assert f"/audit/users/{stranger.id}" not in html


# --- append-only -------------------------------------------------------------------------------

def test_no_route_can_change_the_audit_log(app):
    audit_rules = [rule for rule in app.url_map.iter_rules()
                   if rule.rule.startswith("/audit") or "/audit" in rule.rule
                   or rule.endpoint.startswith("audit.")]
    endpoints = {rule.endpoint for rule in audit_rules}
    assert {"audit.case_audit", "audit.case_audit_csv", "audit.user_activity",
            "audit.user_activity_csv", "audit.staff"} <= endpoints
    for rule in audit_rules:
        writes = set(rule.methods or ()) & {"POST", "PUT", "PATCH", "DELETE"}
        assert not writes, f"{rule.rule} accepts {writes}"


def test_the_application_never_updates_or_deletes_audit_rows():
    package = Path(__file__).resolve().parent.parent / "sara"
    pattern = re.compile(r"\b(update|delete)\(\s*AuditEvent\b|\b(UPDATE|DELETE\s+FROM|TRUNCATE)\s+audit_events")
    offenders = [str(path) for path in package.rglob("*.py") if pattern.search(path.read_text())]
    assert offenders == []


@pytest.fixture
def owner_audit_row(owner_database_url):
    """An audit row written as the tables' owner, in a transaction rolled back afterwards.

    The application's own role may not even try to change the log (tests/test_database_roles.py);
    the trigger is what stops a role that may, such as the owner, unless it is switched off."""
    engine = sa.create_engine(owner_database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection, connection.begin() as transaction:
            row_id = connection.execute(sa.insert(AuditEvent).values(
                action="sign_in", summary="Original summary")).inserted_primary_key[0]
            yield connection, row_id
            transaction.rollback()
    finally:
        engine.dispose()


@pytest.mark.skipif(not IS_POSTGRES, reason="the append-only trigger is PostgreSQL's")
@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET summary = 'Rewritten' WHERE id = :id",
    "DELETE FROM audit_events WHERE id = :id",
])
def test_the_database_refuses_to_change_audit_rows(owner_audit_row, statement):
    connection, row_id = owner_audit_row
    with pytest.raises(DBAPIError, match="append-only"), connection.begin_nested():
        connection.execute(sa.text(statement), {"id": row_id})
    summary = connection.scalar(sa.select(AuditEvent.summary).where(AuditEvent.id == row_id))
    assert summary == "Original summary"


@pytest.mark.skipif(not IS_POSTGRES, reason="the append-only trigger is PostgreSQL's")
def test_the_database_refuses_to_truncate_the_audit_log(owner_audit_row):
    connection, row_id = owner_audit_row
    with pytest.raises(DBAPIError, match="append-only"), connection.begin_nested():
        connection.execute(sa.text("TRUNCATE audit_events CASCADE"))
    assert connection.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) >= 1


def test_passwords_never_reach_the_audit_log(client, officer):
    login(client, officer, "a wrong password guess")
    login(client, officer)
    for row in rows(user_id=officer.id):
        assert PASSWORD not in str(row.details) and "a wrong password guess" not in str(row.details)
        assert PASSWORD not in row.summary
