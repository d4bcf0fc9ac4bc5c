"""The supervisor's queue and the case-list filters behind it: every number on the queue is the
length of the list it links to, the review-due rule and its boundaries, agreement with the flag
scans, who may see the queue, and what another force never sees.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from sara.cases import queries
from sara.cases import service as case_service
from sara.cases.models import ProblemCase
from sara.core.types import today as local_today
from sara.core.types import utcnow
from sara.evaluation import service as evaluation_service
from sara.extensions import db
from sara.flags.models import Flag
from sara.flags.scan import scan_closed_unevaluated, scan_review_overdue
from sara.partners import service as sharing
from tests.test_case_list import count_line, references
from tests.test_cases import Page, advance

COUNT = re.compile(r"^\s*(\d+)")


# --- building cases in every state -------------------------------------------------------------

def evaluate(case, owner, supervisor, status: str, submitted_days_ago: int = 1):
    """Take `case` (at Assessment) to an evaluation in `status`, through the service."""
    evaluation = evaluation_service.start(case, owner)
    if status == "draft":
        return evaluation
    evaluation_service.update(evaluation, owner, {"measure": "Calls to the police",
                                                  "outcome": "reduced"}, {}, {},
                              evaluation.version)
    evaluation_service.submit(evaluation, owner, evaluation.version)
    if status == "returned":
        evaluation_service.return_to_draft(evaluation, supervisor, "Add the comparison area",
                                           evaluation.version)
    elif status == "approved":
        evaluation_service.approve(evaluation, supervisor, None, evaluation.version)
    else:
        evaluation.submitted_dt = utcnow() - timedelta(days=submitted_days_ago)
    db.session.flush()
    return evaluation


def close(case, user, reason: str):
    case_service.close_case(case, user, reason, None, case.version)
    db.session.flush()


def mark_reviewed(case, days_ago: float, next_review_in: int | None = 10):
    """Set the review dates directly: last reviewed `days_ago`, next review `next_review_in` days
    from today (None: no date)."""
    case.last_reviewed_dt = utcnow() - timedelta(days=days_ago)
    case.next_review_date = (local_today() + timedelta(days=next_review_in)
                             if next_review_in is not None else None)
    db.session.flush()


@dataclass
class Team:
    supervisor: object
    officer: object
    cases: dict
    outsider_supervisor: object
    outsider_officer: object
    outsider_cases: dict
    shared_in: ProblemCase


def build_force(officer, colleague, supervisor, make_case, neighbourhoods) -> dict:
    """Cases at every stage and in every evaluation state, spread over the neighbourhoods, some
    due for review and some not."""
    first, second, third = (list(neighbourhoods) * 3)[:3]
    cases = {}

    def new(key, stage="scanning", owner=officer, where=first):
        case = advance(make_case(owner=owner, neighbourhood=where, title=f"Case {key}"), owner,
                       stage)
        mark_reviewed(case, days_ago=3)
        cases[key] = case
        return case

    new("scanning", where=first)
    new("scanning_never_reviewed_old", where=third)
    new("analysis_reviewed_long_ago", "analysis", where=first)
    new("analysis_northside", "analysis", owner=colleague, where=second)
    new("response_past_review_date", "response", where=second)
    new("response_due_today", "response", owner=colleague, where=third)
    new("assessment_not_started", "assessment", where=third)
    evaluate(new("assessment_draft", "assessment", where=first), officer, supervisor, "draft")
    evaluate(new("assessment_returned", "assessment", owner=colleague, where=second), colleague,
             supervisor, "returned")
    evaluate(new("assessment_submitted_late", "assessment", where=first), officer, supervisor,
             "submitted", submitted_days_ago=20)
    evaluate(new("assessment_submitted", "assessment", where=third), officer, supervisor,
             "submitted", submitted_days_ago=2)
    evaluate(new("assessment_approved", "assessment", where=second), officer, supervisor,
             "approved")
    closed_resolved = new("closed_resolved", "assessment", where=first)
    evaluate(closed_resolved, officer, supervisor, "approved")
    close(closed_resolved, officer, "resolved")
    close(new("closed_not_evaluated", "response", where=second), officer, "not_evaluated")
    close(new("closed_duplicate", where=third), officer, "duplicate")
    close(new("closed_transferred", "analysis", where=first), officer, "transferred")
    draft_then_closed = new("closed_with_draft", "assessment", owner=colleague, where=third)
    evaluate(draft_then_closed, colleague, supervisor, "draft")
    close(draft_then_closed, colleague, "not_evaluated")

    # Review dates, set last so that nothing above moves them.
    now = utcnow()
    never = cases["scanning_never_reviewed_old"]
    never.last_reviewed_dt = None
    never.created_dt = now - timedelta(days=40)
    mark_reviewed(cases["analysis_reviewed_long_ago"], days_ago=35)
    mark_reviewed(cases["response_past_review_date"], days_ago=5, next_review_in=-1)
    # Fell due a few minutes ago: due, 0 days overdue.
    mark_reviewed(cases["response_due_today"], days_ago=28.003, next_review_in=3)
    # A closed case is never due, however old its review.
    mark_reviewed(cases["closed_duplicate"], days_ago=90, next_review_in=-30)
    db.session.flush()
    return cases


@pytest.fixture
def team(police, officer, make_user, make_org, make_case) -> Team:
    supervisor = make_user("supervisor", name="Sam Supervisor")
    colleague = make_user("officer", name="Colin Colleague")
    cases = build_force(officer, colleague, supervisor, make_case, police.neighbourhoods)

    other_force = make_org("Other Constabulary", neighbourhoods=("Elsewhere", "Central"))
    outsider_supervisor = make_user("supervisor", org=other_force, name="Otto Supervisor")
    outsider_officer = make_user("officer", org=other_force, name="Oscar Outsider")
    outsider_cases = build_force(outsider_officer, outsider_officer, outsider_supervisor,
                                 make_case, other_force.neighbourhoods)
    # One of theirs, shared with our force: our supervisor sees it (and counts it), in a
    # neighbourhood of theirs.
    shared_in = make_case(owner=outsider_officer, title="Shared across the border",
                          neighbourhood=next(n for n in other_force.neighbourhoods
                                             if n.name == "Central"))
    sharing.share_with_organisation(shared_in, outsider_officer, police, "view")
    mark_reviewed(shared_in, days_ago=40)
    db.session.flush()
    return Team(supervisor, officer, cases, outsider_supervisor, outsider_officer,
                outsider_cases, shared_in)


def queue_links(page: Page) -> list[tuple[int, str, str]]:
    """(number shown, href, accessible text) of every count on the queue page."""
    links = []
    for a in page.find_all("a", data_testid="queue-count"):
        match = COUNT.match(a.text)
        assert match, f"no number in {a.text!r}"
        links.append((int(match.group(1)), a.attrs["href"], a.text.strip()))
    return links


def list_total(page: Page) -> int:
    match = re.match(r"(\d+) cases?\b", count_line(page))
    assert match, count_line(page)
    return int(match.group(1))


def refs(cases) -> set[str]:
    return {c.reference for c in cases}


# --- the queue's numbers are the lists' lengths ------------------------------------------------

def test_every_count_on_the_queue_is_the_length_of_the_list_it_links_to(browser, team):
    b = browser(team.supervisor)
    page = Page(b.get("/queue"))
    assert page.status == 200

    links = queue_links(page)
    # 3 section totals, and for 3 neighbourhoods + theirs + the total row: 6 stage columns and
    # 5 evaluation columns.
    assert len(links) == 3 + 5 * (6 + 5)
    assert sum(shown for shown, _, _ in links) > 0
    for shown, href, text in links:
        assert href.startswith("/cases?"), href
        listed = Page(b.get(href))
        assert listed.status == 200, href
        assert listed.error_summary == "", f"{href}: a filter was refused"
        assert list_total(listed) == shown, f"{text!r} links to {href}"
        if shown <= 50:
            assert len(references(listed)) == shown, href


def test_the_queue_lists_what_the_rules_select(browser, team):
    c = team.cases
    page = Page(browser(team.supervisor).get("/queue"))

    def table_refs(testid):
        return {r for r in re.findall(r"PS-\d{4}-\d{5}",
                                      " ".join(e.text for e in page.find_all(data_testid=testid)))}

    assert table_refs("reviews-due") == refs([
        c["scanning_never_reviewed_old"], c["analysis_reviewed_long_ago"],
        c["response_past_review_date"], c["response_due_today"], team.shared_in])
    assert table_refs("awaiting-sign-off") == refs([c["assessment_submitted_late"],
                                                    c["assessment_submitted"]])
    assert table_refs("closed-unevaluated") == refs([c["closed_not_evaluated"],
                                                     c["closed_with_draft"]])
    # The section totals say the same.
    totals = {href: shown for shown, href, _ in queue_links(page)}
    assert totals["/cases?review=due"] == 5
    assert totals["/cases?evaluation=submitted"] == 2
    assert totals["/cases?unevaluated=1"] == 2
    # The late sign-off is marked; the review that fell due today says so.
    late_row = [e for e in page.find_all("tr") if c["assessment_submitted_late"].reference in e.text]
    assert "Over 14 days" in late_row[0].text and "20 days" in late_row[0].text
    # (Why each review is due: test_each_due_review_says_why_in_words_that_agree.)
    # Each evaluation awaiting sign-off links to the case's evaluation page.
    assert f'href="/cases/{c["assessment_submitted"].reference}/evaluation"' in page.html


def test_each_due_review_says_why_in_words_that_agree(browser, team):
    """Not "Next review 27 Jun 2026" beside "Overdue 7 days": the row says which part of the rule
    made the case due, with the numbers that rule used."""
    c = team.cases
    page = Page(browser(team.supervisor).get("/queue"))

    def why(key) -> str:
        cells = [e for e in page.find_all(data_testid="why-due")
                 if c[key].reference in (e.parent.text if e.parent else "")]
        assert len(cells) == 1, key
        return cells[0].text

    assert "Overdue" not in page.find_all(data_testid="reviews-due")[0].text
    # Reviewed 35 days ago; its next review date (in 10 days) has not come.
    assert why("analysis_reviewed_long_ago") == "No supervisor review for 35 days"
    assert why("scanning_never_reviewed_old") == "Never reviewed: opened 40 days ago"
    assert why("response_past_review_date") == "Next review date 16 June 2026 has passed"
    assert why("response_due_today") == "No supervisor review for 28 days"


def test_the_table_counts_by_stage_and_evaluation(browser, team, police):
    page = Page(browser(team.supervisor).get("/queue"))
    shown = {href: n for n, href, _ in queue_links(page)}
    central = police.neighbourhoods[0]

    # Open cases: 2 at scanning, 2 at analysis, 2 at response, 6 at assessment; plus the case
    # shared in from the other force, at scanning.
    assert shown["/cases?stage=scanning&status=open"] == 3
    assert shown["/cases?stage=analysis&status=open"] == 2
    assert shown["/cases?stage=response&status=open"] == 2
    assert shown["/cases?stage=assessment&status=open"] == 6
    assert shown["/cases?status=open"] == 13
    # By evaluation, open and closed alike.
    assert shown["/cases?evaluation=draft"] == 2
    assert shown["/cases?evaluation=returned"] == 1
    assert shown["/cases?evaluation=submitted"] == 2
    assert shown["/cases?evaluation=approved"] == 2
    assert shown["/cases?evaluation=not_started"] == 11
    # Central (first neighbourhood by name, then Northside, Riverside).
    assert shown[f"/cases?neighbourhood={central.id}&stage=analysis&status=open"] == 1
    assert shown[f"/cases?neighbourhood={central.id}&evaluation=approved"] == 1
    # Rows: ours in name order, then theirs, labelled with their force, then the total.
    rows = [e.text.strip() for e in page.find_all("th") if e.attrs.get("scope") == "row"
            and e.inside("table", **{"data-testid": "stage-counts"})]
    assert rows == ["Central", "Central (Other Constabulary)", "Northside", "Riverside",
                    "All neighbourhoods"]


def test_counts_are_grouped_in_sql_not_per_case(app, browser, team, make_case, officer, police):
    """The queue and the case list run the same number of queries for more cases."""
    b = browser(team.supervisor)
    with counted_queries(app) as before_queue:
        assert b.get("/queue").status_code == 200
    with counted_queries(app) as before_list:
        assert b.get("/cases?evaluation=not_started").status_code == 200
    for n in range(12):
        case = make_case(neighbourhood=police.neighbourhoods[n % 3])
        mark_reviewed(case, days_ago=40 + n)
    with counted_queries(app) as after_queue:
        assert b.get("/queue").status_code == 200
    with counted_queries(app) as after_list:
        assert b.get("/cases?evaluation=not_started").status_code == 200
    assert len(after_queue) == len(before_queue)
    assert len(after_list) == len(before_list)


@contextmanager
def counted_queries(app):
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


# --- the review-due rule -----------------------------------------------------------------------

def _due_ids(user, now, today) -> set[int]:
    query = queries.filtered_cases(user, queries.CaseFilters(review="due"), now, today)
    return set(db.session.scalars(query.with_only_columns(ProblemCase.id)))


def test_review_due_boundaries(make_user, make_case, officer):
    supervisor = make_user("supervisor")
    now, today = utcnow(), local_today()

    def case_with(last_reviewed=None, created=None, next_review=None):
        case = make_case()
        case.last_reviewed_dt = last_reviewed
        case.created_dt = created or now - timedelta(days=1)
        case.next_review_date = next_review
        return case

    exactly_28 = case_with(last_reviewed=now - timedelta(days=28))
    just_over_28 = case_with(last_reviewed=now - timedelta(days=28, seconds=1))
    days_29 = case_with(last_reviewed=now - timedelta(days=29))
    created_28_never_reviewed = case_with(created=now - timedelta(days=28))
    created_29_never_reviewed = case_with(created=now - timedelta(days=29))
    next_review_yesterday = case_with(last_reviewed=now - timedelta(days=1),
                                      next_review=today - timedelta(days=1))
    next_review_today = case_with(last_reviewed=now - timedelta(days=1), next_review=today)
    reviewed_recently_long_ago_created = case_with(last_reviewed=now - timedelta(days=2),
                                                   created=now - timedelta(days=300))
    closed_and_old = case_with(last_reviewed=now - timedelta(days=90),
                               next_review=today - timedelta(days=30))
    close(closed_and_old, officer, "duplicate")
    closed_and_old.last_reviewed_dt = now - timedelta(days=90)
    db.session.flush()

    due = _due_ids(supervisor, now, today)

    assert due == {just_over_28.id, days_29.id, created_29_never_reviewed.id,
                   next_review_yesterday.id}
    for not_due in (exactly_28, created_28_never_reviewed, next_review_today,
                    reviewed_recently_long_ago_created, closed_and_old):
        assert not_due.id not in due


def test_review_due_boundaries_on_the_list(browser, make_user, make_case):
    """The same boundaries through the web list, with a margin for the time the request takes."""
    b = browser(make_user("supervisor"))
    not_yet = make_case(title="Reviewed 28 days ago less five minutes")
    mark_reviewed(not_yet, days_ago=28 - 5 / (24 * 60))
    day_29 = make_case(title="Reviewed 29 days ago")
    mark_reviewed(day_29, days_ago=29)
    yesterday = make_case(title="Next review yesterday")
    mark_reviewed(yesterday, days_ago=1, next_review_in=-1)
    today = make_case(title="Next review today")
    mark_reviewed(today, days_ago=1, next_review_in=0)

    page = Page(b.get("/cases?review=due"))

    assert page.status == 200 and page.error_summary == ""
    assert set(references(page)) == {day_29.reference, yesterday.reference}
    assert count_line(page) == "2 cases"


def _flagged(kind: str) -> set[int]:
    return set(db.session.scalars(
        sa.select(Flag.case_id).where(Flag.kind == kind, Flag.resolved_dt.is_(None))))


def _visible_ids(user) -> set[int]:
    from sara import policy

    return set(db.session.scalars(policy.visible_cases(user).with_only_columns(ProblemCase.id)))


def test_the_review_filter_and_the_review_overdue_scan_select_the_same_cases(team, make_case):
    # Boundary cases as well as the team's.
    now, today = utcnow(), local_today()
    for days in (27.9, 28.1, 29):
        mark_reviewed(make_case(), days_ago=days)
    for offset in (-1, 0, 1):
        mark_reviewed(make_case(), days_ago=1, next_review_in=offset)

    scan_review_overdue(now=now, today=today)
    flagged = _flagged("review_overdue")

    assert flagged  # the comparison is not between two empty sets
    seen = set()
    for user in (team.supervisor, team.outsider_supervisor):
        listed = _due_ids(user, now, today)
        assert listed == flagged & _visible_ids(user)
        seen |= _visible_ids(user)
    # Between them the two supervisors see every case, so the scan flagged nothing else.
    assert flagged <= seen


def test_the_unevaluated_filter_and_the_closed_without_evaluation_scan_agree(team):
    scan_closed_unevaluated()
    flagged = _flagged("closed_unevaluated")

    assert flagged
    for user in (team.supervisor, team.outsider_supervisor):
        query = queries.filtered_cases(user, queries.CaseFilters(is_unevaluated=True))
        listed = set(db.session.scalars(query.with_only_columns(ProblemCase.id)))
        assert listed == flagged & _visible_ids(user)


# --- the new list filters and columns ----------------------------------------------------------

@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("evaluation=not_started&status=open", {"scanning", "scanning_never_reviewed_old",
                                                "analysis_reviewed_long_ago",
                                                "analysis_northside", "response_past_review_date",
                                                "response_due_today", "assessment_not_started",
                                                "shared_in"}),
        ("evaluation=draft", {"assessment_draft", "closed_with_draft"}),
        ("evaluation=returned", {"assessment_returned"}),
        ("evaluation=submitted", {"assessment_submitted", "assessment_submitted_late"}),
        ("evaluation=approved", {"assessment_approved", "closed_resolved"}),
        ("unevaluated=1", {"closed_not_evaluated", "closed_with_draft"}),
        ("unevaluated=1&evaluation=draft", {"closed_with_draft"}),
        ("review=due", {"scanning_never_reviewed_old", "analysis_reviewed_long_ago",
                        "response_past_review_date", "response_due_today", "shared_in"}),
        ("review=due&stage=response", {"response_past_review_date", "response_due_today"}),
    ],
)
def test_the_evaluation_review_and_unevaluated_filters(browser, team, query, expected):
    cases = {**team.cases, "shared_in": team.shared_in}

    page = Page(browser(team.supervisor).get(f"/cases?{query}"))

    assert page.status == 200 and page.error_summary == ""
    assert set(references(page)) == {cases[k].reference for k in expected}


@pytest.mark.parametrize("query", ["review=overdue", "review=" + "x" * 10_000, "evaluation=bogus",
                                   "evaluation=returned%00", "unevaluated=0", "unevaluated=yes",
                                   "evaluation=draft&evaluation=bogus"])
def test_invalid_new_filters_are_reported_and_ignored(browser, officer, make_case, query):
    cases = [make_case(), make_case()]

    page = Page(browser(officer).get(f"/cases?{query}"))

    assert page.status == 200
    if query != "evaluation=draft&evaluation=bogus":
        assert "Some filters were not valid and have been ignored" in page.error_summary
        assert set(references(page)) == refs(cases)


def test_the_filter_form_keeps_the_new_filters(browser, team):
    page = Page(browser(team.supervisor).get("/cases?review=due&evaluation=returned&unevaluated=1"))

    assert page.value("review") == "due"
    assert page.value("evaluation") == "returned"
    assert page.value("unevaluated") == "1"


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_the_list_shows_and_sorts_by_last_review(browser, officer, make_case, direction):
    old, recent, never = make_case(title="Old"), make_case(title="Recent"), make_case(title="Never")
    mark_reviewed(old, days_ago=20)
    mark_reviewed(recent, days_ago=2)
    never.last_reviewed_dt = None
    db.session.flush()

    page = Page(browser(officer).get(f"/cases?sort=last_review&dir={direction}"))

    expected = [old.reference, recent.reference]
    if direction == "desc":
        expected.reverse()
    # Never reviewed goes last either way.
    assert references(page) == [*expected, never.reference]
    headers = [th.text.strip() for th in page.find_all("th") if th.inside("thead")]
    assert any(h.startswith("Last review") for h in headers)
    row = [e for e in page.find_all("tr") if recent.reference in e.text][0]
    when = (utcnow() - timedelta(days=2)).astimezone(_zone()).date()
    assert f"{when.day} {when:%b %Y}" in row.text


def _zone():
    from sara.core.types import local_zone

    return local_zone()


# --- who sees the queue ------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["officer", "call_handler", "admin"])
def test_only_supervisors_have_a_queue(browser, make_user, role):
    assert browser(make_user(role)).get("/queue").status_code == 403


def test_a_partner_gets_403_on_the_queue(browser, make_user, make_org, make_case, officer):
    council = make_org("District Council", kind="local_authority")
    partner = make_user("partner", org=council)
    sharing.share_with_organisation(make_case(), officer, council, "contribute")
    db.session.flush()

    assert browser(partner).get("/queue").status_code == 403


def test_a_supervisors_home_is_the_queue(browser, make_user, officer):
    supervisor = browser(make_user("supervisor"))
    response = supervisor.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/queue")
    assert browser(officer).get("/").headers["Location"].endswith("/cases/mine")
    assert browser(make_user("admin")).get("/").headers["Location"].endswith("/admin/users")


def test_another_force_never_sees_our_cases_in_any_count(browser, team):
    ours = refs(team.cases.values())
    theirs = refs(team.outsider_cases.values())

    # Their supervisor's queue counts their cases only (nothing was shared their way).
    b = browser(team.outsider_supervisor)
    page = Page(b.get("/queue"))
    assert page.status == 200
    assert not any(ref in page.html for ref in ours)
    shown = {href: n for n, href, _ in queue_links(page)}
    assert shown["/cases?status=open"] == len(
        [c for c in team.outsider_cases.values() if c.is_open]) + 1  # + the one they share out
    for n, href, _ in queue_links(page):
        listed = Page(b.get(href))
        assert list_total(listed) == n
        assert set(references(listed)) <= theirs | {team.shared_in.reference}

    # Their officer: no queue, and no list reached with the queue's filters shows our cases.
    officer = browser(team.outsider_officer)
    assert officer.get("/queue").status_code == 403
    for href in {href for _, href, _ in queue_links(Page(browser(team.supervisor).get("/queue")))}:
        listed = Page(officer.get(href))
        assert listed.status == 200
        assert not set(references(listed)) & ours, href


def test_a_case_shared_with_our_force_counts_for_us_and_its_owners(browser, team):
    """Sharing widens the scope exactly as the case list does, in both queues."""
    for user in (team.supervisor, team.outsider_supervisor):
        page = Page(browser(user).get("/queue"))
        due = {e.text for e in page.find_all(data_testid="reviews-due")}
        assert any(team.shared_in.reference in text for text in due)


def test_links_carry_only_known_filters(browser, team):
    page = Page(browser(team.supervisor).get("/queue"))
    allowed = {"neighbourhood", "stage", "status", "review", "evaluation", "unevaluated"}
    for _, href, _ in queue_links(page):
        assert set(parse_qs(urlsplit(href).query)) <= allowed, href


def test_the_review_rule_gives_every_reason_that_holds():
    from datetime import date, datetime

    from sara.flags.rules import ReviewDue, review_due

    now, today = datetime(2026, 6, 17, 8, 30), date(2026, 6, 17)
    both = review_due(is_open=True, last_reviewed=now - timedelta(days=40), created=now,
                      next_review_date=date(2026, 6, 1), now=now, today=today, days=28)
    assert both == ReviewDue(days_unreviewed=40, is_never_reviewed=False,
                             passed_review_date=date(2026, 6, 1))
    assert review_due(is_open=True, last_reviewed=now - timedelta(days=3), created=now,
                      next_review_date=today, now=now, today=today, days=28) is None
    assert review_due(is_open=False, last_reviewed=None, created=now - timedelta(days=90),
                      next_review_date=None, now=now, today=today, days=28) is None
