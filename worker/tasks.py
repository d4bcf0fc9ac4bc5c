"""Celery tasks: thin wrappers that take ids and names and call the domain.

Each runs as one unit of work (sara.core.jobs.SaraTask): committed at its end, rolled back on
error, and done once even if its message arrives twice. A long one commits in steps
(unit_of_work.checkpoint), so that, delivered again after its worker died (messages are
acknowledged only once a task ends, and requeued if its worker is lost), it continues where it
stopped.
"""

from __future__ import annotations

from celery import shared_task
from celery.utils.log import get_task_logger

from sara.auth import service as auth_service
from sara.core import outbox, unit_of_work
from sara.flags import jobs
from sara.incidents import service as incidents
from sara.incidents.importer import ImportRefused
from sara.notifications import service as notifications

log = get_task_logger(__name__)


@shared_task(name="worker.tasks.purge_expired_sessions")
def purge_expired_sessions() -> int:
    return auth_service.purge_expired_sessions() + outbox.purge_sent()


@shared_task(name="worker.tasks.relay_outbox")
def relay_outbox() -> int:
    """Hand every due outbox message to the broker (every few seconds, from beat)."""
    return outbox.relay()


@shared_task(name="worker.tasks.sweep_notification_emails")
def sweep_notification_emails() -> list[int]:
    """Find the notification e-mails that were never sent (sara.notifications.service)."""
    return list(notifications.sweep_unsent())


@shared_task(name="worker.tasks.run_scan")
def run_scan(name: str) -> list[str]:
    """Run one scan job by name (see sara.flags.jobs.JOBS)."""
    results = jobs.JOBS[name]()
    log.info("scan %s: %s", name, "; ".join(map(str, results)))
    return [str(r) for r in results]


@shared_task(name="worker.tasks.run_all_scans", bind=True)
def run_all_scans(self) -> list[str]:
    """Every scan, one after the other, each committed as it ends: delivered again after its
    worker was killed, the run skips the scans it finished (by the task's id, which a
    redelivery keeps) and does the rest, once."""
    results = jobs.run_all(self.request.id or "run-all", checkpoint=unit_of_work.checkpoint)
    log.info("all scans: %s", "; ".join(results))
    return results


@shared_task(name="worker.tasks.check_people")
def check_people(person_ids: list[int]) -> list[str]:
    """Re-check the repeat-victim and case-review flags of people whose incidents just changed."""
    return [str(r) for r in jobs.check_people(person_ids)]


@shared_task(
    name="worker.tasks.send_notification_emails",
    bind=True, max_retries=5, default_retry_delay=30,
)
def send_notification_emails(self, notification_ids: list[int]) -> int:
    """E-mail each notification once: its claim (committed before the e-mail goes) is its one
    delivery record, so a redelivery or a retry skips everything already claimed. A failed send
    releases its claim and is retried; the sweeper finds any that never reach a worker."""
    sent = 0
    failed = []
    for notification_id in notification_ids:
        notification = notifications.claim_for_email(notification_id)
        unit_of_work.checkpoint()
        if notification is None:
            continue
        try:
            notifications.deliver(notifications.build_email(notification))
        except Exception as exc:  # noqa: BLE001 - any failure to send is retried
            log.warning("sending notification %s failed: %s", notification_id, exc)
            notifications.release_claim(notification_id,
                                        final=self.request.retries >= self.max_retries)
            unit_of_work.checkpoint()
            failed.append(notification_id)
            continue
        notifications.mark_emailed(notification)
        unit_of_work.checkpoint()
        sent += 1
    if failed and self.request.retries < self.max_retries:
        raise self.retry(args=[failed])
    return sent


@shared_task(name="worker.tasks.import_incidents_file")
def import_incidents_file(import_id: int) -> str:
    """Import an uploaded incident file: the rows in one transaction (or none of them), its
    progress in short ones of their own (sara.incidents.service.progress_writer), then the
    outcome and error report. The stored file is removed whatever happens."""
    job = incidents.start_import(import_id)
    unit_of_work.checkpoint()
    if job is None:
        incidents.discard_upload(import_id)
        return "nothing to import"
    try:
        try:
            result = incidents.run_import(job)
        except ImportRefused as refused:
            unit_of_work.rollback()  # nothing was written, and nothing may be
            incidents.refuse_import(job, refused.result)
            outcome = f"refused: {refused.result.invalid} invalid rows"
        else:
            incidents.finish_import(job, result)
            outcome = (f"{result.imported} imported, {result.duplicates} already there, "
                       f"{result.invalid} invalid")
        unit_of_work.checkpoint()
    except Exception as exc:
        unit_of_work.rollback()
        log.exception("importing upload %s failed", import_id)
        incidents.abandon_import(import_id, "the import stopped unexpectedly "
                                            f"({type(exc).__name__}); nothing was imported")
        unit_of_work.checkpoint()
        raise
    finally:
        incidents.discard_upload(import_id)
        unit_of_work.checkpoint()
    log.info("import %s: %s", import_id, outcome)
    return outcome
