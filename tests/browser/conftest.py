"""Browser journeys: Playwright driving Debian's chromium against the app served for real.

One gunicorn with a Celery worker and beat (tests/live_server.py) serves the demo data to the
whole session; each test signs its users in through the real sign-in form, each in a browser
context of its own. Every page a journey visits goes through `check.page(page, name)`
(tests/browser/checks.py). Skipped, saying why, where /usr/bin/chromium or Playwright is missing;
never `playwright install`: the browser is the distribution's.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import IS_POSTGRES, _worker_id
from tests.live_server import PASSWORD, LiveServer, has_gunicorn, remove_instance, scratch_postgres

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu"]
#: The Redis database number the browser server's broker uses in the PostgreSQL + Redis run
BROWSER_REDIS_DB = 11

try:
    from playwright.sync_api import sync_playwright

    from tests.browser.checks import (
        ARTEFACTS,
        CSP_LISTENER,
        DESKTOP,
        Checker,
        watch_console,
    )
except ImportError as error:  # pragma: no cover - the dev extra installs both
    _MISSING = f"Playwright or axe-playwright-python is not installed ({error})"
else:
    _MISSING = ""

#: Demo users by role (sara/demo/seed.py)
USERS = {
    "officer": "sarah.whitfield@lincs-police.example.org",
    "supervisor": "helen.marsh@lincs-police.example.org",
    "call handler": "gareth.pryce@lincs-police.example.org",
    "admin": "priya.chauhan@lincs-police.example.org",
    "partner": "tom.ashworth@lincoln-council.example.org",
}


def pytest_collection_modifyitems(config, items):
    reason = _skip_reason()
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            # One server for all of them: on one pytest worker (bin/test uses --dist loadgroup).
            item.add_marker(pytest.mark.xdist_group("browser"))
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


def _skip_reason() -> str:
    if not CHROMIUM.exists():
        return (f"browser journeys need Debian's chromium at {CHROMIUM} "
                "(apt-get install chromium; .ci/run installs it)")
    if _MISSING:
        return _MISSING
    if not has_gunicorn():
        return "gunicorn is not installed"
    return ""


@pytest.fixture(scope="session")
def live(tmp_path_factory):
    """The demo, served as in production: gunicorn on 127.0.0.1 and a real Celery worker, on
    the suite's kind of database: SQLite with the embedded broker, or (DATABASE_URL and
    REDIS_URL set) a PostgreSQL database of its own, with Redis as the broker."""
    instance = tmp_path_factory.mktemp("browser-live")
    with contextlib.ExitStack() as stack:
        database = {}
        if IS_POSTGRES:
            base = os.environ["DATABASE_URL"]
            owner_url, runtime_url = stack.enter_context(
                scratch_postgres(base, f"{base.rsplit('/', 1)[-1]}_sara_{_worker_id()}_browser"))
            database = {"database_url": runtime_url, "migration_url": owner_url,
                        "redis_url": _own_redis_database(os.environ.get("REDIS_URL"))}
        server = LiveServer(instance, with_worker=True, **database)
        server.start()
        try:
            yield server
        finally:
            server.stop()
            ARTEFACTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(server.log_path, ARTEFACTS / "server.log")
            remove_instance(instance)


def _own_redis_database(url: str | None) -> str | None:
    """REDIS_URL on a database number of the browser server's own (the suite's workers use the
    one REDIS_URL names), so no other process takes its tasks or shares its rate limits."""
    if not url:
        return None
    parsed = urlsplit(url)
    return urlunsplit(parsed._replace(path=f"/{BROWSER_REDIS_DB}"))


@pytest.fixture(scope="session")
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium, live):
    """`new_page()`: a page in a fresh browser context (its own cookies), signed in nobody."""
    contexts = []

    def open_page():
        context = chromium.new_context(viewport=DESKTOP, base_url=live.url(""))
        context.set_default_timeout(30_000)
        context.add_init_script(CSP_LISTENER)
        contexts.append(context)
        page = context.new_page()
        watch_console(page)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def sign_in(new_page):
    """`sign_in("officer")`: a new page of that demo user (a role in USERS, or an email), signed
    in through the sign-in form."""

    def signed_in(role: str):
        page = new_page()
        page.goto("/login")
        page.fill("input[name=email]", USERS.get(role, role))
        page.fill("input[name=password]", PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("load")
        assert "/login" not in page.url, f"{role} could not sign in: {page.url}"
        return page

    return signed_in


@pytest.fixture
def check(request):
    """`check.page(page, name)`: axe, CSP, 375 px and screenshots (tests/browser/checks.py)."""
    checker = Checker(request.node.name)
    shutil.rmtree(checker.folder, ignore_errors=True)
    request.node.sara_checker = checker
    checker.page = checker.check_page
    return checker


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A journey with page failures not in KNOWN_ISSUES fails, listing them all; one that passed
    except for failures already listed is reported XFAIL with what was measured, so the defects
    stay in sight until they are fixed."""
    outcome = yield
    report = outcome.get_result()
    checker = getattr(item, "sara_checker", None)
    if call.when != "call" or checker is None:
        return
    if checker.new:
        failures = "\n".join(map(str, checker.new))
        report.outcome = "failed"
        report.longrepr = (f"{report.longrepr}\n\n" if report.longrepr else "") + (
            f"Pages that failed their checks (not in KNOWN_ISSUES):\n{failures}")
    elif report.passed and checker.known:
        report.outcome = "skipped"
        report.wasxfail = "known issues (tests/browser/checks.py KNOWN_ISSUES): " + " | ".join(
            map(str, checker.known))
