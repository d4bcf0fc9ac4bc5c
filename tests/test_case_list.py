"""The case list and "My cases": paging, filters, sorting, bad query strings, and what another
police force (or a partner agency) can and cannot see.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from sara.cases import service
from sara.cases.models import ProblemCase
from sara.cases.taxonomy import STAGE_ORDER
from sara.extensions import db
from tests.test_cases import (
    Page,
    advance,
    edit_data,
    reload,
)

REF = re.compile(r"PS-\d{4}-\d{5}")


def references(page: Page) -> list[str]:
    """The references in the case table, top to bottom."""
    tables = page.find_all("table", data_testid="case-table")
    if not tables:
        return []
    return [
        REF.search(row.text).group(0)
        for row in page.find_all("tr", "govuk-table__row")
        if row.inside("tbody") and REF.search(row.text)
    ]


def count_line(page: Page) -> str:
    return page.first_text(data_testid="case-count")


def refs(cases) -> list[str]:
    return [c.reference for c in cases]


@pytest.fixture
def b(browser, officer):
    return browser(officer)


@pytest.fixture
def other_force(make_org):
    return make_org("Other Constabulary", neighbourhoods=("Elsewhere",))


# --- paging ------------------------------------------------------------------------------------

def test_the_list_shows_fifty_cases_a_page(b, make_case):
    cases = [make_case(title=f"Problem number {n}") for n in range(53)]

    first, second = Page(b.get("/cases")), Page(b.get("/cases?page=2"))

    assert first.status == second.status == 200
    assert len(references(first)) == 50
    assert len(references(second)) == 3
    assert not set(references(first)) & set(references(second))
    assert set(references(first)) | set(references(second)) == set(refs(cases))
    assert count_line(first) == "53 cases, page 1 of 2"
    assert count_line(second) == "53 cases, page 2 of 2"
    assert any(a.attrs.get("href", "").endswith("page=2") for a in first.find_all("a"))
    # Beyond the last page: an empty page, not an error.
    beyond = Page(b.get("/cases?page=3"))
    assert beyond.status == 200 and references(beyond) == []


def test_paging_keeps_the_filters(b, make_case):
    cases = [make_case(problem_type="graffiti") for _ in range(51)]
    make_case(problem_type="noise")

    page = Page(b.get("/cases?problem_type=graffiti&page=2"))

    # Newest first by default, so the oldest graffiti case is alone on page 2.
    assert references(page) == [min(refs(cases))]
    assert count_line(page) == "51 cases, page 2 of 2"
    links = [a.attrs["href"] for a in page.find_all("a", "govuk-pagination__link")]
    assert links and all("problem_type=graffiti" in href for href in links)


# --- filters -----------------------------------------------------------------------------------

@pytest.fixture
def mixed(officer, make_user, make_case, police):
    """Cases that differ in every filterable way."""
    colleague = make_user("officer", name="Colin Colleague")
    central, northside, riverside = police.neighbourhoods
    cases = {
        "scanning_noise": make_case(problem_type="noise", neighbourhood=central),
        "analysis_graffiti": make_case(problem_type="graffiti", neighbourhood=northside),
        "response_colin": make_case(owner=colleague, problem_type="noise",
                                    neighbourhood=riverside),
        "closed_burglary": make_case(problem_type="burglary", neighbourhood=central),
        "assessment_colin": make_case(owner=colleague, problem_type="graffiti",
                                      neighbourhood=northside),
    }
    advance(cases["analysis_graffiti"], officer, "analysis")
    advance(cases["response_colin"], colleague, "response")
    advance(cases["assessment_colin"], colleague, "assessment")
    closing = cases["closed_burglary"]
    service.close_case(closing, officer, "not_evaluated", None, closing.version)
    db.session.flush()
    return {"cases": cases, "colleague": colleague, "neighbourhoods": police.neighbourhoods}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("stage=scanning", {"scanning_noise", "closed_burglary"}),
        ("stage=analysis", {"analysis_graffiti"}),
        ("stage=response", {"response_colin"}),
        ("stage=assessment", {"assessment_colin"}),
        ("status=open", {"scanning_noise", "analysis_graffiti", "response_colin",
                         "assessment_colin"}),
        ("status=closed", {"closed_burglary"}),
        ("neighbourhood={central}", {"scanning_noise", "closed_burglary"}),
        ("neighbourhood={northside}", {"analysis_graffiti", "assessment_colin"}),
        ("problem_type=graffiti", {"analysis_graffiti", "assessment_colin"}),
        ("problem_type=vehicle_crime", set()),
        ("owner={colin}", {"response_colin", "assessment_colin"}),
        ("owner={olivia}", {"scanning_noise", "analysis_graffiti", "closed_burglary"}),
        ("problem_type=noise&owner={olivia}", {"scanning_noise"}),
        ("status=open&neighbourhood={northside}&stage=assessment", {"assessment_colin"}),
        ("", {"scanning_noise", "analysis_graffiti", "response_colin", "closed_burglary",
              "assessment_colin"}),
    ],
)
def test_each_filter_narrows_the_list(b, officer, mixed, query, expected):
    central, northside, _ = mixed["neighbourhoods"]
    query = query.format(central=central.id, northside=northside.id,
                         colin=mixed["colleague"].id, olivia=officer.id)

    page = Page(b.get(f"/cases?{query}"))

    assert page.status == 200
    assert not page.error_summary
    assert set(references(page)) == {mixed["cases"][k].reference for k in expected}
    if not expected:
        assert "No cases match these filters." in page.text


def test_the_filter_form_shows_the_chosen_filters(b, officer, mixed):
    page = Page(b.get(f"/cases?stage=analysis&owner={officer.id}"))

    assert page.value("stage") == "analysis"
    assert page.value("owner") == str(officer.id)


def test_a_plain_visit_to_the_list_reports_no_filter_errors(b, make_case):
    make_case()

    page = Page(b.get("/cases"))

    assert page.status == 200
    assert page.error_summary == ""
    assert "not valid" not in page.text


# --- sorting -----------------------------------------------------------------------------------

@pytest.fixture
def sortable(officer, make_case):
    """Four cases whose title, stage, last update and next review all order differently.

    Titles mix capitals so that a case-sensitive title sort would put them in another order.
    """
    now = datetime.now(UTC)
    specs = [
        # title, stage, updated (days ago), next review (days ahead)
        ("delta problem", "response", 3, 5),
        ("alpha problem", "scanning", 1, None),
        ("Charlie problem", "assessment", 4, 2),
        ("Bravo problem", "analysis", 2, 9),
    ]
    cases = {}
    for title, stage, days_ago, review_in in specs:
        case = advance(make_case(title=title), officer, stage)
        cases[title] = (case, stage, days_ago, review_in)
    # Set the dates after all the moves, so that nothing else touches them.
    for case, _stage, days_ago, review_in in cases.values():
        case.updated_dt = now - timedelta(days=days_ago)
        case.next_review_date = date.today() + timedelta(days=review_in) if review_in else None
    db.session.flush()
    return {title: spec[0].reference for title, spec in cases.items()}


SORTED = {
    # key: ascending order of titles
    "reference": ["delta problem", "alpha problem", "Charlie problem", "Bravo problem"],
    "title": ["alpha problem", "Bravo problem", "Charlie problem", "delta problem"],
    "stage": ["alpha problem", "Bravo problem", "delta problem", "Charlie problem"],
    "updated": ["Charlie problem", "delta problem", "Bravo problem", "alpha problem"],
    "next_review": ["Charlie problem", "delta problem", "Bravo problem", "alpha problem"],
}


@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("key", list(SORTED))
def test_sorting(b, sortable, key, direction):
    expected = [sortable[t] for t in SORTED[key]]
    if direction == "desc":
        expected.reverse()
    if key == "next_review":
        # A case with no review date goes last either way.
        no_date = sortable["alpha problem"]
        expected.remove(no_date)
        expected.append(no_date)

    page = Page(b.get(f"/cases?sort={key}&dir={direction}"))

    assert page.status == 200
    assert references(page) == expected
    header = [th for th in page.find_all("th") if th.attrs.get("aria-sort") != "none"
              and th.attrs.get("aria-sort")]
    assert [th.attrs["aria-sort"] for th in header] == [
        "ascending" if direction == "asc" else "descending"]


def test_the_default_order_is_most_recently_updated_first(b, sortable):
    page = Page(b.get("/cases"))

    assert references(page) == [sortable[t] for t in reversed(SORTED["updated"])]


def test_sorting_keeps_ties_in_a_stable_order(b, officer, make_case):
    same_title = [make_case(title="Same") for _ in range(3)]

    page = Page(b.get("/cases?sort=title&dir=asc"))

    assert references(page) == sorted(refs(same_title), reverse=True)


# --- bad query strings -------------------------------------------------------------------------

@pytest.mark.parametrize(
    "query",
    [
        "stage=bogus",
        "status=archived",
        "neighbourhood=abc",
        "neighbourhood=999999",
        "neighbourhood=99999999999999999999999999",
        "problem_type=%00",
        "owner=abc",
        "owner=-1",
        "page=-3",
        "page=0",
        "page=abc",
        "page=99999999999999999999",
        "page=" + "9" * 5000,
        "sort=drop",
        "sort=reference;DROP TABLE problem_cases",
        "dir=sideways",
        "sort=title&dir=",
        "stage=" + "x" * 100_000,
        "stage=analysis&stage=scanning",
        # The first and last days there are: nothing to bound, and no overflow.
        "opened_from=0001-01-01&opened_to=9999-12-31",
        "closed_to=9999-12-31&status=",
        "opened_to=2026-13-45",
    ],
)
def test_invalid_filters_are_ignored_not_an_error(b, make_case, query):
    cases = [make_case() for _ in range(3)]

    page = Page(b.get(f"/cases?{query}"))

    assert page.status == 200
    if not query.startswith(("page=9", "page=99", "stage=analysis")):
        assert set(references(page)) == set(refs(cases))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProblemCase)) == 3


def test_an_invalid_filter_is_reported_and_the_valid_ones_still_apply(b, make_case):
    graffiti = make_case(problem_type="graffiti")
    make_case(problem_type="noise")

    page = Page(b.get("/cases?problem_type=graffiti&stage=bogus"))

    assert page.status == 200
    assert "Some filters were not valid and have been ignored" in page.error_summary
    assert references(page) == [graffiti.reference]


# --- My cases ----------------------------------------------------------------------------------

def test_my_cases_lists_only_the_signed_in_officers_cases(b, browser, make_user, make_case):
    colleague = make_user("officer", name="Colin Colleague")
    mine = [make_case(), make_case()]
    theirs = [make_case(owner=colleague)]

    page = Page(b.get("/cases/mine"))
    assert page.status == 200
    assert set(references(page)) == set(refs(mine))
    # Asking for someone else's cases on "My cases" does not widen it.
    page = Page(b.get(f"/cases/mine?owner={colleague.id}"))
    assert set(references(page)) == set(refs(mine))

    assert set(references(Page(browser(colleague).get("/cases/mine")))) == set(refs(theirs))
    assert len(references(Page(b.get("/cases")))) == 3


def test_my_cases_follows_a_change_of_owner(b, browser, make_user, make_case):
    colleague = make_user("officer", name="Colin Colleague")
    case = make_case()

    assert b.post(f"/cases/{case.reference}/edit",
                  data=edit_data(case, owner_id=str(colleague.id))).status_code == 302

    assert references(Page(b.get("/cases/mine"))) == []
    assert references(Page(browser(colleague).get("/cases/mine"))) == [reload(case).reference]


# --- other forces and partners -----------------------------------------------------------------

def _case_routes(case):
    objective, tactic = case.objectives[0].id, case.tactics[0].id
    ref = case.reference
    gets = ["", "/timeline", "/edit", "/scanning", "/analysis", "/response", "/stage", "/close",
            "/reopen"]
    posts = {
        "/edit": edit_data(case, title="Hijacked"),
        "/scanning": {"scan_summary": "Hijacked", "version": case.version},
        "/analysis": {"analysis_why": "Hijacked", "version": case.version},
        "/objectives": {"text": "Hijacked", "version": case.version},
        "/tactics": {"category": "support", "triangle_side": "victim", "description": "Hijacked",
                     "version": case.version},
        f"/objectives/{objective}/remove": {"version": case.version},
        f"/tactics/{tactic}/remove": {"version": case.version},
        "/stage": {"to_stage": "assessment", "reason": "", "version": case.version},
        "/close": {"closure_reason": "not_evaluated", "version": case.version},
        "/reopen": {"reason": "Hijacked", "version": case.version},
    }
    return [f"/cases/{ref}{p}" for p in gets], {f"/cases/{ref}{p}": d for p, d in posts.items()}


@pytest.fixture
def guarded_case(officer, make_case):
    case = advance(make_case(title="Secret parade problem"), officer, "response")
    service.add_objective(case, officer, "Halve the calls", case.version)
    service.add_tactic(case, officer, category="support", triangle_side="victim",
                       description="Visit victims", expected_version=case.version)
    db.session.flush()
    return case


@pytest.mark.parametrize("role", ["officer", "supervisor", "call_handler", "admin"])
def test_another_force_never_sees_the_case(browser, make_user, other_force, guarded_case, role):
    outsider = browser(make_user(role, org=other_force))
    version = guarded_case.version

    for path in ("/cases", "/cases/mine", "/cases?status=open",
                 f"/cases?owner={guarded_case.owner_id}"):
        page = Page(outsider.get(path))
        assert page.status == 200
        assert references(page) == []
        assert "Secret parade problem" not in page.html
        assert guarded_case.reference not in page.html

    gets, posts = _case_routes(guarded_case)
    for path in gets:
        assert outsider.get(path).status_code == 404, path
    for path, data in posts.items():
        assert outsider.post(path, data=data).status_code == 404, path

    case = reload(guarded_case)
    assert case.version == version
    assert (case.title, case.stage, case.status) == ("Secret parade problem", "response", "open")
    assert len(case.objectives) == 1 and len(case.tactics) == 1


def test_a_closed_case_of_another_force_is_404_on_reopen(browser, make_user, other_force,
                                                         officer, make_case):
    case = make_case()
    service.close_case(case, officer, "not_evaluated", None, case.version)
    db.session.flush()
    outsider = browser(make_user("officer", org=other_force))

    assert outsider.get(f"/cases/{case.reference}/reopen").status_code == 404
    assert outsider.post(f"/cases/{case.reference}/reopen",
                         data={"reason": "x", "version": case.version}).status_code == 404
    assert reload(case).status == "closed"


def test_the_other_force_sees_its_own_cases_only(browser, make_user, other_force, make_case,
                                                 guarded_case):
    their_officer = make_user("officer", org=other_force)
    theirs = make_case(owner=their_officer)

    page = Page(browser(their_officer).get("/cases"))

    assert references(page) == [theirs.reference]
    assert count_line(page) == "1 case"


def test_a_partner_agency_user_gets_404_for_an_unshared_case(browser, make_org, make_user,
                                                            guarded_case):
    council = make_org("City Council", kind="local_authority")
    partner = browser(make_user("partner", org=council))

    gets, posts = _case_routes(guarded_case)
    for path in gets:
        assert partner.get(path).status_code == 404, path
    for path, data in posts.items():
        assert partner.post(path, data=data).status_code == 404, path
    assert reload(guarded_case).title == "Secret parade problem"


def test_the_stages_in_the_stage_filter_are_the_sara_stages(b):
    page = Page(b.get("/cases"))

    options = [o.attrs["value"] for o in page.find_all("option") if o.inside("select", name="stage")]
    assert options == ["", *STAGE_ORDER]


# --- date filters ------------------------------------------------------------------------------

def test_date_filters_are_day_month_and_year_boxes_and_old_links_still_work(b, make_case):
    """As on every other form; a dashboard's ?opened_from=2026-06-01 link still filters, and
    shows the date in the boxes."""
    old = make_case(title="Opened in March")
    old.created_dt = old.created_dt.replace(month=3, day=2)
    new = make_case(title="Opened in June")
    db.session.commit()

    boxes = "opened_from=1&opened_from=6&opened_from=2026"
    page = Page(b.get(f"/cases?{boxes}"))
    assert references(page) == [new.reference]
    assert not page.error_summary
    inputs = [e for e in page.find_all("input") if e.attrs.get("name") == "opened_from"]
    assert [(i.attrs.get("id"), i.attrs.get("value")) for i in inputs] == [
        ("opened_from-day", "1"), ("opened_from-month", "6"), ("opened_from-year", "2026")]
    # Sorting keeps all three boxes.
    sort_links = [e.attrs["href"] for e in page.find_all("a") if e.inside("th")]
    assert sort_links and all(boxes in link for link in sort_links)

    linked = Page(b.get("/cases?opened_from=2026-06-01"))
    assert references(linked) == [new.reference]
    assert [i.attrs.get("value") for i in linked.find_all("input")
            if i.attrs.get("name") == "opened_from"] == ["1", "6", "2026"]

    bad = Page(b.get("/cases?opened_from=31&opened_from=2&opened_from=2026"))
    assert "Opened on or after must be a real date" in bad.error_summary
    assert set(references(bad)) == {old.reference, new.reference}
