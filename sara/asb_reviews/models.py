"""The ASB case review (the "community trigger", Anti-social Behaviour, Crime and Policing Act
2014 s.104): an application, its threshold decision, the review meeting, its recommendations,
the two letters to the applicant, and the applicant's request to have the decision looked at again.

A review belongs to the police force that holds the victim's record (`organisation_id`), whichever
body received the application; the bodies taking part are its participants.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sara.actions.models import Action
from sara.auth.models import User
from sara.cases.models import ProblemCase
from sara.core.types import UTCDateTime, one_of, utcnow
from sara.extensions import Model
from sara.orgs.models import Neighbourhood, Organisation
from sara.people.models import Person

#: Who made the application: the victim, or someone on their behalf (statutory guidance).
APPLICANT_KINDS = {
    "victim": "The victim",
    "relative": "A relative or friend, on their behalf",
    "carer": "A carer, on their behalf",
    "councillor": "A councillor, on their behalf",
    "mp": "A member of parliament, on their behalf",
    "other": "Someone else, on their behalf",
}

#: Where the review is. Each status but the last two has a clock (STAGE_DUE).
REVIEW_STATUSES = {
    "awaiting_decision": "Awaiting the threshold decision",
    "awaiting_meeting": "Threshold met: awaiting the review meeting",
    "awaiting_outcome": "Review held: awaiting the outcome letter",
    "threshold_not_met": "Threshold not met",
    "completed": "Completed: outcome letter sent",
}
LIVE_STATUSES = ("awaiting_decision", "awaiting_meeting", "awaiting_outcome")

#: The stage each live status waits on: its name, and the column holding its due date.
STAGES = {
    "awaiting_decision": ("decision", "decision_due_date"),
    "awaiting_meeting": ("meeting", "meeting_due_date"),
    "awaiting_outcome": ("outcome", "outcome_due_date"),
}
STAGE_NAMES = {
    "decision": "threshold decision",
    "meeting": "review meeting",
    "outcome": "outcome letter",
}

#: The result of an escalation (the police and crime commissioner's route, or the area's own).
ESCALATION_RESULTS = {
    "upheld": "The decision stands",
    "changed": "The decision was changed: the review goes ahead",
    "review_again": "The review is to be carried out again",
}


class AsbReview(Model):
    __tablename__ = "asb_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: CR-<6 digits>
    reference: Mapped[str] = mapped_column(sa.String(12), unique=True)
    #: The police force holding the victim's record; it runs the review
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    #: The problem case, where one is known
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("problem_cases.id"), index=True)
    #: The area it is counted in for the published figures
    neighbourhood_id: Mapped[int] = mapped_column(sa.ForeignKey("neighbourhoods.id"), index=True)

    # --- the application
    applicant_kind: Mapped[str] = mapped_column(sa.String(12))
    #: Empty when the victim applied themselves
    applicant_name: Mapped[str] = mapped_column(sa.String(200), default="")
    #: How to reach the applicant with the letters (an address, or an e-mail)
    applicant_contact: Mapped[str] = mapped_column(sa.String(500), default="")
    received_by_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    received_date: Mapped[date] = mapped_column(sa.Date, index=True)
    #: What the applicant says the problem is
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(20), default="awaiting_decision")

    # --- the clocks (working days; sara.asb_reviews.clocks)
    decision_due_date: Mapped[date] = mapped_column(sa.Date)
    meeting_due_date: Mapped[date | None] = mapped_column(sa.Date)
    outcome_due_date: Mapped[date | None] = mapped_column(sa.Date)

    # --- the threshold decision
    #: What the rule found on the day the application was received (the complaints counted
    #: and those not, with why), kept as the decision maker saw it
    threshold_evidence: Mapped[dict | None] = mapped_column(sa.JSON)
    is_threshold_met: Mapped[bool | None] = mapped_column()
    decision_reasons: Mapped[str | None] = mapped_column(sa.Text)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_letter_sent_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_letter_sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    # --- the review meeting
    meeting_date: Mapped[date | None] = mapped_column(sa.Date)
    victim_views: Mapped[str | None] = mapped_column(sa.Text)
    meeting_notes: Mapped[str | None] = mapped_column(sa.Text)
    outcome_letter_sent_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome_letter_sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    # --- escalation
    escalation_requested_date: Mapped[date | None] = mapped_column(sa.Date)
    escalation_reason: Mapped[str | None] = mapped_column(sa.Text)
    escalation_result: Mapped[str | None] = mapped_column(sa.String(16))
    escalation_notes: Mapped[str | None] = mapped_column(sa.Text)
    escalation_decided_date: Mapped[date | None] = mapped_column(sa.Date)

    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(nullable=False)

    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    received_by: Mapped[Organisation] = relationship(foreign_keys=[received_by_id])
    person: Mapped[Person] = relationship()
    case: Mapped[ProblemCase | None] = relationship()
    neighbourhood: Mapped[Neighbourhood] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    decision_letter_sent_by: Mapped[User | None] = relationship(
        foreign_keys=[decision_letter_sent_by_id])
    outcome_letter_sent_by: Mapped[User | None] = relationship(
        foreign_keys=[outcome_letter_sent_by_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    participants: Mapped[list[AsbReviewParticipant]] = relationship(
        back_populates="review", order_by="AsbReviewParticipant.id")
    recommendations: Mapped[list[AsbReviewRecommendation]] = relationship(
        back_populates="review", order_by="AsbReviewRecommendation.id")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint(one_of("applicant_kind", APPLICANT_KINDS), name="applicant_kind"),
        sa.CheckConstraint(one_of("status", REVIEW_STATUSES), name="status"),
        sa.CheckConstraint(one_of("escalation_result", ESCALATION_RESULTS),
                           name="escalation_result"),
        # The clocks' scan reads live reviews by status.
        sa.Index("ix_asb_reviews_status", "status"),
    )

    @property
    def status_label(self) -> str:
        return REVIEW_STATUSES[self.status]

    @property
    def applicant_label(self) -> str:
        return APPLICANT_KINDS[self.applicant_kind]

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def stage(self) -> str | None:
        """The stage the review waits on ("decision", "meeting", "outcome"), or None."""
        return STAGES[self.status][0] if self.is_live else None

    @property
    def stage_name(self) -> str | None:
        return STAGE_NAMES[self.stage] if self.stage else None

    @property
    def due_date(self) -> date | None:
        """When the stage it waits on is due."""
        return getattr(self, STAGES[self.status][1]) if self.is_live else None

    @property
    def escalation_result_label(self) -> str:
        return ESCALATION_RESULTS.get(self.escalation_result or "", "")

    @property
    def is_escalation_open(self) -> bool:
        return self.escalation_requested_date is not None and self.escalation_result is None


class AsbReviewParticipant(Model):
    """A body taking part in the review meeting, who spoke for it, and what it has done."""

    __tablename__ = "asb_review_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("asb_reviews.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    person_name: Mapped[str] = mapped_column(sa.String(200), default="")
    role_title: Mapped[str] = mapped_column(sa.String(200), default="")
    #: What the agency has done about the problem so far
    agency_actions: Mapped[str] = mapped_column(sa.Text, default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    review: Mapped[AsbReview] = relationship(back_populates="participants")
    organisation: Mapped[Organisation] = relationship()

    __table_args__ = (sa.UniqueConstraint("review_id", "organisation_id"),)


class AsbReviewRecommendation(Model):
    """One recommendation of the review: an action on a SARA case, allocated to an agency, so the
    action's own tracking, notifications and overdue flag follow it."""

    __tablename__ = "asb_review_recommendations"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("asb_reviews.id"), index=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("actions.id"), unique=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    review: Mapped[AsbReview] = relationship(back_populates="recommendations")
    action: Mapped[Action] = relationship(lazy="joined")
