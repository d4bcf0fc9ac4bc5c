"""The audit log: who did what to which record, and when. Append-only.

The Data Protection Act 2018 s.62 requires logs of consultation, alteration and disclosure for
law-enforcement processing. The application never updates or deletes these rows, and on PostgreSQL
a trigger refuses UPDATE and DELETE on the table (see the migration).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sara.auth.models import User
from sara.core.types import UTCDateTime, one_of, utcnow
from sara.extensions import Model
from sara.orgs.models import Organisation

AUDIT_ACTIONS = {
    "consultation": "Viewed",
    "alteration": "Changed",
    "disclosure": "Disclosed",
    "sign_in": "Signed in",
    "sign_out": "Signed out",
    "sign_in_failed": "Failed sign-in",
    "access_denied": "Access denied",
}

RECORD_TYPES = {
    "case": "Case",
    "person": "Person",
    "user": "User",
    "organisation": "Organisation",
    "audit_log": "Audit log",
    "action": "Action",
    "flag": "Flag",
    "incident": "Incident",
    "asb_review": "ASB case review",
    "setting": "Setting",
}


class AuditEvent(Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                    primary_key=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: Null only for a failed sign-in with an unknown email
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    ip_address: Mapped[str | None] = mapped_column(sa.String(64))
    #: One of AUDIT_ACTIONS
    action: Mapped[str] = mapped_column(sa.String(20), index=True)
    #: One of RECORD_TYPES
    record_type: Mapped[str | None] = mapped_column(sa.String(20))
    #: The record's public reference (a case reference, a person's reference, an email)
    record_ref: Mapped[str | None] = mapped_column(sa.String(254))
    #: The case the event concerns, kept as its id so a case's whole log is one indexed query
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("problem_cases.id"))
    #: What happened, in words
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    #: Before/after values, recipients, the request path
    details: Mapped[dict | None] = mapped_column(sa.JSON)

    user: Mapped[User | None] = relationship(lazy="joined")
    organisation: Mapped[Organisation | None] = relationship(lazy="joined")

    __table_args__ = (
        sa.CheckConstraint(one_of("action", AUDIT_ACTIONS), name="action"),
        sa.Index("ix_audit_events_case_id_created_dt", "case_id", "created_dt"),
        sa.Index("ix_audit_events_user_id_created_dt", "user_id", "created_dt"),
    )

    @property
    def action_label(self) -> str:
        return AUDIT_ACTIONS[self.action]


class AuditEventCase(Model):
    """Every case an event concerns beyond its own `case_id`: the cases a list or a search
    showed, or an export disclosed, so each appears in that case's own audit log. Append-only,
    as the events are."""

    __tablename__ = "audit_event_cases"

    audit_event_id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), sa.ForeignKey("audit_events.id"),
        primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("problem_cases.id"), primary_key=True)

    __table_args__ = (sa.Index("ix_audit_event_cases_case_id", "case_id"),)
