"""The scan jobs, by the names the CLI (`flask sara scan NAME`) and Celery use.

Each job runs its set-based scan, then tells people about what it newly raised. It flushes; the
caller commits.
"""

from __future__ import annotations

from collections.abc import Callable

from sara.flags import scan


def scan_actions() -> list[scan.ScanResult]:
    from sara.actions.notify import notify_newly_overdue

    result = scan.scan_action_overdue()
    notify_newly_overdue(result.raised)
    return [result]


#: name -> job; `all` runs every one of them in this order
JOBS: dict[str, Callable[[], list[scan.ScanResult]]] = {
    "actions": scan_actions,
}
