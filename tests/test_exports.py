"""CSV exports of the case, action and flag lists: the file holds exactly what the list shows,
filtered and sorted the same way but without paging; every cell is safe to open in a spreadsheet;
each download leaves one disclosure row in the audit log; and nobody exports what they could not
list."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from sara.actions import service as action_service
from sara.audit.models import AuditEvent
from sara.cases import service as case_service
from sara.core.types import today
from sara.extensions import db
from sara.partners import service as sharing
from tests.test_flags_ui import _count_queries, _flag, _person

CASE_REF = re.compile(r"PS-\d{4}-\d{5}")
ACTION_REF = re.compile(r"AC-\d{6}")


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def export_href(html: str) -> str:
    match = re.search(r'data-testid="export-link" href="([^"]+)"', html)
    assert match, "no Download as CSV link"
    return html_lib.unescape(match.group(1))


def disclosures(user) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.user_id == user.id,
                                    AuditEvent.action == "disclosure").order_by(AuditEvent.id)))


def list_refs(signed_in, path: str, pattern=CASE_REF, testid="case-table") -> list[str]:
    html = signed_in.get(path).get_data(as_text=True)
    if f'data-testid="{testid}"' not in html:
        return []
    table = html.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody", 1)[1]
    refs = []
    for row in body.split("<tr")[1:]:
        found = pattern.search(row)
        if found:
            refs.append(found.group(0))
    return refs


def all_pages(signed_in, path: str) -> list[str]:
    refs, page = [], 1
    while page < 50:
        sep = "&" if "?" in path else "?"
        found = list_refs(signed_in, f"{path}{sep}page={page}")
        if not found:
            return refs
        refs += found
        page += 1
    raise AssertionError("the list never ended")


# --- cases -------------------------------------------------------------------------------------

@pytest.fixture
def small_pages(app, monkeypatch):
    monkeypatch.setitem(app.config, "CASES_PER_PAGE", 4)


@pytest.fixture
def many_cases(police, officer, make_user, make_case):
    central, northside, _ = police.neighbourhoods
    colleague = make_user("officer", name="Colin Colleague")
    cases = []
    for n, title in enumerate(["Kestrel Lane", "alder court", "Birch Row", "Maple Walk", "elm yard",
                               "Hawthorn Way", "Cedar Close", "Juniper Path", "Fir Grove",
                               "Larch Drive"]):
        cases.append(make_case(title=title, neighbourhood=central if n % 5 else northside,
                               owner=colleague if n % 3 == 0 else officer))
    db.session.commit()
    return cases


def test_case_export_equals_the_filtered_sorted_list_across_pages(small_pages, many_cases,
                                                                    browser, officer, police):
    central = police.neighbourhoods[0]
    b = browser(officer)
    query = f"?neighbourhood={central.id}&sort=title&dir=asc"
    listed = all_pages(b, f"/cases{query}")
    assert len(listed) == 8 and len(listed) > 4  # more than one page of the list
    html = b.get(f"/cases{query}&page=2").get_data(as_text=True)
    href = export_href(html)
    assert href.startswith("/cases/export.csv?") and f"neighbourhood={central.id}" in href
    rows = read_csv(b.get(href))
    assert rows[0][:3] == ["Reference", "Title", "Problem type"]
    assert [row[0] for row in rows[1:]] == listed
    titles = [row[1] for row in rows[1:]]
    assert titles == sorted(titles, key=str.lower)
    assert {row[3] for row in rows[1:]} == {"Central"}


@pytest.mark.parametrize("query", ["?sort=reference&dir=desc", "?sort=updated&dir=asc",
                                   "?stage=scanning&sort=stage", "?status=closed"])
def test_case_export_follows_each_sort_and_filter(small_pages, many_cases, browser, officer,
                                                  query):
    b = browser(officer)
    listed = all_pages(b, f"/cases{query}")
    rows = read_csv(b.get(f"/cases/export.csv{query}"))
    assert [row[0] for row in rows[1:]] == listed


def test_my_cases_export_holds_only_my_cases(small_pages, many_cases, browser, officer):
    b = browser(officer)
    listed = all_pages(b, "/cases/mine?sort=title&dir=desc")
    assert len(listed) == 6
    html = b.get("/cases/mine?sort=title&dir=desc").get_data(as_text=True)
    href = export_href(html)
    assert href.startswith("/cases/mine/export.csv")
    rows = read_csv(b.get(href))
    assert [row[0] for row in rows[1:]] == listed
    assert {row[6] for row in rows[1:]} == {officer.name}


def test_case_export_columns_read_as_the_case(make_case, browser, officer):
    case = make_case(title="Bus shelter damage")
    db.session.commit()
    rows = read_csv(browser(officer).get("/cases/export.csv"))
    assert rows[0] == ["Reference", "Title", "Problem type", "Neighbourhood", "Stage", "Status",
                       "Owner", "Opened", "Last updated", "Last review", "Next review",
                       "Evaluation"]
    row = rows[1]
    assert row[:7] == [case.reference, "Bus shelter damage", case.problem_type_label, "Central",
                       "Scanning", "Open", officer.name]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", row[7])
    assert row[9] == ""  # never reviewed
    assert row[10] == case.next_review_date.isoformat()
    assert row[11] == "Not started"


def test_a_formula_in_a_title_is_neutralised(make_case, browser, officer):
    make_case(title='=HYPERLINK("http://evil.example","Click")')
    make_case(title="+44 ring me")
    db.session.commit()
    rows = read_csv(browser(officer).get("/cases/export.csv?sort=title&dir=asc"))
    titles = [row[1] for row in rows[1:]]
    assert titles == ["'+44 ring me", '\'=HYPERLINK("http://evil.example","Click")']


def test_each_case_export_writes_one_disclosure_row_with_its_filters(many_cases, browser,
                                                                     officer, police):
    central = police.neighbourhoods[0]
    b = browser(officer)
    before = disclosures(officer)
    rows = read_csv(b.get(f"/cases/export.csv?neighbourhood={central.id}&sort=title"))
    after = disclosures(officer)
    assert len(after) == len(before) + 1
    event = after[-1]
    assert event.record_type == "case"
    assert event.summary == "Exported 8 cases from the case list as CSV"
    assert event.details["rows"] == len(rows) - 1 == 8
    assert event.details["filters"] == {"neighbourhood": [str(central.id)], "sort": ["title"]}
    assert event.details["path"] == "/cases/export.csv"


def test_bad_filters_are_ignored_as_on_the_list_never_a_500(many_cases, browser, officer):
    b = browser(officer)
    query = "?stage=nonsense&neighbourhood=abc&sort=drop&dir=sideways"
    listed = all_pages(b, f"/cases{query}")
    response = b.get(f"/cases/export.csv{query}&page=-3")
    assert [row[0] for row in read_csv(response)[1:]] == listed
    assert len(listed) == 10


@pytest.fixture
def shared_world(police, make_org, make_user, make_case, officer):
    council = make_org("District Council", kind="local_authority")
    other_force = make_org("Other Constabulary")
    shared = make_case(title="Shared problem")
    unshared = make_case(title="Unshared problem")
    sharing.share_with_organisation(shared, officer, council, "view")
    users = {"partner": make_user("partner", org=council),
             "outsider": make_user("partner", org=make_org("Probation", kind="probation")),
             "other_force": make_user("officer", org=other_force)}
    db.session.commit()
    return shared, unshared, users


def test_a_partner_exports_only_the_cases_shared_with_them(shared_world, browser):
    shared, unshared, users = shared_world
    b = browser(users["partner"])
    for path in ("/cases/export.csv", f"/cases/export.csv?owner={shared.owner_id}",
                 "/cases/export.csv?status=open&sort=title"):
        refs = [row[0] for row in read_csv(b.get(path))[1:]]
        assert refs == [shared.reference], path


@pytest.mark.parametrize("who", ["outsider", "other_force"])
def test_nobody_exports_a_case_they_cannot_see(shared_world, browser, who):
    shared, unshared, users = shared_world
    b = browser(users[who])
    rows = read_csv(b.get("/cases/export.csv"))
    assert rows[1:] == []
    body = b.get("/cases/export.csv").get_data(as_text=True)
    assert "Shared problem" not in body and "Unshared problem" not in body
    # Even an empty export is a disclosure attempt worth recording.
    assert disclosures(users[who])[-1].details["rows"] == 0


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for path in ("/cases/export.csv", "/cases/mine/export.csv", "/actions/mine/export.csv",
                 "/flags/export.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_the_case_export_does_not_query_per_case(make_case, browser, officer, make_user):
    b = browser(officer)
    others = [make_user("officer") for _ in range(3)]
    for n in range(3):
        make_case(title=f"First {n}", owner=others[n])
    db.session.commit()
    with _count_queries() as few:
        b.get("/cases/export.csv")
    for n in range(12):
        make_case(title=f"More {n}", owner=others[n % 3])
    db.session.commit()
    with _count_queries() as many:
        assert len(read_csv(b.get("/cases/export.csv"))) == 16
    assert len(many) == len(few)


# --- actions -----------------------------------------------------------------------------------

@pytest.fixture
def short_action_list(monkeypatch):
    """The action list shows at most 3 here, so the export must go beyond what one page holds."""
    original = action_service.action_list

    def limited(*args, limit=3, **kwargs):
        return original(*args, limit=limit, **kwargs)

    monkeypatch.setattr(action_service, "action_list", limited)
    return original


def _action(case, by, title, due_in, status=None, allocate_to=None):
    action = action_service.create_action(case, by, {
        "title": title, "description": "", "tactic_category": "environmental",
        "triangle_side": "location", "allocation": f"user:{(allocate_to or by).id}",
        "due_date": today(), "priority": "normal",
    })
    # A new action cannot be due in the past; an old one can be overdue.
    action.due_date = today() + timedelta(days=due_in)
    db.session.flush()
    if status:
        action_service.change_status(action, by, status, "Finished the job", action.version)
    return action


@pytest.fixture
def actions(make_case, officer):
    first, second = make_case(title="Alpha case"), make_case(title="Beta case")
    made = [_action(first if n % 2 else second, officer, f"Task {n}", due_in=n - 2)
            for n in range(6)]
    made.append(_action(first, officer, "Finished task", due_in=1, status="done"))
    db.session.commit()
    return made


@pytest.mark.parametrize("query", ["", "?sort=due&dir=desc", "?sort=case&dir=asc&finished=1",
                                   "?sort=status&finished=1"])
def test_action_export_equals_the_list_in_its_order_without_the_limit(
        short_action_list, actions, browser, officer, query):
    b = browser(officer)
    html = b.get(f"/actions/mine{query}").get_data(as_text=True)
    # Each reference is in the link and its text: once per row.
    shown = list(dict.fromkeys(ACTION_REF.findall(html.split('data-testid="actions-table"', 1)[1])))
    assert len(shown) == 3  # the (shortened) list stops at its limit...
    href = export_href(html)
    assert href.startswith("/actions/mine/export.csv")
    rows = read_csv(b.get(href))
    # ...the export does not, and is otherwise the same list in the same order.
    everything = short_action_list(officer, "mine", **_options(query), limit=None)
    assert [row[0] for row in rows[1:]] == [a.reference for a in everything]
    assert [row[0] for row in rows[1:4]] == shown
    assert len(rows) - 1 == (7 if "finished=1" in query else 6)


def _options(query: str) -> dict:
    args = dict(part.split("=") for part in query.lstrip("?").split("&") if part)
    return {"sort": args.get("sort", "due"), "direction": args.get("dir", "asc"),
            "include_finished": args.get("finished") == "1"}


def test_action_export_columns_and_overdue(actions, browser, officer):
    rows = read_csv(browser(officer).get("/actions/mine/export.csv?sort=due"))
    assert rows[0] == ["Reference", "Action", "Case", "Case title", "Tactic", "Allocated to",
                       "Due", "Overdue", "Priority", "Status", "Allocated by", "Created"]
    first = rows[1]
    assert first[1] == "Task 0" and first[6] == (today() - timedelta(days=2)).isoformat()
    assert first[7] == "Yes" and first[9] == "Open"
    assert first[5].startswith(officer.name)
    assert [row[7] for row in rows[1:]] == ["Yes", "Yes", "No", "No", "No", "No"]


def test_action_export_is_audited_once_with_its_filters(actions, browser, officer):
    b = browser(officer)
    before = disclosures(officer)
    b.get("/actions/organisation/export.csv?finished=1&sort=case")
    after = disclosures(officer)
    assert len(after) == len(before) + 1
    assert after[-1].record_type == "action"
    assert after[-1].summary == "Exported 7 actions from My organisation's actions as CSV"
    assert after[-1].details["filters"] == {"finished": ["1"], "sort": ["case"]}


def test_action_export_of_an_unknown_list_is_404_like_the_list(browser, officer):
    b = browser(officer)
    assert b.get("/actions/everyone").status_code == 404
    assert b.get("/actions/everyone/export.csv").status_code == 404
    assert disclosures(officer) == []


def test_an_action_on_a_case_no_longer_shared_leaves_the_partners_export(
        make_case, make_org, make_user, officer, browser):
    council = make_org("District Council", kind="local_authority")
    partner = make_user("partner", org=council)
    case = make_case(title="Shared for a while")
    share = sharing.share_with_organisation(case, officer, council, "contribute")
    _action(case, officer, "Council clears the rubbish", due_in=3, allocate_to=partner)
    db.session.commit()
    b = browser(partner)
    assert [row[1] for row in read_csv(b.get("/actions/mine/export.csv"))[1:]] == [
        "Council clears the rubbish"]
    sharing.withdraw_share(case, officer, share.id)
    db.session.commit()
    assert read_csv(b.get("/actions/mine/export.csv"))[1:] == []
    assert "Council clears the rubbish" not in b.get("/actions/mine").get_data(as_text=True)


# --- flags -------------------------------------------------------------------------------------

@pytest.fixture
def flag_world(police, make_org, make_user, make_case, monkeypatch):
    import sara.flags.views

    monkeypatch.setattr(sara.flags.views, "PER_PAGE", 2)
    central, northside, _ = police.neighbourhoods
    other_force = make_org("Other Constabulary")
    cases = [make_case(title=f"Flagged {n}", neighbourhood=central if n % 2 else northside)
             for n in range(4)]
    people = [_person(police, f"Person {n}") for n in range(2)]
    flags = [_flag("review_overdue", case=case, hours_ago=10 + n) for n, case in enumerate(cases)]
    flags += [_flag(person=person, hours_ago=n) for n, person in enumerate(people)]
    flags.append(_flag(person=_person(other_force, "Not ours")))
    flags.append(_flag("closed_unevaluated", case=cases[0], hours_ago=100,
                       resolved_days_ago=2, note="Evaluation approved"))
    users = {"supervisor": make_user("supervisor", name="Sam Supervisor"),
             "admin": make_user("admin", name="Ada Admin"),
             "officer": make_user("officer")}
    db.session.commit()
    return {"cases": cases, "people": people, "flags": flags, "users": users,
            "central": central}


def _queue_subjects(b, path: str) -> list[tuple[str, str]]:
    """(case reference, person reference) of each row of every page of the queue."""
    from sara.cases.models import ProblemCase
    from sara.flags.models import Flag
    from sara.people.models import Person

    subjects, page = [], 1
    while page < 50:
        sep = "&" if "?" in path else "?"
        html = b.get(f"{path}{sep}page={page}").get_data(as_text=True)
        ids = [int(i) for i in re.findall(r'data-flag-id="(\d+)"', html)]
        if not ids:
            return subjects
        found = {row.id: (row.case_ref or "", row.person_ref or "") for row in db.session.execute(
            sa.select(Flag.id, ProblemCase.reference.label("case_ref"),
                      Person.reference.label("person_ref"))
            .outerjoin(ProblemCase, ProblemCase.id == Flag.case_id)
            .outerjoin(Person, Person.id == Flag.person_id)
            .where(Flag.id.in_(ids)))}
        subjects += [found[flag_id] for flag_id in ids]
        page += 1
    raise AssertionError("the queue never ended")


@pytest.mark.parametrize("query", ["", "?kind=review_overdue", "?kind=repeat_victim"])
def test_flag_export_equals_the_queue_across_pages(flag_world, browser, query):
    b = browser(flag_world["users"]["supervisor"])
    listed = _queue_subjects(b, f"/flags{query}")
    html = b.get(f"/flags{query}").get_data(as_text=True)
    href = export_href(html)
    assert href.startswith("/flags/export.csv")
    rows = read_csv(b.get(href))
    header = rows[0]
    case_col, person_col = header.index("Case"), header.index("Person")
    assert [(row[case_col], row[person_col]) for row in rows[1:]] == listed
    assert len(listed) == {"": 6, "?kind=review_overdue": 4, "?kind=repeat_victim": 2}[query]


def test_flag_export_by_neighbourhood_and_with_names_for_a_supervisor(flag_world, browser):
    b = browser(flag_world["users"]["supervisor"])
    rows = read_csv(b.get(f"/flags/export.csv?neighbourhood={flag_world['central'].id}"))
    header = rows[0]
    assert "Person's name" in header
    assert [row[header.index("Case")] for row in rows[1:]] == [
        flag_world["cases"][1].reference, flag_world["cases"][3].reference]
    assert {row[header.index("Neighbourhood")] for row in rows[1:]} == {"Central"}
    everything = read_csv(b.get("/flags/export.csv?kind=repeat_victim"))
    names = [row[everything[0].index("Person's name")] for row in everything[1:]]
    assert names == ["Person 0", "Person 1"]
    assert "Not ours" not in b.get("/flags/export.csv").get_data(as_text=True)


def test_an_admin_who_may_not_look_people_up_gets_no_names(flag_world, browser):
    body = browser(flag_world["users"]["admin"]).get("/flags/export.csv").get_data(as_text=True)
    assert "Person's name" not in body and "Person 0" not in body
    assert flag_world["people"][0].reference in body


def test_resolved_flag_export(flag_world, browser):
    b = browser(flag_world["users"]["supervisor"])
    html = b.get("/flags/resolved").get_data(as_text=True)
    href = export_href(html)
    assert href.startswith("/flags/resolved/export.csv")
    rows = read_csv(b.get(href))
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Case"] == flag_world["cases"][0].reference
    assert row["Resolution note"] == "Evaluation approved" and row["Resolved"]
    assert disclosures(flag_world["users"]["supervisor"])[-1].summary == (
        "Exported 1 resolved flags as CSV")


def test_flag_export_is_for_the_queues_users_only(flag_world, browser):
    b = browser(flag_world["users"]["officer"])
    for path in ("/flags", "/flags/export.csv", "/flags/resolved/export.csv"):
        assert b.get(path).status_code == 403, path
    assert disclosures(flag_world["users"]["officer"]) == []


def test_flag_export_is_audited_once_with_its_filters(flag_world, browser):
    user = flag_world["users"]["supervisor"]
    b = browser(user)
    b.get("/flags/export.csv?kind=review_overdue&neighbourhood=nonsense")
    events = disclosures(user)
    assert len(events) == 1
    assert events[0].record_type == "flag"
    assert events[0].summary == "Exported 4 flags from the flag queue as CSV"
    assert events[0].details["filters"] == {"kind": ["review_overdue"],
                                            "neighbourhood": ["nonsense"]}


def test_a_formula_in_a_case_title_is_neutralised_in_the_flag_export(flag_world, browser):
    case = flag_world["cases"][0]
    case_service.update_fields(case, case.owner, {"title": "@SUM(A1:A9)"}, case.version)
    db.session.commit()
    body = browser(flag_world["users"]["supervisor"]).get("/flags/export.csv").get_data(
        as_text=True)
    assert "'@SUM(A1:A9)" in body
    assert "\n@SUM" not in body and ",@SUM" not in body


def test_the_action_and_flag_exports_do_not_query_per_row(make_case, officer, make_user,
                                                          police, browser):
    supervisor = make_user("supervisor")
    case = make_case()
    _action(case, officer, "First", due_in=1)
    _flag("review_overdue", case=case)
    _flag(person=_person(police, "Alone"))
    db.session.commit()
    b, s = browser(officer), browser(supervisor)
    with _count_queries() as few_actions:
        b.get("/actions/mine/export.csv")
    with _count_queries() as few_flags:
        s.get("/flags/export.csv")
    others = [make_case(title=f"Other {n}") for n in range(4)]
    for n in range(8):
        _action(others[n % 4], officer, f"More {n}", due_in=n)
    for n in range(4):
        _flag("review_overdue", case=others[n])
        _flag(person=_person(police, f"Alone {n}"))
    db.session.commit()
    with _count_queries() as many_actions:
        assert len(read_csv(b.get("/actions/mine/export.csv"))) == 10
    with _count_queries() as many_flags:
        assert len(read_csv(s.get("/flags/export.csv"))) == 11
    assert len(many_actions) == len(few_actions)
    assert len(many_flags) == len(few_flags)
