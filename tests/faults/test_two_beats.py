"""Two beat processes started by mistake (two hosts each running `celery beat`): every scheduled
task goes out twice, the nightly full scan included, and two relays hand the outbox over at
once. Nothing is done twice that a user would see: no duplicate flag, notification or e-mail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from zoneinfo import ZoneInfo

import pytest

from sara.flags.jobs import JOBS
from tests.faults.services import emails, wait_for
from tests.faults.state import flags, overdue_notifications, scan_runs

pytestmark = [pytest.mark.committed, pytest.mark.worker]

#: worker/schedule.py's scan-everything runs at 02:40 in the Celery timezone (config.py)
NIGHTLY = datetime(2026, 6, 18, 2, 40, tzinfo=ZoneInfo("Europe/London"))
#: How long before it the beats start: long enough for both to be up, short enough not to wait
LEAD_SECONDS = 40


def test_two_beats_send_the_nightly_scan_twice_and_nothing_is_duplicated(
        clock, processes, flaggable, mail_outbox):
    clock.move_to(NIGHTLY.astimezone(UTC) - timedelta(seconds=LEAD_SECONDS))
    # Two workers' worth of processes, so the two scans can run at the same moment.
    worker = processes.worker(concurrency=2)
    processes.beat(name="beat-1")
    processes.beat(name="beat-2")

    # Both beats send it: two runs, each under its own task id, both to the end.
    assert wait_for(lambda: len(runs := scan_runs()) == 2 and all(r.finished_dt for r in runs),
                    LEAD_SECONDS + 120), processes.logs()
    assert [run.finished for run in scan_runs()] == [list(JOBS), list(JOBS)]

    assert flags() == sorted((kind, subject, True) for kind, subject in flaggable["flags"])
    assert wait_for(lambda: (made := overdue_notifications())
                    and all(state == "sent" for *_, state in made), 60), processes.logs()
    notified = overdue_notifications()
    assert sorted(user for user, _, _ in notified) == sorted(flaggable["notified"])
    # Both beats relay the outbox every 5 s: let several rounds pass, then count the e-mails.
    relayed = worker.log().count("relay_outbox")
    assert wait_for(lambda: worker.log().count("relay_outbox") >= relayed + 8, 60), \
        processes.logs()
    # The action's allocation (committed by the fixture, left to the relays) and its being
    # overdue: each e-mailed once to each person concerned.
    sent = sorted((message["To"], message["Subject"].rsplit(" ", 1)[-1]) for message in (
        message_from_bytes(path.read_bytes()) for path in emails(mail_outbox)))
    allocator, worker_email = flaggable["notified"].values()
    assert sent == sorted([(worker_email, "you"), (allocator, "overdue"),
                           (worker_email, "overdue")])
    assert "Traceback" not in worker.log(), worker.log()[-4000:]

