"""The one way work leaves for Celery: a transactional outbox.

`defer(task, *args)` adds a message to the current transaction, so the work is handed over
exactly when the change that asks for it is committed: a rolled-back change sends nothing, and a
committed one is never lost, whatever the broker is doing. After each commit the unit of work
hands that transaction's messages to the broker at once (sara.core.unit_of_work.commit); the beat
job
`relay-outbox` sends every message still due (after a broker outage, or a process that died
between its commit and the hand-over), retrying with back-off while the broker is down.

Each message carries its key to the task as `outbox_key`; the task base class (sara.core.jobs)
records the key in the same transaction as the task's work, so a message delivered twice does
its work once.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from sara.core.sql import changed
from sara.core.types import UTCDateTime, utcnow
from sara.extensions import Model, db

#: Ids of the messages added in the current transaction (session.info), for the fast path.
_PENDING = "outbox_pending"
#: (task, arguments) asked for with `once` in the current transaction.
_ASKED = "outbox_asked"
#: After a failed hand-over, requests stop trying the broker for this long (the beat job keeps
#: trying), so that an outage does not slow every request down.
BROKER_QUIET_SECONDS = 30
#: The longest wait between two tries of one message.
MAX_BACKOFF = timedelta(minutes=10)
_broker_down_until = 0.0


class OutboxMessage(Model):
    """A task to hand to the broker, written in the same transaction as the change asking for
    it."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Carried to the task as `outbox_key`: a message delivered twice does its work once
    key: Mapped[str] = mapped_column(sa.String(36), unique=True)
    #: The task's registered name, e.g. "worker.tasks.run_scan"
    task: Mapped[str] = mapped_column(sa.String(100))
    args: Mapped[list] = mapped_column(sa.JSON)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Not to be sent before this (the back-off after a failed hand-over)
    due_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    sent_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))

    __table_args__ = (sa.Index("ix_outbox_messages_sent_dt_due_dt", "sent_dt", "due_dt"),)


class TaskRun(Model):
    """A message whose task did its work: recorded in the same transaction as that work."""

    __tablename__ = "task_runs"

    key: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    task: Mapped[str] = mapped_column(sa.String(100))
    finished_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def defer(task: str, *args, once: bool = False) -> OutboxMessage | None:
    """Run `task` (a registered task name) with `args` (JSON values: ids, names) once the current
    transaction commits, and never if it does not. With `once`, a second request for the same
    task and arguments in the same transaction is dropped (None)."""
    if once:
        asked = db.session.info.setdefault(_ASKED, set())
        signature = (task, json.dumps(args, sort_keys=True))
        if signature in asked:
            return None
        asked.add(signature)
    message = OutboxMessage(key=uuid.uuid4().hex, task=task, args=list(args))
    db.session.add(message)
    db.session.flush()
    db.session.info.setdefault(_PENDING, []).append(message.id)
    return message


def pending_ids() -> list[int]:
    """The messages the current transaction added (taken: the caller is about to commit)."""
    db.session.info.pop(_ASKED, None)
    return db.session.info.pop(_PENDING, [])


def forget_pending() -> None:
    """The transaction was rolled back: its messages are gone with it."""
    db.session.info.pop(_ASKED, None)
    db.session.info.pop(_PENDING, None)


def broker_is_quiet() -> bool:
    """Whether the broker failed a hand-over moments ago (then requests leave it to the relay
    job rather than each waiting on it)."""
    return time.monotonic() < _broker_down_until


def relay(ids: list[int] | None = None, limit: int = 500) -> int:
    """Send due messages (of `ids`, or all of them) to the broker, mark each sent, and back off
    the rest at the first failure. Flushes; the caller commits. Two relays at once never send
    one message twice: PostgreSQL locks the rows (SKIP LOCKED), SQLite runs one writer at a
    time. Returns how many were sent."""
    global _broker_down_until
    now = utcnow()
    query = (sa.select(OutboxMessage)
             .where(OutboxMessage.sent_dt.is_(None), OutboxMessage.due_dt <= now)
             .order_by(OutboxMessage.id).limit(limit))
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    celery = current_app.extensions["celery"]
    sent = 0
    messages = list(db.session.scalars(query))
    for position, message in enumerate(messages):
        try:
            celery.send_task(message.task, args=message.args,
                             kwargs={"outbox_key": message.key}, retry=False)
        except Exception as error:  # noqa: BLE001 - any broker failure
            _broker_down_until = time.monotonic() + BROKER_QUIET_SECONDS
            for waiting in messages[position:]:
                waiting.attempts += 1
                waiting.due_dt = now + min(MAX_BACKOFF, timedelta(seconds=2 ** waiting.attempts))
                waiting.last_error = f"{type(error).__name__}: {error}"[:500]
            break
        message.sent_dt = now
        sent += 1
    db.session.flush()
    return sent


def unsent(older_than: timedelta = timedelta(0)) -> int:
    """How many messages wait to be sent (for /healthz and the tests)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.sent_dt.is_(None),
        OutboxMessage.created_dt <= utcnow() - older_than)) or 0


def already_done(key: str) -> bool:
    return db.session.get(TaskRun, key) is not None


def mark_done(key: str, task: str) -> None:
    """In the task's own transaction: committed with its work, or not at all. A second delivery
    of the message running at the same moment fails its commit on the primary key."""
    db.session.add(TaskRun(key=key, task=task))
    db.session.flush()


def purge_sent(older_than: timedelta = timedelta(days=7)) -> int:
    """Delete messages sent (and task runs finished) long ago: the keys only guard against a
    redelivery, which the broker's visibility timeout bounds."""
    cutoff = utcnow() - older_than
    removed = changed(sa.delete(OutboxMessage).where(
        OutboxMessage.sent_dt.is_not(None), OutboxMessage.sent_dt < cutoff))
    db.session.execute(sa.delete(TaskRun).where(TaskRun.finished_dt < cutoff))
    return removed
