"""Force-wide search: ranked, highlighted, filtered, kept in step with the cases, and never a case
the user may not see (on SQLite's FTS5 and PostgreSQL's tsvector alike)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from sara.actions import service as action_service
from sara.audit.models import AuditEvent
from sara.cases import service as case_service
from sara.cases.models import ProblemCase
from sara.core.types import utcnow
from sara.evaluation.models import Evaluation
from sara.extensions import db
from sara.partners import service as sharing
from sara.people import service as people_service
from sara.search import service
from sara.search.service import SearchFilters
from tests.test_migrations import empty_database_url, fresh_app  # noqa: F401  (fixtures)

_RESULT = re.compile(r'data-testid="search-result" data-reference="([^"]+)"')


def refs(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    return _RESULT.findall(response.get_data(as_text=True))


def found(user, text: str, **filters) -> list[str]:
    page = service.search_page(user, SearchFilters(text=text, **filters), per_page=50)
    return [hit.case.reference for hit in page.hits]


def add_action(case, actor, title="Visit the shop", note=None):
    action = action_service.create_action(case, actor, {
        "title": title, "description": "", "tactic_category": "engagement",
        "triangle_side": "location", "allocation": f"user:{actor.id}",
        "due_date": dt.date.today() + dt.timedelta(days=7), "priority": "normal",
    })
    if note:
        action_service.add_note(action, actor, note)
    return action


def evaluate(case, **values):
    evaluation = Evaluation(case=case, status="draft", **values)
    db.session.add(evaluation)
    db.session.flush()
    return evaluation


# --- ranking and sources -----------------------------------------------------------------------

def test_a_title_match_outranks_a_match_only_in_an_action_note(officer, make_case):
    in_note = make_case(title="Parking on the verge")
    add_action(in_note, officer, note="Residents mention the quokka mural again")
    in_title = make_case(title="Quokka mural defaced")
    make_case(title="Unrelated noise complaint")
    db.session.commit()

    assert found(officer, "quokka") == [in_title.reference, in_note.reference]
    assert found(officer, "quokkas murals") == [in_title.reference, in_note.reference]


SOURCES = {
    "description": lambda case, user: case_service.update_fields(
        case, user, {"description": "Wombat sightings by the canal"}, case.version),
    "scanning summary": lambda case, user: case_service.update_fields(
        case, user, {"scan_summary": "Wombat sightings by the canal"}, case.version),
    "scanning baseline": lambda case, user: case_service.update_fields(
        case, user, {"scan_baseline": "Wombat sightings by the canal"}, case.version),
    "analysis offender": lambda case, user: case_service.update_fields(
        case, user, {"analysis_offender": "Wombat sightings by the canal"}, case.version),
    "analysis root causes": lambda case, user: case_service.update_fields(
        case, user, {"analysis_root_causes": "Wombat sightings by the canal"}, case.version),
    "objective": lambda case, user: case_service.add_objective(
        case, user, "Halve wombat sightings", case.version),
    "tactic": lambda case, user: case_service.add_tactic(
        case, user, category="situational", triangle_side="location",
        description="Wombat-proof fencing", expected_version=case.version),
    "action title": lambda case, user: add_action(case, user, title="Count the wombats"),
    "action note": lambda case, user: add_action(case, user, note="Saw two wombats"),
    "evaluation lessons": lambda case, user: evaluate(case, lessons="Wombats need a hedge"),
    "good-practice summary": lambda case, user: evaluate(
        case, good_practice_summary="A wombat corridor worked"),
}


@pytest.mark.parametrize("source", list(SOURCES))
def test_every_source_of_text_is_searchable(officer, make_case, source):
    case = make_case(title="Trouble by the lock", description="Nothing to see")
    make_case(title="Another case", description="Nothing to see either")
    assert found(officer, "wombat") == []

    SOURCES[source](case, officer)
    db.session.commit()

    assert found(officer, "wombat") == [case.reference]


def test_words_are_stemmed_and_phrases_or_and_minus_work(officer, make_case):
    running = make_case(title="Youths running across rooftops")
    bikes = make_case(title="Off-road bikes on the rooftops")
    db.session.commit()

    assert found(officer, "run") == [running.reference]
    assert sorted(found(officer, "rooftop")) == sorted([running.reference, bikes.reference])
    assert found(officer, '"road bikes"') == [bikes.reference]
    assert found(officer, "rooftops -bikes") == [running.reference]
    assert sorted(found(officer, "running OR bikes")) == sorted(
        [running.reference, bikes.reference])
    assert found(officer, "the running") == [running.reference]  # stop words are left out


# --- kept in step ------------------------------------------------------------------------------

def test_the_index_follows_a_note_added_and_a_title_edited_on_the_pages(officer, make_case,
                                                                       browser):
    case = make_case(title="Bins set alight")
    action = add_action(case, officer, title="Talk to the caretaker")
    db.session.commit()
    b = browser(officer)
    assert refs(b.get("/search?q=platypus")) == []

    response = b.post(f"/cases/{case.reference}/actions/{action.reference}/notes",
                      data={"text": "The platypus bin was moved"})
    assert response.status_code == 302
    assert refs(b.get("/search?q=platypus")) == [case.reference]

    response = b.post(f"/cases/{case.reference}/edit", data={
        "title": "Wheelie bins set alight", "problem_type": case.problem_type,
        "neighbourhood_id": str(case.neighbourhood_id), "location_text": case.location_text,
        "latitude": "", "longitude": "", "description": case.description,
        "owner_id": str(case.owner_id), "review_cadence_days": str(case.review_cadence_days),
        "version": str(case.version),
    })
    assert response.status_code == 302
    assert refs(b.get("/search?q=wheelie")) == [case.reference]


def test_removing_an_objective_or_tactic_removes_its_text(officer, make_case):
    case = make_case(title="Loitering at the bus station")
    case_service.add_objective(case, officer, "Move the dingo statue", case.version)
    case_service.add_tactic(case, officer, category="situational", triangle_side="location",
                            description="Numbat lighting", expected_version=case.version)
    db.session.commit()
    assert found(officer, "dingo") == [case.reference] == found(officer, "numbat")

    case_service.remove_objective(case, officer, case.objectives[0].id, case.version)
    case_service.remove_tactic(case, officer, case.tactics[0].id, case.version)
    db.session.commit()

    assert found(officer, "dingo") == [] == found(officer, "numbat")
    assert found(officer, "loitering") == [case.reference]


def test_a_rolled_back_change_never_reaches_the_index(officer, make_case):
    case = make_case(title="Dog fouling on the green")
    db.session.commit()
    db.session.get(ProblemCase, case.id).title = "Echidna fouling on the green"
    db.session.flush()
    db.session.rollback()

    assert found(officer, "echidna") == []
    assert found(officer, "dog") == [case.reference]


def test_reindex_rebuilds_the_index_from_the_cases(app, officer, make_case):
    case = make_case(title="Kangaroo court in the precinct")
    db.session.commit()
    db.session.execute(sa.text("DELETE FROM case_search"))
    assert found(officer, "kangaroo") == []

    result = app.test_cli_runner().invoke(args=["sara", "reindex"])

    assert result.exit_code == 0, result.output
    assert "Search index rebuilt" in result.output
    assert found(officer, "kangaroo") == [case.reference]


# --- filters -----------------------------------------------------------------------------------

def test_filters_narrow_the_results(officer, police, make_case, browser):
    central, northside = police.neighbourhoods[0], police.neighbourhoods[1]
    old = make_case(title="Emu graffiti old", neighbourhood=central)
    north = make_case(title="Emu graffiti north", neighbourhood=northside,
                      problem_type="vandalism")
    closed = make_case(title="Emu graffiti closed")
    closed.status, closed.stage = "closed", "analysis"
    db.session.execute(sa.update(ProblemCase).where(ProblemCase.id == old.id)
                       .values(created_dt=utcnow() - dt.timedelta(days=400)))
    db.session.commit()
    b = browser(officer)
    everything = refs(b.get("/search?q=emu"))
    assert sorted(everything) == sorted([old.reference, north.reference, closed.reference])

    assert refs(b.get(f"/search?q=emu&neighbourhood={northside.id}")) == [north.reference]
    assert refs(b.get("/search?q=emu&problem_type=vandalism")) == [north.reference]
    assert refs(b.get("/search?q=emu&status=closed")) == [closed.reference]
    assert refs(b.get("/search?q=emu&stage=analysis")) == [closed.reference]
    recent = (dt.date.today() - dt.timedelta(days=30)).isoformat()
    assert sorted(refs(b.get(f"/search?q=emu&opened_from={recent}"))) == sorted(
        [north.reference, closed.reference])
    long_ago = dt.date.today() - dt.timedelta(days=300)
    day_boxes = f"opened_to={long_ago.day}&opened_to={long_ago.month}&opened_to={long_ago.year}"
    assert refs(b.get(f"/search?q=emu&{day_boxes}")) == [old.reference]


def test_a_bad_filter_is_reported_and_ignored(officer, make_case, browser):
    case = make_case(title="Heron nests disturbed")
    db.session.commit()

    response = browser(officer).get("/search?q=heron&stage=nonsense&opened_from=31-02-2026"
                                    "&neighbourhood=999999")

    assert refs(response) == [case.reference]
    html = response.get_data(as_text=True)
    assert "Choose a stage from the list" in html
    assert "Enter a real date" in html
    assert "Choose a neighbourhood from the list" in html


def test_results_are_paged_and_counted(app, officer, make_case, browser, monkeypatch):
    cases = [make_case(title=f"Ibis roost number {n}") for n in range(5)]
    db.session.commit()
    monkeypatch.setitem(app.config, "CASES_PER_PAGE", 2)
    b = browser(officer)

    first, third = b.get("/search?q=ibis"), b.get("/search?q=ibis&page=3")

    assert "5 cases, page 1 of 3" in first.get_data(as_text=True)
    assert len(refs(first)) == 2 and len(refs(third)) == 1
    shown = refs(first) + refs(b.get("/search?q=ibis&page=2")) + refs(third)
    assert sorted(shown) == sorted(c.reference for c in cases)
    assert refs(b.get("/search?q=ibis&page=99")) == []
    # The page links keep a date's three boxes.
    today = dt.date.today()
    boxes = f"opened_from=1&opened_from={today.month}&opened_from={today.year - 1}"
    html = b.get(f"/search?q=ibis&{boxes}").get_data(as_text=True)
    assert f"page=2&amp;{boxes.replace('&', '&amp;')}" in html or \
        f"{boxes.replace('&', '&amp;')}&amp;page=2" in html


# --- who sees what -----------------------------------------------------------------------------

@pytest.fixture
def partner_world(officer, make_org, make_user, make_case):
    council = make_org("District Council", kind="local_authority")
    partner = make_user("partner", org=council)
    shared = make_case(title="Pelican fly-tipping behind the flats")
    hidden = make_case(title="Pelican fly-tipping near the school",
                       description="Pelican pelican pelican: an informant named here")
    add_action(hidden, officer, note="Pelican pelican")
    sharing.share_with_organisation(shared, officer, council, "view")
    other_force_case = make_case(owner=make_user("officer", org=make_org("Other Force")),
                                 title="Pelican case of another force")
    db.session.commit()
    return partner, shared, hidden, other_force_case


def test_a_partner_finds_a_shared_case_and_never_an_unshared_one(partner_world, officer,
                                                                 browser):
    partner, shared, hidden, other_force_case = partner_world
    b = browser(partner)

    response = b.get("/search?q=pelican")

    assert refs(response) == [shared.reference]
    html = response.get_data(as_text=True)
    assert "1 case" in html and "informant" not in html and hidden.reference not in html
    assert found(partner, "informant") == []
    assert service.count(partner, SearchFilters(text="pelican")) == 1
    assert sorted(found(officer, "pelican")) == sorted([shared.reference, hidden.reference])
    assert other_force_case.reference not in found(officer, "pelican")
    export = b.get("/search/export.csv?q=pelican")
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row[0] for row in rows[1:]] == [shared.reference]


def test_a_partners_order_of_results_owes_nothing_to_cases_they_cannot_see(officer, make_org,
                                                                          make_user,
                                                                          make_case):
    council = make_org("Council", kind="local_authority")
    partner = make_user("partner", org=council)
    first = make_case(title="Case one", description="Alpaca alpaca alpaca llama")
    second = make_case(title="Case two", description="Alpaca llama llama llama")
    for case in (first, second):
        sharing.share_with_organisation(case, officer, council, "view")
    db.session.commit()
    before = found(partner, "alpaca llama")

    # Corpus-wide term weights (bm25's) would now favour whichever case says "llama" less.
    for n in range(6):
        make_case(title=f"Hidden {n}", description="Llama llama")
    db.session.commit()

    assert sorted(before) == sorted([first.reference, second.reference])
    assert found(partner, "alpaca llama") == before


def test_search_needs_sign_in(client):
    response = client.get("/search?q=anything")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- snippets ----------------------------------------------------------------------------------

def test_snippets_highlight_matches_and_never_turn_text_into_html(officer, make_case, browser):
    case = make_case(title="<script>alert('gecko')</script> on the wall",
                     description="A gecko <b>drawn</b> in red & <img src=x onerror=alert(1)>")
    db.session.commit()

    response = browser(officer).get("/search?q=gecko")

    assert refs(response) == [case.reference]
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>drawn" not in html
    assert "&lt;script&gt;alert(&#39;gecko&#39;)&lt;/script&gt; on the wall" in html  # the title
    snippet = re.search(r'data-testid="snippet">(.*?)</p>', html, re.S).group(1)
    assert "<mark>gecko</mark>" in snippet
    assert re.sub(r"</?mark>", "", snippet).count("<") == 0


def test_a_snippet_is_escaped_before_it_is_marked():
    rendered = service.render_snippet(
        f"<i>{service.OPEN}owl{service.CLOSE}</i> & {service.OPEN}unclosed")
    assert str(rendered) == "&lt;i&gt;<mark>owl</mark>&lt;/i&gt; &amp; unclosed"
    assert str(service.render_snippet("Title\n\n\nfirst  field\nsecond")) == \
        "Title · first field · second"


# --- bad input ---------------------------------------------------------------------------------

BAD_QUERIES = ['"', '"unbalanced', "*", "-", "--", "OR", "or or", "()", "(a", "a)", "NOT",
               "AND", "a AND", "NEAR(a b)", "title:x", "^x", "' OR 1=1 --", "x" * 201,
               "\x00", "a\x00b", "+", "~", ":", "{}", "-\"x\"", "x -", "\u202e", "🙂", " ",
               "a:b:c", "\\", "%", "_"]


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_odd_queries_never_fail(officer, make_case, browser, query):
    make_case(title="A perfectly ordinary case")
    db.session.commit()
    b = browser(officer)

    response = b.get("/search", query_string={"q": query})
    export = b.get("/search/export.csv", query_string={"q": query})

    assert response.status_code == 200
    assert export.status_code == 200


def test_an_over_long_or_nul_query_is_refused_with_a_message(officer, browser):
    b = browser(officer)
    long = b.get("/search", query_string={"q": "word " * 50}).get_data(as_text=True)
    nul = b.get("/search", query_string={"q": "a\x00b"}).get_data(as_text=True)
    assert "Search must be 200 characters or fewer" in long
    assert "must not contain a NUL character" in nul


def test_an_empty_search_shows_the_form_only(officer, make_case, browser):
    make_case(title="Something")
    db.session.commit()
    html = browser(officer).get("/search").get_data(as_text=True)
    assert 'name="q"' in html and "result-count" not in html


# --- the CSV -----------------------------------------------------------------------------------

def test_the_csv_holds_every_filtered_result_in_order_and_is_audited(app, officer, police,
                                                                     make_case, browser,
                                                                     monkeypatch):
    northside = police.neighbourhoods[1]
    best = make_case(title="Magpie thefts", neighbourhood=northside)
    rest = [make_case(title=f"Case {n}", neighbourhood=northside,
                      description="A magpie seen nearby") for n in range(3)]
    make_case(title="Magpie thefts elsewhere")  # filtered out by neighbourhood
    db.session.commit()
    monkeypatch.setitem(app.config, "CASES_PER_PAGE", 2)
    b = browser(officer)
    query = f"q=magpie&neighbourhood={northside.id}"
    page = b.get(f"/search?{query}")
    assert "4 cases" in page.get_data(as_text=True)
    assert f'href="/search/export.csv?q=magpie&amp;neighbourhood={northside.id}"' in \
        page.get_data(as_text=True)

    export = b.get(f"/search/export.csv?{query}")

    assert export.status_code == 200
    assert export.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Reference", "Title", "Problem type"]
    references = [row[0] for row in rows[1:]]
    assert references[0] == best.reference
    assert sorted(references) == sorted([best.reference, *(c.reference for c in rest)])
    assert references == found(officer, "magpie", neighbourhood_id=northside.id)
    audit = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "disclosure", AuditEvent.user_id == officer.id)).all()
    assert len(audit) == 1
    assert audit[0].summary == "Exported 4 cases from a search as CSV"
    assert audit[0].details["filters"]["q"] == ["magpie"]


# --- people ------------------------------------------------------------------------------------

@pytest.fixture
def person_case(officer, make_case):
    case = make_case(title="Harassment of a resident")
    people_service.add_person_to_case(
        case, officer, {"name": "Bartholomew Quill", "phone": "07700 900123",
                        "address": "3 Mill Lane", "postcode": "LN1 1AA"}, "victim", ["age"])
    db.session.commit()
    return case


def person_audit_rows(user) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.user_id == user.id, AuditEvent.record_type == "person",
        AuditEvent.action == "consultation")))


@pytest.mark.parametrize("query", ["Bartholomew", "bartholomew quill", "07700 900123",
                                   "+44 7700 900123"])
def test_police_find_a_person_by_name_or_phone_and_it_is_audited(officer, person_case, browser,
                                                                 query):
    response = browser(officer).get("/search", query_string={"q": query})

    html = response.get_data(as_text=True)
    assert 'data-testid="person-result"' in html and "Bartholomew Quill" in html
    rows = person_audit_rows(officer)
    assert [(r.action, r.summary) for r in rows] == [("consultation", "Shown in a caller lookup")]


def test_a_search_for_no_one_is_audited_as_a_lookup_with_no_match(officer, person_case,
                                                                 browser):
    browser(officer).get("/search?q=Nobody")
    assert [r.summary for r in person_audit_rows(officer)] == ["Caller lookup with no match"]


def test_people_outside_the_rules_get_no_person_results_nor_a_hint(officer, person_case,
                                                                  make_org, make_user,
                                                                  browser):
    council = make_org("Council", kind="local_authority")
    partner = make_user("partner", org=council)
    sharing.share_with_organisation(person_case, officer, council, "view")
    sharing.set_personal_details_shared(person_case, officer, True, person_case.version)
    admin = make_user("admin")
    other_force_officer = make_user("officer", org=make_org("Other Force"))
    db.session.commit()

    for user in (partner, admin):
        html = browser(user).get("/search?q=Bartholomew").get_data(as_text=True)
        assert "Quill" not in html and "PN-" not in html
        assert "people-count" not in html and "person-result" not in html
        assert person_audit_rows(user) == []
    # Another force's officer looks up their own force's people, where there is no one.
    html = browser(other_force_officer).get("/search?q=Bartholomew").get_data(as_text=True)
    assert "Quill" not in html and "person-result" not in html


def test_the_navigation_offers_search(officer, browser):
    html = browser(officer).get("/cases").get_data(as_text=True)
    assert 'href="/search"' in html


# --- the migration -----------------------------------------------------------------------------

def _documents(connection) -> dict:
    if connection.dialect.name == "postgresql":
        rows = connection.execute(sa.text(
            "SELECT case_id, title, body, actions, document::text FROM case_search"))
    else:
        rows = connection.execute(sa.text("SELECT rowid, title, body, actions FROM case_search"))
    return {row[0]: tuple(row[1:]) for row in rows}


def _matches(connection, word: str) -> list[int]:
    if connection.dialect.name == "postgresql":
        sql = ("SELECT case_id FROM case_search "
               "WHERE document @@ websearch_to_tsquery('english', :q) ORDER BY case_id")
    else:
        sql = "SELECT rowid FROM case_search WHERE case_search MATCH :q ORDER BY rowid"
    return list(connection.execute(sa.text(sql), {"q": word}).scalars())


def test_the_migration_fills_the_index_as_the_application_would(fresh_app):  # noqa: F811
    """A database upgraded from the revision before the index is searchable at once, with the
    same documents the application writes."""
    from sara.actions.models import Action, ActionEntry
    from sara.cases.models import CaseObjective, PlannedTactic
    from sara.orgs.models import Neighbourhood, Organisation
    from sara.search import indexing

    with fresh_app.app_context():
        upgrade(revision="dfb41eeb72e8")
        with db.engine.begin() as conn:
            def table(name):
                # The model's table with only the columns that revision had: today's models have
                # columns added since, whose defaults would name columns that do not exist yet.
                present = {c["name"] for c in sa.inspect(conn).get_columns(name)}
                return sa.Table(name, sa.MetaData(), *(
                    column._copy() for column in db.metadata.tables[name].columns
                    if column.name in present))

            org = conn.execute(table(Organisation.__tablename__).insert().values(
                name="Force", kind="police")).inserted_primary_key[0]
            hood = conn.execute(table(Neighbourhood.__tablename__).insert().values(
                name="Central", organisation_id=org)).inserted_primary_key[0]
            user = conn.execute(table("users").insert().values(
                email="o@example.org", name="O", password_hash="x", role="officer",
                organisation_id=org)).inserted_primary_key[0]
            common = {"problem_type": "asb_youth", "neighbourhood_id": hood,
                      "location_text": "Market Square", "organisation_id": org,
                      "owner_id": user, "created_by_id": user, "updated_by_id": user,
                      "version": 1}
            first = conn.execute(table(ProblemCase.__tablename__).insert().values(
                reference="PS-2026-00001", title="Axolotl pond vandalised",
                analysis_why="Dark path", **common)).inserted_primary_key[0]
            second = conn.execute(table(ProblemCase.__tablename__).insert().values(
                reference="PS-2026-00002", title="Noise", description="Loud music",
                **common)).inserted_primary_key[0]
            conn.execute(table(CaseObjective.__tablename__).insert().values(case_id=second,
                                                                 text="Fewer calls"))
            conn.execute(table(PlannedTactic.__tablename__).insert().values(
                case_id=second, category="situational", triangle_side="location",
                description="Warning letters"))
            action = conn.execute(table(Action.__tablename__).insert().values(
                reference="AC-000001", case_id=second, title="Visit", tactic_category="support",
                triangle_side="victim", allocated_user_id=user, due_date=dt.date(2030, 1, 1),
                created_by_id=user, version=1)).inserted_primary_key[0]
            conn.execute(table(ActionEntry.__tablename__).insert().values(
                action_id=action, user_id=user, kind="note", text="An axolotl was seen"))
            conn.execute(table(Evaluation.__tablename__).insert().values(
                case_id=second, lessons="Lighting helped", version=1))

        upgrade()

        with db.engine.begin() as conn:
            assert _matches(conn, "axolotl") == [first, second]
            assert _matches(conn, "lighting") == [second]
            assert _matches(conn, "warning") == [second]
            migrated = _documents(conn)
            with sa.orm.Session(bind=conn) as session:
                indexing.refresh_all(session)
            assert _documents(conn) == migrated
