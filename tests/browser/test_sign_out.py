"""Everyone signs out, and the Back button then shows no case data (it is sent no-store)."""

import re

import pytest
from playwright.sync_api import expect


@pytest.mark.parametrize("role", ["officer", "supervisor", "partner", "call handler", "admin"])
def test_after_signing_out_back_shows_no_case_data(sign_in, check, role):
    page = sign_in(role)
    if role == "call handler":
        page.goto("/lookup?phone=07700+900131")
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

    page.go_back()
    page.wait_for_load_state("load")
    assert secret not in page.content(), f"Back after signing out shows {secret!r} ({page.url})"
    assert "/login" in page.url, f"Back after signing out went to {page.url}, not sign-in"
    check.page(page, "back after signing out")
