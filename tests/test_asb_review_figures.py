"""Issue 15, part 4: the published figures of ASB case reviews (s.104(10)), per area, for any
period, on a page and in a CSV file, from reviews with known answers. The suite's clock stands at
Wednesday 17 June 2026, 09:30 in London (FROZEN_NOW), so the default period is the twelve whole
months from 1 June 2025 to 31 May 2026."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest

from sara.actions import service as action_service
from sara.asb_reviews import figures, service
from sara.extensions import db
from tests.test_person_flags import _person
from tests.test_statement_counts import _statements

PERIOD = {"from": "2026-01-01", "to": "2026-05-31"}
HEADINGS = ["Area", "Applications received", "Threshold not met", "Threshold met",
            "Reviews carried out", "Reviews leading to recommendations",
            "Awaiting a threshold decision at the end of the period"]
#: What the reviews of `world` come to in PERIOD, by hand (see each review's comment)
EXPECTED = [
    ["Central", "4", "1", "2", "2", "1", "1"],
    ["Northside", "2", "0", "1", "1", "1", "2"],
    ["All areas", "6", "1", "3", "3", "2", "3"],
]


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


@pytest.fixture
def world(police, make_org, make_user, make_case):
    officer = make_user("officer", name="Olive Officer")
    supervisor = make_user("supervisor", name="Sam Supervisor")
    other_force = make_org("Other Constabulary")  # its own "Central"
    stranger = make_user("supervisor", org=other_force, name="Stan Stranger")
    central, northside, riverside = sorted(police.neighbourhoods, key=lambda n: n.name)
    person = _person(police, "Edith Rowan")
    case = make_case(owner=officer)

    def review(actor, who, area, received, decided=None, met=None, meeting=None,
               recommendations=0):
        """A review as its steps would leave it, with each event on the day given."""
        made = service.record_application(actor, who, {
            "applicant_kind": "victim", "applicant_contact": "1 Elm Close",
            "received_by_id": actor.organisation_id, "received_date": received,
            "summary": "Noise.", "neighbourhood_id": area.id})
        if decided is not None:
            made.decided_dt = decided if isinstance(decided, datetime) else _noon(decided)
            made.is_threshold_met = met
            made.decided_by_id = actor.id
            made.status = "awaiting_meeting" if met else "threshold_not_met"
        if meeting is not None:
            made.meeting_date = meeting
            made.status = "awaiting_outcome"
        for n in range(recommendations):
            action = action_service.create_action(case, officer, {
                "title": f"Recommendation {n}", "description": "", "priority": "normal",
                "tactic_category": "situational", "triangle_side": "location",
                "allocation": f"user:{officer.id}", "due_date": date(2026, 7, 31)})
            db.session.add(service.AsbReviewRecommendation(review=made, action=action,
                                                           created_by_id=officer.id))
        db.session.flush()
        return made

    d = date
    # Central: four applications in the period, one not met, two met and held, one with
    # recommendations, one still undecided.
    review(officer, person, central, d(2026, 1, 10), d(2026, 1, 20), False)
    review(officer, person, central, d(2026, 2, 1), d(2026, 2, 10), True, d(2026, 3, 1), 2)
    review(officer, person, central, d(2026, 3, 1), d(2026, 3, 5), True, d(2026, 4, 1))
    review(officer, person, central, d(2026, 5, 20))
    # Northside: received before the period, met in it, its meeting after it.
    review(officer, person, northside, d(2025, 12, 15), d(2026, 1, 5), True, d(2026, 6, 5), 1)
    # ... decided before it: nothing in the period.
    review(officer, person, northside, d(2025, 11, 1), d(2025, 11, 20), False)
    # ... received and decided before it, its meeting (with a recommendation) in it.
    review(officer, person, northside, d(2025, 12, 20), d(2025, 12, 30), True, d(2026, 2, 2), 1)
    # ... received in it, decided after it: awaiting at the period's end.
    review(officer, person, northside, d(2026, 5, 30), d(2026, 6, 2), True)
    # ... decided at 23:30 UTC on 31 May, which is 00:30 on 1 June in London: after the period.
    review(officer, person, northside, d(2026, 5, 25),
           datetime(2026, 5, 31, 23, 30, tzinfo=UTC), False)
    # Riverside: all of it long before the period, so no row.
    review(officer, person, riverside, d(2025, 1, 1), d(2025, 2, 1), False)
    # Another force's review, all in the period, in a neighbourhood of the same name.
    stranger_victim = _person(other_force, "Sid Stranger")
    review(stranger, stranger_victim, other_force.neighbourhoods[0], d(2026, 2, 1),
           d(2026, 2, 10), True, d(2026, 3, 1))
    council = make_org("City Council", kind="local_authority")
    db.session.flush()
    return {"officer": officer, "supervisor": supervisor, "stranger": stranger,
            "admin": make_user("admin"), "call_handler": make_user("call_handler"),
            "partner": make_user("partner", org=council), "northside": northside,
            "stranger_area": other_force.neighbourhoods[0]}


def _table(response) -> list[list[str]]:
    html = response.get_data(as_text=True)
    body = re.search(r'data-testid="asb-review-figures".*?<tbody[^>]*>(.*?)</tbody>', html, re.S)
    assert body, "no figures table"
    return [[re.sub(r"\s+", " ", cell).strip()
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)]


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


# --- the counts --------------------------------------------------------------------------------

def test_the_page_counts_each_event_in_the_period_per_area_and_in_total(browser, world):
    response = browser(world["supervisor"]).get("/asb-case-reviews/figures", query_string=PERIOD)
    assert response.status_code == 200
    page = _text(response)
    assert "1 January 2026 to 31 May 2026" in page
    assert "counted by the date of each of its own events" in page
    for heading in HEADINGS:
        assert f">{heading}</th>" in page
    assert _table(response) == EXPECTED


def test_the_csv_has_the_same_rows_the_period_in_its_name_and_nothing_about_anyone(
        browser, world):
    response = browser(world["officer"]).get("/asb-case-reviews/figures.csv",
                                             query_string=PERIOD)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert ('filename="asb-case-review-figures-2026-01-01-to-2026-05-31.csv"'
            in response.headers["Content-Disposition"])
    rows = _csv(response)
    assert rows[0] == ["Period start", "Period end", *HEADINGS]
    assert rows[1:] == [["2026-01-01", "2026-05-31", *row] for row in EXPECTED]
    body = response.get_data(as_text=True)
    assert "CR-" not in body and "PN-" not in body and "Edith" not in body
    assert "Olive" not in body and "Elm Close" not in body


def test_the_page_links_to_the_csv_of_the_same_period_and_area(browser, world):
    area = world["northside"].id
    page = browser(world["officer"]).get("/asb-case-reviews/figures",
                                         query_string={**PERIOD, "area": area})
    link = re.search(r'data-testid="figures-csv" href="([^"]+)"',
                     page.get_data(as_text=True)).group(1).replace("&amp;", "&")
    assert link == f"/asb-case-reviews/figures.csv?from=2026-01-01&to=2026-05-31&area={area}"


def test_one_area_shows_its_own_row_and_a_total_of_it(browser, world):
    response = browser(world["officer"]).get(
        "/asb-case-reviews/figures", query_string={**PERIOD, "area": world["northside"].id})
    assert _table(response) == [EXPECTED[1], ["All areas", *EXPECTED[1][1:]]]


def test_the_period_can_be_given_in_the_day_month_and_year_boxes(browser, world):
    response = browser(world["officer"]).get(
        "/asb-case-reviews/figures?from=1&from=1&from=2026&to=31&to=5&to=2026")
    assert _table(response) == EXPECTED


def test_by_default_the_period_is_the_last_twelve_whole_months(browser, world):
    response = browser(world["officer"]).get("/asb-case-reviews/figures")
    assert response.status_code == 200
    assert "1 June 2025 to 31 May 2026" in _text(response)
    rows = _table(response)
    # Received from June 2025: the four in Central, and all five in Northside.
    assert [row[:2] for row in rows] == [["Central", "4"], ["Northside", "5"], ["All areas", "9"]]
    # The boxes show the period counted.
    html = response.get_data(as_text=True)
    for box, value in (("from-day", "01"), ("from-month", "06"), ("from-year", "2025"),
                       ("to-day", "31"), ("to-month", "05"), ("to-year", "2026")):
        assert re.search(rf'id="{box}" name="[a-z]+" type="text" value="{value}"', html), box


def test_the_figures_are_one_grouped_statement_however_many_areas(app, world):
    with app.test_request_context(), _statements() as seen:
        result = figures.figures(world["officer"], date(2026, 1, 1), date(2026, 5, 31))
    assert len(result.areas) == 2
    assert len([s for s in seen if "asb_reviews" in s]) == 1


def test_a_period_with_nothing_in_it_says_so(browser, world):
    response = browser(world["officer"]).get(
        "/asb-case-reviews/figures", query_string={"from": "2020-01-01", "to": "2020-12-31"})
    assert _table(response) == [["All areas", "0", "0", "0", "0", "0", "0"]]
    assert "No applications, decisions or reviews in this period." in _text(response)


# --- who sees them -----------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["officer", "supervisor", "admin"])
def test_the_forces_staff_take_the_figures_from_the_list_page(browser, world, who):
    signed_in = browser(world[who])
    listing = signed_in.get("/asb-case-reviews").get_data(as_text=True)
    assert 'href="/asb-case-reviews/figures"' in listing
    assert signed_in.get("/asb-case-reviews/figures", query_string=PERIOD).status_code == 200


@pytest.mark.parametrize("who", ["partner", "call_handler"])
def test_a_partner_or_a_call_handler_is_refused_the_figures(browser, world, who):
    signed_in = browser(world[who])
    assert "/asb-case-reviews/figures" not in signed_in.get("/asb-case-reviews").get_data(
        as_text=True)
    assert signed_in.get("/asb-case-reviews/figures").status_code == 403
    assert signed_in.get("/asb-case-reviews/figures.csv").status_code == 403


def test_another_force_counts_only_its_own_reviews(browser, world):
    stranger = browser(world["stranger"])
    response = stranger.get("/asb-case-reviews/figures", query_string=PERIOD)
    assert _table(response) == [["Central", "1", "0", "1", "1", "0", "0"],
                                ["All areas", "1", "0", "1", "1", "0", "0"]]
    assert "Northside" not in response.get_data(as_text=True)
    # Nor can it ask for an area of ours.
    response = stranger.get("/asb-case-reviews/figures",
                            query_string={**PERIOD, "area": world["northside"].id})
    assert response.status_code == 200
    assert "Choose an area from the list" in _text(response)
    assert 'data-testid="asb-review-figures"' not in response.get_data(as_text=True)


# --- a period that is not one ------------------------------------------------------------------

@pytest.mark.parametrize(("query", "message"), [
    ({"from": "2026-05-31", "to": "2026-01-01"},
     "The end of the period must be the same as or after its start"),
    ({"from": "2026-02-30", "to": "2026-05-31"}, "Enter a real date, with a day, month and year"),
    ({"from": "soon", "to": "2026-05-31"}, "Enter a real date, with a day, month and year"),
    ("from=31&from=2&from=2026&to=1&to=3&to=2026",
     "Enter a real date, with a day, month and year"),
    ({"from": "0001-01-01", "to": "2026-05-31"},
     "The start of the period must be a real date, with a day, month and year"),
    ({"from": "2026-01-01"}, "Enter the end of the period"),
    ({"to": "2026-01-01"}, "Enter the start of the period"),
])
def test_a_bad_period_gets_the_forms_own_message_and_no_figures(browser, world, query, message):
    signed_in = browser(world["officer"])
    response = signed_in.get("/asb-case-reviews/figures", query_string=query)
    assert response.status_code == 200
    page = _text(response)
    assert "There is a problem" in page and message in page
    assert 'data-testid="asb-review-figures"' not in page
    download = signed_in.get("/asb-case-reviews/figures.csv", query_string=query)
    assert download.status_code == 400
    assert download.mimetype == "text/html" and message in _text(download)
