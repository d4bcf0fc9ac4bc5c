"""Problem cases through the web pages: creating, the SARA stage rules, objectives and tactics,
the timeline, two people editing one case, and who may do what.

The case list (filters, sorting, paging, other forces) is in test_case_list.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from sara.cases import service
from sara.cases.models import (
    CaseEvent,
    CaseObjective,
    PlannedTactic,
    ProblemCase,
)
from sara.cases.taxonomy import ANALYSIS_FIELDS, PROBLEM_TYPES, STAGE_ORDER, STAGES
from sara.core.references import ReferenceCounter
from sara.extensions import db
from tests.conftest import FROZEN_NOW

YEAR = FROZEN_NOW.year  # references carry the year of the tests' frozen clock
REFERENCE = re.compile(rf"^PS-{YEAR}-\d{{5}}$")
BIG = "x" * 100_000  # 100 kB in one field
NUL = "Before\x00after"


# --- test plumbing -----------------------------------------------------------------------------

# --- reading pages -----------------------------------------------------------------------------

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}


@dataclass(eq=False)
class Element:
    tag: str
    attrs: dict
    parent: Element | None
    parts: list = field(default_factory=list)

    @property
    def raw_text(self) -> str:
        return "".join(self.parts)

    @property
    def text(self) -> str:
        return " ".join(self.raw_text.split())

    def has_class(self, name: str) -> bool:
        return name in (self.attrs.get("class") or "").split()

    def inside(self, tag: str, **attrs) -> bool:
        node = self.parent
        while node is not None:
            if node.tag == tag and all(node.attrs.get(k) == v for k, v in attrs.items()):
                return True
            node = node.parent
        return False


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.open: list[Element] = []

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs}, self.open[-1] if self.open else None)
        self.elements.append(element)
        if tag not in _VOID:
            self.open.append(element)

    def handle_startendtag(self, tag, attrs):
        parent = self.open[-1] if self.open else None
        self.elements.append(Element(tag, {k: v or "" for k, v in attrs}, parent))

    def handle_endtag(self, tag):
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i].tag == tag:
                del self.open[i:]
                return

    def handle_data(self, data):
        for element in self.open:
            element.parts.append(data)


class Page:
    """A response, with the few ways of reading it that the tests need."""

    def __init__(self, response):
        self.response = response
        self.status = response.status_code
        self.html = response.get_data(as_text=True)
        parser = _Parser()
        parser.feed(self.html)
        self.elements = parser.elements

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs) -> list[Element]:
        attrs = {k.replace("_", "-"): v for k, v in attrs.items()}
        return [
            e for e in self.elements
            if (tag is None or e.tag == tag)
            and (cls is None or e.has_class(cls))
            and all(e.attrs.get(k) == v for k, v in attrs.items())
        ]

    def first_text(self, tag=None, cls=None, **attrs) -> str:
        found = self.find_all(tag, cls, **attrs)
        return found[0].text if found else ""

    @property
    def text(self) -> str:
        body = self.find_all("main") or self.find_all("body")
        return body[0].text

    @property
    def error_summary(self) -> str:
        """Text of the GOV.UK error summary ('' when the page has none)."""
        return " ".join(
            e.text for e in self.find_all("div", "govuk-error-summary")
            if e.attrs.get("data-testid") != "conflict"
        )

    @property
    def conflict(self) -> str:
        return self.first_text(data_testid="conflict")

    def value(self, name: str) -> str | None:
        """What a form field named `name` holds, as a browser would submit it."""
        for e in self.elements:
            if e.attrs.get("name") != name:
                continue
            if e.tag == "textarea":
                return e.raw_text.lstrip("\r\n")
            if e.tag == "input" and e.attrs.get("type") in ("radio", "checkbox"):
                if "checked" in e.attrs:
                    return e.attrs.get("value")
                continue
            if e.tag == "input":
                return e.attrs.get("value", "")
            if e.tag == "select":
                for option in self.find_all("option"):
                    if "selected" in option.attrs and option.inside("select", name=name):
                        return option.attrs.get("value")
                return None
        return None

    @property
    def timeline(self) -> list[str]:
        return [e.text for e in self.find_all("li", "app-timeline__item")]


def assert_form_error(page: Page, *messages: str) -> None:
    """The form came back (not a crash, not a redirect) with the GOV.UK error summary."""
    assert page.status == 200, page.html[:2000]
    assert "There is a problem" in page.error_summary
    for message in messages:
        assert message in page.error_summary


# --- the database ------------------------------------------------------------------------------

def reload(case: ProblemCase) -> ProblemCase:
    case_id = sa.inspect(case).identity[0]
    db.session.expire_all()
    return db.session.get(ProblemCase, case_id)


def case_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ProblemCase))


def events_of(case: ProblemCase) -> list[CaseEvent]:
    """The stored timeline rows, oldest first."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        )
    )


def event_kinds(case: ProblemCase) -> list[str]:
    return [e.kind for e in events_of(case)]


def advance(case: ProblemCase, user, to_stage: str) -> ProblemCase:
    """Fill in what each stage needs and walk the case forward to `to_stage` (not via the web)."""
    while case.stage != to_stage:
        target = STAGE_ORDER[case.stage_index + 1]
        if target == "analysis" and not case.scan_summary:
            service.update_fields(case, user, {"scan_summary": "Pattern seen"}, case.version)
        if target == "response" and not service.has_analysis(case):
            service.update_fields(case, user, {"analysis_location": "Dark alley"}, case.version)
        if target == "assessment":
            if not case.objectives:
                service.add_objective(case, user, "Halve the calls", case.version)
            if not case.tactics:
                service.add_tactic(case, user, category="situational", triangle_side="location",
                                   description="Better lighting", expected_version=case.version)
        service.move_stage(case, user, target, None, case.version)
    db.session.flush()
    return case


# --- form data ---------------------------------------------------------------------------------

def new_case_data(neighbourhood, **overrides) -> dict:
    data = {
        "title": "Youths gathering at the parade",
        "problem_type": "asb_youth",
        "neighbourhood_id": str(neighbourhood.id),
        "location_text": "Ermine shopping parade",
        "latitude": "53.2307",
        "longitude": "-0.5406",
        "description": "Groups shouting and throwing stones late at night.",
    }
    data.update(overrides)
    return data


def edit_data(case: ProblemCase, **overrides) -> dict:
    """The case-details form as a browser would send it, unchanged except for `overrides`."""
    data = {
        "title": case.title,
        "problem_type": case.problem_type,
        "neighbourhood_id": str(case.neighbourhood_id),
        "location_text": case.location_text,
        "latitude": "" if case.latitude is None else str(case.latitude),
        "longitude": "" if case.longitude is None else str(case.longitude),
        "description": case.description,
        "owner_id": str(case.owner_id),
        "review_cadence_days": str(case.review_cadence_days),
        "version": str(case.version),
    }
    data.update(overrides)
    return data


def scanning_data(case, **overrides) -> dict:
    data = {"scan_source": "resident_complaint", "scan_summary": "Stones thrown at buses",
            "scan_baseline": "23 calls in 3 months", "version": str(case.version)}
    data.update(overrides)
    return data


def analysis_data(case, **overrides) -> dict:
    data = {name: f"Notes on {name}" for name in ANALYSIS_FIELDS}
    data["version"] = str(case.version)
    data.update(overrides)
    return data


def move(browser, case, to_stage, reason="", version=None) -> Page:
    version = case.version if version is None else version
    return Page(browser.post(f"/cases/{case.reference}/stage",
                             data={"to_stage": to_stage, "reason": reason, "version": version}))


@pytest.fixture
def b(browser, officer):
    """The officer's signed-in browser."""
    return browser(officer)


@pytest.fixture
def other_force(make_org):
    return make_org("Other Constabulary", neighbourhoods=("Elsewhere",))


# === 1. creating a case ========================================================================

def test_creating_a_case_issues_a_reference_and_opens_its_page(b, officer, police):
    response = b.post("/cases/new", data=new_case_data(police.neighbourhoods[1]))

    assert response.status_code == 302
    reference = response.headers["Location"].rsplit("/", 1)[-1]
    assert REFERENCE.match(reference)
    assert response.headers["Location"].endswith(f"/cases/{reference}")

    case = db.session.scalar(sa.select(ProblemCase).where(ProblemCase.reference == reference))
    assert case.title == "Youths gathering at the parade"
    assert case.neighbourhood.name == "Northside"
    assert (case.latitude, case.longitude) == (53.2307, -0.5406)
    assert (case.owner_id, case.organisation_id) == (officer.id, police.id)
    assert (case.status, case.stage) == ("open", "scanning")
    assert event_kinds(case) == ["created"]

    page = Page(b.get(f"/cases/{reference}"))
    assert page.status == 200
    assert reference in page.text
    assert "Youths gathering at the parade" in page.text
    assert f"Case {reference} created." in page.text


def test_references_are_consecutive_and_the_counter_remembers_the_last(b, police):
    references = []
    for n in range(3):
        response = b.post("/cases/new", data=new_case_data(police.neighbourhoods[0], title=f"Case {n}"))
        assert response.status_code == 302
        references.append(response.headers["Location"].rsplit("/", 1)[-1])

    assert all(REFERENCE.match(r) for r in references)
    numbers = [int(r.rsplit("-", 1)[-1]) for r in references]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]
    counter = db.session.get(ReferenceCounter, f"case-{YEAR}")
    assert counter is not None and counter.last_number == numbers[-1]


def test_a_reference_is_never_reused_even_when_the_newest_case_is_gone(b, police):
    first = b.post("/cases/new", data=new_case_data(police.neighbourhoods[0]))
    second = b.post("/cases/new", data=new_case_data(police.neighbourhoods[0]))
    second_ref = second.headers["Location"].rsplit("/", 1)[-1]
    # Cases are never deleted (their audit trail holds on to them), so stand in for a vanished
    # newest case by moving its reference out of the series.
    db.session.execute(
        sa.update(ProblemCase).where(ProblemCase.reference == second_ref)
        .values(reference="GONE-1", version=ProblemCase.version + 1)
    )
    db.session.commit()

    third = b.post("/cases/new", data=new_case_data(police.neighbourhoods[0]))

    number = lambda r: int(r.headers["Location"].rsplit("-", 1)[-1])  # noqa: E731
    assert number(third) == number(first) + 2 == number(second) + 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "Enter a title"),
        ({"title": "   "}, "Title"),
        ({"problem_type": ""}, "Choose a problem type"),
        ({"problem_type": "jaywalking"}, "Not a valid choice"),
        ({"neighbourhood_id": ""}, "neighbourhood"),
        ({"neighbourhood_id": "abc"}, ""),
        ({"location_text": ""}, "Enter the location"),
        ({"location_text": "   "}, "Enter the location"),
        ({"description": ""}, "Enter a description"),
        ({"description": " \r\n "}, "Enter a description"),
        ({"latitude": "fifty-three"}, ""),
        ({"latitude": "40.1"}, "Latitude must be between 49 and 61"),
        ({"longitude": "12"}, "Longitude must be between -9 and 2"),
        ({"latitude": "NaN"}, ""),
        ({"latitude": "Infinity"}, ""),
        ({"longitude": ""}, "Enter both latitude and longitude, or neither"),
        ({"latitude": ""}, "Enter both latitude and longitude, or neither"),
    ],
    ids=["no-title", "blank-title", "no-type", "bad-type", "no-neighbourhood",
         "bad-neighbourhood", "no-location", "blank-location", "no-description",
         "blank-description", "bad-latitude", "latitude-outside-uk", "longitude-outside-uk",
         "nan-latitude", "infinite-latitude", "latitude-only", "longitude-only"],
)
def test_invalid_new_case_is_refused_and_keeps_what_was_typed(b, police, overrides, message):
    data = new_case_data(police.neighbourhoods[0], **overrides)

    page = Page(b.post("/cases/new", data=data))

    assert_form_error(page, message)
    assert case_count() == 0
    assert db.session.get(ReferenceCounter, f"case-{YEAR}") is None
    # What was typed is still in the form.
    for name in ("title", "location_text", "latitude", "longitude"):
        assert page.value(name) == data[name].strip()
    assert page.value("description") == data["description"].strip()
    if data["problem_type"] in PROBLEM_TYPES:
        assert page.value("problem_type") == data["problem_type"]


def test_a_neighbourhood_of_another_force_is_refused(b, other_force):
    page = Page(b.post("/cases/new", data=new_case_data(other_force.neighbourhoods[0])))

    assert_form_error(page)
    assert case_count() == 0
    assert page.value("title") == "Youths gathering at the parade"


def test_the_new_case_form_lists_only_own_force_neighbourhoods(b, other_force):
    page = Page(b.get("/cases/new"))

    assert page.status == 200
    options = [o.text for o in page.find_all("option") if o.inside("select", name="neighbourhood_id")]
    assert {"Central", "Northside", "Riverside"} <= set(options)
    assert "Elsewhere" not in options


# === 2. NUL bytes and huge input ===============================================================

NEW_CASE_TEXT_FIELDS = ["title", "location_text", "description", "latitude", "longitude"]
SCANNING_TEXT_FIELDS = ["scan_summary", "scan_baseline", "scan_source"]


@pytest.mark.parametrize("value", [NUL, BIG], ids=["nul", "100kB"])
@pytest.mark.parametrize("name", NEW_CASE_TEXT_FIELDS)
def test_new_case_refuses_nul_and_huge_text(b, police, name, value):
    page = Page(b.post("/cases/new", data=new_case_data(police.neighbourhoods[0], **{name: value})))

    assert_form_error(page)
    assert case_count() == 0


@pytest.mark.parametrize("value", [NUL, BIG], ids=["nul", "100kB"])
@pytest.mark.parametrize("name", SCANNING_TEXT_FIELDS)
def test_scanning_form_refuses_nul_and_huge_text(b, make_case, name, value):
    case = make_case()
    version, before = case.version, event_kinds(case)

    page = Page(b.post(f"/cases/{case.reference}/scanning",
                       data=scanning_data(case, **{name: value})))

    assert_form_error(page)
    case = reload(case)
    assert (case.version, case.scan_summary, case.scan_baseline, case.scan_source) == (
        version, "", "", None)
    assert event_kinds(case) == before


@pytest.mark.parametrize("value", [NUL, BIG], ids=["nul", "100kB"])
@pytest.mark.parametrize("name", list(ANALYSIS_FIELDS))
def test_analysis_form_refuses_nul_and_huge_text(b, officer, make_case, name, value):
    case = advance(make_case(), officer, "analysis")
    version, before = case.version, event_kinds(case)

    page = Page(b.post(f"/cases/{case.reference}/analysis",
                       data=analysis_data(case, **{name: value})))

    assert_form_error(page)
    case = reload(case)
    assert case.version == version
    assert not service.has_analysis(case)
    assert event_kinds(case) == before


@pytest.mark.parametrize("value", [NUL, BIG], ids=["nul", "100kB"])
@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/edit", {"title": None}),
        ("/edit", {"description": None}),
        ("/objectives", {"text": None}),
        ("/tactics", {"category": "enforcement", "triangle_side": "offender", "description": None}),
        ("/stage", {"to_stage": "analysis", "reason": None}),
        ("/close", {"closure_reason": "not_evaluated", "closure_note": None}),
    ],
    ids=["edit-title", "edit-description", "objective", "tactic", "stage-reason", "closure-note"],
)
def test_other_case_forms_refuse_nul_and_huge_text(b, make_case, path, data, value):
    case = make_case(scan_summary="Pattern seen")
    version = case.version
    payload = edit_data(case) if path == "/edit" else {"version": str(version)}
    payload.update({k: (value if v is None else v) for k, v in data.items()})

    page = Page(b.post(f"/cases/{case.reference}{path}", data=payload))

    assert page.status == 200
    assert "There is a problem" in page.error_summary
    case = reload(case)
    assert case.version == version
    assert (case.stage, case.status) == ("scanning", "open")
    assert not case.objectives and not case.tactics


# === 3. the case page ==========================================================================

@pytest.mark.parametrize("stage", STAGE_ORDER)
def test_case_page_marks_the_current_stage(b, officer, make_case, stage):
    case = advance(make_case(), officer, stage)

    page = Page(b.get(f"/cases/{case.reference}"))

    assert page.status == 200
    steps = page.find_all("li", "app-stages__item")
    assert [s.text.split(": ")[-1] for s in steps] == list(STAGES.values())
    current = page.find_all(aria_current="step")
    assert len(current) == 1
    assert current[0].text.endswith(STAGES[stage])
    assert "current" in current[0].text
    index = STAGE_ORDER.index(stage)
    for i, step in enumerate(steps):
        assert ("completed" in step.text) == (i < index)


def test_case_page_shows_the_fields_of_every_stage(b, officer, make_case):
    case = make_case(
        title="Stones thrown at buses",
        scan_source="partner_referral",
        scan_summary="Buses hit on Friday nights",
        scan_baseline="12 reports in 6 weeks",
        **{name: f"{name} text" for name in ANALYSIS_FIELDS},
    )
    service.add_objective(case, officer, "No stones thrown for 8 weeks", case.version)
    service.add_tactic(case, officer, category="diversion", triangle_side="offender",
                       description="Friday youth club", expected_version=case.version)
    db.session.flush()

    text = Page(b.get(f"/cases/{case.reference}")).text

    for expected in ["Stones thrown at buses", "Partner referral", "Buses hit on Friday nights",
                     "12 reports in 6 weeks", "No stones thrown for 8 weeks", "Diversion",
                     "Offender", "Friday youth club", "Olivia Officer", "Central",
                     "Market Square"]:
        assert expected in text
    for name, label in ANALYSIS_FIELDS.items():
        assert label in text
        assert f"{name} text" in text


def test_case_page_escapes_what_users_typed(b, make_case):
    case = make_case(title="<script>alert(1)</script>", description="<b>bold</b>",
                     scan_summary="<img src=x onerror=alert(1)>")

    page = Page(b.get(f"/cases/{case.reference}"))

    assert "<script>alert(1)</script>" not in page.html
    assert "<img src=x" not in page.html
    assert "<b>bold</b>" not in page.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.html
    assert "<b>bold</b>" in page.text  # shown as typed


def test_unknown_case_is_404(b):
    assert b.get(f"/cases/PS-{YEAR}-99999").status_code == 404


# === 4. stage rules ============================================================================

def test_analysis_needs_the_scanning_summary(b, make_case):
    case = make_case()

    page = move(b, case, "analysis")

    assert_form_error(page, "Add the scanning summary before moving the case to Analysis")
    assert reload(case).stage == "scanning"
    assert "stage_moved" not in event_kinds(case)

    assert b.post(f"/cases/{case.reference}/scanning",
                  data=scanning_data(case)).status_code == 302
    response = b.post(f"/cases/{case.reference}/stage",
                      data={"to_stage": "analysis", "reason": "", "version": reload(case).version})
    assert response.status_code == 302
    assert reload(case).stage == "analysis"


def test_response_needs_an_analysis_field(b, officer, make_case):
    case = advance(make_case(), officer, "analysis")

    page = move(b, case, "response")

    assert_form_error(page, "Fill in at least one analysis field before moving the case to Response")
    assert reload(case).stage == "analysis"

    b.post(f"/cases/{case.reference}/analysis",
           data=analysis_data(case, **{**{n: "" for n in ANALYSIS_FIELDS}, "analysis_why": "Boredom"}))
    assert move(b, reload(case), "response").status == 302
    assert reload(case).stage == "response"


@pytest.mark.parametrize("missing", ["objective", "tactic", "both"])
def test_assessment_needs_an_objective_and_a_tactic(b, officer, make_case, missing):
    case = advance(make_case(), officer, "response")
    if missing not in ("objective", "both"):
        service.add_objective(case, officer, "Halve the calls", case.version)
    if missing not in ("tactic", "both"):
        service.add_tactic(case, officer, category="enforcement", triangle_side="offender",
                           description="Dispersal order", expected_version=case.version)
    db.session.flush()

    page = move(b, case, "assessment")

    assert_form_error(
        page, "Add at least one objective and one planned tactic before moving the case to Assessment"
    )
    assert reload(case).stage == "response"


def test_assessment_is_reached_with_an_objective_and_a_tactic(b, officer, make_case):
    case = advance(make_case(), officer, "response")
    service.add_objective(case, officer, "Halve the calls", case.version)
    service.add_tactic(case, officer, category="enforcement", triangle_side="offender",
                       description="Dispersal order", expected_version=case.version)
    db.session.flush()

    assert move(b, case, "assessment").status == 302
    assert reload(case).stage == "assessment"


@pytest.mark.parametrize(
    ("start", "target", "message"),
    [
        ("scanning", "response", "The case must go through Analysis first"),
        ("scanning", "assessment", "The case must go through Analysis first"),
        ("analysis", "assessment", "The case must go through Response first"),
        ("analysis", "analysis", "The case is already at Analysis"),
    ],
)
def test_a_stage_cannot_be_skipped(b, officer, make_case, start, target, message):
    # Everything every stage needs is in place, so skipping is the only thing wrong.
    case = make_case(scan_summary="Pattern", analysis_why="Boredom")
    service.add_objective(case, officer, "Halve the calls", case.version)
    service.add_tactic(case, officer, category="support", triangle_side="victim",
                       description="Victim visits", expected_version=case.version)
    advance(case, officer, start)

    page = move(b, case, target)

    assert_form_error(page, message)
    assert reload(case).stage == start


@pytest.mark.parametrize("to_stage", [None, "bogus", "evaluation"])
def test_a_missing_or_unknown_stage_is_a_form_error(b, make_case, to_stage):
    case = make_case(scan_summary="Pattern")
    data = {"reason": "", "version": case.version}
    if to_stage:
        data["to_stage"] = to_stage

    page = Page(b.post(f"/cases/{case.reference}/stage", data=data))

    assert_form_error(page)
    assert reload(case).stage == "scanning"


@pytest.mark.parametrize("back_to", ["response", "analysis"])
def test_going_back_from_assessment_needs_a_reason(b, officer, make_case, back_to):
    case = advance(make_case(), officer, "assessment")

    for reason in ("", "   "):
        page = move(b, case, back_to, reason=reason)
        assert_form_error(page, f"Enter why the case is going back to {STAGES[back_to]}")
        assert reload(case).stage == "assessment"

    page = move(b, reload(case), back_to, reason="Dispersal order had no effect")

    assert page.status == 302
    case = reload(case)
    assert case.stage == back_to
    last = events_of(case)[-1]
    assert (last.kind, last.from_stage, last.to_stage, last.reason) == (
        "stage_moved", "assessment", back_to, "Dispersal order had no effect")
    newest = Page(b.get(f"/cases/{case.reference}/timeline")).timeline[0]
    assert f"moved the case from Assessment to {STAGES[back_to]}" in newest
    assert "Reason: Dispersal order had no effect" in newest


def test_the_stage_form_offers_the_next_stage(b, make_case):
    case = make_case()

    page = Page(b.get(f"/cases/{case.reference}/stage"))

    assert page.status == 200
    assert page.value("to_stage") == "analysis"
    assert page.value("version") == str(case.version)


def test_a_stage_move_from_an_old_version_is_refused(b, make_case, officer):
    case = make_case(scan_summary="Pattern")
    old = case.version
    service.update_fields(case, officer, {"title": "Renamed meanwhile"}, case.version)
    db.session.flush()

    page = move(b, case, "analysis", version=old)

    assert page.status == 409
    assert "Renamed meanwhile" in page.conflict
    assert reload(case).stage == "scanning"


# --- closing and reopening ---------------------------------------------------------------------

def close(browser, case, reason="not_evaluated", note="", version=None) -> Page:
    version = case.version if version is None else version
    return Page(browser.post(f"/cases/{case.reference}/close",
                             data={"closure_reason": reason, "closure_note": note, "version": version}))


def reopen(browser, case, reason="", version=None) -> Page:
    version = case.version if version is None else version
    return Page(browser.post(f"/cases/{case.reference}/reopen",
                             data={"reason": reason, "version": version}))


@pytest.mark.parametrize("reason", ["", "bogus"])
def test_closing_needs_a_closure_reason(b, make_case, reason):
    case = make_case()

    page = close(b, case, reason=reason, note="All quiet")

    assert_form_error(page)
    if not reason:
        assert "Choose a closure reason" in page.error_summary
    assert page.value("closure_note") == "All quiet"
    assert reload(case).status == "open"


def test_closing_a_case(b, officer, make_case):
    case = advance(make_case(), officer, "response")

    # Resolved and reduced need an approved evaluation (tests/test_evaluation.py); a transfer does not.
    page = close(b, case, reason="transferred", note="Calls down from 23 to 4")

    assert page.status == 302
    case = reload(case)
    assert (case.status, case.closure_reason, case.closure_note) == (
        "closed", "transferred", "Calls down from 23 to 4")
    assert case.closed_dt is not None
    text = Page(b.get(f"/cases/{case.reference}")).text
    assert "Closed" in text
    assert "Transferred to another team or agency" in text
    assert "Calls down from 23 to 4" in text
    newest = Page(b.get(f"/cases/{case.reference}/timeline")).timeline[0]
    assert "closed the case: Transferred to another team or agency" in newest


def test_a_closed_case_cannot_change_stage(b, officer, make_case):
    case = advance(make_case(), officer, "assessment")
    assert close(b, case).status == 302
    case = reload(case)

    assert b.get(f"/cases/{case.reference}/stage").status_code == 403
    for target in ("response", "analysis"):
        response = b.post(f"/cases/{case.reference}/stage",
                          data={"to_stage": target, "reason": "Try again", "version": case.version})
        assert response.status_code == 403
    case = reload(case)
    assert (case.stage, case.status) == ("assessment", "closed")
    assert "Move to" not in Page(b.get(f"/cases/{case.reference}")).text
    assert "Send back" not in Page(b.get(f"/cases/{case.reference}")).text


@pytest.mark.parametrize("path", ["/edit", "/scanning", "/analysis", "/response", "/close"])
def test_a_closed_case_cannot_be_edited(b, make_case, path):
    case = make_case()
    close(b, case)

    assert b.get(f"/cases/{reload(case).reference}{path}").status_code == 403


def test_reopening_needs_a_reason(b, officer, make_case):
    case = advance(make_case(), officer, "analysis")
    close(b, case, reason="duplicate")
    case = reload(case)

    for reason in ("", "   "):
        page = reopen(b, case, reason=reason)
        assert_form_error(page, "Enter why the case is being reopened")
        assert reload(case).status == "closed"

    page = reopen(b, reload(case), reason="Not a duplicate after all")

    assert page.status == 302
    case = reload(case)
    assert (case.status, case.stage) == ("open", "analysis")
    assert (case.closure_reason, case.closure_note, case.closed_dt) == (None, None, None)
    newest = Page(b.get(f"/cases/{case.reference}/timeline")).timeline[0]
    assert "reopened the case. Reason: Not a duplicate after all" in newest
    # Open again, it can be worked on.
    assert b.get(f"/cases/{case.reference}/analysis").status_code == 200
    assert move(b, case, "scanning", reason="Rescan").status == 302


def test_an_open_case_cannot_be_reopened_nor_closed_twice(b, make_case):
    case = make_case()
    assert reopen(b, case, reason="Why not").status == 403
    assert close(b, case).status == 302
    case = reload(case)
    assert close(b, case).status == 403
    assert reload(case).closure_reason == "not_evaluated"


# === 5. objectives and tactics =================================================================

def add_objective(browser, case, text, version=None):
    version = case.version if version is None else version
    return browser.post(f"/cases/{case.reference}/objectives", data={"text": text, "version": version})


def add_tactic(browser, case, version=None, **fields):
    data = {"category": "situational", "triangle_side": "location",
            "description": "Better lighting in the alley",
            "version": case.version if version is None else version}
    data.update(fields)
    return browser.post(f"/cases/{case.reference}/tactics", data=data)


def test_adding_an_objective(b, officer, make_case):
    case = advance(make_case(), officer, "response")

    response = add_objective(b, case, "Reduce ASB calls by half within 3 months")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/{case.reference}/response")
    case = reload(case)
    assert [o.text for o in case.objectives] == ["Reduce ASB calls by half within 3 months"]
    assert "Reduce ASB calls by half within 3 months" in Page(b.get(f"/cases/{case.reference}/response")).text
    assert "Reduce ASB calls by half within 3 months" in Page(b.get(f"/cases/{case.reference}")).text
    assert events_of(case)[-1].kind == "objective_added"


@pytest.mark.parametrize(("text", "message"), [
    ("", "Enter the objective"),
    ("   ", "Enter the objective"),
    ("x" * 2001, "Objective must be 2,000 characters or fewer"),
])
def test_an_empty_or_overlong_objective_is_refused(b, make_case, text, message):
    case = make_case()

    page = Page(add_objective(b, case, text))

    assert_form_error(page, message)
    assert reload(case).objectives == []


def test_adding_a_tactic(b, make_case):
    case = make_case()

    response = add_tactic(b, case, category="environmental", triangle_side="location",
                          description="Cut back the hedges")

    assert response.status_code == 302
    tactic = reload(case).tactics[0]
    assert (tactic.category, tactic.triangle_side, tactic.description) == (
        "environmental", "location", "Cut back the hedges")
    text = Page(b.get(f"/cases/{case.reference}/response")).text
    assert "Environmental" in text and "Location" in text and "Cut back the hedges" in text
    assert "added the planned tactic “Environmental (Location): Cut back the hedges”" in (
        Page(b.get(f"/cases/{case.reference}/timeline")).timeline[0])


@pytest.mark.parametrize("fields", [
    {"category": ""},
    {"category": "prayer"},
    {"triangle_side": ""},
    {"triangle_side": "guardian"},
    {"description": ""},
    {"description": "   "},
    {"description": "x" * 2001},
], ids=["no-category", "bad-category", "no-side", "bad-side", "no-description",
        "blank-description", "long-description"])
def test_an_incomplete_tactic_is_refused(b, make_case, fields):
    case = make_case()

    page = Page(add_tactic(b, case, **fields))

    assert_form_error(page)
    assert reload(case).tactics == []


def test_removing_an_objective_and_a_tactic(b, officer, make_case):
    case = make_case()
    service.add_objective(case, officer, "Keep", case.version)
    service.add_objective(case, officer, "Drop me", case.version)
    service.add_tactic(case, officer, category="support", triangle_side="victim",
                       description="Visit victims", expected_version=case.version)
    db.session.flush()
    drop = case.objectives[1]

    response = b.post(f"/cases/{case.reference}/objectives/{drop.id}/remove",
                      data={"version": case.version})
    assert response.status_code == 302
    case = reload(case)
    assert [o.text for o in case.objectives] == ["Keep"]

    response = b.post(f"/cases/{case.reference}/tactics/{case.tactics[0].id}/remove",
                      data={"version": case.version})
    assert response.status_code == 302
    case = reload(case)
    assert case.tactics == []
    assert event_kinds(case)[-2:] == ["objective_removed", "tactic_removed"]
    timeline = Page(b.get(f"/cases/{case.reference}/timeline")).timeline
    assert "removed the planned tactic “Support (Victim): Visit victims”" in timeline[0]
    assert "removed the objective “Drop me”" in timeline[1]


def test_removing_the_last_objective_blocks_assessment_again(b, officer, make_case):
    case = advance(make_case(), officer, "response")
    service.add_objective(case, officer, "Only one", case.version)
    service.add_tactic(case, officer, category="support", triangle_side="victim",
                       description="Visit victims", expected_version=case.version)
    db.session.flush()

    b.post(f"/cases/{case.reference}/objectives/{case.objectives[0].id}/remove",
           data={"version": case.version})

    assert_form_error(move(b, reload(case), "assessment"), "at least one objective")


def test_an_item_of_another_case_cannot_be_removed_through_this_one(b, officer, make_case):
    mine, other = make_case(), make_case()
    service.add_objective(other, officer, "Belongs to the other case", other.version)
    service.add_tactic(other, officer, category="support", triangle_side="victim",
                       description="Other tactic", expected_version=other.version)
    db.session.flush()
    objective_id, tactic_id = other.objectives[0].id, other.tactics[0].id

    for path in (f"objectives/{objective_id}", f"tactics/{tactic_id}"):
        response = b.post(f"/cases/{mine.reference}/{path}/remove",
                          data={"version": mine.version}, follow_redirects=True)
        assert response.status_code == 200
        assert "no longer on the case" in response.get_data(as_text=True)

    assert db.session.get(CaseObjective, objective_id) is not None
    assert db.session.get(PlannedTactic, tactic_id) is not None


def test_removing_without_a_version_is_a_bad_request(b, officer, make_case):
    case = make_case()
    service.add_objective(case, officer, "Keep", case.version)
    db.session.flush()

    response = b.post(f"/cases/{case.reference}/objectives/{case.objectives[0].id}/remove", data={})

    assert response.status_code == 400
    assert len(reload(case).objectives) == 1


def test_adding_an_objective_from_an_old_version_shows_the_conflict(b, make_user, browser, make_case):
    case = make_case()
    old = case.version
    colleague = make_user("officer", name="Colin Colleague")
    assert add_objective(browser(colleague), case, "Colin's objective").status_code == 302

    page = Page(add_objective(b, reload(case), "My objective", version=old))

    assert page.status == 409
    assert "Colin Colleague" in page.conflict
    assert "Colin's objective" in page.conflict
    assert page.value("text") == "My objective"
    assert [o.text for o in reload(case).objectives] == ["Colin's objective"]


# === 6. the timeline ===========================================================================

def test_timeline_is_newest_first_and_names_who_did_what(b, browser, make_user, officer, make_case):
    case = make_case(title="Parade problem")
    sam = make_user("supervisor", name="Sam Supervisor")
    sb = browser(sam)

    assert b.post(f"/cases/{case.reference}/scanning", data=scanning_data(case)).status_code == 302
    assert move(sb, reload(case), "analysis", reason="Enough to analyse").status == 302
    assert add_objective(b, reload(case), "Halve the calls").status_code == 302

    timeline = Page(b.get(f"/cases/{case.reference}/timeline")).timeline

    assert len(timeline) == 4
    assert timeline[0].startswith("Olivia Officer added the objective “Halve the calls”")
    assert timeline[1].startswith("Sam Supervisor moved the case from Scanning to Analysis")
    assert "Reason: Enough to analyse" in timeline[1]
    assert timeline[2].startswith("Olivia Officer changed")
    assert "Stones thrown at buses" in timeline[2]
    assert timeline[3].startswith("Olivia Officer opened the case")
    # Stored as it happened, one row per change, with who made it.
    stored = events_of(case)
    assert [(e.kind, e.user_id) for e in stored] == [
        ("created", officer.id), ("edited", officer.id), ("stage_moved", sam.id),
        ("objective_added", officer.id)]
    assert stored[2].reason == "Enough to analyse"
    # The case page shows the same history.
    assert Page(b.get(f"/cases/{case.reference}")).timeline == timeline


def test_an_edit_shows_the_value_before_and_after(b, make_case):
    case = make_case(title="Old title for the parade")

    response = b.post(f"/cases/{case.reference}/edit",
                      data=edit_data(case, title="New title for the parade"))

    assert response.status_code == 302
    assert reload(case).title == "New title for the parade"
    page = Page(b.get(f"/cases/{case.reference}/timeline"))
    newest = page.timeline[0]
    assert "Title: Old title for the parade → New title for the parade" in newest
    assert page.first_text("del", aria_label="before") == "Old title for the parade"
    assert page.first_text("ins", aria_label="after") == "New title for the parade"
    stored = events_of(case)[-1]
    assert stored.kind == "edited"
    assert stored.changes == [{"field": "title", "label": "Title",
                               "before": "Old title for the parade",
                               "after": "New title for the parade"}]


def test_the_timeline_keeps_each_edit_as_it_was(b, police, make_case):
    case = make_case(title="First")
    b.post(f"/cases/{case.reference}/edit", data=edit_data(case, title="Second"))
    case = reload(case)
    b.post(f"/cases/{case.reference}/edit",
           data=edit_data(case, title="Third", neighbourhood_id=str(police.neighbourhoods[2].id),
                          review_cadence_days="14"))

    timeline = Page(b.get(f"/cases/{case.reference}/timeline")).timeline

    assert "Title: Second → Third" in timeline[0]
    assert "Neighbourhood: Central → Riverside" in timeline[0]
    assert "Review cadence (days): 28 → 14" in timeline[0]
    assert "Title: First → Second" in timeline[1]
    assert [e.changes[0]["after"] for e in events_of(case) if e.kind == "edited"] == [
        "Second", "Third"]


def test_saving_without_changes_records_nothing(b, make_case):
    case = make_case()
    before = event_kinds(case)

    response = b.post(f"/cases/{case.reference}/edit", data=edit_data(case), follow_redirects=True)

    assert "No changes to save." in response.get_data(as_text=True)
    assert event_kinds(case) == before


def test_edit_form_refuses_an_owner_from_another_force(b, make_user, other_force, make_case):
    case = make_case()
    stranger = make_user("officer", org=other_force)

    page = Page(b.post(f"/cases/{case.reference}/edit",
                       data=edit_data(case, owner_id=str(stranger.id))))

    assert_form_error(page)
    assert reload(case).owner_id != stranger.id


def test_edit_form_can_hand_the_case_to_a_colleague(b, make_user, make_case):
    case = make_case()
    colleague = make_user("officer", name="Colin Colleague")

    assert b.post(f"/cases/{case.reference}/edit",
                  data=edit_data(case, owner_id=str(colleague.id))).status_code == 302

    assert reload(case).owner_id == colleague.id
    assert "Owner: Olivia Officer → Colin Colleague" in Page(
        b.get(f"/cases/{case.reference}/timeline")).timeline[0]


# === 7. two people editing one case ============================================================

def test_a_stale_save_is_refused_and_names_who_changed_what(browser, officer, make_user, make_case):
    case = make_case()
    alice = browser(make_user("officer", name="Alice Able"))
    bob = browser(make_user("officer", name="Bob Baker"))
    path = f"/cases/{case.reference}/scanning"

    alice_form, bob_form = Page(alice.get(path)), Page(bob.get(path))
    version = alice_form.value("version")
    assert version == bob_form.value("version") == str(case.version)

    saved = alice.post(path, data={"scan_source": "", "scan_summary": "Alice's summary",
                                   "scan_baseline": "", "version": version})
    assert saved.status_code == 302

    page = Page(bob.post(path, data={"scan_source": "", "scan_summary": "Bob's summary",
                                     "scan_baseline": "Bob's baseline", "version": version}))

    assert page.status == 409
    assert "someone else changed this case" in page.conflict
    assert "Alice Able" in page.conflict
    assert "Scanning summary: the pattern seen" in page.conflict
    assert "Alice's summary" in page.conflict
    assert page.value("scan_summary") == "Bob's summary"
    assert page.value("scan_baseline") == "Bob's baseline"
    assert reload(case).scan_summary == "Alice's summary"
    assert page.value("version") == str(reload(case).version)

    # Saving again from that page is a deliberate choice, and it works.
    again = bob.post(path, data={"scan_source": "", "scan_summary": page.value("scan_summary"),
                                 "scan_baseline": page.value("scan_baseline"),
                                 "version": page.value("version")})
    assert again.status_code == 302
    case = reload(case)
    assert (case.scan_summary, case.scan_baseline) == ("Bob's summary", "Bob's baseline")
    assert "Bob's summary" in Page(bob.get(f"/cases/{case.reference}/timeline")).timeline[0]


def test_a_stale_analysis_save_names_the_field_another_form_changed(browser, make_user, officer,
                                                                   make_case):
    case = advance(make_case(), officer, "analysis")
    alice = browser(make_user("officer", name="Alice Able"))
    bob = browser(make_user("officer", name="Bob Baker"))
    version = Page(bob.get(f"/cases/{case.reference}/analysis")).value("version")

    assert alice.post(f"/cases/{case.reference}/edit",
                      data=edit_data(case, title="Renamed by Alice")).status_code == 302
    page = Page(bob.post(f"/cases/{case.reference}/analysis",
                         data=analysis_data(case, analysis_why="Bob thinks boredom",
                                            version=version)))

    assert page.status == 409
    assert "Alice Able" in page.conflict and "Title" in page.conflict
    assert "Renamed by Alice" in page.conflict
    assert page.value("analysis_why") == "Bob thinks boredom"
    assert reload(case).analysis_why == ""


# === 9. who may do what ========================================================================

@pytest.fixture
def call_handler(make_user):
    return make_user("call_handler", name="Cal Handler")


@pytest.fixture
def full_case(officer, make_case):
    """A case at Response with an objective and a tactic."""
    case = advance(make_case(title="Parade problem"), officer, "response")
    service.add_objective(case, officer, "Halve the calls", case.version)
    service.add_tactic(case, officer, category="support", triangle_side="victim",
                       description="Visit victims", expected_version=case.version)
    db.session.flush()
    return case


def test_a_call_handler_can_read_a_case(browser, call_handler, full_case):
    ch = browser(call_handler)

    page = Page(ch.get(f"/cases/{full_case.reference}"))

    assert page.status == 200
    assert "Parade problem" in page.text and "Halve the calls" in page.text
    assert Page(ch.get(f"/cases/{full_case.reference}/timeline")).status == 200
    # Nothing on the page offers changes.
    assert not [a for a in page.find_all("a") if a.text.startswith("Change")]
    assert "Move to" not in page.text and "Close case" not in page.text


@pytest.mark.parametrize("path", ["/edit", "/scanning", "/analysis", "/response", "/stage", "/close"])
def test_a_call_handler_cannot_open_edit_forms(browser, call_handler, full_case, path):
    assert browser(call_handler).get(f"/cases/{full_case.reference}{path}").status_code == 403


def test_a_call_handler_cannot_change_anything(browser, call_handler, full_case):
    ch = browser(call_handler)
    case = full_case
    ref, version = case.reference, case.version
    posts = {
        "/edit": edit_data(case, title="Hijacked"),
        "/scanning": scanning_data(case, scan_summary="Hijacked"),
        "/analysis": analysis_data(case),
        "/objectives": {"text": "Hijacked", "version": version},
        "/tactics": {"category": "support", "triangle_side": "victim", "description": "Hijacked",
                     "version": version},
        f"/objectives/{case.objectives[0].id}/remove": {"version": version},
        f"/tactics/{case.tactics[0].id}/remove": {"version": version},
        "/stage": {"to_stage": "assessment", "reason": "", "version": version},
        "/close": {"closure_reason": "not_evaluated", "version": version},
    }
    for path, data in posts.items():
        assert ch.post(f"/cases/{ref}{path}", data=data).status_code == 403, path

    case = reload(case)
    assert case.version == version
    assert (case.title, case.stage, case.status) == ("Parade problem", "response", "open")
    assert len(case.objectives) == 1 and len(case.tactics) == 1


def test_a_call_handler_cannot_reopen_or_create(browser, b, call_handler, make_case, police):
    case = make_case()
    close(b, case)
    ch = browser(call_handler)
    case = reload(case)

    assert ch.get(f"/cases/{case.reference}/reopen").status_code == 403
    assert ch.post(f"/cases/{case.reference}/reopen",
                   data={"reason": "Because", "version": case.version}).status_code == 403
    assert reload(case).status == "closed"
    assert ch.get("/cases/new").status_code == 403
    assert ch.post("/cases/new", data=new_case_data(police.neighbourhoods[0])).status_code == 403
    assert case_count() == 1


def test_a_supervisor_of_the_force_can_work_the_case(browser, make_user, make_case):
    case = make_case(scan_summary="Pattern")
    sup = browser(make_user("supervisor"))

    assert Page(sup.get(f"/cases/{case.reference}/scanning")).status == 200
    assert move(sup, case, "analysis").status == 302
    assert reload(case).stage == "analysis"
