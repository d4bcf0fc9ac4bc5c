"""The partner (Tom Ashworth, City of Lincoln Council) works a shared case and sees no more."""

import re

from playwright.sync_api import expect

from tests.live_server import SUPERVISOR

_REFERENCE = re.compile(r"PS-\d{4}-\d{5}")


def _references(page) -> set[str]:
    return set(_REFERENCE.findall(" ".join(
        page.locator("main a[href^='/cases/PS-']").evaluate_all("links => links.map(a => a.href)"))))


def test_partner_sees_only_shared_cases_completes_an_action_and_sees_no_withheld_details(
        sign_in, check, live):
    page = sign_in("partner")
    page.goto("/cases?per_page=100")
    expect(page.get_by_role("heading", name="Cases shared with us")).to_be_visible()
    check.page(page, "partner case list")
    shared = _references(page)
    assert shared

    # Only cases shared with the council: each is on the force's list, and the force's sharing
    # page for it names the council. (Read as the supervisor, outside the partner's browser.)
    police = live.web(SUPERVISOR)
    every_case = set(_REFERENCE.findall(police.get("/cases", params={"per_page": 100}).text))
    assert shared < every_case
    for reference in sorted(shared):
        assert "City of Lincoln Council" in police.get(f"/cases/{reference}/sharing").text

    # An unshared case, its reference typed by hand: 404, as if it did not exist.
    unshared = sorted(every_case - shared)[0]
    response = page.goto(f"/cases/{unshared}")
    assert response is not None and response.status == 404
    check.page(page, "unshared case: 404")

    # A case shared without personal details: the people are counted, never named.
    page.goto("/cases?per_page=100")
    page.get_by_role("row").filter(has_text="Monks Road").get_by_role("link").first.click()
    expect(page.get_by_test_id("people-withheld")).to_be_visible()
    for name in ("Amira Larkspur", "Frank Oddington", "30 June 1994"):
        assert name not in page.content(), f"{name} is shown to the partner"
    check.page(page, "shared case, people withheld")

    # The council's action: done, with its result.
    page.goto("/actions")
    check.page(page, "partner actions")
    page.get_by_test_id("actions-table").locator("a[href*='/actions/AC-']").first.click()
    check.page(page, "partner action")
    page.get_by_label("Done: record the result").check()
    page.get_by_label("Result, reason or note").fill(
        "Notice served on the waste carrier; the lane was cleared on Friday.")
    page.get_by_role("button", name="Update action").click()
    expect(page.locator("main")).to_contain_text("is now done")
    expect(page.get_by_test_id("action-history")).to_contain_text("Notice served")
    check.page(page, "partner action done")
