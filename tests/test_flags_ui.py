"""The supervisors' flag queue (scope, filters, acknowledging) and the admin's flag-rule pages
(validation, versions, audit, the rescan after commit, and the version new flags record)."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa

from sara.audit.models import AuditEvent
from sara.cases.models import ProblemCase
from sara.core import unit_of_work
from sara.core.types import today, utcnow
from sara.evaluation.models import Evaluation
from sara.extensions import db
from sara.flags import service
from sara.flags.forms import RULE_RANGES
from sara.flags.jobs import JOBS
from sara.flags.models import Flag, FlagRule
from sara.flags.rules import EDITABLE_RULES, current_rule
from sara.incidents.models import CaseIncident, Incident, IncidentPerson
from sara.orgs.models import Organisation
from sara.partners import service as sharing
from sara.people import matching
from sara.people.models import CasePerson, Person

_n = iter(range(1, 10**9))

EVIDENCE = {
    "repeat_victim": {"incidents": 3, "threshold": 2, "window_days": 365},
    "case_review": {"complaints": 4, "threshold": 3, "window_days": 183},
    "review_overdue": {"days": 28, "next_review_date": None},
    "closed_unevaluated": {},
}


def _person(org, name="Vic Tim") -> Person:
    person = Person(reference=f"PN-U{next(_n):05d}", organisation_id=org.id, name=name)
    matching.fill_keys(person)
    db.session.add(person)
    db.session.flush()
    return person


def _flag(kind="repeat_victim", *, case=None, person=None, hours_ago=0, status="raised",
          resolved_days_ago=None, note=None) -> Flag:
    now = utcnow()
    flag = Flag(kind=kind, subject_key=f"test:{next(_n)}", case_id=case.id if case else None,
                person_id=person.id if person else None, status=status,
                evidence=EVIDENCE[kind], raised_dt=now - timedelta(hours=hours_ago))
    if resolved_days_ago is not None:
        flag.status = "resolved"
        flag.resolved_dt = now - timedelta(days=resolved_days_ago)
        flag.resolved_note = note
    db.session.add(flag)
    db.session.flush()
    return flag


def _incident_on_case(org, person, case):
    incident = Incident(source="form", source_key=f"U-{next(_n)}", organisation_id=org.id,
                        occurred_dt=utcnow() - timedelta(days=3), category="ASB", is_asb=True)
    db.session.add(incident)
    db.session.flush()
    db.session.add(IncidentPerson(incident_id=incident.id, person_id=person.id, role="victim",
                                  occurred_dt=incident.occurred_dt, is_asb=True))
    db.session.add(CaseIncident(case_id=case.id, incident_id=incident.id,
                                created_by_id=case.owner_id))
    db.session.flush()


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-flag-id="(\d+)"', html)]


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@contextmanager
def _count_queries():
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)


def _audit(record_ref: str) -> list[AuditEvent]:
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.record_ref == record_ref)
                              .order_by(AuditEvent.id)).all()


@pytest.fixture
def world(police, make_org, make_user, make_case, officer):
    central, northside, riverside = police.neighbourhoods
    other_force = make_org("Other Constabulary")
    other_officer = make_user("officer", org=other_force)
    users = {
        "supervisor": make_user("supervisor", name="Sam Supervisor"),
        "supervisor2": make_user("supervisor", name="Sid Second"),
        "admin": make_user("admin", name="Ada Admin"),
        "other_supervisor": make_user("supervisor", org=other_force),
    }
    cases = {
        "central": make_case(title="Central problem", neighbourhood=central),
        "northside": make_case(title="Northside problem", neighbourhood=northside),
        "riverside": make_case(title="Riverside problem", neighbourhood=riverside),
        "other": make_case(owner=other_officer, title="Their problem"),
    }
    # A case of the other force shared with ours: its flags are still only theirs.
    sharing.share_with_organisation(cases["other"], other_officer, police, "view")
    people = {
        "on_case": _person(police, "Nora Northside"),
        "via_incident": _person(police, "Ivy Incident"),
        "alone": _person(police, "Una Unlinked"),
        "other": _person(other_force, "Otto Other"),
    }
    db.session.add(CasePerson(case_id=cases["northside"].id, person_id=people["on_case"].id,
                              role="victim", created_by_id=officer.id))
    _incident_on_case(police, people["via_incident"], cases["riverside"])
    flags = {
        "central_review": _flag("review_overdue", case=cases["central"], hours_ago=50),
        "northside_closed": _flag("closed_unevaluated", case=cases["northside"], hours_ago=40),
        "case_review": _flag("case_review", case=cases["riverside"], person=people["alone"],
                             hours_ago=30),
        "on_case": _flag(person=people["on_case"], hours_ago=20),
        "via_incident": _flag(person=people["via_incident"], hours_ago=10),
        "alone": _flag(person=people["alone"], hours_ago=1),
        "other_case": _flag("review_overdue", case=cases["other"], hours_ago=2),
        "other_person": _flag(person=people["other"], hours_ago=3),
    }
    db.session.commit()
    return {"users": users, "cases": cases, "people": people, "flags": flags,
            "hoods": {"central": central, "northside": northside, "riverside": riverside},
            "other_force": other_force}


def _own(world) -> list[int]:
    """Our force's live flags, newest first."""
    f = world["flags"]
    return [f[k].id for k in ("alone", "via_incident", "on_case", "case_review",
                              "northside_closed", "central_review")]


# --- the queue: who, and which flags ------------------------------------------------------------

@pytest.mark.parametrize("who", ["supervisor", "admin"])
def test_the_queue_shows_the_forces_live_flags_newest_first(world, browser, who):
    html = _html(browser(world["users"][who]).get("/flags"))
    assert _ids(html) == _own(world)
    assert "6 flags" in html
    f = world["flags"]
    assert f["other_case"].id not in _ids(html) and f["other_person"].id not in _ids(html)
    # What it is about: the case page, and the person's page.
    case = world["cases"]["central"]
    assert f'href="/cases/{case.reference}"' in html
    assert f'href="/people/{world["people"]["alone"].reference}"' in html
    # Described in words, with its evidence.
    assert "Repeat ASB victim: 3 ASB incidents in the last 12 months (threshold 2)" in html


def test_the_other_force_sees_only_its_own_flags(world, browser):
    html = _html(browser(world["users"]["other_supervisor"]).get("/flags"))
    f = world["flags"]
    assert _ids(html) == [f["other_case"].id, f["other_person"].id]


@pytest.mark.parametrize("role,org", [("officer", None), ("call_handler", None),
                                      ("partner", "council"), ("admin", "council")])
def test_only_supervisors_and_admins_of_a_force_reach_the_queue(world, browser, make_user,
                                                                make_org, role, org):
    user = make_user(role, org=make_org("District Council", kind="local_authority")
                     if org else None)
    db.session.commit()
    signed_in = browser(user)
    assert signed_in.get("/flags").status_code == 403
    assert signed_in.get("/flags/resolved").status_code == 403
    flag = world["flags"]["alone"]
    assert signed_in.post(f"/flags/{flag.id}/acknowledge").status_code == 403
    db.session.expire_all()
    assert db.session.get(Flag, flag.id).status == "raised"


def test_the_queue_does_not_query_per_flag(world, browser, police):
    signed_in = browser(world["users"]["supervisor"])
    signed_in.get("/flags")  # warm up: the session user and header counts
    with _count_queries() as few:
        _html(signed_in.get("/flags"))
    for i in range(6):
        person = _person(police, f"Extra {i}")
        _incident_on_case(police, person, world["cases"]["central"])
        _flag(person=person)
        _flag("review_overdue", case=world["cases"]["northside"])
    db.session.commit()
    with _count_queries() as many:
        html = _html(signed_in.get("/flags"))
    assert len(_ids(html)) == 18
    assert len(many) == len(few)


# --- filters ------------------------------------------------------------------------------------

def test_filter_by_kind(world, browser):
    signed_in = browser(world["users"]["supervisor"])
    f = world["flags"]
    html = _html(signed_in.get("/flags", query_string={"kind": "repeat_victim"}))
    assert _ids(html) == [f["alone"].id, f["via_incident"].id, f["on_case"].id]
    html = _html(signed_in.get("/flags", query_string={"kind": "review_overdue"}))
    assert _ids(html) == [f["central_review"].id]
    html = _html(signed_in.get("/flags", query_string={"kind": "action_overdue"}))
    assert _ids(html) == [] and "No live flags match these filters" in html


def test_filter_by_neighbourhood_places_person_flags_by_their_cases(world, browser):
    signed_in = browser(world["users"]["supervisor"])
    f, hoods = world["flags"], world["hoods"]

    def ids(value) -> list[int]:
        return _ids(_html(signed_in.get("/flags", query_string={"neighbourhood": value})))

    assert ids(hoods["central"].id) == [f["central_review"].id]
    # A case's flag by its case; a person's by the case they are on...
    assert ids(hoods["northside"].id) == [f["on_case"].id, f["northside_closed"].id]
    # ...or the case one of their incidents is linked to. A case-review flag about a person
    # follows its case, not the person.
    assert ids(hoods["riverside"].id) == [f["via_incident"].id, f["case_review"].id]
    assert ids(service.NO_NEIGHBOURHOOD) == [f["alone"].id]
    html = _html(signed_in.get("/flags"))
    row = html[html.index(f'data-flag-id="{f["via_incident"].id}"'):]
    assert row.index("Riverside") < row.index("</tr>")
    row = html[html.index(f'data-flag-id="{f["alone"].id}"'):]
    assert row.index("No neighbourhood") < row.index("</tr>")


def test_kind_and_neighbourhood_combine(world, browser):
    html = _html(browser(world["users"]["supervisor"]).get(
        "/flags", query_string={"kind": "repeat_victim",
                                "neighbourhood": world["hoods"]["northside"].id}))
    assert _ids(html) == [world["flags"]["on_case"].id]


def test_another_forces_neighbourhood_is_refused_as_a_filter(world, browser):
    theirs = world["other_force"].neighbourhoods[0]
    html = _html(browser(world["users"]["supervisor"]).get(
        "/flags", query_string={"neighbourhood": theirs.id, "kind": "nonsense"}))
    assert "govuk-error-summary" in html
    assert "Choose a neighbourhood from the list" in html
    assert "Choose a kind of flag from the list" in html
    assert _ids(html) == _own(world)  # both ignored


# --- acknowledging ------------------------------------------------------------------------------

def test_acknowledging_records_who_and_when_with_an_audit_row(world, browser):
    supervisor = world["users"]["supervisor"]
    flag = world["flags"]["central_review"]
    signed_in = browser(supervisor)
    response = signed_in.post(f"/flags/{flag.id}/acknowledge",
                              data={"kind": "review_overdue", "neighbourhood": "999x"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/flags?kind=review_overdue")
    db.session.expire_all()
    flag = db.session.get(Flag, flag.id)
    assert flag.status == "acknowledged" and flag.acknowledged_by_id == supervisor.id
    assert utcnow() - flag.acknowledged_dt < timedelta(minutes=1)
    [event] = _audit(f"flag:{flag.id}")
    assert (event.action, event.record_type, event.user_id) == ("alteration", "flag",
                                                                supervisor.id)
    assert event.case_id == world["cases"]["central"].id
    html = _html(signed_in.get("/flags"))
    assert "Flag acknowledged" in html
    row = html[html.index(f'data-flag-id="{flag.id}"'):]
    row = row[:row.index("</tr>")]
    assert "Acknowledged" in row and "by Sam Supervisor on" in row
    assert "/acknowledge" not in row  # no button any more
    # Still live: it stays on the queue until its rule stops holding.
    assert flag.id in _ids(html)


def test_acknowledging_a_person_flag_audits_without_a_case(world, browser):
    flag = world["flags"]["alone"]
    assert browser(world["users"]["admin"]).post(
        f"/flags/{flag.id}/acknowledge").status_code == 302
    [event] = _audit(f"flag:{flag.id}")
    assert event.case_id is None and event.user_id == world["users"]["admin"].id


def test_a_flag_acknowledged_already_is_refused_with_a_message(world, browser):
    flag = world["flags"]["on_case"]
    browser(world["users"]["supervisor"]).post(f"/flags/{flag.id}/acknowledge")
    second = browser(world["users"]["supervisor2"])
    response = second.post(f"/flags/{flag.id}/acknowledge", follow_redirects=True)
    html = _html(response)
    assert "This flag was already acknowledged by Sam Supervisor on" in html
    db.session.expire_all()
    assert db.session.get(Flag, flag.id).acknowledged_by_id == world["users"]["supervisor"].id
    assert len(_audit(f"flag:{flag.id}")) == 1


def test_a_resolved_flag_cannot_be_acknowledged(world, browser):
    flag = _flag(person=world["people"]["alone"], resolved_days_ago=1, note="Gone")
    db.session.commit()
    html = _html(browser(world["users"]["supervisor"]).post(
        f"/flags/{flag.id}/acknowledge", follow_redirects=True))
    assert "This flag was resolved on" in html
    assert _audit(f"flag:{flag.id}") == []


@pytest.mark.parametrize("which", ["other_case", "other_person"])
def test_a_flag_outside_the_force_is_404(world, browser, which):
    flag = world["flags"][which]
    assert browser(world["users"]["supervisor"]).post(
        f"/flags/{flag.id}/acknowledge").status_code == 404
    assert browser(world["users"]["supervisor"]).post("/flags/999999/acknowledge").status_code == 404
    db.session.expire_all()
    assert db.session.get(Flag, flag.id).status == "raised"
    assert _audit(f"flag:{flag.id}") == []


def test_acknowledging_needs_the_csrf_token(world, browser):
    flag = world["flags"]["alone"]
    response = browser(world["users"]["supervisor"]).post(f"/flags/{flag.id}/acknowledge",
                                                          csrf=False)
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Flag, flag.id).status == "raised"


# --- resolved -------------------------------------------------------------------------------------

def test_the_resolved_tab_shows_recent_resolutions_with_their_notes(world, browser):
    people = world["people"]
    recent = _flag(person=people["alone"], resolved_days_ago=2,
                   note="Resolved automatically: fewer than 2 ASB incidents in the last 365 days")
    older = _flag("review_overdue", case=world["cases"]["central"], resolved_days_ago=1,
                  note="Resolved automatically: the rule no longer holds")
    stale = _flag(person=people["on_case"], resolved_days_ago=service.RESOLVED_DAYS + 5,
                  note="Long ago")
    theirs = _flag(person=people["other"], resolved_days_ago=1, note="Not ours")
    db.session.commit()
    signed_in = browser(world["users"]["supervisor"])
    html = _html(signed_in.get("/flags/resolved"))
    assert _ids(html) == [older.id, recent.id]  # most recently resolved first
    assert "fewer than 2 ASB incidents in the last 365 days" in html
    assert "Long ago" not in html and "Not ours" not in html and stale.id not in _ids(html)
    assert theirs.id not in _ids(html)
    assert "/acknowledge" not in html
    assert recent.id not in _ids(_html(signed_in.get("/flags")))
    html = _html(signed_in.get("/flags/resolved", query_string={"kind": "review_overdue"}))
    assert _ids(html) == [older.id]


# --- the rules' numbers: who, validation ---------------------------------------------------------

class _Scans:
    """The scan jobs the outbox handed to the broker, in order (nothing really leaves)."""

    def __init__(self, sent):
        self._sent = sent

    def _names(self) -> list[str]:
        return [args[0] for args in self._sent.named("run_scan")]

    def __eq__(self, other):
        return self._names() == other

    def __len__(self):
        return len(self._names())

    def __getitem__(self, index):
        return self._names()[index]

    def __repr__(self):
        return repr(self._names())


@pytest.fixture
def enqueued(sent_tasks):
    return _Scans(sent_tasks)


@pytest.fixture
def admin(make_user):
    user = make_user("admin", name="Ada Admin")
    db.session.commit()
    return user


def _rule(kind: str) -> tuple[int, dict]:
    """The rule in force for the test force (every test's users belong to `police`)."""
    force = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Test Constabulary"))
    return current_rule(kind, force.id)


def _rule_data(kind: str, version: int | None = None, **numbers) -> dict:
    _, params = _rule(kind)
    data = {"rule": kind, "version": str(version or _rule(kind)[0])}
    data.update({k: str(v) for k, v in {**params, **numbers}.items()})
    return data


def test_every_editable_number_has_a_range():
    assert {k: set(v) for k, v in RULE_RANGES.items()} == {
        k: set(v) for k, v in EDITABLE_RULES.items()}
    assert all(low <= EDITABLE_RULES[k][name] <= high
               for k, ranges in RULE_RANGES.items() for name, (low, high) in ranges.items())
    # The same-incident window shapes the proposals for reports to come; nothing to rescan.
    assert set(service.RESCAN_JOBS) == set(EDITABLE_RULES) - {"same_incident"}
    assert set(service.RESCAN_JOBS.values()) <= set(JOBS)


@pytest.mark.parametrize("role", ["officer", "supervisor", "call_handler"])
def test_only_admins_edit_the_rules(browser, make_user, role, enqueued):
    signed_in = browser(make_user(role))
    assert signed_in.get("/admin/flag-rules").status_code == 403
    response = signed_in.post("/admin/flag-rules", data=_rule_data("repeat_victim", threshold=5))
    assert response.status_code == 403
    assert _rule("repeat_victim")[0] == 1 and enqueued == []


def test_the_rules_page_shows_each_rule_with_its_version_and_numbers(browser, admin):
    html = _html(browser(admin).get("/admin/flag-rules"))
    for kind in EDITABLE_RULES:
        assert f'data-testid="rule-{kind}"' in html
        assert f'id="{kind}-rule"' in html
    assert html.count("In force: version 1 (the defaults)") == len(EDITABLE_RULES)
    for field_id, name, value in [("repeat_victim-threshold", "threshold", 2),
                                  ("repeat_victim-window_days", "window_days", 365),
                                  ("case_review-complaints", "complaints", 3),
                                  ("case_review-people", "people", 5),
                                  ("case_review-window_months", "window_months", 6),
                                  ("review_overdue-days", "days", 28),
                                  ("evaluation_unsigned-days", "days", 14)]:
        assert re.search(f'id="{field_id}" name="{name}"[^>]* value="{value}"', html), field_id


@pytest.mark.parametrize("kind,numbers,message,field", [
    ("repeat_victim", {"threshold": "1"}, "must be between 2 and 20", "threshold"),
    ("repeat_victim", {"threshold": "21"}, "must be between 2 and 20", "threshold"),
    ("repeat_victim", {"threshold": "two"}, "must be a whole number", "threshold"),
    ("repeat_victim", {"threshold": "2.5"}, "must be a whole number", "threshold"),
    ("repeat_victim", {"threshold": ""}, "Enter the ASB incidents that make a repeat victim", "threshold"),
    ("repeat_victim", {"window_days": "6"}, "must be between 7 and 730", "window_days"),
    ("repeat_victim", {"window_days": "731"}, "must be between 7 and 730", "window_days"),
    ("case_review", {"people": "-3"}, "must be a whole number", "people"),
    ("case_review", {"complaints": "1"}, "must be between 2 and 20", "complaints"),
    ("review_overdue", {"days": "9999999"}, "must be between 7 and 365", "days"),
    ("review_overdue", {"days": "99999999999"}, "must be a whole number", "days"),
    ("review_overdue", {"days": "0"}, "must be between 7 and 365", "days"),
    ("evaluation_unsigned", {"days": "181"}, "must be between 1 and 180", "days"),
])
def test_invalid_numbers_are_refused_in_the_error_summary(browser, admin, enqueued, kind,
                                                         numbers, message, field):
    html = _html(browser(admin).post("/admin/flag-rules", data=_rule_data(kind, **numbers)))
    assert "govuk-error-summary" in html and message in html
    assert f'href="#{kind}-{field}"' in html
    assert "<title>Error: " in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FlagRule)) == 0
    assert enqueued == []


def test_an_unknown_rule_is_a_bad_request(browser, admin, enqueued):
    response = browser(admin).post("/admin/flag-rules", data={"rule": "action_overdue",
                                                              "days": "3"})
    assert response.status_code == 400


# --- the rules' numbers: saving --------------------------------------------------------------------

def test_saving_adds_a_version_audits_it_and_rescans_after_commit(browser, admin, enqueued):
    signed_in = browser(admin)
    response = signed_in.post("/admin/flag-rules",
                              data=_rule_data("repeat_victim", threshold=3, window_days=180))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/flag-rules#repeat_victim")
    assert _rule("repeat_victim") == (2, {"threshold": 3, "window_days": 180})
    row = db.session.scalar(sa.select(FlagRule).where(FlagRule.kind == "repeat_victim"))
    assert row.created_by_id == admin.id
    [event] = _audit("flag_rule:repeat_victim")
    assert (event.action, event.user_id) == ("alteration", admin.id)
    assert event.details["before"] == {"threshold": 2, "window_days": 365}
    assert event.details["after"] == {"threshold": 3, "window_days": 180}
    assert event.details["version"] == 2
    assert {c["field"] for c in event.details["changes"]} == {"threshold", "window_days"}
    assert enqueued == ["repeat-victims"]
    html = _html(signed_in.get("/admin/flag-rules"))
    assert "saved as version 2" in html and "In force: version 2." in html
    # Again: version 3. The same numbers once more: nothing to save, nothing to rescan.
    signed_in.post("/admin/flag-rules", data=_rule_data("repeat_victim", threshold=4))
    assert _rule("repeat_victim")[0] == 3 and enqueued == ["repeat-victims"] * 2
    html = _html(signed_in.post("/admin/flag-rules", data=_rule_data("repeat_victim"),
                                follow_redirects=True))
    assert "No changes to save" in html
    assert _rule("repeat_victim")[0] == 3 and len(enqueued) == 2
    assert len(_audit("flag_rule:repeat_victim")) == 2


@pytest.mark.parametrize("kind,numbers,job", [
    ("repeat_victim", {"window_days": 90}, "repeat-victims"),
    ("case_review", {"complaints": 4, "people": 6}, "case-review"),
    ("review_overdue", {"days": 14}, "reviews"),
    ("evaluation_unsigned", {"days": 7}, "reviews"),
])
def test_each_rule_rescans_with_its_own_job(browser, admin, enqueued, kind, numbers, job):
    browser(admin).post("/admin/flag-rules", data=_rule_data(kind, **numbers))
    assert enqueued == [job]
    version, params = _rule(kind)
    assert version == 2 and all(params[k] == v for k, v in numbers.items())
    # The other rules are untouched.
    assert all(_rule(other)[0] == 1 for other in EDITABLE_RULES if other != kind)


def test_the_rescan_is_enqueued_only_after_commit_and_never_on_rollback(admin, enqueued):
    service.change_rule("case_review", {"complaints": 5, "people": 5, "window_months": 6}, admin, admin.organisation)
    assert enqueued == []  # nothing leaves before the commit
    unit_of_work.rollback()
    assert enqueued == [] and _rule("case_review")[0] == 1
    unit_of_work.commit()  # a later commit does not send what was rolled back
    assert enqueued == []
    service.change_rule("case_review", {"complaints": 5, "people": 5, "window_months": 6}, admin, admin.organisation)
    service.change_rule("review_overdue", {"days": 21}, admin, admin.organisation)
    service.change_rule("evaluation_unsigned", {"days": 10}, admin, admin.organisation)
    # Each change's SAVEPOINT was released on the way: none of that is the commit.
    assert enqueued == []
    unit_of_work.commit()
    assert enqueued == ["case-review", "reviews"]  # one rescan per job


def test_a_change_saved_by_someone_else_meanwhile_is_not_overwritten(browser, admin, make_user,
                                                                     enqueued):
    seen = _rule_data("review_overdue", days=21)  # the page as first loaded: version 1
    other = make_user("admin")
    service.change_rule("review_overdue", {"days": 35}, other, other.organisation)
    db.session.commit()
    html = _html(browser(admin).post("/admin/flag-rules", data=seen))
    assert "govuk-error-summary" in html and "Someone else changed this rule" in html
    assert _rule("review_overdue") == (2, {"days": 35})
    # The form now carries the version just shown, so saving again applies the admin's numbers.
    assert '<input id="review_overdue-version" name="version" type="hidden" value="2">' in html
    browser(admin).post("/admin/flag-rules", data={**seen, "version": "2"})
    assert _rule("review_overdue") == (3, {"days": 21})


# --- flags record the version that raised them -------------------------------------------------

def test_after_a_rule_change_the_rescan_raises_flags_with_the_new_version(app, browser, admin,
                                                                          police, enqueued):
    from worker import tasks

    now = utcnow()
    twice, thrice = _person(police, "Two Times"), _person(police, "Three Times")
    for person, count in ((twice, 2), (thrice, 3)):
        for day in range(count):
            incident = Incident(source="form", source_key=f"V-{next(_n)}",
                                organisation_id=police.id, occurred_dt=now - timedelta(days=day + 1),
                                category="ASB", is_asb=True)
            db.session.add(incident)
            db.session.flush()
            db.session.add(IncidentPerson(incident_id=incident.id, person_id=person.id,
                                          role="victim", occurred_dt=incident.occurred_dt,
                                          is_asb=True))
    tasks.run_scan.run("repeat-victims")
    live = {f.person_id: f for f in db.session.scalars(
        sa.select(Flag).where(Flag.kind == "repeat_victim", Flag.resolved_dt.is_(None)))}
    assert set(live) == {twice.id, thrice.id} and {f.rule_version for f in live.values()} == {1}

    browser(admin).post("/admin/flag-rules", data=_rule_data("repeat_victim", threshold=3))
    assert enqueued == ["repeat-victims"]
    tasks.run_scan.run(enqueued[0])  # what the worker would run
    db.session.expire_all()
    flags = db.session.scalars(sa.select(Flag).where(Flag.kind == "repeat_victim")).all()
    by_person = {f.person_id: f for f in flags}
    assert by_person[twice.id].status == "resolved"
    assert "fewer than 3 ASB incidents" in by_person[twice.id].resolved_note
    assert by_person[thrice.id].status == "raised"
    assert by_person[thrice.id].rule_version == 2
    assert by_person[thrice.id].evidence["threshold"] == 3
    # A person who becomes a repeat victim later is flagged under the new version too.
    late = _person(police, "Late Comer")
    for day in range(3):
        incident = Incident(source="form", source_key=f"V-{next(_n)}", organisation_id=police.id,
                            occurred_dt=now - timedelta(days=day + 1), category="ASB",
                            is_asb=True)
        db.session.add(incident)
        db.session.flush()
        db.session.add(IncidentPerson(incident_id=incident.id, person_id=late.id, role="victim",
                                      occurred_dt=incident.occurred_dt, is_asb=True))
    tasks.run_scan.run("repeat-victims")
    flag = db.session.scalar(sa.select(Flag).where(Flag.person_id == late.id))
    assert flag.rule_version == 2


def test_review_and_sign_off_scans_use_the_current_rule_and_record_its_version(
        browser, admin, make_case, enqueued):
    from worker import tasks

    case = make_case()
    db.session.execute(sa.update(ProblemCase).where(ProblemCase.id == case.id).values(
        created_dt=utcnow() - timedelta(days=15), last_reviewed_dt=None,
        next_review_date=today() + timedelta(days=30), version=ProblemCase.version + 1))
    db.session.commit()
    tasks.run_scan.run("reviews")
    assert db.session.scalar(sa.select(Flag).where(Flag.kind == "review_overdue")) is None

    browser(admin).post("/admin/flag-rules", data=_rule_data("review_overdue", days=10))
    assert enqueued == ["reviews"]
    tasks.run_scan.run("reviews")
    flag = db.session.scalar(sa.select(Flag).where(Flag.kind == "review_overdue"))
    assert flag.case_id == case.id and flag.rule_version == 2 and flag.evidence["days"] == 10

    # An evaluation submitted 5 days ago waits for sign-off past a 3-day rule, not a 14-day one.
    db.session.add(Evaluation(case_id=case.id, status="submitted", version=1,
                              submitted_dt=utcnow() - timedelta(days=5)))
    db.session.commit()
    tasks.run_scan.run("reviews")
    assert db.session.scalar(sa.select(Flag).where(Flag.kind == "evaluation_unsigned")) is None
    for version, days in ((2, 4), (3, 3)):  # two edits: the flag records the one that raised it
        browser(admin).post("/admin/flag-rules",
                            data=_rule_data("evaluation_unsigned", days=days))
        assert _rule("evaluation_unsigned")[0] == version
    tasks.run_scan.run("reviews")
    flag = db.session.scalar(sa.select(Flag).where(Flag.kind == "evaluation_unsigned"))
    assert flag.case_id == case.id and flag.rule_version == 3 and flag.evidence["days"] == 3


def test_flags_give_dates_as_the_pages_do(browser, make_user, make_case, officer):
    """'due on 15 June 2026', as every page writes a date, not '2026-06-15'."""
    from sara.actions import service as action_service
    from sara.flags.scan import scan_action_overdue, scan_review_overdue

    case = make_case(title="Dated problem")
    case.next_review_date = today() - timedelta(days=7)
    action = action_service.create_action(case, officer, {
        "title": "Clear the alley", "description": "", "tactic_category": "situational",
        "triangle_side": "location", "allocation": f"user:{officer.id}", "priority": "high",
        "due_date": today() + timedelta(days=3)})
    action.due_date = today() - timedelta(days=2)
    db.session.flush()
    scan_review_overdue()
    scan_action_overdue()
    db.session.commit()
    html = browser(make_user("supervisor")).get("/flags").get_data(as_text=True)
    assert "past the next review date (10 June 2026)" in html
    assert f"Action {action.reference} overdue: it was due on 15 June 2026" in html
    assert "2026-06-10" not in html and "2026-06-15" not in html
