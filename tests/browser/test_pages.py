"""The pages the journeys pass by without visiting, each put through the same checks, so that
issue 14 section 5's list of pages that fail them is measured here too (KNOWN_ISSUES)."""

import pytest

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
