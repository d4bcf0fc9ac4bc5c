"""The supervisor (Helen Marsh) works her queue: a review, then an evaluation returned,
resubmitted, approved as good practice, and found in the library."""

from playwright.sync_api import expect

from tests.live_server import OFFICERS

OWNERS = {"Sarah Whitfield": OFFICERS[0], "Daniel Okafor": OFFICERS[1]}
STUDY_TITLE = "Lighting and coating end weekend graffiti"


def test_supervisor_reviews_returns_approves_and_finds_good_practice_in_the_library(
        sign_in, check):
    page = sign_in("supervisor")
    page.goto("/queue")
    check.page(page, "queue")

    # A review of the first case due
    page.get_by_test_id("reviews-due").locator("a[href^='/cases/PS-']").first.click()
    check.page(page, "case page")
    reviewed = page.url.rsplit("/", 1)[1]
    page.goto(f"/cases/{reviewed}/review")
    page.get_by_label("On track").check()
    page.get_by_label("Comments").fill("Good progress; chase the council's lighting quote.")
    check.page(page, "record a review")
    page.get_by_role("button", name="Record review").click()
    page.goto(f"/cases/{reviewed}/review")
    expect(page.get_by_test_id("reviews")).to_contain_text("chase the council's lighting quote")

    # The evaluation waiting longest, returned with a comment
    page.goto("/queue")
    waiting = page.get_by_test_id("awaiting-sign-off").locator("tbody tr").first
    owner_name = next(name for name in OWNERS if name in waiting.inner_text())
    waiting.locator("a[href$='/evaluation']").click()
    reference = page.url.split("/cases/")[1].split("/")[0]
    check.page(page, "evaluation to sign off")
    sign_off = page.locator("form").filter(has=page.get_by_role("button", name="Return to draft"))
    sign_off.get_by_label("Comments").fill("Say how long the after period ran, then resubmit.")
    page.get_by_role("button", name="Return to draft").click()
    expect(page.locator("main")).to_contain_text("returned to draft")
    check.page(page, "evaluation returned")

    # Marked as good practice, with its case study for the library
    page.get_by_label("Publish this case's case study in the good-practice library once "
                      "approved").check()
    page.get_by_label("Why this is good practice").fill("A cheap, quick fix others can copy.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("main")).to_contain_text("Evaluation saved.")
    page.goto(f"/cases/{reference}/case-study")
    page.get_by_label("Title").fill(STUDY_TITLE)
    for field in ("The problem", "The analysis", "The response", "The assessment", "Lessons"):
        page.get_by_label(field, exact=True).fill(f"{field}: written for other forces to copy.")
    check.page(page, "case study")
    page.get_by_role("button", name="Save the case study").click()

    # The owner resubmits
    owner = sign_in(OWNERS[owner_name])
    owner.goto(f"/cases/{reference}/evaluation")
    expect(owner.locator("main")).to_contain_text("Say how long the after period ran")
    check.page(owner, "returned evaluation, as its owner")
    owner.get_by_role("button", name="Save and submit for sign-off").click()
    expect(owner.locator("main")).to_contain_text("Evaluation saved and submitted for sign-off.")

    # Approved, so published: in the library
    page.goto(f"/cases/{reference}/evaluation")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("evaluation-status")).to_contain_text("Approved")
    check.page(page, "evaluation approved")
    page.goto("/library")
    check.page(page, "library")
    page.get_by_role("link", name=STUDY_TITLE).click()
    expect(page.locator("h1")).to_contain_text(STUDY_TITLE)
    check.page(page, "library case study")
