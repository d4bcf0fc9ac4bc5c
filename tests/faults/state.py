"""What the fault tests read back: each read in a fresh transaction, so it sees what the other
processes committed."""

from __future__ import annotations

import sqlalchemy as sa

from sara.extensions import db
from sara.flags.models import Flag, ScanRun
from sara.notifications.models import Notification


def flags() -> list[tuple[str, str, bool]]:
    """(kind, subject, open) of every flag."""
    db.session.rollback()
    rows = db.session.execute(sa.select(Flag.kind, Flag.subject_key, Flag.resolved_dt)).all()
    return sorted((kind, subject, resolved is None) for kind, subject, resolved in rows)


def overdue_notifications() -> list[tuple[int, str, str]]:
    """(user, event, e-mail state) of each notification the overdue-action scan made."""
    db.session.rollback()
    return sorted(db.session.execute(sa.select(
        Notification.user_id, Notification.event_key, Notification.email_state)
        .where(Notification.kind == "overdue")).all())


def scan_run(key: str) -> ScanRun | None:
    db.session.rollback()
    return db.session.get(ScanRun, key)


def scan_runs() -> list[ScanRun]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(ScanRun).order_by(ScanRun.started_dt)))
