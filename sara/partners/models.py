"""Sharing a case with a partner organisation or a named user."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sara.auth.models import User
from sara.core.types import UTCDateTime, one_of, utcnow
from sara.extensions import Model
from sara.orgs.models import Organisation

SHARE_LEVELS = {
    "view": "View",
    "contribute": "Contribute: add notes, edit the analysis and response, work actions",
}


class CaseShare(Model):
    """A grant of access to one case. Withdrawing it ends it; the row stays as history."""

    __tablename__ = "case_shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("problem_cases.id"), index=True)
    #: Exactly one of organisation_id and user_id is set
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: One of SHARE_LEVELS
    level: Mapped[str] = mapped_column(sa.String(12))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    #: Set when the share is withdrawn; a withdrawn share grants nothing
    ended_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id], lazy="joined")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])

    __table_args__ = (
        sa.CheckConstraint(one_of("level", SHARE_LEVELS), name="level"),
        sa.CheckConstraint(
            "(organisation_id IS NULL) <> (user_id IS NULL)", name="one_recipient"
        ),
        # One live share per recipient per case; policy lookups go through these indexes.
        sa.Index(
            "uq_case_shares_live_org", "case_id", "organisation_id", unique=True,
            sqlite_where=sa.text("ended_dt IS NULL AND organisation_id IS NOT NULL"),
            postgresql_where=sa.text("ended_dt IS NULL AND organisation_id IS NOT NULL"),
        ),
        sa.Index(
            "uq_case_shares_live_user", "case_id", "user_id", unique=True,
            sqlite_where=sa.text("ended_dt IS NULL AND user_id IS NOT NULL"),
            postgresql_where=sa.text("ended_dt IS NULL AND user_id IS NOT NULL"),
        ),
        sa.Index("ix_case_shares_organisation_id", "organisation_id"),
        sa.Index("ix_case_shares_user_id", "user_id"),
    )

    @property
    def recipient_name(self) -> str:
        if self.user is not None:
            return f"{self.user.name} ({self.user.organisation.name})"
        return self.organisation.name

    @property
    def level_label(self) -> str:
        return "Contribute" if self.level == "contribute" else "View"
