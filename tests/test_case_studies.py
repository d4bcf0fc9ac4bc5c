"""Case studies: the good-practice library publishes a case study written for it, never the case.

Writing one (officers who may edit the evaluation), needing one before an evaluation marked as
good practice is submitted, the check for the linked people's details at approval (web and API)
and at publication, publishing and withdrawing, and what a partner then sees.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from itertools import count
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from sara.audit.models import AuditEvent
from sara.cases import service as case_service
from sara.cases.models import CaseEvent, ProblemCase
from sara.evaluation import service as evaluation_service
from sara.evaluation.models import Evaluation
from sara.extensions import db
from sara.incidents.models import CaseIncident, Incident, IncidentPerson
from sara.library import service as library_service
from sara.library.models import CaseStudy
from sara.partners import service as sharing
from sara.people import matching
from sara.people import service as people_service
from sara.people.models import Person
from tests.test_cases import Page

#: Written into every free-text field of the case and its evaluation: none may reach the library.
SENTINEL = "Zqxsentinel"
VICTIM = {"name": "Edna Wintersgill", "phone": "07700 900131",
          "address": "17 Sentinel Mews, Lincoln", "postcode": "LN9 9ZZ",
          "date_of_birth": dt.date(1938, 2, 11)}
#: On an incident linked to the case, not on the case itself.
CALLER = {"name": "Reginald Pumphrey", "phone": "01632 960477",
          "address": "Flat 2, 8 Harrow Close, Lincoln", "postcode": "LN6 7QX"}

STUDY = {
    "title": "Lighting and youth work end late-night gatherings at an underpass",
    "problem": "Groups of teenagers gathered at a footpath underpass late at night, shouting and "
               "frightening older residents on their way home.",
    "analysis": "An elderly resident with a heart condition had stopped going out after dark. "
                "The underpass was unlit and screened by overgrown hedges.",
    "response": "The council cut back the hedges and replaced the lighting; youth workers "
                "offered the group a Friday session elsewhere.",
    "assessment": "Calls fell from 40 to 10 in the three months after, against no change in a "
                  "comparison area.",
    "lessons": "Cheap environmental changes worked faster than patrols.",
}

_n = count(1)


@pytest.fixture
def people(make_user, make_org):
    return SimpleNamespace(
        owner=make_user("officer", name="Owen Ownerofficer"),
        colleague=make_user("officer", name="Cath Colleague"),
        supervisor=make_user("supervisor", name="Sue Supervisor"),
        partner=make_user("partner", org=make_org("Northern Probation", kind="probation"),
                          name="Pat Probation"),
        other_force=make_user("officer", org=make_org("Westshire Police")),
    )


def _incident_person(case, values: dict) -> Person:
    person = Person(reference=f"PN-C{next(_n):05d}", organisation_id=case.organisation_id,
                    **values)
    matching.fill_keys(person)
    db.session.add(person)
    incident = Incident(source="form", source_key=f"CS-{next(_n)}",
                        organisation_id=case.organisation_id,
                        occurred_dt=dt.datetime(2026, 3, 1, 22, 0, tzinfo=dt.UTC),
                        category="ASB", is_asb=True, description=f"{SENTINEL} incident")
    db.session.add(incident)
    db.session.flush()
    db.session.add(IncidentPerson(incident_id=incident.id, person_id=person.id, role="reporter",
                                  occurred_dt=incident.occurred_dt, is_asb=True))
    db.session.add(CaseIncident(case_id=case.id, incident_id=incident.id,
                                created_by_id=case.owner_id))
    db.session.flush()
    return person


@pytest.fixture
def case(people, make_case):
    """A case at Assessment whose every free text holds SENTINEL and the victim's name, with a
    good-practice evaluation drafted (not yet submitted) and no case study."""
    owner = people.owner
    case = make_case(
        owner=owner, title=f"{SENTINEL} underpass gatherings",
        description=f"{SENTINEL} description: groups at the underpass",
        location_text=f"{SENTINEL} Underpass, Sentinel Mews",
        scan_summary=f"{SENTINEL} scanning summary", scan_baseline=f"{SENTINEL} baseline",
        analysis_victim=f"{SENTINEL} an elderly resident, Edna Wintersgill, with a heart "
                        "condition",
        analysis_offender=f"{SENTINEL} three brothers from the estate",
        analysis_root_causes=f"{SENTINEL} root causes",
    )
    case_service.add_objective(case, owner, f"{SENTINEL} objective", case.version)
    case_service.add_tactic(case, owner, category="situational", triangle_side="location",
                            description=f"{SENTINEL} tactic", expected_version=case.version)
    for stage in ("analysis", "response", "assessment"):
        case_service.move_stage(case, owner, stage, None, case.version)
    people_service.add_person_to_case(case, owner, dict(VICTIM), "victim", ["age"])
    _incident_person(case, CALLER)
    evaluation = evaluation_service.start(case, owner)
    evaluation_service.update(evaluation, owner, {
        "measure": f"{SENTINEL} measure", "before_count": 40, "after_count": 10,
        "comparison_area": f"{SENTINEL} comparison", "outcome": "reduced",
        "lessons": f"{SENTINEL} lessons", "is_good_practice": True,
        "good_practice_summary": f"{SENTINEL} good-practice summary",
        "is_displacement_checked": True, "displacement_found": f"{SENTINEL} displacement",
    }, {case.tactics[0].id: {"delivery": "fully", "delivery_note": f"{SENTINEL} delivery",
                             "effectiveness": "effective"}}, {}, None)
    db.session.commit()
    return case


def _reload(case) -> ProblemCase:
    db.session.expire_all()
    return db.session.get(ProblemCase, case.id)


def _text(response) -> str:
    return " ".join(unescape(response.get_data(as_text=True)).split())


def _write(browser_, case, study=None, version=""):
    return browser_.post(f"/cases/{case.reference}/case-study",
                         data={**(study or STUDY), "version": version})


def _submit(browser_, case):
    return browser_.post(f"/cases/{case.reference}/evaluation/submit",
                         data={"version": _reload(case).evaluation.version})


def _approve(browser_, case, comments="", good_practice: bool | None = None):
    """Approve as the sign-off form does; its good-practice box is ticked when the officer
    marked it, unless `good_practice` says what the supervisor chose."""
    evaluation = _reload(case).evaluation
    if good_practice is None:
        good_practice = evaluation.is_good_practice
    data = {"version": evaluation.version, "comments": comments}
    if good_practice:
        data["is_good_practice"] = "y"
    return browser_.post(f"/cases/{case.reference}/evaluation/approve", data=data)


def _written_and_submitted(case, people, study=None):
    """The case study written and the evaluation submitted, by the services."""
    library_service.save_case_study(case, people.owner, study or STUDY, None)
    evaluation_service.submit(case.evaluation, people.owner)
    db.session.commit()
    return _reload(case)


def _published(case, people):
    case = _written_and_submitted(case, people)
    evaluation_service.approve(case.evaluation, people.supervisor)
    db.session.commit()
    return _reload(case)


LIBRARY_PAGES = ("/library", "/library?q=underpass", "/library?q=heart+condition",
                 "/library/what-works", "/library/what-works/cases?category=situational")


# --- the library shows the case study, and nothing of the case --------------------------------

def test_a_partners_library_shows_the_case_study_and_none_of_the_case(case, people, browser):
    owner, supervisor = browser(people.owner), browser(people.supervisor)
    assert _write(owner, case).status_code == 302
    assert _submit(owner, case).status_code == 302
    assert _approve(supervisor, case).status_code == 302
    assert _reload(case).evaluation.status == "approved"

    partner = browser(people.partner)
    study_page = _text(partner.get(f"/library/{case.reference}"))
    for text in STUDY.values():
        assert text in study_page, text
    pages = [study_page] + [_text(partner.get(url)) for url in LIBRARY_PAGES]
    for url, html in zip((f"/library/{case.reference}", *LIBRARY_PAGES), pages, strict=True):
        assert SENTINEL.lower() not in html.lower(), url
        assert "Wintersgill" not in html and "three brothers" not in html, url
    index = _text(partner.get("/library"))
    assert STUDY["title"] in index and "1 case study" in index
    # Searching finds the case study's words, never the case's (nor its people).
    assert STUDY["title"] in _text(partner.get("/library?q=youth+workers"))
    for query in (SENTINEL, "Wintersgill", "brothers", "07700"):
        assert "0 case studies" in _text(partner.get("/library", query_string={"q": query}))
    # The case itself stays closed to the partner.
    assert partner.get(f"/cases/{case.reference}").status_code == 404


def test_the_library_wording_promises_only_the_case_study(case, people, browser):
    _published(case, people)
    html = _text(browser(people.partner).get("/library"))
    assert "Nothing else from the case is shown here" in html
    assert "checked against the names, phone numbers, addresses and postcodes" in html


def test_what_works_links_a_case_study_by_its_own_title(case, people, browser):
    _published(case, people)
    html = _text(browser(people.owner).get("/library/what-works/cases?category=situational"))
    link = re.search(r'data-testid="case-study-link">([^<]+)</a>', html)
    assert link and link.group(1) == STUDY["title"]
    assert SENTINEL not in html
    figures = _text(browser(people.owner).get("/library/what-works"))
    assert SENTINEL not in figures and 'data-testid="what-works"' in figures


def test_approved_good_practice_without_a_case_study_is_not_in_the_library(case, people,
                                                                         browser):
    """As after the migration: an approved good-practice evaluation has no case study."""
    case = _published(case, people)
    db.session.delete(case.case_study)
    db.session.commit()
    signed_in = browser(people.partner)
    assert "0 case studies" in _text(signed_in.get("/library"))
    assert signed_in.get(f"/library/{case.reference}").status_code == 404


# --- writing it ------------------------------------------------------------------------------

def test_the_evaluation_page_leads_to_the_case_study(case, people, browser):
    owner = browser(people.owner)
    html = _text(owner.get(f"/cases/{case.reference}/evaluation"))
    assert "No case study has been written yet" in html
    assert "write the case study before submitting it" in html
    assert f'href="/cases/{case.reference}/case-study">Write the case study' in html
    page = _text(owner.get(f"/cases/{case.reference}/case-study"))
    assert 'name="csrf_token"' in page and 'name="analysis"' in page
    assert "Not written" in page


def test_writing_it_is_audited_as_an_alteration_of_the_case(case, people, browser):
    owner = browser(people.owner)
    response = _write(owner, case)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/{case.reference}/case-study")
    study = _reload(case).case_study
    assert study.texts() == STUDY and study.status == "draft"
    assert study.created_by_id == study.written_by_id == people.owner.id
    row = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.case_id == case.id, AuditEvent.action == "alteration",
        AuditEvent.summary == "Wrote the case study"))
    assert row is not None and row.user_id == people.owner.id
    assert {c["field"]: c["after"] for c in row.details["changes"]} == STUDY

    changed = {**STUDY, "lessons": "Start with the hedges."}
    assert _write(browser(people.colleague), case, changed,
                  version=study.version).status_code == 302
    study = _reload(case).case_study
    assert study.lessons == "Start with the hedges." and study.written_by_id == people.colleague.id
    row = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.case_id == case.id, AuditEvent.summary == "Changed the case study: the lessons"))
    assert row.details["changes"] == [{"field": "lessons", "before": STUDY["lessons"],
                                       "after": "Start with the hedges."}]
    # The timeline (which partners may read) names the change, not the text.
    events = db.session.scalars(sa.select(CaseEvent.summary).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "case_study")).all()
    assert sorted(events) == ["Changed the case study: the lessons", "Wrote the case study"]


def test_every_section_is_needed_and_nothing_typed_is_lost(case, people, browser):
    response = _write(browser(people.owner), case, {**STUDY, "analysis": "  "})
    assert response.status_code == 200
    html = _text(response)
    assert "Describe what the analysis found" in html and "govuk-error-summary" in html
    assert STUDY["problem"] in html and STUDY["lessons"] in html
    assert _reload(case).case_study is None


def test_a_stale_edit_is_refused_and_keeps_what_was_typed(case, people, browser):
    owner, colleague = browser(people.owner), browser(people.colleague)
    assert _write(owner, case).status_code == 302
    version = _reload(case).case_study.version
    assert _write(colleague, case, {**STUDY, "response": "Colleague's response"},
                  version=version).status_code == 302
    response = _write(owner, case, {**STUDY, "response": "Owner's late response"},
                      version=version)
    assert response.status_code == 409
    html = _text(response)
    assert "Someone else saved this case study while you were writing" in html
    assert "Owner's late response" in html  # what they typed, still in the form
    assert "Colleague's response" in html  # and the saved text, to compare
    assert _reload(case).case_study.response == "Colleague's response"


def test_two_first_drafts_at_once_do_not_overwrite_each_other(case, people, browser):
    assert _write(browser(people.owner), case).status_code == 302
    response = _write(browser(people.colleague), case, {**STUDY, "title": "Another title"})
    assert response.status_code == 409
    assert _reload(case).case_study.title == STUDY["title"]


def test_who_may_write_read_and_publish_the_draft(case, people, browser, make_user):
    sharing.share_with_organisation(case, people.owner, people.partner.organisation,
                                    "contribute")
    db.session.commit()
    partner = browser(people.partner)
    # A partner the case is shared with sees the case, not the draft case study.
    assert partner.get(f"/cases/{case.reference}").status_code == 200
    assert partner.get(f"/cases/{case.reference}/case-study").status_code == 403
    assert _write(partner, case).status_code == 403
    assert browser(people.other_force).get(
        f"/cases/{case.reference}/case-study").status_code == 404
    call_handler = make_user("call_handler")
    db.session.commit()
    assert browser(call_handler).get(f"/cases/{case.reference}/case-study").status_code == 200
    assert _write(browser(call_handler), case).status_code == 403
    # Publishing is for supervisors, once the evaluation is approved.
    assert browser(people.supervisor).post(
        f"/cases/{case.reference}/case-study/publish", data={"version": ""}).status_code == 403
    assert _reload(case).case_study is None


def test_the_case_study_is_read_only_while_submitted_and_once_published(case, people,
                                                                       browser):
    case = _written_and_submitted(case, people)
    owner = browser(people.owner)
    html = _text(owner.get(f"/cases/{case.reference}/case-study"))
    assert 'name="analysis"' not in html and "cannot be changed until a supervisor" in html
    assert _write(owner, case, version=case.case_study.version).status_code == 403
    evaluation_service.approve(case.evaluation, people.supervisor)
    db.session.commit()
    case = _reload(case)
    assert case.case_study.is_published
    assert _write(owner, case, version=case.case_study.version).status_code == 403
    assert "withdraws it from the library first" in _text(
        owner.get(f"/cases/{case.reference}/case-study"))


# --- submission needs a case study ------------------------------------------------------------

def test_an_evaluation_marked_good_practice_needs_a_case_study_to_be_submitted(case, people,
                                                                             browser):
    owner = browser(people.owner)
    response = _submit(owner, case)
    assert response.status_code == 200
    assert ("This evaluation is marked as good practice: write its case study before "
            "submitting it") in _text(response)
    assert _reload(case).evaluation.status == "draft"
    _write(owner, case)
    assert _submit(owner, case).status_code == 302
    assert _reload(case).evaluation.status == "submitted"


def test_over_the_api_too(case, people, api):
    owner = api(people.owner)
    path = f"/api/v1/cases/{case.reference}/evaluation"
    read = owner.get(path)
    assert read.get_json()["case_study"] is None
    refused = owner("POST", path + "/submit", etag=read.headers["ETag"])
    assert refused.status_code == 409
    assert "write its case study" in refused.get_json()["detail"]
    assert _reload(case).evaluation.status == "draft"


# --- the check, at approval --------------------------------------------------------------------

DETAILS = [
    # (case-study field, text put in it, the kind named in the refusal)
    ("analysis", "An elderly resident, Edna Wintersgill, with a heart condition.", "name"),
    ("analysis", "Reported by WINTERSGILL,\n  edna, twice.", "name"),  # order, case, spaces
    ("lessons", "Mrs Wintersgill was right all along.", "name"),  # title and surname
    ("problem", "Dr. Wintersgill called it in.", "name"),
    ("response", "Updates by text to 07700 900131.", "phone number"),
    ("response", "Updates by text to 07700900131.", "phone number"),
    ("assessment", "Call +44 7700 900131 for the figures.", "phone number"),
    ("title", "Trouble outside 17 Sentinel Mews", "address"),
    ("analysis", "Worst outside 17, sentinel mews.", "address"),
    ("analysis", "Mostly around LN9 9ZZ.", "postcode"),
    ("assessment", "Mostly around ln99zz.", "postcode"),
    # Someone on an incident linked to the case, not on the case itself.
    ("problem", "Reginald Pumphrey reported it.", "name"),
    ("response", "He gave 01632 960 477 as his number.", "phone number"),
    ("analysis", "Calls came from 8 Harrow Close.", "address"),
    ("lessons", "Most calls came from LN6 7QX.", "postcode"),
]


def _message(field: str, kind: str, before: str = "approving") -> str:
    verb = "contain" if field == "lessons" else "contains"
    return (f"The case study's {field} {verb} the {kind} of a person linked to this case: "
            f"remove it before {before}.")


def _state(case) -> tuple:
    """Everything an approval could change."""
    case = _reload(case)
    audit_rows = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.case_id == case.id, AuditEvent.action == "alteration"))
    events = db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent).where(
        CaseEvent.case_id == case.id))
    evaluation, study = case.evaluation, case.case_study
    return (evaluation.status, evaluation.version, evaluation.decided_dt, study.status,
            study.version, study.published_dt, audit_rows, events)


@pytest.mark.parametrize(("field", "text", "kind"), DETAILS)
def test_web_approval_is_refused_naming_the_field(case, people, browser, field, text, kind):
    case = _written_and_submitted(case, people, {**STUDY, field: text})
    before = _state(case)
    response = _approve(browser(people.supervisor), case, comments="Well evidenced work")
    assert response.status_code == 200
    html = _text(response)
    assert _message(field, kind) in html and "govuk-error-summary" in html
    assert "Well evidenced work" in html  # the supervisor's comments are kept
    assert _state(case) == before
    assert browser(people.partner).get(f"/library/{case.reference}").status_code == 404


@pytest.mark.parametrize(("field", "text", "kind"), DETAILS)
def test_api_approval_is_refused_naming_the_field(case, people, api, field, text, kind):
    case = _written_and_submitted(case, people, {**STUDY, field: text})
    before = _state(case)
    supervisor = api(people.supervisor)
    path = f"/api/v1/cases/{case.reference}/evaluation"
    response = supervisor("POST", path + "/approve", etag=supervisor.get(path).headers["ETag"],
                          json={"comments": "Fine"})
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["detail"] == _message(field, kind)
    assert body["invalid_params"] == [{"name": f"case_study.{field}",
                                       "reason": _message(field, kind)}]
    assert _state(case) == before


def test_a_refusal_never_puts_the_detail_in_the_logs(case, people, browser, caplog,
                                                   monkeypatch):
    # Running the migrations in the test session (logging.config.fileConfig in migrations/env.py)
    # disabled the loggers that already existed.
    monkeypatch.setattr(library_service.log, "disabled", False)
    case = _written_and_submitted(case, people, {**STUDY, "response": "Ring 07700 900131."})
    with caplog.at_level("DEBUG"):
        _approve(browser(people.supervisor), case)
    assert "refused" in caplog.text and "response" in caplog.text
    for detail in ("07700", "900131", "Wintersgill", "Sentinel Mews", "LN9"):
        assert detail not in caplog.text


def test_an_approval_publishes_a_clean_case_study(case, people, browser, api):
    case = _written_and_submitted(case, people)
    supervisor = api(people.supervisor)
    path = f"/api/v1/cases/{case.reference}/evaluation"
    response = supervisor("POST", path + "/approve", etag=supervisor.get(path).headers["ETag"])
    assert response.status_code == 200, response.get_json()
    state = response.get_json()["case_study"]
    assert state["status"] == "published" and state["published_by"]["name"] == "Sue Supervisor"
    assert state["links"]["library"] == f"/library/{case.reference}"
    study = _reload(case).case_study
    assert study.is_published and study.published_by_id == people.supervisor.id
    assert db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.case_id == case.id,
        AuditEvent.summary == "Published the case study in the good-practice library"))
    assert STUDY["title"] in _text(browser(people.partner).get("/library"))


def test_an_evaluation_not_marked_good_practice_publishes_nothing(case, people, browser):
    library_service.save_case_study(case, people.owner, STUDY, None)
    evaluation = case.evaluation
    evaluation.is_good_practice = False
    evaluation_service.submit(evaluation, people.owner)
    db.session.commit()
    assert _approve(browser(people.supervisor), case).status_code == 302
    assert _reload(case).case_study.status == "draft"
    assert browser(people.partner).get(f"/library/{case.reference}").status_code == 404


def _good_practice_box(browser_, case):
    """The good-practice checkbox of the sign-off form."""
    page = Page(browser_.get(f"/cases/{case.reference}/evaluation"))
    boxes = [e for e in page.find_all("input", name="is_good_practice")
             if e.inside("form") and any(b.text == "Approve" for b in page.find_all("button"))]
    assert len(boxes) == 1
    return boxes[0]


def _good_practice_audit(case) -> list[tuple[str, int | None, list]]:
    rows = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.case_id == case.id, AuditEvent.action == "alteration")
        .order_by(AuditEvent.id)).all()
    return [(row.summary, row.user_id, row.details.get("changes"))
            for row in rows if "good practice" in row.summary]


def test_the_supervisor_marks_it_good_practice_when_approving(case, people, browser):
    library_service.save_case_study(case, people.owner, STUDY, None)
    case.evaluation.is_good_practice = False
    evaluation_service.submit(case.evaluation, people.owner)
    db.session.commit()
    supervisor = browser(people.supervisor)
    assert "checked" not in _good_practice_box(supervisor, case).attrs  # the officer's choice
    assert _approve(supervisor, case, good_practice=True).status_code == 302
    case = _reload(case)
    assert case.evaluation.status == "approved" and case.evaluation.is_good_practice
    # In the library as any good practice is: the approval published its case study.
    assert case.case_study.is_published
    assert STUDY["title"] in _text(browser(people.partner).get("/library"))
    assert _good_practice_audit(case) == [
        ("Marked the evaluation as good practice", people.supervisor.id,
         [{"field": "is_good_practice", "before": False, "after": True}])]


def test_the_supervisor_unmarks_good_practice_when_approving(case, people, browser):
    case = _written_and_submitted(case, people)
    supervisor = browser(people.supervisor)
    assert "checked" in _good_practice_box(supervisor, case).attrs
    assert _approve(supervisor, case, good_practice=False).status_code == 302
    case = _reload(case)
    assert case.evaluation.status == "approved" and not case.evaluation.is_good_practice
    assert case.case_study.status == "draft"
    assert browser(people.partner).get(f"/library/{case.reference}").status_code == 404
    assert _good_practice_audit(case) == [
        ("Unmarked the evaluation as good practice", people.supervisor.id,
         [{"field": "is_good_practice", "before": True, "after": False}])]


def test_marking_good_practice_at_sign_off_needs_a_case_study(case, people, browser):
    case.evaluation.is_good_practice = False
    evaluation_service.submit(case.evaluation, people.owner)
    db.session.commit()
    response = _approve(browser(people.supervisor), case, comments="Good work",
                        good_practice=True)
    assert response.status_code == 200
    html = _text(response)
    assert "has no case study" in html and "Good work" in html
    evaluation = _reload(case).evaluation
    assert evaluation.status == "submitted" and not evaluation.is_good_practice
    assert _good_practice_audit(case) == []


# --- publishing and withdrawing from the case-study page ------------------------------------------

def _publication(browser_, case, action):
    return browser_.post(f"/cases/{case.reference}/case-study/{action}",
                         data={"version": _reload(case).case_study.version})


def test_a_supervisor_withdraws_and_republishes_it(case, people, browser):
    case = _published(case, people)
    partner, supervisor = browser(people.partner), browser(people.supervisor)
    assert partner.get(f"/library/{case.reference}").status_code == 200
    assert "Withdraw from the library" in _text(supervisor.get(
        f"/cases/{case.reference}/case-study"))
    # Only a supervisor: the owner may not.
    assert _publication(browser(people.owner), case, "withdraw").status_code == 403

    assert _publication(supervisor, case, "withdraw").status_code == 302
    assert _reload(case).case_study.status == "draft"
    assert partner.get(f"/library/{case.reference}").status_code == 404
    assert "0 case studies" in _text(partner.get("/library"))
    assert db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.case_id == case.id,
        AuditEvent.summary == "Withdrew the case study from the good-practice library"))

    # Withdrawn, it can be changed again: a detail slips in, and publishing is refused.
    owner = browser(people.owner)
    bad = {**STUDY, "assessment": "Mrs Wintersgill now goes out again."}
    assert _write(owner, case, bad, version=_reload(case).case_study.version).status_code == 302
    page = _text(owner.get(f"/cases/{case.reference}/case-study"))
    assert "The case study's assessment contains the name of a person linked to this case" in page
    response = _publication(supervisor, case, "publish")
    assert response.status_code == 200
    assert _message("assessment", "name", "publishing") in _text(response)
    assert _reload(case).case_study.status == "draft"
    # Fixed, it is published again and back in the library.
    assert _write(owner, case, version=_reload(case).case_study.version).status_code == 302
    assert _publication(supervisor, case, "publish").status_code == 302
    assert _reload(case).case_study.is_published
    assert STUDY["title"] in _text(partner.get("/library"))


def test_a_supervisor_saves_and_publishes_what_they_typed_in_one_action(case, people, browser):
    case = _published(case, people)
    library_service.withdraw_case_study(case, people.supervisor)
    db.session.commit()
    supervisor = browser(people.supervisor)
    page = Page(supervisor.get(f"/cases/{case.reference}/case-study"))
    action = f"/cases/{case.reference}/case-study"
    buttons = {e.text: e.inside("form", action=action) for e in page.find_all("button")}
    # Publishing is a button of the case study's own form, never a form of its own beside it.
    assert buttons.get("Save and publish in the library") is True
    assert "Publish in the library" not in buttons
    response = supervisor.post(action, data={
        **STUDY, "lessons": "Typed just before publishing",
        "version": _reload(case).case_study.version,
        "save_and_publish": "Save and publish in the library"})
    assert response.status_code == 302
    study = _reload(case).case_study
    assert study.is_published and study.lessons == "Typed just before publishing"
    assert "Typed just before publishing" in _text(browser(people.partner).get(
        f"/library/{case.reference}"))
    # A refused publication keeps what was typed, and publishes and saves nothing.
    library_service.withdraw_case_study(_reload(case), people.supervisor)
    db.session.commit()
    response = supervisor.post(action, data={
        **STUDY, "assessment": "Mrs Wintersgill now goes out again.",
        "version": _reload(case).case_study.version,
        "save_and_publish": "Save and publish in the library"})
    assert response.status_code == 200
    html = _text(response)
    assert _message("assessment", "name", "publishing") in html
    assert "Mrs Wintersgill now goes out again." in html
    study = _reload(case).case_study
    assert study.status == "draft" and study.assessment == STUDY["assessment"]


def test_an_approved_case_without_one_gets_one_even_once_closed(case, people, browser):
    """An approved good-practice evaluation from before case studies: it leaves the library
    until an officer writes one and a supervisor publishes it, even after the case closed."""
    case = _published(case, people)
    db.session.delete(case.case_study)
    case_service.close_case(case, people.owner, "reduced", None, case.version)
    db.session.commit()
    case = _reload(case)
    assert not case.is_open
    owner = browser(people.owner)
    assert _write(owner, case).status_code == 302
    assert _publication(browser(people.supervisor), case, "publish").status_code == 302
    assert STUDY["title"] in _text(browser(people.partner).get("/library"))


def test_a_stale_publication_is_refused(case, people, browser):
    case = _published(case, people)
    supervisor = browser(people.supervisor)
    response = supervisor.post(f"/cases/{case.reference}/case-study/withdraw",
                               data={"version": case.case_study.version - 1})
    assert response.status_code == 200
    assert "The case study changed while you were reading it" in _text(response)
    assert _reload(case).case_study.is_published


# --- the rule itself ---------------------------------------------------------------------------

PERSON = SimpleNamespace(name="Edna Mary Wintersgill", phone="07700 900131",
                         address="17 Sentinel Mews, Lincoln", postcode="LN9 9ZZ")


@pytest.mark.parametrize(("text", "kind"), [
    ("edna wintersgill", "name"), ("Edna Mary Wintersgill", "name"),
    ("Wintersgill Edna", "name"), ("Ms Wintersgill", "name"), ("MRS. WINTERSGILL", "name"),
    ("0044 7700 900131", "phone"), ("(07700) 900-131", "phone"),
    ("17 SENTINEL MEWS", "address"), ("ln9 9zz", "postcode"), ("LN99ZZ", "postcode"),
])
def test_the_rule_finds_each_kind(text, kind):
    assert library_service.personal_details_found({"analysis": text}, [PERSON]) == [
        library_service.Finding("analysis", kind)]


@pytest.mark.parametrize("text", [
    "An elderly resident with a heart condition",
    "Wintersgill",  # a surname alone is not one of the rule's forms
    "Edna",
    "Sentinel Mews was quiet",  # the street without the house
    "The LN9 area",  # an outward code is a district, not an address
    "Calls fell from 900 to 131",
    "Mrs Wintersgillson",  # a longer word is another name
    "",
])
def test_the_rule_lets_general_text_through(text):
    assert library_service.personal_details_found({"analysis": text}, [PERSON]) == []


@pytest.mark.parametrize("recorded", ["Mrs Edna Wintersgill", "WINTERSGILL, Edna",
                                      "Wintersgill, Edna Mary"])
def test_the_rule_reads_names_recorded_with_a_title_or_surname_first(recorded):
    person = SimpleNamespace(name=recorded, phone=None, address=None, postcode=None)
    for text in ("Edna Wintersgill", "Mrs Wintersgill", "Wintersgill Edna"):
        assert library_service.personal_details_found({"problem": text}, [person]), text


@pytest.mark.parametrize(("recorded", "text"), [
    ("17 Sentinel Mews Lincoln LN9 9ZZ", "outside 17 Sentinel Mews"),  # all on one line
    ("17, Sentinel Mews, Lincoln", "outside 17 Sentinel Mews"),
    ("Flat 2, 8 Harrow Close, Lincoln", "from 8 Harrow Close"),
    ("12a High St\nLincoln", "at 12A High St."),
])
def test_the_rule_reads_addresses_however_they_were_recorded(recorded, text):
    person = SimpleNamespace(name=None, phone=None, address=recorded, postcode=None)
    assert library_service.personal_details_found({"analysis": text}, [person]) == [
        library_service.Finding("analysis", "address")]


def test_the_rule_names_each_field_once_per_kind():
    found = library_service.personal_details_found(
        {"title": "Fine", "problem": "Edna Wintersgill at 17 Sentinel Mews",
         "lessons": "Mrs Wintersgill, Mrs Wintersgill"}, [PERSON, PERSON])
    assert found == [library_service.Finding("problem", "name"),
                     library_service.Finding("problem", "address"),
                     library_service.Finding("lessons", "name")]
    assert found[2].message() == _message("lessons", "name", "publishing")


def test_the_evaluation_model_is_unchanged_by_a_refusal(case, people):
    """The service refuses before it touches anything, even without the view's rollback."""
    case = _written_and_submitted(case, people, {**STUDY, "title": "At LN9 9ZZ"})
    with pytest.raises(evaluation_service.CaseStudyNotPublishable) as refused:
        evaluation_service.approve(case.evaluation, people.supervisor)
    assert refused.value.case_study_field == "title"
    assert case.evaluation.status == "submitted" and case.case_study.status == "draft"
    assert not db.session.dirty
    assert db.session.scalar(sa.select(Evaluation.status).where(
        Evaluation.case_id == case.id)) == "submitted"
    assert db.session.scalar(sa.select(CaseStudy.status).where(
        CaseStudy.case_id == case.id)) == "draft"
