"""Actions: work allocated to an officer, a partner or a whole organisation, tracked to done."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sara.auth.models import User
from sara.cases.models import ProblemCase
from sara.cases.taxonomy import TACTIC_CATEGORIES, TRIANGLE_SIDES
from sara.core.types import UTCDateTime, one_of, today, utcnow
from sara.extensions import Model
from sara.orgs.models import Organisation

ACTION_STATUSES = {
    "open": "Open",
    "in_progress": "In progress",
    "done": "Done",
    "cancelled": "Cancelled",
}
LIVE_STATUSES = ("open", "in_progress")

PRIORITIES = {"low": "Low", "normal": "Normal", "high": "High", "urgent": "Urgent"}


class Action(Model):
    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: AC-<6 digits>
    reference: Mapped[str] = mapped_column(sa.String(12), unique=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("problem_cases.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: From the tactic taxonomy, with the problem-triangle side it targets
    tactic_category: Mapped[str] = mapped_column(sa.String(20))
    triangle_side: Mapped[str] = mapped_column(sa.String(10))
    #: Exactly one of the two is set
    allocated_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    allocated_organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id"), index=True
    )
    due_date: Mapped[date] = mapped_column(sa.Date)
    priority: Mapped[str] = mapped_column(sa.String(10), default="normal")
    status: Mapped[str] = mapped_column(sa.String(12), default="open")
    #: What was done and what it achieved (needed to mark it done)
    result: Mapped[str | None] = mapped_column(sa.Text)
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The allocator
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(nullable=False)

    case: Mapped[ProblemCase] = relationship(lazy="joined")
    allocated_user: Mapped[User | None] = relationship(
        foreign_keys=[allocated_user_id], lazy="joined"
    )
    allocated_organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id], lazy="joined")
    history: Mapped[list[ActionEntry]] = relationship(
        back_populates="action", order_by="ActionEntry.id.desc()"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint(one_of("status", ACTION_STATUSES), name="status"),
        sa.CheckConstraint(one_of("priority", PRIORITIES), name="priority"),
        sa.CheckConstraint(one_of("tactic_category", TACTIC_CATEGORIES), name="tactic_category"),
        sa.CheckConstraint(one_of("triangle_side", TRIANGLE_SIDES), name="triangle_side"),
        sa.CheckConstraint(
            "(allocated_user_id IS NULL) <> (allocated_organisation_id IS NULL)",
            name="one_allocation",
        ),
        # The overdue scan reads live actions by due date.
        sa.Index("ix_actions_status_due_date", "status", "due_date"),
    )

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def is_overdue(self) -> bool:
        """Past its due date and not finished. Due today is not overdue."""
        return self.is_live and self.due_date < today()

    @property
    def allocated_to_name(self) -> str:
        if self.allocated_user is not None:
            return f"{self.allocated_user.name} ({self.allocated_user.organisation.name})"
        if self.allocated_organisation is not None:
            return self.allocated_organisation.name
        return "Not allocated"

    @property
    def status_label(self) -> str:
        return ACTION_STATUSES[self.status]

    @property
    def priority_label(self) -> str:
        return PRIORITIES[self.priority]

    @property
    def tactic_label(self) -> str:
        return f"{TACTIC_CATEGORIES[self.tactic_category]} ({TRIANGLE_SIDES[self.triangle_side]})"


class ActionEntry(Model):
    """The action's history: every status move, note, and change of allocation."""

    __tablename__ = "action_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("actions.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: created, note, status, allocated, edited
    kind: Mapped[str] = mapped_column(sa.String(12))
    from_status: Mapped[str | None] = mapped_column(sa.String(12))
    to_status: Mapped[str | None] = mapped_column(sa.String(12))
    text: Mapped[str | None] = mapped_column(sa.Text)

    action: Mapped[Action] = relationship(back_populates="history")
    user: Mapped[User] = relationship(lazy="joined")
