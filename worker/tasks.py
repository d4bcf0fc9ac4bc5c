"""Celery tasks: thin wrappers that take ids, call a service and commit at the end."""

from celery import shared_task

from sara.auth import service as auth_service
from sara.extensions import db


@shared_task(name="worker.tasks.purge_expired_sessions")
def purge_expired_sessions() -> int:
    removed = auth_service.purge_expired_sessions()
    db.session.commit()
    return removed
