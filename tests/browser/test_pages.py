"""The pages the journeys pass by without visiting, each put through the same checks, so that
issue 14 section 5's list of pages that fail them is measured here too (KNOWN_ISSUES)."""

import pytest
from playwright.sync_api import expect

from tests.browser.checks import DESKTOP, PHONE

#: (role, path, page name)
PAGES = [
    ("supervisor", "/dashboard", "dashboard"),
    ("supervisor", "/cases?per_page=100", "case list"),
    ("supervisor", "/flags", "flags"),
    ("supervisor", "/library/what-works", "what works"),
    ("officer", "/actions/organisation", "organisation actions"),
    ("officer", "/cases/PS-2026-00006/summary", "print summary"),
    ("officer", "/api-docs", "API docs"),
    ("officer", "/incidents", "incidents"),
    ("partner", "/", "partner home"),
]


@pytest.mark.parametrize(("role", "path", "name"), PAGES, ids=[name for *_, name in PAGES])
def test_page_passes_the_checks(sign_in, check, role, path, name):
    page = sign_in(role)
    response = page.goto(path)
    assert response is not None and response.status == 200, f"{path}: {response.status}"
    check.page(page, name)


def test_case_list_filters_fold_away_on_a_phone(sign_in):
    """Issue 14 section 5: the 13 filter fields are behind "Filter cases" at 375 px (the MOJ
    filter pattern) and shown as a panel at 1280 px; applied filters keep the panel open."""
    page = sign_in("supervisor")
    page.set_viewport_size(PHONE)
    page.goto("/cases")
    stage = page.get_by_label("Stage", exact=True)
    expect(stage).to_be_hidden()
    toggle = page.get_by_text("Filter cases", exact=True)
    expect(toggle).to_be_visible()
    toggle.click()
    expect(stage).to_be_visible()

    page.set_viewport_size(DESKTOP)
    page.goto("/cases")
    expect(stage).to_be_visible()
    expect(page.get_by_role("button", name="Apply filters")).to_be_visible()
    expect(toggle).to_be_hidden()

    page.set_viewport_size(PHONE)
    expect(stage).to_be_hidden()
    page.goto("/cases?stage=analysis")
    expect(stage).to_be_visible()
    expect(page.get_by_text("Filter cases (1 applied)")).to_be_visible()


def test_a_wide_table_scrolls_inside_its_region_not_the_page(sign_in):
    """The case list's table is wider than a phone: its region takes keyboard focus, shows it,
    and scrolls sideways itself while the page does not."""
    page = sign_in("supervisor")
    page.set_viewport_size(PHONE)
    page.goto("/cases?per_page=100")
    region = page.get_by_role("region", name="Cases")
    expect(region).to_have_attribute("tabindex", "0")
    assert region.evaluate("r => r.scrollWidth > r.clientWidth"), "the table fits: nothing to test"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_role("link", name="Download as CSV").focus()
    page.keyboard.press("Tab")
    expect(region).to_be_focused()
    assert region.evaluate("r => getComputedStyle(r).outlineStyle") == "solid"
    page.keyboard.press("ArrowRight")
    for _ in range(50):  # the arrow key's scroll may be smooth: up to 5 s
        if region.evaluate("r => r.scrollLeft") > 0:
            break
        page.wait_for_timeout(100)
    assert region.evaluate("r => r.scrollLeft") > 0, "the arrow key did not scroll the region"
    assert page.evaluate("window.scrollX") == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
