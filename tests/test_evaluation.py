"""Evaluation workflow, impact arithmetic, closing rule, supervisor reviews and case flags."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from sara.audit.models import AuditEvent
from sara.cases import service as case_service
from sara.cases.models import CaseEvent, ProblemCase
from sara.core.types import today, utcnow
from sara.evaluation import service
from sara.evaluation.models import Evaluation
from sara.extensions import db
from sara.flags import rules
from sara.flags.models import Flag
from sara.flags.scan import scan_case_flags, scan_evaluation_unsigned, scan_review_overdue
from tests.test_cases import Page


@pytest.fixture
def people(make_user, make_org):
    other_force = make_org("Neighbouring Constabulary")
    return {
        "owner": make_user("officer", name="Owen Owner"),
        "colleague": make_user("officer", name="Cath Colleague"),
        "supervisor": make_user("supervisor", name="Sue Supervisor"),
        "other_supervisor": make_user("supervisor", org=other_force),
    }


@pytest.fixture
def case(people, make_case):
    owner = people["owner"]
    case = make_case(owner=owner, scan_summary="Pattern", analysis_location="Dark alley")
    case_service.add_objective(case, owner, "Halve the calls in 3 months", case.version)
    case_service.add_tactic(case, owner, category="situational", triangle_side="location",
                            description="Lighting", expected_version=case.version)
    for stage in ("analysis", "response", "assessment"):
        case_service.move_stage(case, owner, stage, None, case.version)
    db.session.commit()
    return case


def _form(case, **overrides):
    tactic = case.tactics[0].id
    objective = case.objectives[0].id
    data = {
        "measure": "ASB calls about the alley", "before_count": "40", "after_count": "10",
        "before_start": ["1", "1", "2026"], "before_end": ["31", "3", "2026"],
        "after_start": ["1", "5", "2026"], "after_end": ["16", "6", "2026"],
        "comparison_area": "Next ward", "comparison_before_count": "50",
        "comparison_after_count": "50", "outcome": "reduced", "lessons": "Light works",
        f"delivery_{tactic}": "fully", f"effectiveness_{tactic}": "effective",
        f"delivery_note_{tactic}": "All six lamps", f"objective_{objective}": "met",
        "version": str(case.evaluation.version if case.evaluation else 1),
    }
    data.update(overrides)
    return data


def _reload(case) -> ProblemCase:
    db.session.expire_all()
    return db.session.get(ProblemCase, case.id)


def _start_and_fill(browser, people, case):
    owner = browser(people["owner"])
    assert owner.post(f"/cases/{case.reference}/evaluation/start").status_code == 302
    case = _reload(case)
    assert owner.post(f"/cases/{case.reference}/evaluation", data=_form(case)).status_code == 302
    return owner, _reload(case)


# --- arithmetic --------------------------------------------------------------------------------

@pytest.mark.parametrize("before,after,expected", [
    (40, 10, -75.0), (10, 15, 50.0), (5, 5, 0.0), (0, 7, None), (0, 0, None), (None, 3, None),
])
def test_percentage_change(before, after, expected):
    assert service.percentage_change(before, after) == expected


def test_relative_change_against_the_comparison_area():
    # The area fell by 75% while the comparison area fell by 50%: net fall of 50%.
    assert service.relative_change(40, 10, 50, 25) == pytest.approx(-50.0)
    assert service.relative_change(40, 10, 0, 25) is None
    assert service.relative_change(40, 10, 50, 0) is None
    assert service.relative_change(0, 10, 50, 25) is None


def test_zero_baseline_shows_not_computable(browser, people, case):
    owner, case = _start_and_fill(browser, people, case)
    owner.post(f"/cases/{case.reference}/evaluation",
               data=_form(case, before_count="0", comparison_before_count="0"))
    html = owner.get(f"/cases/{case.reference}/evaluation").get_data(as_text=True)
    assert "change not computable" in html
    assert "relative to the comparison area not computable" in html
    owner.post(f"/cases/{case.reference}/evaluation", data=_form(_reload(case)))
    html = owner.get(f"/cases/{case.reference}/evaluation").get_data(as_text=True)
    assert "change -75.0%" in html and "relative to the comparison area -75.0%" in html


# --- workflow ----------------------------------------------------------------------------------

def test_evaluation_cannot_start_before_assessment(browser, people, make_case):
    early = make_case(owner=people["owner"])
    db.session.commit()
    response = browser(people["owner"]).post(f"/cases/{early.reference}/evaluation/start")
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evaluation)) == 0


def test_full_workflow_draft_submit_return_submit_approve(browser, people, case):
    owner, case = _start_and_fill(browser, people, case)
    evaluation = case.evaluation
    assert evaluation.status == "draft"
    assert evaluation.before_count == 40 and evaluation.outcome == "reduced"
    assert evaluation.tactic_results[0].effectiveness == "effective"
    assert evaluation.objective_results[0].result == "met"

    assert owner.post(f"/cases/{case.reference}/evaluation/submit",
                      data={"version": evaluation.version}).status_code == 302
    case = _reload(case)
    assert case.evaluation.status == "submitted"
    # Read-only while submitted: the owner's save is refused and nothing changes.
    response = owner.post(f"/cases/{case.reference}/evaluation", data=_form(case, lessons="X"))
    assert "cannot be changed until a supervisor approves it or returns it" in \
        response.get_data(as_text=True)
    assert _reload(case).evaluation.lessons == "Light works"

    supervisor = browser(people["supervisor"])
    response = supervisor.post(f"/cases/{case.reference}/evaluation/return",
                               data={"comments": "", "version": case.evaluation.version})
    assert "Say what needs to change" in response.get_data(as_text=True)
    assert _reload(case).evaluation.status == "submitted"
    supervisor.post(f"/cases/{case.reference}/evaluation/return",
                    data={"comments": "Add the comparison dates", "version": case.evaluation.version})
    case = _reload(case)
    assert case.evaluation.status == "draft"
    page = owner.get(f"/cases/{case.reference}/evaluation").get_data(as_text=True)
    assert "Returned to draft" in page and "Add the comparison dates" in page

    owner.post(f"/cases/{case.reference}/evaluation/submit", data={"version": case.evaluation.version})
    supervisor.post(f"/cases/{case.reference}/evaluation/approve",
                    data={"comments": "", "version": _reload(case).evaluation.version})
    case = _reload(case)
    assert case.evaluation.status == "approved"
    assert case.evaluation.decided_by_id == people["supervisor"].id

    summaries = db.session.scalars(sa.select(CaseEvent.summary).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "evaluation")).all()
    assert any("Submitted" in s for s in summaries)
    assert any("Returned the evaluation to draft: Add the comparison dates" in s for s in summaries)
    assert any("Approved" in s for s in summaries)
    audited = db.session.scalars(sa.select(AuditEvent.summary).where(
        AuditEvent.case_id == case.id, AuditEvent.action == "alteration")).all()
    assert any("Approved the evaluation" in s for s in audited)


def test_illegal_transitions_change_nothing(browser, people, case):
    owner, case = _start_and_fill(browser, people, case)
    supervisor = browser(people["supervisor"])
    version = case.evaluation.version
    # Approving or returning a draft is refused.
    response = supervisor.post(f"/cases/{case.reference}/evaluation/approve",
                               data={"version": version})
    assert "Only a submitted evaluation can be approved" in response.get_data(as_text=True)
    assert _reload(case).evaluation.status == "draft"
    # An officer cannot approve; a colleague who is not the owner cannot submit.
    owner.post(f"/cases/{case.reference}/evaluation/submit", data={"version": version})
    case = _reload(case)
    assert owner.post(f"/cases/{case.reference}/evaluation/approve",
                      data={"version": case.evaluation.version}).status_code == 403
    assert _reload(case).evaluation.status == "submitted"
    # Submitting twice is refused.
    response = owner.post(f"/cases/{case.reference}/evaluation/submit",
                          data={"version": case.evaluation.version})
    assert response.status_code == 403 or "cannot be submitted" in response.get_data(as_text=True)
    assert _reload(case).evaluation.status == "submitted"


def test_only_the_owner_submits(browser, people, case):
    _owner, case = _start_and_fill(browser, people, case)
    colleague = browser(people["colleague"])
    response = colleague.post(f"/cases/{case.reference}/evaluation/submit",
                              data={"version": case.evaluation.version})
    assert response.status_code == 403
    assert _reload(case).evaluation.status == "draft"


def test_supervisor_of_another_force_gets_404(browser, people, case):
    owner, case = _start_and_fill(browser, people, case)
    owner.post(f"/cases/{case.reference}/evaluation/submit",
               data={"version": case.evaluation.version})
    outsider = browser(people["other_supervisor"])
    response = outsider.post(f"/cases/{case.reference}/evaluation/approve",
                             data={"version": _reload(case).evaluation.version})
    assert response.status_code == 404
    assert _reload(case).evaluation.status == "submitted"


def test_submit_needs_an_outcome_and_a_measure(browser, people, case):
    owner, case = _start_and_fill(browser, people, case)
    owner.post(f"/cases/{case.reference}/evaluation", data=_form(case, outcome="", measure=""))
    case = _reload(case)
    response = owner.post(f"/cases/{case.reference}/evaluation/submit",
                          data={"version": case.evaluation.version})
    assert "Choose the outcome before submitting" in response.get_data(as_text=True)
    assert _reload(case).evaluation.status == "draft"


def test_bad_evaluation_input_is_explained_and_kept(browser, people, case):
    owner, case = _start_and_fill(browser, people, case)
    for overrides, message in [
        ({"before_count": "-3"}, "Enter a whole number"),
        ({"before_count": "lots"}, "Not a valid integer"),
        ({"before_end": ["1", "1", "2025"]}, "The period must end after it starts"),
        ({"is_good_practice": "y", "good_practice_summary": ""}, "Write a short summary"),
        ({"lessons": "x\x00y"}, "NUL"),
    ]:
        response = owner.post(f"/cases/{case.reference}/evaluation",
                              data=_form(_reload(case), measure="Kept measure", **overrides))
        html = response.get_data(as_text=True)
        assert response.status_code == 200, overrides
        assert message in html and "Kept measure" in html, overrides
    assert _reload(case).evaluation.measure == "ASB calls about the alley"


# --- one form: saving and then submitting or filling, without losing what was typed -----------

def _buttons_in_the_form(browser_, case) -> list[str]:
    """The buttons of the form that holds the evaluation's fields."""
    page = Page(browser_.get(f"/cases/{case.reference}/evaluation"))
    action = f"/cases/{case.reference}/evaluation"
    assert any(e.inside("form", action=action) for e in page.find_all("textarea", name="lessons"))
    return [e.text for e in page.find_all("button") if e.inside("form", action=action)]


def test_save_and_submit_for_sign_off_is_one_action_that_keeps_the_typing(browser, people, case):
    owner, case = _start_and_fill(browser, people, case)
    assert "Save and submit for sign-off" in _buttons_in_the_form(owner, case)
    response = owner.post(f"/cases/{case.reference}/evaluation", data=_form(
        case, lessons="Typed just before submitting",
        save_and_submit="Save and submit for sign-off"))
    assert response.status_code == 302
    evaluation = _reload(case).evaluation
    assert evaluation.status == "submitted"
    assert evaluation.lessons == "Typed just before submitting"
    assert "Evaluation saved and submitted for sign-off" in owner.get(
        f"/cases/{case.reference}/evaluation").get_data(as_text=True)


def test_a_refused_submission_keeps_everything_typed_on_the_form(browser, people, case):
    owner, case = _start_and_fill(browser, people, case)
    response = owner.post(f"/cases/{case.reference}/evaluation", data=_form(
        case, outcome="", lessons="Typed lessons, not to be lost",
        save_and_submit="Save and submit for sign-off"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Choose the outcome before submitting" in html
    assert "Typed lessons, not to be lost" in html
    # Refused as a whole: nothing submitted, and the saved draft is as it was until it is
    # saved (or saved and submitted) again.
    evaluation = _reload(case).evaluation
    assert evaluation.status == "draft" and evaluation.lessons == "Light works"


def test_only_the_owner_is_offered_and_allowed_save_and_submit(browser, people, case):
    _owner, case = _start_and_fill(browser, people, case)
    colleague = browser(people["colleague"])
    buttons = _buttons_in_the_form(colleague, case)
    assert "Save draft" in buttons and "Save and submit for sign-off" not in buttons
    response = colleague.post(f"/cases/{case.reference}/evaluation", data=_form(
        case, lessons="Colleague's lessons", save_and_submit="Save and submit for sign-off"))
    assert response.status_code == 403
    evaluation = _reload(case).evaluation
    assert evaluation.status == "draft" and evaluation.lessons == "Light works"


def test_save_and_fill_the_counts_uses_the_codes_just_typed(browser, people, case, police):
    from sara.incidents.models import Incident

    for n, (lsoa, month) in enumerate([("E01000001", 2), ("E01000001", 3), ("E01000001", 5),
                                       ("E01000002", 2)]):
        db.session.add(Incident(source="form", source_key=f"SF-{n}", organisation_id=police.id,
                                occurred_dt=dt.datetime(2026, month, 10, 12, tzinfo=dt.UTC),
                                category="ASB", is_asb=True, lsoa_code=lsoa))
    db.session.commit()
    owner, case = _start_and_fill(browser, people, case)
    assert "Save and fill the counts from incident data" in _buttons_in_the_form(owner, case)
    response = owner.post(f"/cases/{case.reference}/evaluation", data=_form(
        case, area_lsoa="E01000001", comparison_lsoa="E01000002", lessons="Typed too",
        save_and_fill="Save and fill the counts from incident data"))
    assert response.status_code == 302
    evaluation = _reload(case).evaluation
    assert (evaluation.area_lsoa, evaluation.lessons) == ("E01000001", "Typed too")
    assert (evaluation.before_count, evaluation.after_count) == (2, 1)
    assert (evaluation.comparison_before_count, evaluation.comparison_after_count) == (1, 0)
    # Without the codes the fill is refused, with the typing kept on the form.
    response = owner.post(f"/cases/{case.reference}/evaluation", data=_form(
        _reload(case), area_lsoa="", comparison_lsoa="", lessons="Kept while refused",
        save_and_fill="Save and fill the counts from incident data"))
    html = response.get_data(as_text=True)
    assert "Enter the area&#39;s LSOA code" in html and "Kept while refused" in html
    assert _reload(case).evaluation.lessons == "Typed too"


# --- the after period and the returned comments -------------------------------------------------

def test_an_after_period_ending_in_the_future_is_refused_on_its_field(browser, people, case):
    owner, case = _start_and_fill(browser, people, case)
    tomorrow = today() + dt.timedelta(days=1)
    response = owner.post(f"/cases/{case.reference}/evaluation", data=_form(
        case, after_end=[str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)],
        lessons="Kept lessons"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The after period must end today or earlier" in html and "Kept lessons" in html
    assert "today or earlier" in Page(response).first_text(id="after_end-error")
    assert _reload(case).evaluation.after_end == dt.date(2026, 6, 16)
    # Ending today is fine.
    response = owner.post(f"/cases/{case.reference}/evaluation", data=_form(
        _reload(case), after_end=[str(today().day), str(today().month), str(today().year)]))
    assert response.status_code == 302
    assert _reload(case).evaluation.after_end == today()


def test_the_officer_reads_the_return_comments_without_literal_tags(browser, people, case):
    owner, case = _start_and_fill(browser, people, case)
    owner.post(f"/cases/{case.reference}/evaluation/submit",
               data={"version": case.evaluation.version})
    browser(people["supervisor"]).post(
        f"/cases/{case.reference}/evaluation/return",
        data={"comments": "Add the <b>comparison</b> dates",
              "version": _reload(case).evaluation.version})
    page = Page(owner.get(f"/cases/{case.reference}/evaluation"))
    assert "&lt;strong&gt;" not in page.html and "<strong>Returned" not in page.text
    inset = page.find_all(data_testid="return-comments")
    assert len(inset) == 1
    within = {"data-testid": "return-comments"}
    assert [e.text for e in page.find_all("strong") if e.inside("div", **within)] == \
        ["Returned by Sue Supervisor:"]
    # The supervisor's text is shown as they typed it, never as markup.
    assert "Add the <b>comparison</b> dates" in inset[0].text
    assert not [e for e in page.find_all("b") if e.inside("div", **within)]


# --- closing -----------------------------------------------------------------------------------

def test_closing_as_resolved_needs_an_approved_evaluation(browser, people, case):
    owner = browser(people["owner"])
    response = owner.post(f"/cases/{case.reference}/close",
                          data={"closure_reason": "resolved", "version": case.version})
    assert "approved its evaluation" in response.get_data(as_text=True)
    assert _reload(case).status == "open"


@pytest.mark.parametrize("reason", ["duplicate", "transferred"])
def test_closing_as_duplicate_or_transferred_needs_no_evaluation_and_raises_no_flag(browser, people,
                                                                                  case, reason):
    browser(people["owner"]).post(f"/cases/{case.reference}/close",
                                  data={"closure_reason": reason, "version": case.version})
    assert _reload(case).status == "closed"
    assert db.session.scalars(sa.select(Flag).where(Flag.kind == "closed_unevaluated")).all() == []


def test_closing_not_evaluated_is_flagged_and_reopening_resolves_it(browser, people, case):
    owner = browser(people["owner"])
    owner.post(f"/cases/{case.reference}/close",
               data={"closure_reason": "not_evaluated", "version": case.version})
    case = _reload(case)
    assert case.status == "closed"
    flag = db.session.scalar(sa.select(Flag).where(Flag.kind == "closed_unevaluated"))
    assert flag is not None and flag.case_id == case.id and flag.resolved_dt is None
    owner.post(f"/cases/{case.reference}/reopen", data={"reason": "Came back", "version": case.version})
    db.session.expire_all()
    assert db.session.get(Flag, flag.id).status == "resolved"


def test_closing_after_approval_is_allowed(browser, people, case):
    owner, case = _start_and_fill(browser, people, case)
    owner.post(f"/cases/{case.reference}/evaluation/submit", data={"version": case.evaluation.version})
    browser(people["supervisor"]).post(f"/cases/{case.reference}/evaluation/approve",
                                       data={"version": _reload(case).evaluation.version})
    case = _reload(case)
    response = owner.post(f"/cases/{case.reference}/close",
                          data={"closure_reason": "reduced", "version": case.version})
    assert response.status_code == 302
    assert _reload(case).status == "closed"


# --- reviews and case flags --------------------------------------------------------------------

def test_supervisor_records_a_review_with_a_28_day_default(browser, people, case):
    supervisor = browser(people["supervisor"])
    page = supervisor.get(f"/cases/{case.reference}/review").get_data(as_text=True)
    default = today() + dt.timedelta(days=28)
    assert f'value="{default:%d}"' in page and f'value="{default.year}"' in page
    response = supervisor.post(f"/cases/{case.reference}/review", data={
        "outcome": "needs_attention", "comments": "Chase the council",
        "next_review_date": [str(default.day), str(default.month), str(default.year)]})
    assert response.status_code == 302
    case = _reload(case)
    assert case.next_review_date == default and case.last_reviewed_dt is not None
    page = browser(people["owner"]).get(f"/cases/{case.reference}").get_data(as_text=True)
    assert f"Last review: {today().day} {today():%B %Y}" in page
    assert "Reviewed the case: Needs attention" in page
    # Officers cannot record reviews.
    assert browser(people["owner"]).get(f"/cases/{case.reference}/review").status_code == 403


def _age_case(case, **values):
    db.session.execute(sa.update(ProblemCase).where(ProblemCase.id == case.id)
                       .values(version=ProblemCase.version + 1, **values))
    db.session.commit()


def test_review_overdue_boundaries(people, case):
    now = utcnow()
    _age_case(case, created_dt=now - dt.timedelta(days=28, hours=-1), next_review_date=today())
    assert scan_review_overdue(now=now).raised == []
    _age_case(case, created_dt=now - dt.timedelta(days=29))
    assert len(scan_review_overdue(now=now).raised) == 1
    # A review makes it current again and resolves the flag at once.
    service.record_review(_reload(case), people["supervisor"], "on_track", "",
                          today() + dt.timedelta(days=28))
    db.session.commit()
    assert db.session.scalars(sa.select(Flag).where(Flag.kind == "review_overdue",
                                                    Flag.resolved_dt.is_(None))).all() == []
    _age_case(case, next_review_date=today() - dt.timedelta(days=1))
    assert len(scan_review_overdue().raised) == 1


def test_evaluation_awaiting_sign_off_after_14_days(browser, people, case):
    owner, case = _start_and_fill(browser, people, case)
    owner.post(f"/cases/{case.reference}/evaluation/submit", data={"version": case.evaluation.version})
    now = utcnow()
    evaluation = _reload(case).evaluation
    db.session.execute(sa.update(Evaluation).where(Evaluation.id == evaluation.id).values(
        submitted_dt=now - dt.timedelta(days=14) + dt.timedelta(minutes=5)))
    db.session.commit()
    assert scan_evaluation_unsigned(now=now).raised == []
    db.session.execute(sa.update(Evaluation).where(Evaluation.id == evaluation.id).values(
        submitted_dt=now - dt.timedelta(days=15)))
    db.session.commit()
    assert len(scan_evaluation_unsigned(now=now).raised) == 1
    browser(people["supervisor"]).post(f"/cases/{case.reference}/evaluation/approve",
                                       data={"version": _reload(case).evaluation.version})
    flags = db.session.scalars(sa.select(Flag).where(Flag.kind == "evaluation_unsigned")).all()
    assert [f.status for f in flags] == ["resolved"]


def test_case_scans_are_idempotent_and_agree_with_the_rules(people, make_case):
    """The set-based scan and the per-case rule select the same cases."""
    now = utcnow()
    cases = []
    for age in (1, 10, 27, 27.9, 29, 40, 90):
        c = make_case(owner=people["owner"])
        _age_case(c, created_dt=now - dt.timedelta(days=age),
                  next_review_date=today() + dt.timedelta(days=30 - age))
        cases.append(c)
    closed = make_case(owner=people["owner"])
    case_service.close_case(closed, people["owner"], "not_evaluated", None, closed.version)
    db.session.commit()
    first = scan_case_flags()
    second = scan_case_flags()
    db.session.commit()
    assert all(r.raised == [] for r in second)
    flagged = set(db.session.scalars(sa.select(Flag.case_id).where(
        Flag.kind == "review_overdue", Flag.resolved_dt.is_(None))))
    expected = set()
    for c in db.session.scalars(sa.select(ProblemCase)):
        if rules.review_is_overdue(is_open=c.is_open, last_reviewed=c.last_reviewed_dt,
                                   created=c.created_dt, next_review_date=c.next_review_date,
                                   now=now, today=today(),
                                   days=rules.RULE_DEFAULTS["review_overdue"]["days"]):
            expected.add(c.id)
    assert flagged == expected and len(expected) >= 3
    # The closed case was flagged the moment it closed, so the full scan raised only reviews.
    assert sum(len(r.raised) for r in first) == len(expected)
    assert db.session.scalar(sa.select(Flag.case_id).where(
        Flag.kind == "closed_unevaluated", Flag.resolved_dt.is_(None))) == closed.id


# --- figures from incident data ----------------------------------------------------------------

def test_counts_filled_from_incidents_show_their_source_and_can_be_overridden(browser, people,
                                                                             case, police):
    from sara.incidents.models import Incident

    def incident(lsoa, day, asb=True, n=[0]):  # noqa: B006 - a counter for unique keys
        n[0] += 1
        db.session.add(Incident(source="form", source_key=f"F-{n[0]}", organisation_id=police.id,
                                occurred_dt=dt.datetime(2026, *day, 12, tzinfo=dt.UTC),
                                category="ASB", is_asb=asb, lsoa_code=lsoa))

    for day in [(1, 5), (2, 10), (3, 31), (3, 31)]:
        incident("E01000001", day)
    incident("E01000001", (2, 11), asb=False)  # not ASB: not counted
    incident("E01000001", (4, 1))  # outside the before period
    for day in [(5, 2), (6, 6)]:
        incident("E01000001", day)
    for day in [(1, 9), (2, 9), (5, 9)]:
        incident("E01000002", day)
    db.session.commit()
    owner, case = _start_and_fill(browser, people, case)
    owner.post(f"/cases/{case.reference}/evaluation",
               data=_form(case, area_lsoa="e01000001", comparison_lsoa="E01000002"))
    response = owner.post(f"/cases/{case.reference}/evaluation/figures")
    assert response.status_code == 302
    evaluation = _reload(case).evaluation
    assert (evaluation.before_count, evaluation.after_count) == (4, 2)
    assert (evaluation.comparison_before_count, evaluation.comparison_after_count) == (2, 1)
    page = owner.get(f"/cases/{case.reference}/evaluation").get_data(as_text=True)
    assert "From incident data: ASB incidents in E01000001, 2026-01-01 to 2026-03-31" in page
    owner.post(f"/cases/{case.reference}/evaluation",
               data=_form(_reload(case), area_lsoa="E01000001", comparison_lsoa="E01000002",
                          before_count="5", after_count="2", comparison_before_count="2",
                          comparison_after_count="1"))
    evaluation = _reload(case).evaluation
    assert evaluation.before_count == 5
    assert evaluation.figures_source["before_count"] == {"source": "entered by hand"}
    assert evaluation.figures_source["after_count"]["source"] == "incidents"


def test_figures_need_an_area_and_periods(browser, people, case):
    owner, case = _start_and_fill(browser, people, case)
    response = owner.post(f"/cases/{case.reference}/evaluation/figures", follow_redirects=True)
    assert "Enter the area&#39;s LSOA code" in response.get_data(as_text=True)
