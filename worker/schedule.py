"""The one beat schedule. Run exactly one `celery beat` per deployment."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Work the web app or a job committed but could not hand over at once (a broker outage).
    "relay-outbox": {
        "task": "worker.tasks.relay_outbox",
        "schedule": 5.0,
    },
    "sweep-notification-emails": {
        "task": "worker.tasks.sweep_notification_emails",
        "schedule": crontab(minute="*/5"),
    },
    # Every rule over every row, once a night, besides the scans through the day.
    "scan-everything": {
        "task": "worker.tasks.run_all_scans",
        "schedule": crontab(minute=40, hour=2),
    },
    "scan-repeat-victims": {
        "task": "worker.tasks.run_scan",
        "schedule": crontab(minute=20, hour="*/2"),
        "args": ("repeat-victims",),
    },
    "scan-case-review": {
        "task": "worker.tasks.run_scan",
        "schedule": crontab(minute=25, hour="*/2"),
        "args": ("case-review",),
    },
    "scan-reviews": {
        "task": "worker.tasks.run_scan",
        "schedule": crontab(minute=10),
        "args": ("reviews",),
    },
    "scan-actions": {
        "task": "worker.tasks.run_scan",
        "schedule": crontab(minute=5),
        "args": ("actions",),
    },
    # Each stage's due date is a day: once in the early morning, and after every change.
    "scan-asb-reviews": {
        "task": "worker.tasks.run_scan",
        "schedule": crontab(minute=15, hour=6),
        "args": ("asb-reviews",),
    },
    "purge-expired-sessions": {
        "task": "worker.tasks.purge_expired_sessions",
        "schedule": crontab(minute=17),
    },
}
