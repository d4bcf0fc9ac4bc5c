"""Celery tasks: thin wrappers that take ids, call a service and commit at the end."""

from __future__ import annotations

from celery import shared_task
from celery.utils.log import get_task_logger

from sara.auth import service as auth_service
from sara.extensions import db
from sara.flags import jobs
from sara.notifications import service as notifications

log = get_task_logger(__name__)


@shared_task(name="worker.tasks.purge_expired_sessions")
def purge_expired_sessions() -> int:
    removed = auth_service.purge_expired_sessions()
    db.session.commit()
    return removed


@shared_task(name="worker.tasks.run_scan")
def run_scan(name: str) -> list[str]:
    """Run one scan job by name (see sara.flags.jobs.JOBS) and commit what it found."""
    results = jobs.JOBS[name]()
    db.session.commit()
    log.info("scan %s: %s", name, "; ".join(map(str, results)))
    return [str(r) for r in results]


@shared_task(name="worker.tasks.check_people")
def check_people(person_ids: list[int]) -> list[str]:
    """Re-check the repeat-victim and case-review flags of people whose incidents just changed."""
    results = jobs.check_people(person_ids)
    db.session.commit()
    return [str(r) for r in results]


@shared_task(
    name="worker.tasks.send_notification_emails",
    bind=True, max_retries=5, default_retry_delay=30,
)
def send_notification_emails(self, notification_ids: list[int]) -> int:
    """E-mail each notification at most once: a row is claimed before it is sent, so a retry or a
    redelivery skips everything already claimed. A failed send releases its claim and retries."""
    sent = 0
    failed = []
    for notification_id in notification_ids:
        notification = notifications.claim_for_email(notification_id)
        db.session.commit()
        if notification is None:
            continue
        try:
            notifications.deliver(notifications.build_email(notification))
        except Exception as exc:  # noqa: BLE001 - any failure to send is retried
            log.warning("sending notification %s failed: %s", notification_id, exc)
            notifications.release_claim(notification_id,
                                        final=self.request.retries >= self.max_retries)
            db.session.commit()
            failed.append(notification_id)
            continue
        notifications.mark_emailed(notification)
        db.session.commit()
        sent += 1
    if failed and self.request.retries < self.max_retries:
        raise self.retry(args=[failed])
    return sent


@shared_task(name="worker.tasks.import_incidents_file")
def import_incidents_file(import_id: int) -> str:
    """Import an uploaded incident file: the rows in one transaction (or none of them), its
    progress in short ones of their own (sara.incidents.service.progress_writer), then the
    outcome and error report. The stored file is removed whatever happens."""
    from sara.incidents import service as incidents
    from sara.incidents.importer import ImportRefused

    job = incidents.start_import(import_id)
    db.session.commit()
    if job is None:
        incidents.discard_upload(import_id)
        db.session.commit()
        return "nothing to import"
    try:
        try:
            result = incidents.run_import(job)
        except ImportRefused as refused:
            db.session.rollback()  # nothing was written, and nothing may be
            incidents.refuse_import(job, refused.result)
            outcome = f"refused: {refused.result.invalid} invalid rows"
        else:
            incidents.finish_import(job, result)
            outcome = (f"{result.imported} imported, {result.duplicates} already there, "
                       f"{result.invalid} invalid")
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        log.exception("importing upload %s failed", import_id)
        incidents.abandon_import(import_id, "the import stopped unexpectedly "
                                            f"({type(exc).__name__}); nothing was imported")
        db.session.commit()
        raise
    finally:
        incidents.discard_upload(import_id)
        db.session.commit()
    log.info("import %s: %s", import_id, outcome)
    return outcome
