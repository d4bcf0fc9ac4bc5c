"""The officer works a new case through SARA: from creating it to submitting its evaluation."""

import re

from playwright.sync_api import expect

TITLE = "Graffiti on the Brayford Pool footbridge"
#: Demo incidents (sara/demo/seed.py) to link by reference
INCIDENTS = ("SARA-0000060", "SARA-0000061")


def _move_to(page, reference: str, stage: str, check) -> None:
    page.goto(f"/cases/{reference}/stage")
    page.get_by_label(stage, exact=True).check()
    page.get_by_label("Reason").fill(f"Ready for {stage}.")
    check.page(page, "move stage")
    page.get_by_role("button", name="Move case").click()
    expect(page.locator("main")).to_contain_text(f"Case moved to {stage}.")


def test_officer_works_a_case_from_scanning_to_a_submitted_evaluation(sign_in, check):
    page = sign_in("officer")
    check.page(page, "officer case list")

    # Scanning
    page.goto("/cases/new")
    check.page(page, "new case")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Problem type").select_option("graffiti")
    page.get_by_label("Neighbourhood").select_option(label="Lincoln Central")
    page.get_by_label("Location").fill("Brayford Pool footbridge, Lincoln")
    page.get_by_label("Description").fill("Tags sprayed on the footbridge most weekends.")
    page.get_by_role("button", name="Create case").click()
    expect(page.locator("h1")).to_have_text(TITLE)
    reference = re.search(r"PS-\d{4}-\d{5}", page.url).group(0)
    check.page(page, "case page")

    page.get_by_role("link", name="Change scanning").click()
    page.get_by_label("How did the problem come to notice?").select_option("resident_complaint")
    page.get_by_label("Scanning summary: the pattern seen").fill(
        "Fourteen reports of new tags in eight weeks, mostly on Saturday nights.")
    page.get_by_label("Baseline and what success looks like").fill(
        "14 reports in 8 weeks; success is fewer than 4.")
    check.page(page, "scanning")
    page.get_by_role("button", name="Save scanning").click()
    expect(page.locator("main")).to_contain_text("Fourteen reports")
    _move_to(page, reference, "Analysis", check)

    # Analysis
    page.goto(f"/cases/{reference}/analysis")
    page.get_by_label("Location: what about the place allows the problem").fill(
        "Unlit underside of the bridge, out of sight of the quayside bars.")
    page.get_by_label("Root causes").fill("No lighting and no one responsible for the bridge.")
    check.page(page, "analysis")
    page.get_by_role("button", name="Save analysis").click()
    _move_to(page, reference, "Response", check)

    # Response: an objective and a tactic
    page.goto(f"/cases/{reference}/response")
    page.get_by_label("SMART objective").fill("Fewer than 4 graffiti reports a month by March.")
    page.get_by_role("button", name="Add objective").click()
    expect(page.locator("main")).to_contain_text("Objective added.")
    page.get_by_label("Environmental").check()
    page.get_by_label("Location", exact=True).check()
    page.get_by_label("What will be done").fill("Clean the bridge and apply anti-graffiti coating.")
    page.get_by_role("button", name="Add tactic").click()
    expect(page.locator("main")).to_contain_text("Tactic added.")
    check.page(page, "response")

    # Shared with a housing association, which is then given an action
    page.goto(f"/cases/{reference}/sharing")
    share = page.locator("form").filter(
        has=page.get_by_role("button", name="Share with organisation"))
    share.get_by_label("Organisation").select_option(label="Longwater Homes (Housing)")
    share.get_by_label("Contribute").check()
    share.get_by_role("button", name="Share with organisation").click()
    expect(page.get_by_test_id("access-list")).to_contain_text("Longwater Homes")
    check.page(page, "sharing")

    page.goto(f"/cases/{reference}/actions/new")
    page.get_by_label("What needs doing").fill("Fit lighting under the footbridge")
    page.get_by_label("Environmental").check()
    page.get_by_label("Location", exact=True).check()
    page.get_by_label("Allocate to").select_option(label="Organisation: Longwater Homes")
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("1")
    page.get_by_label("Year").fill("2027")
    page.get_by_label("High").check()
    check.page(page, "new action")
    page.get_by_role("button", name="Save action").click()
    expect(page.locator("main")).to_contain_text("Fit lighting under the footbridge")
    check.page(page, "case page")

    # Incidents and a person
    page.goto(f"/cases/{reference}/incidents")
    for incident in INCIDENTS:
        page.get_by_label("Incident reference or number").fill(incident)
        page.get_by_role("button", name="Link incident", exact=True).click()
        expect(page.locator("main")).to_contain_text(incident)
    check.page(page, "case incidents")

    page.goto(f"/cases/{reference}/people/new")
    page.get_by_label("Full name").fill("Gwendolyn Saxilby")
    page.get_by_label("Reporter").check()
    page.get_by_label("Phone number (optional)").fill("07700 900412")
    check.page(page, "add a person")
    page.get_by_role("button", name="Add person").click()
    expect(page.locator("main")).to_contain_text("Gwendolyn Saxilby")
    check.page(page, "case page")

    # Assessment: the evaluation, written and submitted
    _move_to(page, reference, "Assessment", check)
    page.goto(f"/cases/{reference}/evaluation")
    page.get_by_role("button", name="Start the evaluation").click()
    expect(page.get_by_test_id("evaluation-status")).to_contain_text("Draft")
    page.get_by_label("Measure used").fill("Graffiti reports to police and the council")
    page.get_by_label("Count before", exact=True).fill("14")
    page.get_by_label("Count after", exact=True).fill("3")
    page.get_by_label("Reduced").check()
    page.get_by_label("Lessons learned").fill("Coating and lighting together stopped the tags.")
    check.page(page, "evaluation draft")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("main")).to_contain_text("Evaluation saved.")
    page.get_by_role("button", name="Save and submit for sign-off").click()
    expect(page.locator("main")).to_contain_text("Evaluation saved and submitted for sign-off.")
    check.page(page, "evaluation submitted")
