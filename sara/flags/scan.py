"""The flag rules as set-based SQL over all rows: one INSERT ... ON CONFLICT to raise, one UPDATE
to resolve. Running a scan twice, or two at once, gives the same flags (the partial unique index on
(kind, subject_key) for unresolved flags makes the insert an idempotent upsert).

Functions flush; the Celery task or CLI command that calls them commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from sara.actions.models import LIVE_STATUSES, Action
from sara.core.sql import json_object, upsert_insert
from sara.core.types import today as local_today
from sara.core.types import utcnow
from sara.extensions import db
from sara.flags.models import Flag


@dataclass
class ScanResult:
    kind: str
    raised: list[int] = field(default_factory=list)
    resolved: int = 0

    def __str__(self) -> str:
        return f"{self.kind}: {len(self.raised)} raised, {self.resolved} resolved"


def _raise(kind: str, source: sa.Select, columns: list[str]) -> list[int]:
    insert = (
        upsert_insert(Flag)
        .from_select(columns, source)
        .on_conflict_do_nothing(
            index_elements=["kind", "subject_key"], index_where=Flag.resolved_dt.is_(None)
        )
        .returning(Flag.id)
    )
    return list(db.session.execute(insert).scalars())


# --- action overdue ----------------------------------------------------------------------------

def _overdue(today: date):
    return sa.and_(Action.status.in_(LIVE_STATUSES), Action.due_date < today)


def scan_action_overdue(today: date | None = None, action_ids=None) -> ScanResult:
    """Raise a flag for every live action past its due date; resolve those no longer overdue."""
    today = today or local_today()
    now = utcnow()
    result = ScanResult("action_overdue")
    source = sa.select(
        sa.literal("action_overdue"),
        sa.literal("action:") + sa.cast(Action.id, sa.String),
        Action.case_id,
        Action.id,
        sa.literal("raised"),
        json_object(action=Action.reference, due_date=sa.cast(Action.due_date, sa.String),
                    checked_on=sa.literal(today.isoformat())),
        sa.literal(1),
        sa.literal(now, type_=Flag.raised_dt.type),
    ).where(_overdue(today))
    if action_ids is not None:
        source = source.where(Action.id.in_(action_ids))
    result.raised = _raise(
        "action_overdue", source,
        ["kind", "subject_key", "case_id", "action_id", "status", "evidence", "rule_version",
         "raised_dt"],
    )
    why = (
        sa.select(
            sa.case(
                (Action.status == "done", "Resolved automatically: the action was done"),
                (Action.status == "cancelled", "Resolved automatically: the action was cancelled"),
                else_="Resolved automatically: the due date was moved",
            )
        ).where(Action.id == Flag.action_id).scalar_subquery()
    )
    resolve = (
        sa.update(Flag)
        .where(
            Flag.kind == "action_overdue",
            Flag.resolved_dt.is_(None),
            ~sa.exists().where(Action.id == Flag.action_id, _overdue(today)),
        )
        .values(status="resolved", resolved_dt=now, resolved_note=why)
        .execution_options(synchronize_session=False)
    )
    if action_ids is not None:
        resolve = resolve.where(Flag.action_id.in_(action_ids))
    result.resolved = db.session.execute(resolve).rowcount or 0
    return result
