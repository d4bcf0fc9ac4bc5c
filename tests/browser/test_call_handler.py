"""The call handler looks up a repeat, vulnerable caller while on the phone to them."""

from playwright.sync_api import expect

from tests.browser.checks import PHONE


def test_call_handler_finds_a_repeat_vulnerable_caller_by_phone_and_by_surname(sign_in, check):
    page = sign_in("call handler")
    check.page(page, "case list")

    page.get_by_role("link", name="Look up a caller").first.click()
    check.page(page, "lookup")

    page.get_by_label("Phone number").fill("07700 900131")
    page.get_by_role("button", name="Look up").click()
    hit = page.get_by_test_id("lookup-hit")
    expect(hit).to_have_count(1)
    expect(hit).to_contain_text("Edna Wintersgill")
    expect(hit).to_contain_text("Repeat ASB victim")
    expect(hit).to_contain_text("Vulnerable")
    # Her daughter applied for an ASB case review for her (the demo's application).
    expect(hit).to_contain_text("Applied for a case review")
    expect(hit.get_by_test_id("lookup-case-review-applications")).to_contain_text(
        "Awaiting the threshold decision")
    check.page(page, "lookup by phone")

    page.get_by_label("Phone number").fill("")
    page.get_by_label("Name").fill("Wintersgill")
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_test_id("lookup-hit").filter(has_text="Edna Wintersgill")).to_have_count(1)
    check.page(page, "lookup by surname")

    # On a phone, the caller's status is in the first screenful, without scrolling.
    page.set_viewport_size(PHONE)
    status = page.get_by_test_id("lookup-hit").first.get_by_text("Repeat ASB victim").first
    box = status.bounding_box()
    assert box is not None
    page.screenshot(path=str(check.folder / "lookup-status-on-a-phone.png"))
    check.require("lookup result on a phone", "fold", box["y"] + box["height"] <= PHONE["height"],
                  f"'Repeat ASB victim' ends {box['y'] + box['height']:.0f} px down a "
                  f"{PHONE['height']} px high phone screen")
