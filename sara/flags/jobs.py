"""The scan jobs, by the names the CLI (`flask sara scan NAME`) and Celery use.

Each job runs its set-based scan, then tells people about what it newly raised. It flushes; the
caller commits.
"""

from __future__ import annotations

from collections.abc import Callable

from sara.actions.notify import notify_newly_overdue
from sara.core.types import utcnow
from sara.extensions import db
from sara.flags import scan
from sara.flags.models import ScanRun


def scan_actions() -> list[scan.ScanResult]:
    result = scan.scan_action_overdue()
    notify_newly_overdue(result.raised)
    return [result]


def scan_reviews() -> list[scan.ScanResult]:
    """Cases overdue for review, evaluations awaiting sign-off, cases closed unevaluated."""
    return scan.scan_case_flags()


def scan_repeat_victims() -> list[scan.ScanResult]:
    """Repeat victims of ASB, and of crime."""
    return scan.scan_all_repeat_victims()


def scan_case_review() -> list[scan.ScanResult]:
    return [scan.scan_case_review()]


def scan_asb_reviews() -> list[scan.ScanResult]:
    """ASB case reviews with a stage past its due date."""
    return [scan.scan_asb_review_overdue()]


def check_people(person_ids) -> list[scan.ScanResult]:
    """The instant check after someone's incidents change: only their flags."""
    return [*scan.scan_all_repeat_victims(person_ids), scan.scan_case_review(person_ids)]


#: name -> job; `all` runs every one of them in this order
JOBS: dict[str, Callable[[], list[scan.ScanResult]]] = {
    "repeat-victims": scan_repeat_victims,
    "case-review": scan_case_review,
    "reviews": scan_reviews,
    "actions": scan_actions,
    "asb-reviews": scan_asb_reviews,
}


def run_all(key: str, checkpoint: Callable[[], None]) -> list[str]:
    """Every job, in order, each committed (`checkpoint`) with the record that it is done: run
    again under the same key, it does only the jobs not yet done, so a run stopped part-way ends
    with every scan done once."""
    run = db.session.get(ScanRun, key)
    if run is None:
        run = ScanRun(key=key, finished=[])
        db.session.add(run)
        checkpoint()
    said = []
    for name, job in JOBS.items():
        if name in (run.finished or []):
            said.append(f"{name}: done before")
            continue
        said.extend(f"{name}: {result}" for result in job())
        run.finished = [*(run.finished or []), name]
        checkpoint()
    run.finished_dt = utcnow()
    return said
