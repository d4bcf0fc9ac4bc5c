"""A worker killed with SIGKILL in the middle of a full scan: after the restart the scan
completes once, with no duplicate flags, notifications or e-mails.

Two ways to die: the pool child running the task is killed (the out-of-memory killer's choice;
the worker's main process notices at once and gives the message back), or the whole worker is
(its machine or container dies; nothing is left to give the message back, so Redis hands it out
again once BROKER_VISIBILITY_TIMEOUT has passed)."""

from __future__ import annotations

import os
import signal
import time
from email import message_from_bytes

import pytest
import sqlalchemy as sa

from sara.flags.jobs import JOBS
from sara.flags.models import Flag
from tests.conftest import seen_by_another_process
from tests.faults.services import emails, wait_for
from tests.faults.state import flags, overdue_notifications, scan_run

pytestmark = [pytest.mark.committed, pytest.mark.worker]

#: The job the worker pauses in (tests/faults/slow_scan_worker.py): the last, which notifies
PAUSED_JOB = "actions"
DONE_BEFORE = list(JOBS)[:list(JOBS).index(PAUSED_JOB)]
#: For the whole worker killed: how soon Redis hands an unacknowledged message out again
VISIBILITY_TIMEOUT = 4


def _paused_worker(tmp_path, processes, name="worker", **env):
    pause = tmp_path / "pause"
    pause.mkdir(exist_ok=True)
    worker = processes.worker("tests.faults.slow_scan_worker", name=name, env={
        "SARA_FAULTS_PAUSE_JOB": PAUSED_JOB, "SARA_FAULTS_PAUSE_DIR": str(pause), **env})
    return worker, pause


def _wait_for_the_pause(worker, pause, key, flaggable, processes) -> int:
    """Wait until the scan stops in PAUSED_JOB; check what is committed by then; return the
    pool child's pid."""
    paused = pause / f"{PAUSED_JOB}.paused"
    assert wait_for(paused.exists, 60), processes.logs()
    child = int(paused.read_text())
    assert child in worker.pool_children(), "the job did not run in the worker's pool child"
    # The jobs before it are committed, each with the record that it is done; its own work is
    # flushed but not committed, so nobody else sees it.
    assert scan_run(key).finished == DONE_BEFORE
    [victim] = [subject for kind, subject in flaggable["flags"] if kind == "repeat_victim"]
    assert ("repeat_victim", victim, True) in flags()
    assert seen_by_another_process(sa.select(sa.func.count()).select_from(Flag).where(
        Flag.kind == "action_overdue")) == 0
    return child


def _assert_completed_once(key, pause, killed_pid, worker, flaggable, mail_outbox, processes):
    assert wait_for(lambda: (run := scan_run(key)) is not None and run.finished_dt is not None,
                    60), processes.logs()
    assert scan_run(key).finished == list(JOBS)
    runs = (pause / "runs").read_text().split()
    assert runs[0::2] == [PAUSED_JOB, PAUSED_JOB], "the killed job ran again, once"
    assert runs[1] == str(killed_pid) and runs[3] != str(killed_pid)
    log = worker.log()
    for name in DONE_BEFORE:
        assert f"{name}: done before" in log, f"{name} ran again:\n{log[-3000:]}"

    # Every flag once: none raised twice, none resolved and raised again.
    assert flags() == sorted((kind, subject, True) for kind, subject in flaggable["flags"])
    # One notification per person for the overdue action, each e-mailed once.
    assert wait_for(lambda: (made := overdue_notifications())
                    and all(state == "sent" for *_, state in made), 60), processes.logs()
    notified = overdue_notifications()
    assert sorted(user for user, _, _ in notified) == sorted(flaggable["notified"])
    assert len({event for _, event, _ in notified}) == 1
    assert sorted(message_from_bytes(path.read_bytes())["To"] for path in emails(mail_outbox)) \
        == sorted(flaggable["notified"].values())


def test_a_scan_whose_pool_child_is_killed_completes_once(tmp_path, processes, broker,
                                                          flaggable, mail_outbox):
    worker, pause = _paused_worker(tmp_path, processes)
    key = broker.send_task("worker.tasks.run_all_scans").id
    child = _wait_for_the_pause(worker, pause, key, flaggable, processes)

    os.kill(child, signal.SIGKILL)

    # The pool starts another child; the message, never acknowledged, is given back at once
    # (task_acks_late, task_reject_on_worker_lost), and the run goes on from its ScanRun row.
    _assert_completed_once(key, pause, child, worker, flaggable, mail_outbox, processes)
    assert worker.running and child not in worker.pool_children()
    assert "WorkerLostError" in worker.log()


def test_a_scan_whose_whole_worker_is_killed_completes_once_after_a_restart(
        tmp_path, processes, broker, flaggable, mail_outbox):
    timeout = {"BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT)}
    worker, pause = _paused_worker(tmp_path, processes, **timeout)
    sent = time.monotonic()
    key = broker.send_task("worker.tasks.run_all_scans").id
    child = _wait_for_the_pause(worker, pause, key, flaggable, processes)

    worker.kill()

    assert not worker.running and scan_run(key).finished == DONE_BEFORE
    # Started once the message has been out longer than the visibility timeout, the new worker
    # takes it back from Redis as it starts, and the run goes on from its ScanRun row.
    wait_for(lambda: time.monotonic() > sent + VISIBILITY_TIMEOUT + 1, VISIBILITY_TIMEOUT + 2)
    restarted, _ = _paused_worker(tmp_path, processes, name="restarted", **timeout)
    _assert_completed_once(key, pause, child, restarted, flaggable, mail_outbox, processes)
