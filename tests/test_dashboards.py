"""The dashboard: charts whose every figure links to the list it counts, within the user's scope,
and the lists those links open (incidents by month, overdue actions, flags raised in a month)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from sara.cases import service as case_service
from sara.cases.models import CaseEvent, ProblemCase
from sara.core.sql import local_midnight, month_range
from sara.core.types import today
from sara.dashboards import service as dashboards
from sara.demo.seed import COUNCIL_OFFICER, SUPERVISOR, seed
from sara.extensions import db
from sara.flags.models import Flag
from sara.incidents import queries as incident_queries
from sara.incidents.models import Incident
from sara.orgs.models import Neighbourhood
from sara.partners import service as partner_service
from sara.people.models import Person
from tests.conftest import PASSWORD, Browser

# --- reading the page --------------------------------------------------------------------------


class _Page(HTMLParser):
    """The parts of a page the tests look at: links (with their data-*), SVGs with their title and
    desc, and tables with their captions."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.links: list[dict] = []
        self.svgs: list[dict] = []
        self.tables: list[dict] = []
        self._stack: list[str] = []
        self._text_into = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._stack.append(tag)
        if tag == "a":
            self.links.append({**attrs, "in_svg": "svg" in self._stack})
        elif tag == "svg":
            self.svgs.append({"attrs": attrs, "ids": {}})
        elif tag in ("title", "desc") and "svg" in self._stack and attrs.get("id"):
            self.svgs[-1]["ids"][attrs["id"]] = tag
        elif tag == "table":
            self.tables.append({"attrs": attrs, "caption": ""})
        elif tag == "caption" and self.tables:
            self._text_into = self.tables[-1]

    def handle_endtag(self, tag):
        while self._stack:
            if self._stack.pop() == tag:
                break
        if tag == "caption":
            self._text_into = None

    def handle_data(self, data):
        if self._text_into is not None:
            self._text_into["caption"] += data

    def figure_links(self) -> list[tuple[str, int]]:
        return [(unescape(a["href"]), int(a["data-value"])) for a in self.links
                if a.get("data-testid") == "figure-link"]


def _count_on(html: str) -> int:
    """The number of records a list page says it shows."""
    match = re.search(
        r'data-testid="(?:case|incident|action|flag)-count">\s*(\d+) '
        r"(?:case|incident|action|flag)", html)
    assert match, html[:2000]
    return int(match.group(1))


def _follow_every_figure(browser, path: str) -> int:
    """Open the dashboard, follow each figure's link, and check the list shows that many. The
    links are the tables', none inside the pictures (a link in role="img" is nested-interactive)."""
    response = browser.get(path)
    assert response.status_code == 200
    page = _Page(response.get_data(as_text=True))
    figures = page.figure_links()
    assert figures
    assert not [a for a in page.links if a["in_svg"]]
    for href, value in figures:
        listed = browser.get(href)
        assert listed.status_code == 200, href
        assert _count_on(listed.get_data(as_text=True)) == value, href
    return sum(value for _href, value in figures)


# --- the demo: every chart has data, and every figure matches its list ---------------------------

def _demo_user(email):
    from sara.auth.models import User
    from sara.auth.passwords import hash_password

    user = db.session.scalar(sa.select(User).where(User.email == email))
    user.password_hash = hash_password(PASSWORD)
    db.session.flush()
    return user


def test_every_figure_on_the_demo_dashboard_links_to_a_list_of_that_many(app):
    seed()
    supervisor = _demo_user(SUPERVISOR)
    browser = Browser(app.test_client(), supervisor)
    assert _follow_every_figure(browser, "/dashboard") > 1000

    hood = db.session.scalar(sa.select(Neighbourhood).where(Neighbourhood.name == "Boston Town"))
    _follow_every_figure(browser, f"/dashboard?neighbourhood={hood.id}")

    # A partner sees the case charts, counted over the cases shared with them only.
    partner = _demo_user(COUNCIL_OFFICER)
    partner_browser = Browser(app.test_client(), partner)
    _follow_every_figure(partner_browser, "/dashboard")


def test_the_demo_dashboard_markers_open_the_cases_that_entered_response(app):
    seed()
    browser = Browser(app.test_client(), _demo_user(SUPERVISOR))
    page = _Page(browser.get("/dashboard").get_data(as_text=True))
    markers = [a["href"] for a in page.links if a.get("data-testid") == "marker-link"]
    assert len(markers) >= 5
    months = {m for m in re.findall(r"entered Response on \d+ (\w+ \d{4})",
                                    browser.get("/dashboard").get_data(as_text=True))}
    assert len(months) >= 5, "Response entries spread over the months"
    for href in markers[:3]:
        assert browser.get(href).status_code == 200


# --- a small world ------------------------------------------------------------------------------

@pytest.fixture
def world(police, make_org, make_user, make_case, officer):
    """Two neighbourhoods' cases and incidents, a partner organisation with one shared case."""
    central, northside = police.neighbourhoods[0], police.neighbourhoods[1]
    assert (central.name, northside.name) == ("Central", "Northside")
    supervisor = make_user("supervisor")
    partner_org = make_org("Riverside Council", kind="local_authority")
    partner = make_user("partner", org=partner_org)
    cases = {
        "central_a": make_case(neighbourhood=central, scan_summary="Seen",
                               analysis_victim="Shoppers"),
        "central_b": make_case(neighbourhood=central),
        "north": make_case(neighbourhood=northside),
    }
    # central_a reaches Response.
    case = cases["central_a"]
    case_service.move_stage(case, officer, "analysis", None, case.version)
    case_service.move_stage(case, officer, "response", None, case.version)
    partner_service.share_with_organisation(cases["north"], officer, partner_org, "view")
    # Incidents: two ASB in central_a's area, one in the north's, one crime, one elsewhere.
    incidents = [
        _incident(police, "E01000001", days_ago=3),
        _incident(police, "E01000001", days_ago=40),
        _incident(police, "E01000002", days_ago=3),
        _incident(police, "E01000001", days_ago=3, is_asb=False),
        _incident(police, "E01000009", days_ago=3),
    ]
    from sara.incidents import service as incident_service

    incident_service.link_incident(cases["central_a"], officer, incidents[0])
    incident_service.link_incident(cases["north"], officer, incidents[2])
    db.session.flush()
    return {"police": police, "central": central, "northside": northside, "officer": officer,
            "supervisor": supervisor, "partner": partner, "cases": cases,
            "incidents": incidents}


_keys = iter(range(1, 10**6))


def _incident(organisation, lsoa, days_ago=3, is_asb=True, when=None):
    incident = Incident(
        source="form", source_key=f"T-{next(_keys)}", organisation_id=organisation.id,
        occurred_dt=when or datetime.now(UTC) - timedelta(days=days_ago),
        category="Rowdy behaviour" if is_asb else "Burglary", is_asb=is_asb,
        location_text="High Street", lsoa_code=lsoa, lsoa_name=f"Area {lsoa}")
    db.session.add(incident)
    db.session.flush()
    return incident


def _table_sum(html: str, chart_id: str) -> int:
    section = html.split(f'data-testid="{chart_id}-table"', 1)[1].split("</table>", 1)[0]
    return sum(int(v) for v in re.findall(r'data-value="(\d+)"', section))


def test_a_partner_counts_only_the_cases_shared_with_them(world, browser):
    police_html = browser(world["supervisor"]).get("/dashboard").get_data(as_text=True)
    assert _table_sum(police_html, "chart-stage") == 3
    assert _table_sum(police_html, "chart-opened-closed") == 3

    partner_page = browser(world["partner"]).get("/dashboard")
    assert partner_page.status_code == 200
    html = partner_page.get_data(as_text=True)
    assert _table_sum(html, "chart-stage") == 1
    assert _table_sum(html, "chart-opened-closed") == 1
    # Incidents and people's flags stay with the force: those charts are not drawn for partners.
    assert 'data-testid="chart-asb"' not in html and 'data-testid="chart-repeat"' not in html
    assert "shown to police staff only" in html
    assert world["cases"]["central_a"].reference not in html


def test_the_charts_are_accessible_pictures_with_captioned_tables(world, browser):
    html = browser(world["supervisor"]).get("/dashboard").get_data(as_text=True)
    page = _Page(html)
    assert len(page.svgs) == 6
    for svg in page.svgs:
        assert svg["attrs"]["role"] == "img"
        ids = svg["attrs"]["aria-labelledby"].split()
        assert [svg["ids"].get(i) for i in ids] == ["title", "desc"]
    # The pictures hold no link (nested-interactive): the tables beside them have every one.
    assert page.figure_links() and not [a for a in page.links if a["in_svg"]]
    captions = [t["caption"].strip() for t in page.tables]
    assert all(captions) and len(captions) >= 6
    assert "Open cases by SARA stage: the figures" in captions
    # No script or remote resource: the charts are drawn on the server.
    assert "<script src=\"http" not in html and "cdn" not in html.lower()
    # Every table figure has its meaning in words for screen readers.
    assert re.search(r'govuk-visually-hidden"> open cases, Open cases, Scanning<', html)


def test_the_neighbourhood_filter_narrows_every_chart(world, browser):
    supervisor = browser(world["supervisor"])
    whole = supervisor.get("/dashboard").get_data(as_text=True)
    central = supervisor.get(f"/dashboard?neighbourhood={world['central'].id}").get_data(
        as_text=True)
    north = supervisor.get(f"/dashboard?neighbourhood={world['northside'].id}").get_data(
        as_text=True)
    assert "Dashboard: Central" in central
    assert (_table_sum(whole, "chart-stage"), _table_sum(central, "chart-stage"),
            _table_sum(north, "chart-stage")) == (3, 2, 1)
    # ASB incidents: the force's four, those in central_a's LSOA (two), the north's LSOA (one).
    assert (_table_sum(whole, "chart-asb"), _table_sum(central, "chart-asb"),
            _table_sum(north, "chart-asb")) == (4, 2, 1)
    # The Response marker belongs to the Central case only.
    reference = world["cases"]["central_a"].reference
    assert reference in central and reference not in north


def test_months_with_nothing_show_zero_and_link_to_an_empty_list(world, browser):
    supervisor = browser(world["supervisor"])
    page = _Page(supervisor.get("/dashboard").get_data(as_text=True))
    opened = [(href, value) for href, value in page.figure_links() if "opened_from" in href]
    assert len(opened) == dashboards.MONTHS + 1
    assert [value for _href, value in opened[:-1]] == [0] * dashboards.MONTHS
    assert opened[-1][1] == 3
    empty_href = opened[0][0]
    assert _count_on(supervisor.get(empty_href).get_data(as_text=True)) == 0


@pytest.mark.parametrize("value", ["abc", "999999", "-1", "1e3", "%00", "99999999999999999999"])
def test_a_bad_neighbourhood_is_reported_and_the_whole_force_shown(world, browser, value):
    response = browser(world["supervisor"]).get(f"/dashboard?neighbourhood={value}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Choose a neighbourhood from the list" in html
    assert "Dashboard: Whole organisation" in html
    assert _table_sum(html, "chart-stage") == 3


def test_another_forces_neighbourhood_is_refused(world, browser, make_org):
    other = make_org("Other Constabulary", neighbourhoods=("Elsewhere",))
    response = browser(world["supervisor"]).get(
        f"/dashboard?neighbourhood={other.neighbourhoods[0].id}")
    assert response.status_code == 200
    assert "Choose a neighbourhood from the list" in response.get_data(as_text=True)


def test_the_dashboard_is_in_the_navigation_for_everyone_with_a_case_list(world, browser):
    for user in (world["supervisor"], world["partner"], world["officer"]):
        html = browser(user).get("/cases").get_data(as_text=True)
        assert re.search(r'href="/dashboard"[^>]*>\s*Dashboard\s*</a>', html), user.role
        current = browser(user).get("/dashboard").get_data(as_text=True)
        assert re.search(r'href="/dashboard" aria-current="true">\s*<strong[^>]*>Dashboard<',
                         current)


# --- months are local months --------------------------------------------------------------------

def test_months_are_counted_in_uk_time_in_the_chart_and_the_list(world, app):
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST). A year before the clock's now, so
    # the world's own incidents (the last few weeks) fall outside the months counted.
    late_june = datetime(2025, 6, 30, 23, 30, tzinfo=UTC)
    incident = _incident(world["police"], "E01000077", when=late_june)
    window = dashboards.window(date(2025, 8, 15), months=3)
    assert [m.isoformat() for m in window.months] == [
        "2025-05-01", "2025-06-01", "2025-07-01", "2025-08-01"]
    filters = incident_queries.IncidentFilters(is_asb_only=True)
    counts = incident_queries.count_incidents_by_month(world["supervisor"], filters,
                                                       window.edges)
    assert counts == [0, 0, 1, 0]
    july = incident_queries.incident_page(
        world["supervisor"], incident_queries.IncidentFilters(month=date(2025, 7, 1)))
    assert incident.id in {i.id for i in july.incidents}
    june = incident_queries.incident_page(
        world["supervisor"], incident_queries.IncidentFilters(month=date(2025, 6, 1)))
    assert incident.id not in {i.id for i in june.incidents}
    assert month_range(date(2025, 7, 1))[0] == local_midnight(date(2025, 7, 1))
    assert local_midnight(date(2025, 7, 1)) == datetime(2025, 6, 30, 23, 0, tzinfo=UTC)


# --- the lists the figures open -----------------------------------------------------------------

def test_the_incident_list_shows_the_forces_incidents_by_month_without_people(world, browser):
    supervisor = browser(world["supervisor"])
    month = today().replace(day=1)
    html = supervisor.get(f"/incidents?month={month:%Y-%m}&asb=1").get_data(as_text=True)
    recent = sum(1 for i in world["incidents"] if i.is_asb
                 and i.occurred_dt >= month_range(month)[0])
    assert _count_on(html) == recent
    assert "Area E01000001" in html
    # Narrowed to a neighbourhood: the LSOAs of its cases' incidents.
    html = supervisor.get(f"/incidents?neighbourhood={world['northside'].id}").get_data(
        as_text=True)
    assert _count_on(html) == 1
    # Another force's incidents never appear.
    assert _count_on(supervisor.get("/incidents").get_data(as_text=True)) == 5


@pytest.mark.parametrize("moment", [
    datetime(2026, 12, 1, 0, 30, tzinfo=ZoneInfo("Europe/London")),
    datetime(2026, 12, 3, 23, 59, tzinfo=ZoneInfo("Europe/London")),
    datetime(2027, 1, 1, 0, 5, tzinfo=ZoneInfo("Europe/London")),
    datetime(2026, 3, 29, 1, 30, tzinfo=UTC),  # the hour the clocks go forward
], ids=["1st-just-after-midnight", "3rd-last-minute", "new-year", "clocks-forward"])
def test_this_months_and_last_months_incidents_on_any_day(moment, clock, request, browser):
    """The incident list once failed on the 1st-3rd of every month: its incidents were 3 days
    old and nothing froze the clock. Whatever the day, each month lists its own incidents."""
    clock.move_to(moment)
    world = request.getfixturevalue("world")
    supervisor = browser(world["supervisor"])
    this_month = today().replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    for month in (this_month, last_month):
        start, end = month_range(month)
        expected = sum(1 for i in world["incidents"]
                       if i.is_asb and start <= i.occurred_dt < end)
        html = supervisor.get(f"/incidents?month={month:%Y-%m}&asb=1").get_data(as_text=True)
        assert _count_on(html) == expected, month
    three_days_ago = (datetime.now(UTC) - timedelta(days=3)).astimezone(ZoneInfo("Europe/London"))
    shown_in = this_month if three_days_ago.date() >= this_month else last_month
    html = supervisor.get(f"/incidents?month={shown_in:%Y-%m}&asb=1").get_data(as_text=True)
    assert "Area E01000001" in html


def test_the_incident_list_reports_bad_filters_and_is_police_only(world, browser):
    supervisor = browser(world["supervisor"])
    response = supervisor.get("/incidents?month=2026-13&neighbourhood=abc&page=x")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Enter the month as a year and month, like 2026-03" in html
    assert "Choose a neighbourhood from the list" in html
    assert _count_on(html) == 5
    assert browser(world["partner"]).get("/incidents").status_code == 403


def test_the_incident_list_holds_no_personal_details(world, browser, police):
    person = Person(reference="PN-DASH-1", organisation_id=police.id, name="Zebedee Quartermain",
                    created_by_id=world["officer"].id)
    db.session.add(person)
    db.session.flush()
    from sara.incidents.models import IncidentPerson

    incident = world["incidents"][0]
    db.session.add(IncidentPerson(incident_id=incident.id, person_id=person.id, role="victim",
                                  occurred_dt=incident.occurred_dt, is_asb=True))
    db.session.flush()
    html = browser(world["supervisor"]).get("/incidents").get_data(as_text=True)
    assert "Zebedee" not in html and "PN-DASH-1" not in html


def test_the_action_list_filters_overdue_actions_by_neighbourhood(world, browser):
    from sara.actions import service as action_service

    officer = world["officer"]
    for case, overdue in ((world["cases"]["central_a"], True), (world["cases"]["north"], True),
                          (world["cases"]["central_b"], False)):
        action = action_service.create_action(case, officer, {
            "title": "Visit", "tactic_category": "engagement", "triangle_side": "victim",
            "priority": "normal", "due_date": today(), "allocation": f"user:{officer.id}"})
        if overdue:
            action.due_date = today() - timedelta(days=3)
    db.session.flush()
    supervisor = browser(world["supervisor"])
    assert _count_on(supervisor.get("/actions/all").get_data(as_text=True)) == 3
    assert _count_on(supervisor.get("/actions/all?overdue=1").get_data(as_text=True)) == 2
    html = supervisor.get(f"/actions/all?overdue=1&neighbourhood={world['central'].id}")
    assert _count_on(html.get_data(as_text=True)) == 1
    assert supervisor.get("/actions/all?neighbourhood=abc").status_code == 200
    dashboard = supervisor.get(f"/dashboard?neighbourhood={world['central'].id}")
    assert _table_sum(dashboard.get_data(as_text=True), "chart-overdue") >= 1


def test_repeat_victim_flags_are_counted_by_the_month_they_were_raised(world, browser, police):
    person = Person(reference="PN-DASH-2", organisation_id=police.id, name="Repeat Caller",
                    created_by_id=world["officer"].id)
    db.session.add(person)
    db.session.flush()
    now = datetime.now(UTC)
    month_ago = (today().replace(day=1) - timedelta(days=1)).replace(day=15)
    raised_then = local_midnight(month_ago) + timedelta(hours=12)
    db.session.add_all([
        Flag(kind="repeat_victim", subject_key=f"person:{person.id}", person_id=person.id,
             status="raised", raised_dt=now, evidence={"incidents": 2}),
        Flag(kind="repeat_victim", subject_key=f"person:{person.id}:old", person_id=person.id,
             status="resolved", raised_dt=raised_then, resolved_dt=now,
             evidence={"incidents": 2}),
    ])
    db.session.flush()
    supervisor = browser(world["supervisor"])
    html = supervisor.get("/dashboard").get_data(as_text=True)
    assert _table_sum(html, "chart-repeat") == 2
    page = _Page(html)
    links = [(href, value) for href, value in page.figure_links() if "kind=repeat_victim" in href]
    for href, value in links:
        assert _count_on(supervisor.get(href).get_data(as_text=True)) == value, href
    assert sum(value for href, value in links if "/flags/resolved" in href) == 1
    # The resolved list reaches back as far as the raised month needs.
    html = supervisor.get(f"/flags/resolved?kind=repeat_victim&raised={month_ago:%Y-%m}")
    assert "Only flags raised in" in html.get_data(as_text=True)
    assert supervisor.get("/flags?raised=not-a-month").status_code == 200
    # Officers do not work the flag queue: no chart, a sentence saying why.
    officer_html = browser(world["officer"]).get("/dashboard").get_data(as_text=True)
    assert 'data-testid="chart-repeat"' not in officer_html


def test_the_case_list_filters_by_opening_and_closing_dates_and_outcome(world, browser):
    case = world["cases"]["central_b"]
    db.session.execute(sa.update(ProblemCase).where(ProblemCase.id == case.id).values(
        created_dt=local_midnight(date(2026, 1, 31)) + timedelta(hours=23, minutes=30)))
    db.session.flush()
    supervisor = browser(world["supervisor"])
    html = supervisor.get("/cases?opened_from=2026-01-01&opened_to=2026-01-31").get_data(
        as_text=True)
    assert _count_on(html) == 1 and case.reference in html
    html = supervisor.get("/cases?opened_from=2026-02-01&opened_to=2026-02-28").get_data(
        as_text=True)
    assert _count_on(html) == 0
    html = supervisor.get("/cases?opened_from=yesterday&closed_to=2026-02-30").get_data(
        as_text=True)
    assert "Opened on or after must be a real date, with a day, month and year" in html
    assert "Closed on or before must be a real date, with a day, month and year" in html
    assert _count_on(html) == 3
    html = supervisor.get("/cases?opened_from=2026-03-01&opened_to=2026-01-01").get_data(
        as_text=True)
    assert "The last opening date must be the same as or after the first opening date" in html
    assert _count_on(supervisor.get("/cases?outcome=resolved").get_data(as_text=True)) == 0


def test_response_markers_come_from_the_case_timeline(world):
    case = world["cases"]["central_a"]
    event = db.session.scalar(sa.select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.to_stage == "response"))
    markers, total = dashboards.response_entries(world["supervisor"], None, dashboards.window())
    assert [m.href.rsplit("/", 1)[-1] for m in markers] == [case.reference] and total == 1
    assert 0 <= markers[0].position - dashboards.MONTHS < 1
    assert event is not None
    # A partner never sees the marker of a case not shared with them.
    assert dashboards.response_entries(world["partner"], None, dashboards.window()) == ([], 0)


def test_only_the_latest_response_entries_are_marked_and_the_count_says_so(world, monkeypatch,
                                                                           browser):
    monkeypatch.setattr(dashboards, "MAX_MARKERS", 0)
    markers, total = dashboards.response_entries(world["supervisor"], None, dashboards.window())
    assert markers == [] and total == 1
    html = browser(world["supervisor"]).get("/dashboard").get_data(as_text=True)
    assert "1 case entered the Response stage in the period, the latest 0 marked" in html
