"""An ASB case review (the community trigger) from first contact to the outcome letter, each step
by the role who does it, through the pages (issue 15, "Done when").

Edna Wintersgill (the demo's vulnerable repeat caller, on no case) has three qualifying
complaints in six months. Her daughter applies to the council for a review; the force's
officer records it, the supervisor decides it, the officer runs the meeting with the council and
Longwater Homes, and the housing provider works the recommendation given to it, seeing the review
but not who it is about. The demo data is dated from the server's today, so the dates typed here
are the server's today too (UK time, read from the server), and no clock needs freezing.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

HOUSING_OFFICER = "joanne.fletcher@longwater-homes.example.org"
VICTIM = "Edna Wintersgill"
VICTIM_PHONE = "07700 900131"
APPLICANT = "Julie Wintersgill (daughter)"
APPLICANT_CONTACT = "6 Portland Street, Lincoln LN5 7JX"
COUNCIL = "City of Lincoln Council"
HOUSING = "Longwater Homes"
RECOMMENDATION = "Fit a door camera and move the alley gate's lock to residents' keys"
_REVIEW_REF = re.compile(r"CR-\d{6}")


def _server_today(page) -> date:
    """The server's today in the UK, from its Date header: this process's clock stands at the
    suite's FROZEN_NOW, while the server (another process) and its demo data run on the real one."""
    sent = parsedate_to_datetime(page.request.get("/healthz").headers["date"])
    return sent.astimezone(ZoneInfo("Europe/London")).date()


def _in_words(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _fill_date(scope, day: date) -> None:
    scope.get_by_label("Day").fill(str(day.day))
    scope.get_by_label("Month").fill(str(day.month))
    scope.get_by_label("Year").fill(str(day.year))


def _form(page, button: str):
    return page.locator("form").filter(has=page.get_by_role("button", name=button))


def _go_to(page, section: str) -> None:
    """A section of the header's navigation, opening its "More" menu where it is there."""
    nav = page.get_by_role("navigation", name="Main")
    more = nav.get_by_role("button", name="More")
    if more.count() and not nav.get_by_role("link", name=section).is_visible():
        more.click()
    nav.get_by_role("link", name=section).click()


def _status(page):
    return page.get_by_test_id("review-status")


def test_an_asb_case_review_from_first_contact_to_the_outcome_letter(sign_in, check):
    # 1. The call handler looks the caller up: her complaints reach the threshold.
    handler = sign_in("call handler")
    today = _server_today(handler)
    handler.get_by_role("link", name="Look up a caller").first.click()
    handler.get_by_label("Phone number").fill(VICTIM_PHONE)
    handler.get_by_role("button", name="Look up").click()
    hit = handler.get_by_test_id("lookup-hit")
    expect(hit).to_have_count(1)
    expect(hit).to_contain_text(VICTIM)
    expect(hit).to_contain_text("ASB case review threshold reached")
    expect(hit.get_by_test_id("case-review-words")).to_contain_text("3 qualifying complaints")
    check.page(handler, "lookup: case review status")

    # 2. The officer records her daughter's application, received by the council, from her page.
    officer = sign_in("officer")
    _go_to(officer, "Look up a caller")
    officer.get_by_label("Phone number").fill(VICTIM_PHONE)
    officer.get_by_role("button", name="Look up").click()
    officer.get_by_test_id("lookup-hit").get_by_role("link", name=VICTIM, exact=True).click()
    expect(officer.locator("h1")).to_have_text(VICTIM)
    check.page(officer, "person page")
    officer.get_by_role("link", name=f"Record an application for a case review for {VICTIM}").click()
    expect(officer.locator("h1")).to_have_text("Record an application for an ASB case review")
    officer.get_by_label("A relative or friend, on their behalf").check()
    officer.get_by_label("Name of the person applying on their behalf").fill(APPLICANT)
    officer.get_by_label("How to reach the applicant with the letters").fill(APPLICANT_CONTACT)
    officer.get_by_label("Body that received the application").select_option(label=COUNCIL)
    _fill_date(officer, today)
    officer.get_by_label("Neighbourhood").select_option(label="Lincoln Central")
    officer.get_by_label("What the applicant says the problem is").fill(
        "Youths knock on her mother's door most evenings and shout abuse through the letterbox.")
    check.page(officer, "record an application")
    officer.get_by_role("button", name="Record the application").click()

    expect(officer.locator(".govuk-notification-banner--success")).to_contain_text(
        "recorded. The threshold decision is due by")
    reference = officer.locator("h1").inner_text().strip()
    assert _REVIEW_REF.fullmatch(reference), reference
    expect(_status(officer)).to_contain_text("Awaiting the threshold decision")
    application = officer.locator("section[aria-labelledby=application]")
    expect(application.get_by_role("link", name=re.compile(f"^{VICTIM} \\(PN-"))).to_be_visible()
    expect(application).to_contain_text(f"A relative or friend, on their behalf: {APPLICANT}")
    expect(application).to_contain_text(f"{COUNCIL} on {_in_words(today)}")
    evidence = officer.get_by_test_id("threshold-evidence")
    expect(evidence).to_contain_text("3 qualifying complaints")
    expect(evidence).to_contain_text("the threshold is reached")
    # The officer runs the review; the decision is a supervisor's.
    expect(officer.get_by_role("button", name="Record the decision")).to_have_count(0)
    check.page(officer, "review: awaiting the decision")

    # 3. The supervisor, the named decision maker, decides the threshold is met.
    supervisor = sign_in("supervisor")
    _go_to(supervisor, "ASB case reviews")
    expect(supervisor.locator("h1")).to_have_text("ASB case reviews")
    check.page(supervisor, "review list")
    supervisor.get_by_role("link", name=reference, exact=True).click()
    expect(supervisor.locator("h1")).to_have_text(reference)
    decision = _form(supervisor, "Record the decision")
    decision.get_by_label("Yes: the review goes ahead").check()
    decision.get_by_label("Reasons for the decision").fill(
        "Three complaints to the police in six months, each reported the same day.")
    check.page(supervisor, "review: the decision")
    decision.get_by_role("button", name="Record the decision").click()
    expect(supervisor.locator(".govuk-notification-banner--success")).to_contain_text(
        "Threshold decision recorded.")
    expect(_status(supervisor)).to_contain_text("Threshold met: awaiting the review meeting")
    decided = supervisor.get_by_test_id("decision")
    expect(decided).to_contain_text("Threshold met")
    expect(decided).to_contain_text(f"Helen Marsh on {_in_words(today)}")

    supervisor.get_by_role("link", name="view and print the threshold decision letter").click()
    letter = supervisor.get_by_test_id("letter")
    expect(letter.locator("h1")).to_have_text(
        "Your application for an anti-social behaviour case review")
    expect(letter).to_contain_text(f"Dear {APPLICANT},")
    expect(letter).to_contain_text(f"on behalf of {VICTIM}, which {COUNCIL} received")
    expect(letter.get_by_test_id("letter-decision")).to_contain_text(
        "The threshold for a case review is met.")
    expect(letter.get_by_test_id("letter-qualifying").locator("li")).to_have_count(3)
    check.page(supervisor, "decision letter")
    supervisor.get_by_role("button", name="Record the letter as sent").click()
    expect(supervisor.locator(".govuk-notification-banner--success")).to_contain_text(
        "The threshold decision letter is recorded as sent.")
    expect(supervisor.get_by_test_id("letters")).to_contain_text(
        f"sent {_in_words(today)} by Helen Marsh")

    # 4. The officer adds the bodies taking part, then records the meeting and her views.
    officer.reload()
    expect(_status(officer)).to_contain_text("Threshold met: awaiting the review meeting")
    for body, speaker, done in (
            (COUNCIL, "Tom Ashworth", "Two warning letters to the families; a noise diary."),
            (HOUSING, "Joanne Fletcher", "Repaired the alley gate twice; visited the tenants.")):
        add = _form(officer, "Add the body")
        add.get_by_label("Body taking part").select_option(label=body)
        add.get_by_label("Who speaks for it").fill(speaker)
        add.get_by_label("What the body has done so far").fill(done)
        add.get_by_role("button", name="Add the body").click()
        expect(officer.locator(".govuk-notification-banner--success")).to_contain_text(
            "Body added to the review.")
        expect(officer.get_by_test_id("participants")).to_contain_text(done)
    expect(officer.get_by_test_id("participants").locator("tbody tr")).to_have_count(2)
    meeting = _form(officer, "Record the meeting")
    _fill_date(meeting, today)
    meeting.get_by_label("The victim's views").fill(
        "She wants to feel safe in her own back yard again.")
    check.page(officer, "review: the meeting")
    meeting.get_by_role("button", name="Record the meeting").click()
    expect(officer.locator(".govuk-notification-banner--success")).to_contain_text(
        "Review meeting recorded.")
    expect(_status(officer)).to_contain_text("Review held: awaiting the outcome letter")
    expect(officer.get_by_test_id("meeting")).to_contain_text(_in_words(today))
    expect(officer.get_by_test_id("meeting")).to_contain_text("feel safe in her own back yard")

    # 5. The recommendation: an action given to the housing provider, on a case for the review.
    officer.get_by_role("link", name="Add a recommendation").click()
    expect(officer.locator("h1")).to_have_text("Add a recommendation")
    officer.get_by_label("What needs doing").fill(RECOMMENDATION)
    officer.get_by_label("Situational crime prevention").check()
    officer.get_by_label("Victim", exact=True).check()
    officer.get_by_label("Allocate to").select_option(label=f"Organisation: {HOUSING}")
    due = today + timedelta(days=28)
    _fill_date(_form(officer, "Add the recommendation"), due)
    check.page(officer, "add a recommendation")
    officer.get_by_role("button", name="Add the recommendation").click()
    expect(officer.locator(".govuk-notification-banner--success")).to_contain_text(
        f"for {HOUSING}.")
    row = officer.get_by_test_id("recommendations").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(RECOMMENDATION)
    expect(row).to_contain_text(HOUSING)
    expect(row).to_contain_text(_in_words(due))
    expect(row).to_contain_text("Open")
    # It opened a case for the review, which is the review's problem case from now on.
    case_ref = re.search(r"PS-\d{4}-\d{5}", row.inner_text()).group(0)
    application = officer.locator("section[aria-labelledby=application]")
    expect(application).to_contain_text(f"{case_ref}: ASB case review {reference}")
    expect(application.get_by_role("link", name=case_ref)).to_be_visible()
    check.page(officer, "review: awaiting the outcome letter")

    # 6. The housing provider sees the review and its action, and not who the review is about.
    housing = sign_in(HOUSING_OFFICER)
    _go_to(housing, "ASB case reviews")
    expect(housing.get_by_test_id("asb-reviews")).to_contain_text(reference)
    check.page(housing, "review list, as the housing provider")
    housing.get_by_role("link", name=reference, exact=True).click()
    expect(housing.locator("h1")).to_have_text(reference)
    expect(housing.locator("section[aria-labelledby=application]")).to_contain_text(
        "Held by Lincolnshire Police (not shared)")
    expect(housing.get_by_test_id("recommendations")).to_contain_text(RECOMMENDATION)
    for secret in (VICTIM, APPLICANT, APPLICANT_CONTACT, VICTIM_PHONE):
        assert secret not in housing.content(), f"{secret!r} is shown to the housing provider"
    # Nothing to run or decide: the force does that.
    for button in ("Record the decision", "Add the body", "Record the meeting"):
        expect(housing.get_by_role("button", name=button)).to_have_count(0)
    check.page(housing, "review, as the housing provider")
    housing.get_by_test_id("recommendations").get_by_role("link").first.click()
    expect(housing.locator("main")).to_contain_text(RECOMMENDATION)
    check.page(housing, "the recommendation's action, as the housing provider")
    housing.get_by_label("Start work (in progress)").check()
    housing.get_by_label("Result, reason or note").fill("Camera ordered; the gate lock is next.")
    housing.get_by_role("button", name="Update action").click()
    expect(housing.locator("main")).to_contain_text("is now in progress")
    housing.get_by_label("Done: record the result").check()
    housing.get_by_label("Result, reason or note").fill(
        "Door camera fitted on Tuesday; the alley gate now opens with residents' keys only.")
    housing.get_by_role("button", name="Update action").click()
    expect(housing.locator("main")).to_contain_text("is now done")
    expect(housing.get_by_test_id("action-history")).to_contain_text("Door camera fitted")
    for secret in (VICTIM, APPLICANT_CONTACT, VICTIM_PHONE):
        assert secret not in housing.content(), f"{secret!r} is shown to the housing provider"
    check.page(housing, "the action done, as the housing provider")

    # 7. The outcome letter lists the complaints counted, and is sent: the review is complete.
    officer.reload()
    expect(officer.get_by_test_id("recommendations").locator("tbody tr")).to_contain_text("Done")
    officer.get_by_role("link", name="view and print the outcome letter").click()
    letter = officer.get_by_test_id("letter")
    expect(letter.locator("h1")).to_have_text(
        "The outcome of the anti-social behaviour case review")
    expect(letter).to_contain_text(f"Dear {APPLICANT},")
    expect(letter).to_contain_text(f"met on {_in_words(today)}")
    expect(letter).to_contain_text(f"These bodies took part: {COUNCIL}, {HOUSING}.")
    expect(letter.get_by_test_id("letter-qualifying").locator("li")).to_have_count(3)
    expect(letter.get_by_test_id("letter-recommendations")).to_contain_text(
        f"{RECOMMENDATION}: {HOUSING}, by {_in_words(due)}")
    check.page(officer, "outcome letter")
    officer.get_by_role("button", name="Record the letter as sent").click()
    expect(officer.locator(".govuk-notification-banner--success")).to_contain_text(
        "The outcome letter is recorded as sent.")
    expect(_status(officer)).to_contain_text("Completed: outcome letter sent")
    expect(officer.get_by_test_id("letters")).to_contain_text(
        f"sent {_in_words(today)} by Sarah Whitfield")
    check.page(officer, "review: completed")

    # The force's list shows it finished; the supervisor has nothing left on it.
    supervisor.goto("/asb-case-reviews?status=completed")
    expect(supervisor.get_by_test_id("asb-reviews").get_by_role("row").filter(
        has_text=reference)).to_contain_text("Completed: outcome letter sent")
