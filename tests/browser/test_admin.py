"""The administrator adds an organisation, then a user in it."""

import re

from playwright.sync_api import expect

NEW_ORGANISATION = "North Kesteven District Council"
NEW_USER = ("Imogen Threlkeld", "imogen.threlkeld@n-kesteven.example.org")


def test_admin_creates_an_organisation_and_a_user(sign_in, check):
    page = sign_in("admin")

    page.goto("/admin/organisations")
    check.page(page, "admin organisations")
    page.goto("/admin/organisations/new")
    check.page(page, "new organisation")
    page.get_by_label("Name").fill(NEW_ORGANISATION)
    page.get_by_label("Local authority").check()
    page.get_by_role("button", name="Save organisation").click()
    expect(page.locator("main")).to_contain_text(NEW_ORGANISATION)
    check.page(page, "organisation saved")

    page.goto("/admin/users/new")
    check.page(page, "new user")
    page.get_by_label("Full name").fill(NEW_USER[0])
    page.get_by_label("Email address").fill(NEW_USER[1])
    page.get_by_label("Organisation").select_option(label=f"{NEW_ORGANISATION} (Local authority)")
    page.get_by_label("Partner").check()
    page.get_by_label("Initial password").fill("a first password for Imogen 2026")
    page.get_by_role("button", name="Create user").click()
    # Back on the list of users, the new one on it.
    expect(page).to_have_url(re.compile(r"/admin/users"))
    expect(page.locator("main")).to_contain_text(NEW_USER[1])
    check.page(page, "admin users")
