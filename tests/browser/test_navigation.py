"""The header's navigation (issue 14 section 4): one row at desktop width, the less used sections in
a "More" menu that works by keyboard, on a phone, and without scripts; and the back links inside
a landmark (axe "region")."""

import pytest
from playwright.sync_api import expect

from tests.browser.checks import DESKTOP, PHONE, axe_violations

#: The sections in each role's "More" menu, in order (templates/base.html)
MORE = {
    "officer": ["Search", "Record an incident", "ASB case reviews", "Good practice"],
    "supervisor": ["Search", "Record an incident", "Import incidents", "Flags", "ASB case reviews", "Possible duplicates",
                   "Same incident?", "Good practice", "Staff activity"],
}
ROLES = list(MORE)


def _nav(page):
    return page.get_by_role("navigation", name="Main")


def _focused_text(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.textContent.trim()")


@pytest.mark.parametrize("role", ROLES)
def test_the_navigation_is_one_row_at_desktop_width(sign_in, check, role):
    page = sign_in(role)
    page.goto("/cases")
    tops = _nav(page).locator(".govuk-service-navigation__list > li").evaluate_all(
        "items => items.map((item) => Math.round(item.getBoundingClientRect().top))")
    assert len(tops) >= 8 and len(set(tops)) == 1, f"{role}: the items' tops are {tops}"
    check.page(page, f"navigation, {role}")


@pytest.mark.parametrize("role", ROLES)
def test_every_section_in_more_is_reached_by_keyboard(sign_in, check, role):
    page = sign_in(role)
    page.goto("/cases")
    button = _nav(page).get_by_role("button", name="More")
    menu = page.locator("#app-nav-more-list")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()

    # Tab from the top of the page to the button, and open the menu with Enter.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('button.app-nav-more__toggle')"):
            break
    else:
        pytest.fail(f"{role}: Tab never reached the More button")
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(menu).to_be_visible()
    check.page(page, f"navigation menu open, {role}")

    # Tab goes through every section in the menu, each one shown.
    for text in MORE[role]:
        page.keyboard.press("Tab")
        assert _focused_text(page) == text
        expect(menu.get_by_role("link", name=text, exact=True)).to_be_visible()
    # Escape closes it and gives focus back to the button.
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    assert page.evaluate("document.activeElement.matches('button.app-nav-more__toggle')")

    # The arrows move through the menu; Tab past its end closes it.
    page.keyboard.press("ArrowDown")
    assert _focused_text(page) == MORE[role][0]
    page.keyboard.press("End")
    assert _focused_text(page) == MORE[role][-1]
    page.keyboard.press("Tab")
    expect(menu).to_be_hidden()

    # Following a section's link: on its page, "More" is the current section.
    button.click()
    menu.get_by_role("link", name=MORE[role][-1], exact=True).click()
    page.wait_for_load_state("load")
    more = _nav(page).get_by_test_id("nav-more")
    expect(more).to_have_class("govuk-service-navigation__item app-nav-more "
                               "govuk-service-navigation__item--active")
    expect(more.get_by_role("button", name="More")).to_have_attribute("aria-current", "true")
    expect(more.get_by_role("link", name=MORE[role][-1], exact=True, include_hidden=True)
           ).to_have_attribute("aria-current", "true")


#: A partner's first main sections (templates/base.html); Actions and Notifications follow,
#: with their badges
PARTNER_MAIN = ["Cases shared with us", "Dashboard", "Complaints"]


def test_a_partner_reaches_their_complaints_from_the_navigation(sign_in, check):
    page = sign_in("partner")
    page.goto("/cases")
    items = _nav(page).locator(".govuk-service-navigation__list > li:not(.app-nav-more) > a")
    assert [text.strip() for text in items.all_inner_texts()][:3] == PARTNER_MAIN
    _nav(page).get_by_role("link", name="Complaints", exact=True).click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", level=1)).to_have_text("Complaints")
    expect(_nav(page).get_by_role("link", name="Complaints", exact=True)
           ).to_have_attribute("aria-current", "true")
    check.page(page, "navigation, partner's complaints")


def test_the_menu_opens_on_a_phone(sign_in):
    page = sign_in("supervisor")
    page.set_viewport_size(PHONE)
    page.goto("/cases")
    nav = _nav(page)
    nav.get_by_role("button", name="Menu").click()
    nav.get_by_role("button", name="More").click()
    for text in MORE["supervisor"]:
        link = nav.get_by_role("link", name=text, exact=True)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], text
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_menu_works_without_scripts(chromium, live):
    """Without JavaScript "More" is a <details>: it opens, and every section is there."""
    context = chromium.new_context(viewport=DESKTOP, base_url=live.url(""),
                                   java_script_enabled=False)
    try:
        from tests.browser.conftest import USERS
        from tests.live_server import PASSWORD

        page = context.new_page()
        page.goto("/login")
        page.fill("input[name=email]", USERS["supervisor"])
        page.fill("input[name=password]", PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto("/cases")
        menu = page.locator("#app-nav-more-list")
        expect(menu).to_be_hidden()
        page.locator("summary", has_text="More").click()
        for text in MORE["supervisor"]:
            expect(menu.get_by_role("link", name=text, exact=True)).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/cases/PS-2026-00006/timeline", "/cases/new"])
def test_the_back_link_is_inside_a_landmark(sign_in, path):
    page = sign_in("officer")
    page.goto(path)
    back = page.get_by_role("navigation", name="Back").get_by_role("link", name="Back to")
    expect(back).to_be_visible()
    assert axe_violations(page, ["region"]) == []
