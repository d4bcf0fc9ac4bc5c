"""The one beat schedule. Run exactly one `celery beat` per deployment."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "purge-expired-sessions": {
        "task": "worker.tasks.purge_expired_sessions",
        "schedule": crontab(minute=17),
    },
}
