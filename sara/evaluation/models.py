"""Structured evaluation of a case (the Assessment stage) and supervisors' reviews.

Follows the Center for Problem-Oriented Policing's "Assessing Responses to Problems": a process
evaluation (was each tactic delivered as planned, in enough dose), an impact evaluation (a measure
counted before and after, against a comparison area), displacement and diffusion of benefits, and
whether the objectives were met. A supervisor signs it off.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sara.auth.models import User
from sara.cases.models import CaseObjective, PlannedTactic, ProblemCase
from sara.core.types import UTCDateTime, one_of, utcnow
from sara.extensions import Model

EVALUATION_STATUSES = {
    "not_started": "Not started",
    "draft": "Draft",
    "submitted": "Submitted for sign-off",
    "approved": "Approved",
}
OUTCOMES = {
    "resolved": "Resolved",
    "reduced": "Reduced",
    "no_change": "No change",
    "worse": "Worse",
    "displaced": "Displaced",
}
DELIVERY = {"fully": "Fully", "partly": "Partly", "not": "Not delivered"}
EFFECTIVENESS = {
    "effective": "Effective",
    "partly": "Partly effective",
    "not_effective": "Not effective",
    "unknown": "Unknown",
}
OBJECTIVE_RESULTS = {"met": "Met", "partly_met": "Partly met", "not_met": "Not met"}
DISPLACEMENT_TYPES = {
    "spatial": "Spatial (moved elsewhere)",
    "temporal": "Temporal (moved to other times)",
    "target": "Target (other victims or property)",
    "tactic": "Tactic (different methods)",
    "offence": "Offence (different crime)",
    "perpetrator": "Perpetrator (new offenders)",
}
REVIEW_OUTCOMES = {
    "on_track": "On track",
    "needs_attention": "Needs attention",
    "escalate": "Escalate",
}


class Evaluation(Model):
    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("problem_cases.id"), unique=True)
    #: One of EVALUATION_STATUSES; "returned" is a draft with the supervisor's comments
    status: Mapped[str] = mapped_column(sa.String(12), default="draft", index=True)

    # Impact
    measure: Mapped[str] = mapped_column(sa.Text, default="")
    before_start: Mapped[date | None] = mapped_column(sa.Date)
    before_end: Mapped[date | None] = mapped_column(sa.Date)
    before_count: Mapped[int | None]
    after_start: Mapped[date | None] = mapped_column(sa.Date)
    after_end: Mapped[date | None] = mapped_column(sa.Date)
    after_count: Mapped[int | None]
    comparison_area: Mapped[str] = mapped_column(sa.Text, default="")
    #: LSOA codes the counts can be taken from: the case's own area, and the comparison area
    area_lsoa: Mapped[str | None] = mapped_column(sa.String(12))
    comparison_lsoa: Mapped[str | None] = mapped_column(sa.String(12))
    #: Where each count came from: {"before_count": {"source": "incidents", ...}, ...}; a count
    #: typed in by hand says so
    figures_source: Mapped[dict | None] = mapped_column(sa.JSON)
    comparison_before_count: Mapped[int | None]
    comparison_after_count: Mapped[int | None]
    # Displacement and diffusion
    is_displacement_checked: Mapped[bool] = mapped_column(default=False)
    displacement_types: Mapped[list | None] = mapped_column(sa.JSON)
    displacement_found: Mapped[str] = mapped_column(sa.Text, default="")
    is_diffusion_observed: Mapped[bool] = mapped_column(default=False)
    # Outcome, lessons, good practice
    outcome: Mapped[str | None] = mapped_column(sa.String(12), index=True)
    lessons: Mapped[str] = mapped_column(sa.Text, default="")
    is_good_practice: Mapped[bool] = mapped_column(default=False, index=True)
    good_practice_summary: Mapped[str] = mapped_column(sa.Text, default="")

    started_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: The supervisor's comments the last time it was returned to draft
    return_comments: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(nullable=False)

    case: Mapped[ProblemCase] = relationship(
        backref=sa.orm.backref("evaluation", uselist=False, lazy="select")
    )
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    tactic_results: Mapped[list[TacticResult]] = relationship(
        back_populates="evaluation", cascade="all, delete-orphan", order_by="TacticResult.id"
    )
    objective_results: Mapped[list[ObjectiveResult]] = relationship(
        back_populates="evaluation", cascade="all, delete-orphan", order_by="ObjectiveResult.id"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint(one_of("status", EVALUATION_STATUSES), name="status"),
        sa.CheckConstraint("outcome IS NULL OR " + one_of("outcome", OUTCOMES), name="outcome"),
    )

    @property
    def status_label(self) -> str:
        if self.status == "draft" and self.return_comments:
            return "Returned to draft"
        return EVALUATION_STATUSES[self.status]

    @property
    def outcome_label(self) -> str | None:
        return OUTCOMES.get(self.outcome) if self.outcome else None


class TacticResult(Model):
    """Process and effectiveness for one planned tactic."""

    __tablename__ = "evaluation_tactic_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(sa.ForeignKey("evaluations.id"), index=True)
    tactic_id: Mapped[int] = mapped_column(
        sa.ForeignKey("planned_tactics.id", ondelete="CASCADE"), index=True
    )
    #: Delivered as planned, in enough dose: one of DELIVERY
    delivery: Mapped[str | None] = mapped_column(sa.String(8))
    delivery_note: Mapped[str] = mapped_column(sa.Text, default="")
    #: One of EFFECTIVENESS
    effectiveness: Mapped[str] = mapped_column(sa.String(16), default="unknown")

    evaluation: Mapped[Evaluation] = relationship(back_populates="tactic_results")
    tactic: Mapped[PlannedTactic] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("evaluation_id", "tactic_id"),
        sa.CheckConstraint("delivery IS NULL OR " + one_of("delivery", DELIVERY), name="delivery"),
        sa.CheckConstraint(one_of("effectiveness", EFFECTIVENESS), name="effectiveness"),
    )


class ObjectiveResult(Model):
    __tablename__ = "evaluation_objective_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(sa.ForeignKey("evaluations.id"), index=True)
    objective_id: Mapped[int] = mapped_column(
        sa.ForeignKey("case_objectives.id", ondelete="CASCADE"), index=True
    )
    #: One of OBJECTIVE_RESULTS, or not yet judged
    result: Mapped[str | None] = mapped_column(sa.String(12))

    evaluation: Mapped[Evaluation] = relationship(back_populates="objective_results")
    objective: Mapped[CaseObjective] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("evaluation_id", "objective_id"),
        sa.CheckConstraint("result IS NULL OR " + one_of("result", OBJECTIVE_RESULTS),
                           name="result"),
    )


class CaseReview(Model):
    """A supervisor's dated review of a case."""

    __tablename__ = "case_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("problem_cases.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: One of REVIEW_OUTCOMES
    outcome: Mapped[str] = mapped_column(sa.String(16))
    comments: Mapped[str] = mapped_column(sa.Text, default="")
    next_review_date: Mapped[date] = mapped_column(sa.Date)

    reviewer: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (sa.CheckConstraint(one_of("outcome", REVIEW_OUTCOMES), name="outcome"),)

    @property
    def outcome_label(self) -> str:
        return REVIEW_OUTCOMES[self.outcome]
