"""A page's statements do not grow with what it shows (no N+1), and recording what a search or a
caller lookup showed reloads none of it (issue 12: search and lookup once reloaded every result
after committing their audit row: 63 and 61 statements a page, 11 and 9 without the reload)."""

from __future__ import annotations

from contextlib import contextmanager

import sqlalchemy as sa

from sara.extensions import db
from sara.people import service as people_service


@contextmanager
def _statements():
    """Every statement the app sends, SELECTs and writes alike."""
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)


def _people(case, officer, how_many: int, surname: str, postcode: str) -> None:
    for n in range(how_many):
        people_service.add_person_to_case(
            case, officer, {"name": f"Person{n:02d} {surname}", "phone": f"07700 9{n:05d}",
                            "address": f"{n + 1} Mill Lane", "postcode": postcode},
            "victim", ["age"] if n % 2 else [])


def _count(browser, path: str, data: dict | None = None) -> int:
    """Statements of the second GET of `path` (or POST of `data` to it)."""
    def ask():
        return browser.get(path) if data is None else browser.post(path, data)

    ask()  # warm: the session, the rules, the header counts
    with _statements() as seen:
        response = ask()
    assert response.status_code == 200
    return len(seen)


def test_a_caller_lookup_costs_the_same_for_one_hit_as_for_twenty(make_case, officer, browser):
    few, many = make_case(title="Few"), make_case(title="Many")
    _people(few, officer, 1, "Quillfew", "LN1 1AA")
    _people(many, officer, 20, "Quillmany", "LN2 2BB")
    db.session.commit()
    signed_in = browser(officer)
    one = _count(signed_in, "/lookup", {"postcode": "LN1 1AA"})
    twenty = _count(signed_in, "/lookup", {"postcode": "LN2 2BB"})
    assert twenty == one, (one, twenty)
    # 15 when it read stored flags; now it applies the rules about people itself (their
    # numbers, then one query each: sara.flags.status), and lists each hit's open cases. 18
    # until the case review's own-complaints rule applied to everyone, on a case or not (one
    # statement, and its numbers). 21 since it says who has applied for a case review (one
    # statement for every hit).
    assert twenty <= 21


def test_a_search_costs_the_same_for_one_case_as_for_thirty(make_case, officer, browser):
    make_case(title="Solitary heron nesting")
    for n in range(30):
        make_case(title=f"Graffiti wall {n}")
    db.session.commit()
    signed_in = browser(officer)
    one = _count(signed_in, "/search?q=heron")
    thirty = _count(signed_in, "/search?q=graffiti")
    assert thirty == one, (one, thirty)
    assert thirty <= 20  # the page, its people section, and the header's counts


def test_the_api_review_list_costs_the_same_for_one_review_as_for_ten(police, officer, api,
                                                                      make_org, make_case):
    from datetime import date

    from sara.asb_reviews import service as review_service
    from tests.test_person_flags import _person

    council = make_org("Council", kind="local_authority")
    client = api(officer)

    def apply(n: int) -> None:
        # Each on its own case, received by the council: what each summary reads.
        review_service.record_application(officer, _person(police, f"Victim {n}"), {
            "applicant_kind": "victim", "applicant_contact": "1 Elm Close",
            "received_by_id": council.id, "received_date": date(2026, 6, 1),
            "summary": "Noise.", "case_id": make_case().id})

    apply(0)
    db.session.commit()
    one = _count(client, "/api/v1/asb-reviews")
    for n in range(1, 10):
        apply(n)
    db.session.commit()
    ten = _count(client, "/api/v1/asb-reviews")
    assert ten == one, (one, ten)
    assert ten <= 12  # the token, the count, the page, and the audit row of what it listed
