"""Problem cases, their SARA stage content and their change history."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sara.auth.models import User
from sara.cases.taxonomy import (
    CLOSURE_REASONS,
    PROBLEM_TYPES,
    SCANNING_SOURCES,
    STAGE_ORDER,
    STAGES,
    STATUSES,
    TACTIC_CATEGORIES,
    TRIANGLE_SIDES,
)
from sara.core.types import UTCDateTime, one_of, utcnow
from sara.extensions import Model
from sara.orgs.models import Neighbourhood, Organisation

if TYPE_CHECKING:
    from sara.evaluation.models import Evaluation
    from sara.library.models import CaseStudy


class ProblemCase(Model):
    __tablename__ = "problem_cases"

    if TYPE_CHECKING:
        # Made by the backrefs of Evaluation.case and CaseStudy.case
        evaluation: Evaluation | None
        case_study: CaseStudy | None

    id: Mapped[int] = mapped_column(primary_key=True)
    #: PS-<year>-<5 digits>, issued once and never reused
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    problem_type: Mapped[str] = mapped_column(sa.String(40), index=True)
    neighbourhood_id: Mapped[int] = mapped_column(sa.ForeignKey("neighbourhoods.id"), index=True)
    location_text: Mapped[str] = mapped_column(sa.String(300))
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    lsoa_code: Mapped[str | None] = mapped_column(sa.String(12))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: The police organisation that manages the record
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="open", index=True)
    stage: Mapped[str] = mapped_column(sa.String(12), default="scanning", index=True)
    closure_reason: Mapped[str | None] = mapped_column(sa.String(20))
    closure_note: Mapped[str | None] = mapped_column(sa.Text)
    closed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Whether partners with access may see the people on the case; withheld by default
    personal_details_shared: Mapped[bool] = mapped_column(default=False)
    review_cadence_days: Mapped[int] = mapped_column(default=28)
    #: When a supervisor last reviewed the case (kept with the review, for lists and the queue)
    last_reviewed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_review_date: Mapped[date | None] = mapped_column(sa.Date, index=True)

    # Scanning
    scan_source: Mapped[str | None] = mapped_column(sa.String(30))
    scan_summary: Mapped[str] = mapped_column(sa.Text, default="")
    scan_baseline: Mapped[str] = mapped_column(sa.Text, default="")
    # Analysis: the problem analysis triangle, then when/where/why/how and root causes
    analysis_victim: Mapped[str] = mapped_column(sa.Text, default="")
    analysis_offender: Mapped[str] = mapped_column(sa.Text, default="")
    analysis_location: Mapped[str] = mapped_column(sa.Text, default="")
    analysis_handler: Mapped[str] = mapped_column(sa.Text, default="")
    analysis_guardian: Mapped[str] = mapped_column(sa.Text, default="")
    analysis_manager: Mapped[str] = mapped_column(sa.Text, default="")
    analysis_when: Mapped[str] = mapped_column(sa.Text, default="")
    analysis_where: Mapped[str] = mapped_column(sa.Text, default="")
    analysis_why: Mapped[str] = mapped_column(sa.Text, default="")
    analysis_how: Mapped[str] = mapped_column(sa.Text, default="")
    analysis_root_causes: Mapped[str] = mapped_column(sa.Text, default="")

    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    #: Optimistic lock: a save made against an older version is refused, never silently applied
    version: Mapped[int] = mapped_column(nullable=False)

    organisation: Mapped[Organisation] = relationship()
    neighbourhood: Mapped[Neighbourhood] = relationship(lazy="joined")
    owner: Mapped[User] = relationship(foreign_keys=[owner_id], lazy="joined")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User] = relationship(foreign_keys=[updated_by_id])
    objectives: Mapped[list[CaseObjective]] = relationship(
        back_populates="case", order_by="CaseObjective.id", cascade="all, delete-orphan"
    )
    tactics: Mapped[list[PlannedTactic]] = relationship(
        back_populates="case", order_by="PlannedTactic.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint(one_of("status", STATUSES), name="status"),
        sa.CheckConstraint(one_of("stage", STAGES), name="stage"),
        sa.CheckConstraint(one_of("problem_type", PROBLEM_TYPES), name="problem_type"),
        sa.CheckConstraint(
            "closure_reason IS NULL OR " + one_of("closure_reason", CLOSURE_REASONS),
            name="closure_reason",
        ),
    )

    @property
    def stage_label(self) -> str:
        return STAGES[self.stage]

    @property
    def stage_index(self) -> int:
        return STAGE_ORDER.index(self.stage)

    @property
    def problem_type_label(self) -> str:
        return PROBLEM_TYPES[self.problem_type]

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def closure_reason_label(self) -> str | None:
        return CLOSURE_REASONS.get(self.closure_reason) if self.closure_reason else None

    @property
    def scan_source_label(self) -> str | None:
        return SCANNING_SOURCES.get(self.scan_source) if self.scan_source else None

    def __repr__(self) -> str:
        return f"<ProblemCase {self.reference}>"


class CaseObjective(Model):
    """A SMART objective set in the Response stage."""

    __tablename__ = "case_objectives"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("problem_cases.id"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[ProblemCase] = relationship(back_populates="objectives")


class PlannedTactic(Model):
    """A tactic planned in the Response stage, from the fixed taxonomy, aimed at a triangle side."""

    __tablename__ = "planned_tactics"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("problem_cases.id"), index=True)
    category: Mapped[str] = mapped_column(sa.String(20))
    triangle_side: Mapped[str] = mapped_column(sa.String(10))
    description: Mapped[str] = mapped_column(sa.Text)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[ProblemCase] = relationship(back_populates="tactics")

    __table_args__ = (
        sa.CheckConstraint(one_of("category", TACTIC_CATEGORIES), name="category"),
        sa.CheckConstraint(one_of("triangle_side", TRIANGLE_SIDES), name="triangle_side"),
    )

    @property
    def category_label(self) -> str:
        return TACTIC_CATEGORIES[self.category]

    @property
    def triangle_side_label(self) -> str:
        return TRIANGLE_SIDES[self.triangle_side]


class CaseEvent(Model):
    """One entry of a case's timeline, stored as it happened (never reconstructed).

    `changes` holds the field edits as a list of {"field", "before", "after"}.
    """

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("problem_cases.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: created, edited, stage_moved, closed, reopened, objective_added, objective_removed,
    #: tactic_added, tactic_removed, note, shared, share_changed, unshared, person_linked,
    #: person_unlinked
    kind: Mapped[str] = mapped_column(sa.String(30))
    #: The case version this change produced, to tell a later editor what they missed
    case_version: Mapped[int]
    from_stage: Mapped[str | None] = mapped_column(sa.String(12))
    to_stage: Mapped[str | None] = mapped_column(sa.String(12))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    summary: Mapped[str | None] = mapped_column(sa.Text)
    changes: Mapped[list | None] = mapped_column(sa.JSON)

    user: Mapped[User] = relationship(lazy="joined")
    case: Mapped[ProblemCase] = relationship()

    __table_args__ = (sa.Index("ix_case_events_case_id_created_dt", "case_id", "created_dt"),)
