"""The good-practice library, its case studies, "what works" and the partner-access setting.

(Writing, checking and publishing case studies: tests/test_case_studies.py.)"""

from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape

import pytest
import sqlalchemy as sa

from sara.audit.models import AuditEvent
from sara.cases import service as case_service
from sara.cases.models import ProblemCase
from sara.evaluation import service as evaluation_service
from sara.extensions import db
from sara.library import service as library_service
from sara.people import service as people_service

SENTINELS = {
    "name": "Quillon Sentinelperson",
    "phone": "07700 900555",
    "address": "29 Sentinel Crescent, Ripon",
    "postcode": "HG4 9ZQ",
}
SENTINEL_DOB = dt.date(1942, 3, 17)


@dataclass
class Library:
    owner: object
    supervisor: object
    viewer: object  # a police officer of the owning force who did not work the cases
    other_force_officer: object
    partner: object  # of an organisation no case was ever shared with
    admin: object
    lighting: ProblemCase  # good practice, youth ASB: situational/location effective
    graffiti: ProblemCase  # good practice, graffiti: engagement/victim effective
    plain: ProblemCase  # approved, not good practice
    submitted: ProblemCase  # good practice, submitted but not approved
    draft: ProblemCase  # good practice, still a draft
    elsewhere: ProblemCase  # good practice, another force's case


@pytest.fixture
def evaluated_case(make_case):
    def make(owner, supervisor, *, title, tactics, outcome, problem_type="asb_youth",
             good_practice=True, status="approved", summary="", lessons="",
             before=40, after=20, description="Groups gathering late at night."):
        case = make_case(owner=owner, title=title, problem_type=problem_type,
                         description=description, scan_summary=f"Pattern seen for {title}",
                         scan_baseline="Forty calls a quarter",
                         analysis_offender="Teenagers with nothing to do after 9pm")
        case_service.add_objective(case, owner, "Halve the calls about it", case.version)
        case_service.add_objective(case, owner, "Residents feel safer", case.version)
        for category, side, _effectiveness in tactics:
            case_service.add_tactic(case, owner, category=category, triangle_side=side,
                                    description=f"Tactic: {category} at {side}",
                                    expected_version=case.version)
        for stage in ("analysis", "response", "assessment"):
            case_service.move_stage(case, owner, stage, None, case.version)
        evaluation = evaluation_service.start(case, owner)
        tactic_rows = {
            tactic.id: {"delivery": "fully", "delivery_note": "Delivered in full",
                        "effectiveness": effectiveness}
            for tactic, (_c, _s, effectiveness) in zip(case.tactics, tactics, strict=True)
        }
        objectives = case.objectives
        objective_rows = {objectives[0].id: "met", objectives[1].id: "partly_met"}
        values = {
            "measure": "ASB calls within 200 m", "before_count": before, "after_count": after,
            "before_start": dt.date(2025, 1, 1), "before_end": dt.date(2025, 3, 31),
            "after_start": dt.date(2025, 7, 1), "after_end": dt.date(2025, 9, 30),
            "outcome": outcome, "lessons": lessons, "is_good_practice": good_practice,
            "good_practice_summary": summary, "is_displacement_checked": True,
            "displacement_types": ["spatial"], "displacement_found": "No spatial displacement",
            "is_diffusion_observed": True,
        }
        evaluation_service.update(evaluation, owner, values, tactic_rows, objective_rows, None)
        if good_practice:
            # What the library publishes: the case study, titled like the case so results are
            # easy to name, its text its own (the good-practice summary and lessons are reused
            # in it, so searching finds them there, never in the evaluation).
            library_service.save_case_study(case, owner, {
                "title": title, "problem": summary or f"The problem of {title}",
                "analysis": "The analysis in general terms", "response": "What was done",
                "assessment": f"Calls fell from {before} to {after}",
                "lessons": lessons or "Lessons for others",
            }, None)
        if status in ("submitted", "approved"):
            evaluation_service.submit(evaluation, owner)
        if status == "approved":
            evaluation_service.approve(evaluation, supervisor)
        db.session.flush()
        return case

    return make


@pytest.fixture
def library(make_org, make_user, evaluated_case):
    owner = make_user("officer", name="Owen Ownerofficer", email="owen.owner@force.example")
    supervisor = make_user("supervisor", name="Sasha Supervisor")
    other_force = make_org("Westshire Police")
    other_officer = make_user("officer", org=other_force, name="Wendy Westshire")
    other_supervisor = make_user("supervisor", org=other_force)
    probation = make_org("Northern Probation", kind="probation")

    lighting = evaluated_case(
        owner, supervisor, title="Underpass lighting scheme",
        tactics=[("situational", "location", "effective"),
                 ("enforcement", "offender", "not_effective")],
        outcome="reduced", summary="Brighter lighting and cut-back hedges ended the gathering",
        lessons="LIGHTING mattered more than patrols",
    )
    people_service.add_person_to_case(
        lighting, owner, {**SENTINELS, "date_of_birth": SENTINEL_DOB}, "victim", ["age"])
    graffiti = evaluated_case(
        owner, supervisor, title="Station wall graffiti", problem_type="graffiti",
        tactics=[("engagement", "victim", "effective"), ("situational", "offender", "partly")],
        outcome="resolved", summary="A mural commissioned with local youth groups",
        lessons="Rapid removal within 24 hours", before=0, after=5,
    )
    plain = evaluated_case(
        owner, supervisor, title="Car park plain case",
        # Two situational tactics on one case: the case counts once for the category.
        tactics=[("situational", "location", "unknown"), ("situational", "victim", "effective")],
        outcome="no_change",
        good_practice=False, lessons="LIGHTING alone did nothing here",
    )
    submitted = evaluated_case(
        owner, supervisor, title="Submitted secret scheme", status="submitted",
        tactics=[("situational", "location", "effective")], outcome="reduced",
        summary="Lighting again", lessons="lighting",
    )
    draft = evaluated_case(
        owner, supervisor, title="Draft secret scheme", status="draft",
        tactics=[("situational", "location", "effective")], outcome="reduced",
        summary="Lighting again", lessons="lighting",
    )
    elsewhere = evaluated_case(
        other_officer, other_supervisor, title="Westshire lighting scheme",
        tactics=[("situational", "location", "effective")], outcome="resolved",
        summary="Lighting in a different force", lessons="Lighting works here too",
    )
    db.session.commit()
    return Library(
        owner=owner, supervisor=supervisor, viewer=make_user("officer", name="Val Viewer"),
        other_force_officer=other_officer,
        partner=make_user("partner", org=probation, name="Pat Probation"),
        admin=make_user("admin", name="Ada Admin"),
        lighting=lighting, graffiti=graffiti, plain=plain, submitted=submitted, draft=draft,
        elsewhere=elsewhere,
    )


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _titles(html: str) -> set[str]:
    found = re.findall(r'<h2 class="govuk-heading-m govuk-!-margin-bottom-1"><a [^>]*>([^<]+)</a>',
                       html)
    return {unescape(title) for title in found}


def _count(html: str, testid: str) -> int:
    match = re.search(rf'data-testid="{testid}">(\d+)', html)
    assert match, f"no {testid}"
    return int(match.group(1))


ALL_GOOD_PRACTICE = {"Underpass lighting scheme", "Station wall graffiti",
                     "Westshire lighting scheme"}


# --- what is in the library ----------------------------------------------------------------------

def test_library_lists_only_approved_good_practice(library, browser):
    html = _html(browser(library.viewer).get("/library"))
    assert _titles(html) == ALL_GOOD_PRACTICE
    assert _count(html, "result-count") == 3
    for case in (library.plain, library.submitted, library.draft):
        assert case.title not in html
        assert case.reference not in html
    # The case study's problem, the outcome, problem type and force are on the result; the
    # case's own description and neighbourhood are not.
    assert "Brighter lighting and cut-back hedges ended the gathering" in html
    assert "Graffiti" in html and "Resolved" in html and "Test Constabulary" in html
    assert "Groups gathering late at night." not in html and "Central" not in html
    assert f'href="/library/{library.lighting.reference}"' in html


@pytest.mark.parametrize("which", ["plain", "submitted", "draft"])
def test_case_studies_of_cases_outside_the_library_are_404(library, browser, which):
    case = getattr(library, which)
    # Even the owner, who can see the case itself, finds no case study.
    assert browser(library.owner).get(f"/library/{case.reference}").status_code == 404


def test_a_returned_evaluation_leaves_the_library(library, browser, evaluated_case):
    case = evaluated_case(library.owner, library.supervisor, title="Returned scheme",
                          status="submitted", tactics=[("support", "victim", "effective")],
                          outcome="reduced", summary="Returned summary")
    evaluation_service.return_to_draft(case.evaluation, library.supervisor, "Add the counts")
    db.session.commit()
    signed_in = browser(library.viewer)
    assert "Returned scheme" not in _html(signed_in.get("/library"))
    assert signed_in.get(f"/library/{case.reference}").status_code == 404


# --- search and filters ----------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "expected"), [
    ("lighting", {"Underpass lighting scheme", "Westshire lighting scheme"}),  # title, lessons
    ("MURAL", {"Station wall graffiti"}),  # the case study's problem, any case
    ("rapid removal", {"Station wall graffiti"}),  # its lessons; every word must match
    ("rapid lighting", set()),
    ("calls fell from 0 to 5", {"Station wall graffiti"}),  # its assessment
    # The case's own text is never searched: its scanning summary, description and analysis.
    ("pattern seen for station", set()),
    ("gathering late", set()),
    ("teenagers", set()),
    ("plain", set()),  # only in a case that is not good practice
    ("secret", set()),  # only in cases not approved
    ("%", set()),  # LIKE wildcards are searched for literally
    ("_", set()),
    ("   ", ALL_GOOD_PRACTICE),
])
def test_free_text_search(library, browser, query, expected):
    html = _html(browser(library.viewer).get("/library", query_string={"q": query}))
    assert _titles(html) == expected
    assert "govuk-error-summary" not in html


@pytest.mark.parametrize(("args", "expected"), [
    ({"problem_type": "graffiti"}, {"Station wall graffiti"}),
    ({"problem_type": "asb_youth"}, {"Underpass lighting scheme", "Westshire lighting scheme"}),
    ({"category": "engagement"}, {"Station wall graffiti"}),
    ({"category": "situational"}, ALL_GOOD_PRACTICE),
    ({"category": "support"}, set()),
    ({"side": "victim"}, {"Station wall graffiti"}),
    ({"side": "location"}, {"Underpass lighting scheme", "Westshire lighting scheme"}),
    # Category and side together mean one tactic of that category aimed at that side.
    ({"category": "situational", "side": "offender"}, {"Station wall graffiti"}),
    ({"category": "enforcement", "side": "location"}, set()),
    ({"outcome": "reduced"}, {"Underpass lighting scheme"}),
    ({"outcome": "resolved"}, {"Station wall graffiti", "Westshire lighting scheme"}),
    ({"outcome": "no_change"}, set()),  # the no-change case is not good practice
    ({"q": "lighting", "outcome": "resolved"}, {"Westshire lighting scheme"}),
])
def test_each_filter(library, browser, args, expected):
    html = _html(browser(library.viewer).get("/library", query_string=args))
    assert _titles(html) == expected
    assert _count(html, "result-count") == len(expected)


@pytest.mark.parametrize("args", [
    {"problem_type": "not-a-type"},
    {"category": "bribery"},
    {"side": "hypotenuse"},
    {"outcome": "excellent"},
    {"q": "x" * 201},
    {"q": "nul\x00byte"},
    {"page": "many"},
    {"page": "999999999999999999999"},
])
def test_bad_filters_are_reported_and_ignored(library, browser, args):
    response = browser(library.viewer).get("/library", query_string=args)
    html = _html(response)
    if "page" not in args:
        assert "govuk-error-summary" in html
        assert "Some filters were not valid and have been ignored" in html
        assert _titles(html) == ALL_GOOD_PRACTICE


def test_a_bad_filter_does_not_undo_the_good_ones(library, browser):
    html = _html(browser(library.viewer).get(
        "/library", query_string={"problem_type": "graffiti", "outcome": "excellent"}))
    assert "govuk-error-summary" in html
    assert _titles(html) == {"Station wall graffiti"}


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


def test_the_library_page_does_not_query_per_result(library, browser, evaluated_case):
    signed_in = browser(library.viewer)
    signed_in.get("/library")  # warm up: the session user, settings and header counts
    with _count_queries() as few:
        _html(signed_in.get("/library"))
    for n in range(4):
        evaluated_case(library.owner, library.supervisor, title=f"Extra scheme {n}",
                       tactics=[("support", "victim", "effective")], outcome="resolved",
                       summary=f"Extra summary {n}")
    db.session.commit()
    with _count_queries() as many:
        html = _html(signed_in.get("/library"))
    assert _count(html, "result-count") == 7
    assert len(many) == len(few)


# --- the case study --------------------------------------------------------------------------------

def test_case_study_shows_the_case_study_and_the_labels_only(library, browser):
    case = library.lighting
    html = unescape(_html(browser(library.viewer).get(f"/library/{case.reference}")))
    for text in (
        case.reference, "Underpass lighting scheme", "Anti-social behaviour: youth-related",
        "Test Constabulary", "Brighter lighting and cut-back hedges ended the gathering",
        "The analysis in general terms", "What was done", "Calls fell from 40 to 20",
        "LIGHTING mattered more than patrols", "Reduced",
        # Tactics by their labels: type, side and effectiveness.
        "Situational crime prevention", "Location", "Effective", "Not effective",
    ):
        assert text in html, text
    # Nothing of the case's own text: description, scanning, analysis, objectives, tactics'
    # descriptions, evaluation notes, measure or neighbourhood.
    for text in (
        "Groups gathering late at night.", "Pattern seen for", "Forty calls a quarter",
        "Teenagers with nothing to do after 9pm", "Halve the calls about it",
        "Tactic: situational at location", "Delivered in full", "ASB calls within 200 m",
        "No spatial displacement", "Central",
    ):
        assert text not in html, text
    what_worked = re.search(r'data-testid="what-worked">(.*?)</ul>', html, re.S).group(1)
    assert "Situational crime prevention" in what_worked
    assert "enforcement" not in what_worked.lower()


def test_case_study_view_is_audited(library, browser):
    response = browser(library.partner).get(f"/library/{library.lighting.reference}")
    assert response.status_code == 200
    row = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.user_id == library.partner.id, AuditEvent.action == "consultation"))
    assert row is not None and row.case_id == library.lighting.id


def test_case_study_has_a_print_button_without_inline_script(library, browser):
    signed_in = browser(library.viewer)
    html = _html(signed_in.get(f"/library/{library.lighting.reference}"))
    assert 'data-module="app-print"' in html
    assert "/static/print.js" in html
    assert "onclick" not in html
    # The only inline script is GOV.UK Frontend's nonced one in the page template.
    assert re.search(r"<script(?![^>]*\b(?:src|nonce)=)[^>]*>", html) is None
    assert 'data-testid="print-header"' in html
    assert signed_in.get("/static/print.js").status_code == 200


# --- partners and the setting -------------------------------------------------------------------

LIBRARY_PAGES = ["/library", "/library/what-works", "/library/what-works/cases",
                 "/library/{ref}"]


def test_a_partner_never_shared_the_case_can_read_its_case_study(library, browser):
    signed_in = browser(library.partner)
    # The partner cannot see the case itself...
    assert signed_in.get(f"/cases/{library.lighting.reference}").status_code == 404
    # ...but its published case study is theirs to read, as is the whole library.
    html = _html(signed_in.get(f"/library/{library.lighting.reference}"))
    assert "Brighter lighting and cut-back hedges ended the gathering" in html
    assert "Teenagers with nothing to do after 9pm" not in html
    assert _titles(_html(signed_in.get("/library"))) == ALL_GOOD_PRACTICE


def test_with_the_library_closed_partners_get_404_and_police_keep_access(library, browser):
    for force in (library.admin.organisation, library.other_force_officer.organisation):
        force.is_library_open_to_partners = False  # every force with case studies closes it
    db.session.commit()
    partner, police = browser(library.partner), browser(library.other_force_officer)
    for page in LIBRARY_PAGES:
        url = page.format(ref=library.lighting.reference)
        assert partner.get(url).status_code == 404, url
        assert police.get(url).status_code == 200, url


def test_what_works_counts_only_cases_the_user_can_see(library, browser):
    # A partner of an organisation nobody shared with reads the library but counts nothing.
    html = _html(browser(library.partner).get("/library/what-works"))
    assert 'data-testid="what-works"' not in html
    assert "No approved evaluations" in html
    # The other force counts only its own case.
    html = _html(browser(library.other_force_officer).get("/library/what-works"))
    assert _row_figures(html, "situational", "") == [1, 1, 0, 0, 0, 0, 1]


# --- personal details never appear ------------------------------------------------------------

def test_no_personal_details_on_any_library_page(library, browser):
    signed_in = browser(library.owner)  # who may see the people on the case itself
    case_page = _html(signed_in.get(f"/cases/{library.lighting.reference}"))
    assert SENTINELS["name"] in case_page  # the sentinel is really on the case
    urls = [
        "/library", f"/library/{library.lighting.reference}", "/library/what-works",
        "/library/what-works/cases?category=situational",
        "/library?q=Sentinelperson", "/library?q=07700",
    ]
    for url in urls:
        html = unescape(_html(signed_in.get(url)))
        for value in (*SENTINELS.values(), "HG49ZQ", "HG4 9ZQ", "17 March 1942", "1942-03-17"):
            assert value not in html, f"{value!r} on {url}"
        # No owner contact details either.
        assert library.owner.email not in html, url
    # Searching for a person's details finds nothing.
    assert _titles(_html(signed_in.get("/library?q=Sentinelperson"))) == set()
    # And the case study names nobody: not even the owning officer.
    html = _html(browser(library.viewer).get(f"/library/{library.lighting.reference}"))
    assert library.owner.name not in html


# --- what works ------------------------------------------------------------------------------

def _row_figures(html: str, category: str, side: str) -> list[int]:
    """Cases, then one count per outcome (resolved, reduced, no change, worse, displaced)."""
    row = re.search(
        rf'<tr [^>]*data-category="{category}" data-side="{side}">(.*?)</tr>', html, re.S)
    assert row, f"no row {category}/{side}"
    cells = re.findall(r'<td class="govuk-table__cell govuk-table__cell--numeric">(.*?)</td>',
                       row.group(1), re.S)
    return [int(re.search(r"\d+", re.sub(r"<[^>]+>", " ", cell)).group(0))
            for cell in cells[:6]] + [_effective_uses(cells[6])]


def _effective_uses(cell: str) -> int:
    return int(re.search(r"(\d+) of \d+ use", cell).group(1))


def test_what_works_figures(library, browser):
    html = _html(browser(library.viewer).get("/library/what-works"))
    # Situational: the lighting case (location, effective), the graffiti case (offender, partly)
    # and the plain case (location, unknown; victim, effective). Submitted, draft and other-force
    # cases do not count.
    assert _row_figures(html, "situational", "") == [3, 1, 1, 1, 0, 0, 2]
    assert _row_figures(html, "situational", "location") == [2, 0, 1, 1, 0, 0, 1]
    assert _row_figures(html, "situational", "offender") == [1, 1, 0, 0, 0, 0, 0]
    assert _row_figures(html, "situational", "victim") == [1, 0, 0, 1, 0, 0, 1]
    assert _row_figures(html, "engagement", "victim") == [1, 1, 0, 0, 0, 0, 1]
    assert _row_figures(html, "enforcement", "offender") == [1, 0, 1, 0, 0, 0, 0]
    assert 'data-category="support"' not in html
    # Situational: two of four uses rated effective.
    situational = re.search(r'data-category="situational" data-side="">(.*?)</tr>', html, re.S)
    assert "50%" in situational.group(1) and "2 of 4 uses" in situational.group(1)


def test_what_works_filters_by_problem_type(library, browser):
    signed_in = browser(library.viewer)
    html = _html(signed_in.get("/library/what-works", query_string={"problem_type": "graffiti"}))
    assert _row_figures(html, "situational", "") == [1, 1, 0, 0, 0, 0, 0]
    assert 'data-category="enforcement"' not in html
    html = _html(signed_in.get("/library/what-works", query_string={"problem_type": "nonsense"}))
    assert "govuk-error-summary" in html
    assert _row_figures(html, "situational", "") == [3, 1, 1, 1, 0, 0, 2]


@pytest.mark.parametrize("problem_type", [None, "asb_youth", "graffiti"])
def test_every_what_works_figure_equals_the_list_it_links_to(library, browser, problem_type):
    signed_in = browser(library.viewer)
    html = _html(signed_in.get("/library/what-works",
                               query_string={"problem_type": problem_type} if problem_type else {}))
    links = re.findall(r'<a class="govuk-link" href="([^"]+)" data-testid="figure">(\d+)', html)
    assert len(links) >= 5
    for href, figure in links:
        listing = _html(signed_in.get(unescape(href)))
        rows = re.search(r'data-testid="case-table">.*?<tbody[^>]*>(.*?)</tbody>', listing, re.S)
        listed = rows.group(1).count('<tr class="govuk-table__row">') if rows else 0
        assert listed == int(figure) == _count(listing, "case-count"), href
        if problem_type:
            assert f"problem_type={problem_type}" in href


def test_what_works_case_list_is_scoped_and_validated(library, browser):
    signed_in = browser(library.viewer)
    html = _html(signed_in.get("/library/what-works/cases",
                               query_string={"category": "situational", "side": "location"}))
    assert library.lighting.reference in html and library.plain.reference in html
    for case in (library.graffiti, library.submitted, library.draft, library.elsewhere):
        assert case.reference not in html
    # Only published case studies are linked (by their own title); no case's title is shown.
    assert f"/library/{library.lighting.reference}" in html
    assert f"/library/{library.plain.reference}" not in html
    assert "Car park plain case" not in html
    html = _html(signed_in.get("/library/what-works/cases",
                               query_string={"category": "bogus", "outcome": "no_change"}))
    assert "govuk-error-summary" in html
    assert _count(html, "case-count") == 1


def test_what_works_groups_in_sql_with_a_fixed_number_of_queries(library, browser,
                                                                   evaluated_case):
    signed_in = browser(library.viewer)
    signed_in.get("/library/what-works")
    with _count_queries() as few:
        _html(signed_in.get("/library/what-works"))
    for n in range(3):
        evaluated_case(library.owner, library.supervisor, title=f"More {n}",
                       tactics=[("diversion", "offender", "effective"),
                                ("support", "victim", "partly")], outcome="worse",
                       good_practice=False)
    db.session.commit()
    with _count_queries() as many:
        html = _html(signed_in.get("/library/what-works"))
    assert _row_figures(html, "diversion", "") == [3, 0, 0, 0, 3, 0, 3]
    assert len(many) == len(few)


# --- the admin setting ------------------------------------------------------------------------

def test_admin_can_close_the_library_to_partners_and_it_is_audited(library, browser):
    admin = browser(library.admin)
    html = _html(admin.get("/admin/settings"))
    assert 'name="library_open_to_partners"' in html
    assert re.search(r'value="yes"[^>]*checked', html)
    response = admin.post("/admin/settings", data={"library_open_to_partners": "no"})
    assert response.status_code == 302
    db.session.expire_all()
    assert library.admin.organisation.is_library_open_to_partners is False
    row = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "alteration", AuditEvent.record_ref == "library_open_to_partners"))
    assert row is not None and row.user_id == library.admin.id
    assert row.details["changes"] == [
        {"field": "library_open_to_partners", "before": True, "after": False}]
    # Partners no longer read this force's case studies; Westshire's stay open to them.
    assert _titles(_html(browser(library.partner).get("/library"))) == {
        "Westshire lighting scheme"}
    assert browser(library.partner).get(
        f"/library/{library.lighting.reference}").status_code == 404
    # Saving the same value again writes no further audit row.
    admin.post("/admin/settings", data={"library_open_to_partners": "no"})
    count = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.record_ref == "library_open_to_partners"))
    assert count == 1
    # And opening it again restores partner access.
    admin.post("/admin/settings", data={"library_open_to_partners": "yes"})
    assert _titles(_html(browser(library.partner).get("/library"))) == ALL_GOOD_PRACTICE


def test_each_force_opens_or_closes_its_own_library(library, browser, make_org, make_user,
                                                     make_case):
    """A force's admin decides for the force's case studies only; a partner organisation's admin
    has no such setting to change."""
    other_admin = make_user("admin", org=library.other_force_officer.organisation)
    partner_admin = make_user("admin", org=library.partner.organisation)
    db.session.commit()
    assert browser(partner_admin).get("/admin/settings").status_code == 403
    assert browser(partner_admin).post("/admin/settings", data={
        "library_open_to_partners": "no"}).status_code == 403
    browser(other_admin).post("/admin/settings", data={"library_open_to_partners": "no"})
    db.session.expire_all()
    assert library.admin.organisation.is_library_open_to_partners is True
    assert library.other_force_officer.organisation.is_library_open_to_partners is False
    assert _titles(_html(browser(library.partner).get("/library"))) == (
        ALL_GOOD_PRACTICE - {"Westshire lighting scheme"})


def test_settings_refuse_bad_input_and_non_admins(library, browser):
    admin = browser(library.admin)
    response = admin.post("/admin/settings", data={"library_open_to_partners": "maybe"})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.get_data(as_text=True)
    assert admin.post("/admin/settings", data={"library_open_to_partners": "no"},
                      csrf=False).status_code == 400
    db.session.expire_all()
    assert library.admin.organisation.is_library_open_to_partners is True
    for user in (library.supervisor, library.partner, library.owner):
        signed_in = browser(user)
        assert signed_in.get("/admin/settings").status_code == 403
        assert signed_in.post("/admin/settings",
                              data={"library_open_to_partners": "no"}).status_code == 403
    db.session.expire_all()
    assert library.admin.organisation.is_library_open_to_partners is True
