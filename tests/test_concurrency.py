"""Concurrent users against the app served for real (tests/live_server.py), as bin/run serves it.

- The embedded default under load: 8 signed-in users at once on gunicorn (1 worker, 8 threads),
  SQLite and the embedded broker, with a Celery worker and beat, for ~20 s: no 5xx. This runs in
  both passes of the suite, on a SQLite instance of its own.
- Two people save the same case stage at the same moment, one through the web form and one
  through the API: exactly one succeeds, the other is told and loses nothing.
- 20 notes and actions added to one case at the same moment all succeed.

The last two run on the suite's kind of database: a SQLite file, or a scratch PostgreSQL database
when the suite runs on PostgreSQL.
"""

from __future__ import annotations

import html
import os
import random
import re
import statistics
import threading
import time
import uuid
from collections import Counter, defaultdict

import pytest
import requests

from tests.conftest import IS_POSTGRES, _worker_id
from tests.live_server import (
    CALL_HANDLER,
    OFFICERS,
    SUPERVISOR,
    LiveServer,
    has_gunicorn,
    remove_instance,
    scratch_postgres,
)

pytestmark = pytest.mark.skipif(not has_gunicorn(), reason="gunicorn is not installed")

LOAD_SECONDS = float(os.environ.get("SARA_LOAD_SECONDS", "20"))
LOAD_USERS = (OFFICERS[0], OFFICERS[1], SUPERVISOR, CALL_HANDLER) * 2
NAMES = ["Amira", "Larkspur", "Edna", "Wintersgill", "Okafor", "Smith", "Nobody"]
WORDS = ["drinking", "graffiti", "noise", "lighting", "bikes", "litter"]
#: Far ahead of any real date the server's clock may show (its clock is not the test's).
DUE_DATE = "2099-12-31"
_VERSION = re.compile(r'<input[^>]*name="version"[^>]*value="(\d+)"')
_ANALYSIS_FIELD = re.compile(r'<textarea[^>]*name="(analysis_[a-z_]+)"')


@pytest.fixture(scope="module")
def embedded_server(tmp_path_factory):
    """The embedded default exactly as bin/run starts it, on a SQLite instance of its own."""
    instance = tmp_path_factory.mktemp("embedded-live")
    server = LiveServer(instance, with_worker=True)
    server.start()
    yield server
    server.stop()
    remove_instance(instance)


@pytest.fixture(scope="module")
def server(request, tmp_path_factory):
    """The server on the suite's kind of database."""
    if not IS_POSTGRES:
        yield request.getfixturevalue("embedded_server")
        return
    instance = tmp_path_factory.mktemp("postgres-live")
    base = os.environ["DATABASE_URL"]
    name = f"{base.rsplit('/', 1)[-1]}_sara_{_worker_id()}_live"
    with scratch_postgres(base, name) as (owner_url, runtime_url):
        live = LiveServer(instance, runtime_url, owner_url)
        live.start()
        try:
            yield live
        finally:
            live.stop()
            remove_instance(instance)


def _version_on(page: str) -> int:
    match = _VERSION.search(page)
    assert match, "no version field on the form"
    return int(match.group(1))


def _run_together(*calls):
    """Run the calls in threads released at the same instant; their results (or exceptions)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(position, call):
        barrier.wait()
        try:
            results[position] = call()
        except Exception as exc:  # noqa: BLE001 - reported by the caller's assertion
            results[position] = exc

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


# --- the embedded default under load ------------------------------------------------------------

def _browse(server: LiveServer, email: str, until: float, seed: int, results, lock) -> None:
    """One user for the rest of the run: case pages, caller lookups, searches and notes."""
    rng = random.Random(seed)
    user = server.web(email)
    cases = user.case_references()
    assert cases, f"{email} sees no case"
    kinds = ["case page", "lookup", "search"] + ([] if email == CALL_HANDLER else ["note"])
    while time.monotonic() < until:
        kind = rng.choice(kinds)
        reference = rng.choice(cases)
        started = time.monotonic()
        try:
            if kind == "case page":
                response = user.get(f"/cases/{reference}")
            elif kind == "lookup":
                response = user.post("/lookup", {"name": rng.choice(NAMES)})
            elif kind == "search":
                response = user.get("/search", params={"q": rng.choice(WORDS)})
            else:
                response = user.post(f"/cases/{reference}/notes",
                                     {"text": f"Load test note {uuid.uuid4().hex[:8]}"})
            status = response.status_code
        except requests.RequestException as exc:
            status = f"no answer ({type(exc).__name__})"
        with lock:
            results[kind].append((status, time.monotonic() - started))


def run_load(server: LiveServer, seconds: float, users=LOAD_USERS) -> dict:
    """`users` browsing at once for `seconds`: {kind: [(status, seconds), ...]}."""
    results: dict = defaultdict(list)
    lock = threading.Lock()
    until = time.monotonic() + seconds
    errors = _run_together(*[
        (lambda email=email, i=i: _browse(server, email, until, i, results, lock))
        for i, email in enumerate(users)])
    failed = [error for error in errors if isinstance(error, BaseException)]
    assert not failed, failed
    return results


def load_report(results: dict) -> str:
    lines = ["| request | answered | 5xx | other failures | p50 ms | p95 ms |",
             "|---|---|---|---|---|---|"]
    for kind in ("case page", "lookup", "search", "note"):
        rows = results.get(kind, [])
        if not rows:
            continue
        server_errors = sum(1 for status, _ in rows if isinstance(status, int) and status >= 500)
        other = sum(1 for status, _ in rows
                    if status != (302 if kind == "note" else 200)
                    and not (isinstance(status, int) and status >= 500))
        times = sorted(seconds * 1000 for _, seconds in rows)
        p95 = times[max(0, round(len(times) * 0.95) - 1)]
        lines.append(f"| {kind} | {len(rows)} | {server_errors} | {other} | "
                     f"{statistics.median(times):.0f} | {p95:.0f} |")
    return "\n".join(lines)


def test_the_embedded_default_serves_8_concurrent_users_without_a_server_error(embedded_server):
    results = run_load(embedded_server, LOAD_SECONDS)
    report = load_report(results)
    print(f"\n8 concurrent users for {LOAD_SECONDS:.0f} s on the embedded default:\n{report}")

    statuses = {kind: Counter(status for status, _ in rows) for kind, rows in results.items()}
    server_errors = {kind: {s: n for s, n in counts.items() if isinstance(s, int) and s >= 500}
                     for kind, counts in statuses.items()}
    assert not any(server_errors.values()), (
        f"{server_errors}\n{report}\n" + "\n".join(embedded_server.server_errors()[-3:]))
    # Every request did what the user asked: the pages showed, the notes were added.
    for kind, counts in statuses.items():
        expected = 302 if kind == "note" else 200
        assert set(counts) == {expected}, f"{kind}: {dict(counts)}\n{report}"
    assert set(statuses) == {"case page", "lookup", "search", "note"}


# --- two people save the same stage at once --------------------------------------------------------

def test_a_web_save_and_an_api_save_of_one_stage_at_once_one_wins_the_other_is_told(server):
    web = server.web(OFFICERS[0])
    api = server.api(OFFICERS[1])
    reference = web.case_references()[0]
    outcomes = Counter()
    for round_ in range(5):
        form_page = web.get(f"/cases/{reference}/analysis")
        assert form_page.status_code == 200
        version = _version_on(form_page.text)
        read = api.get(f"/cases/{reference}")
        assert read.headers["ETag"] == f'"{reference}.v{version}"', "the case changed meanwhile"
        typed = {name: f"Web round {round_}: {name.removeprefix('analysis_')} seen at night"
                 for name in _ANALYSIS_FIELD.findall(form_page.text)}
        assert "analysis_root_causes" in typed
        api_text = f"API round {round_}: root causes from the partner system"

        web_answer, api_answer = _run_together(
            lambda typed=typed, version=version: web.post(
                f"/cases/{reference}/analysis", {"version": str(version), **typed}),
            lambda etag=read.headers["ETag"], text=api_text: api.request(
                "PATCH", f"/cases/{reference}", etag=etag,
                json={"analysis_root_causes": text}),
        )
        assert not isinstance(web_answer, Exception), web_answer
        assert not isinstance(api_answer, Exception), api_answer
        pair = (web_answer.status_code, api_answer.status_code)
        assert pair in {(302, 412), (409, 200)}, f"round {round_}: {pair}"
        saved = api.get(f"/cases/{reference}").json()

        if pair == (302, 412):
            outcomes["web first"] += 1
            # The API was told, with the ETag to start again from; nothing of its was applied.
            assert api_answer.headers["Content-Type"].startswith("application/problem+json")
            assert api_answer.headers["ETag"] == f'"{reference}.v{saved["version"]}"'
            assert saved["analysis_root_causes"] == typed["analysis_root_causes"]
        else:
            outcomes["API first"] += 1
            # The web user is told who changed what, and every word they typed is still in the
            # form, which now carries the current version: saving again applies it.
            page = web_answer.text
            assert "Your changes were not saved: someone else changed this case" in page
            for text in typed.values():
                assert html.escape(text, quote=False) in page
            assert _version_on(page) == saved["version"]
            assert saved["analysis_root_causes"] == api_text
            again = web.post(f"/cases/{reference}/analysis",
                             {"version": str(_version_on(page)), **typed})
            assert again.status_code == 302
            assert (api.get(f"/cases/{reference}").json()["analysis_root_causes"]
                    == typed["analysis_root_causes"])
    print(f"\nStage saved at once through the web and the API, 5 rounds: {dict(outcomes)}")


# --- additive changes never conflict ----------------------------------------------------------------

def test_20_notes_and_actions_added_to_one_case_at_once_all_succeed(server):
    supervisor = server.web(SUPERVISOR)
    reference = supervisor.case_references()[-1]
    case = server.api(OFFICERS[0]).get(f"/cases/{reference}").json()
    allocation = f"user:{case['owner']['id']}"
    run = uuid.uuid4().hex[:8]
    note_takers = [server.web((*OFFICERS, SUPERVISOR)[i % 3]) for i in range(10)]
    allocators = [server.api(OFFICERS[i % 2]) for i in range(10)]
    notes = [f"Concurrent note {i} of run {run}" for i in range(10)]
    titles = [f"Concurrent action {i} of run {run}" for i in range(10)]

    answers = _run_together(
        *[(lambda user=user, text=text: user.post(f"/cases/{reference}/notes", {"text": text}))
          for user, text in zip(note_takers, notes, strict=True)],
        *[(lambda api=api, title=title: api.request(
            "POST", f"/cases/{reference}/actions",
            json={"title": title, "tactic_category": "engagement", "triangle_side": "location",
                  "allocation": allocation, "due_date": DUE_DATE}))
          for api, title in zip(allocators, titles, strict=True)],
    )

    failures = [answer if isinstance(answer, Exception)
                else (answer.status_code, answer.text[:300]) for answer in answers
                if isinstance(answer, Exception) or answer.status_code not in (201, 302)]
    assert not failures, failures
    assert [a.status_code for a in answers] == [302] * 10 + [201] * 10
    timeline = supervisor.get(f"/cases/{reference}/timeline").text
    assert all(html.escape(text, quote=False) in timeline for text in notes)
    actions = server.api(OFFICERS[0]).get(f"/cases/{reference}/actions").json()["items"]
    ours = [action for action in actions if action["title"] in titles]
    assert sorted(a["title"] for a in ours) == sorted(titles)
    assert len({a["reference"] for a in ours}) == 10
