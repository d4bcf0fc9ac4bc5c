"""Everyone signs out, and the Back button then shows no case data (it is sent no-store)."""

import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect


@pytest.mark.parametrize("role", ["officer", "supervisor", "partner", "call handler", "admin"])
def test_after_signing_out_back_shows_no_case_data(sign_in, check, role):
    page = sign_in(role)
    if role == "call handler":
        # The lookup is a POST: no name or number in a URL or the access log.
        page.get_by_label("Phone number").fill("07700 900131")
        page.get_by_role("button", name="Look up").click()
        secret, name = "Edna Wintersgill", "lookup by phone"
    else:
        page.goto("/cases")
        page.locator("main a[href^='/cases/PS-']").first.click()
        secret, name = page.locator("h1").inner_text().strip(), "case page"
    expect(page.locator("main")).to_contain_text(secret)
    check.page(page, name)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login"))
    check.page(page, "signed out")

    try:
        page.go_back()
    except PlaywrightError as error:
        # Back to a lookup's answer (a POST, sent no-store) is Chromium's "Confirm form
        # resubmission" page: nothing of the caller is shown, and nothing is sent again.
        assert role == "call handler" and "ERR_CACHE_MISS" in str(error), error
        page.wait_for_load_state("load")
        expect(page.locator("body")).not_to_contain_text(secret)
        return
    page.wait_for_load_state("load")
    assert secret not in page.content(), f"Back after signing out shows {secret!r} ({page.url})"
    assert "/login" in page.url, f"Back after signing out went to {page.url}, not sign-in"
    check.page(page, "back after signing out")
