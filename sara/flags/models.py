"""Flags: what the background scans find, kept with their evidence and life cycle.

A flag is raised, may be acknowledged, and is resolved (automatically, with a note, when its rule no
longer holds). It is never silently dropped. While a flag is unresolved, its natural key
(kind, subject_key) is unique, which is what makes every scan an idempotent upsert.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sara.auth.models import User
from sara.core.types import UTCDateTime, one_of, utcnow
from sara.extensions import Model

FLAG_KINDS = {
    "repeat_victim": "Repeat ASB victim",
    "repeat_victim_crime": "Repeat victim of crime",
    "case_review": "ASB case review threshold reached",
    "review_overdue": "Case overdue for review",
    "evaluation_unsigned": "Evaluation awaiting sign-off",
    "closed_unevaluated": "Closed without evaluation",
    "action_overdue": "Action overdue",
    "asb_review_overdue": "ASB case review stage overdue",
}
FLAG_STATES = {"raised": "Raised", "acknowledged": "Acknowledged", "resolved": "Resolved"}


class Flag(Model):
    __tablename__ = "flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: One of FLAG_KINDS
    kind: Mapped[str] = mapped_column(sa.String(24))
    #: What the flag is about, e.g. "action:12", "person:40", "case:7"
    subject_key: Mapped[str] = mapped_column(sa.String(60))
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("problem_cases.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
    action_id: Mapped[int | None] = mapped_column(sa.ForeignKey("actions.id"), index=True)
    #: One of FLAG_STATES
    status: Mapped[str] = mapped_column(sa.String(12), default="raised")
    #: The facts the rule used: the records counted, the window and the threshold
    evidence: Mapped[dict | None] = mapped_column(sa.JSON)
    #: The version of the rule's settings that raised it
    rule_version: Mapped[int] = mapped_column(default=1)
    raised_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolved_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_note: Mapped[str | None] = mapped_column(sa.Text)

    acknowledged_by: Mapped[User | None] = relationship(lazy="joined")

    __table_args__ = (
        sa.CheckConstraint(one_of("kind", FLAG_KINDS), name="kind"),
        sa.CheckConstraint(one_of("status", FLAG_STATES), name="status"),
        sa.Index(
            "uq_flags_live_subject", "kind", "subject_key", unique=True,
            sqlite_where=sa.text("resolved_dt IS NULL"),
            postgresql_where=sa.text("resolved_dt IS NULL"),
        ),
        sa.Index("ix_flags_kind_status", "kind", "status"),
    )

    @property
    def kind_label(self) -> str:
        return FLAG_KINDS[self.kind]

    @property
    def status_label(self) -> str:
        return FLAG_STATES[self.status]

    @property
    def is_live(self) -> bool:
        return self.resolved_dt is None


class FlagRule(Model):
    """One version of a rule's numbers. Editing a rule adds a version; flags record the version
    that raised them, and a change triggers a full rescan."""

    __tablename__ = "flag_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The police force whose rule this is: each force sets its own numbers
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(sa.String(24))
    version: Mapped[int]
    params: Mapped[dict] = mapped_column(sa.JSON)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    __table_args__ = (sa.UniqueConstraint("organisation_id", "kind", "version"),)


class ScanRun(Model):
    """A run of every scan (sara.flags.jobs.run_all): which of them it finished, committed with
    each, so that a run stopped part-way (its worker killed) and started again under the same key
    does only what is left."""

    __tablename__ = "scan_runs"

    #: The run's key: its task id, which a redelivered message keeps
    key: Mapped[str] = mapped_column(sa.String(155), primary_key=True)
    #: The names (sara.flags.jobs.JOBS) of the scans it finished, in order
    finished: Mapped[list] = mapped_column(sa.JSON, default=list)
    started_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
