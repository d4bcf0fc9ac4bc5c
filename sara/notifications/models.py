"""In-app notifications, each also e-mailed once when mail is configured."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sara.auth.models import User
from sara.core.types import UTCDateTime, one_of, utcnow
from sara.extensions import Model

#: not_wanted: kept in the app only, by its recipient's choice (NotificationPreference)
EMAIL_STATES = ("pending", "sending", "sent", "failed", "not_wanted")

#: Every kind of notification, as its recipient would name it (the settings page lists them).
KINDS = {
    "allocated": "An action is allocated to you or your organisation",
    "note": "Someone adds a note to an action you allocated or work on",
    "overdue": "An action you allocated or work on becomes overdue",
    "action_done": "An action you allocated is done",
    "evaluation_submitted": "An evaluation in your force is submitted for sign-off",
    "evaluation_returned": "Your evaluation is returned to draft",
    "evaluation_approved": "Your evaluation is approved",
    "case_shared": "A case is shared with you or your organisation",
    "partner_note": "A partner adds a note to your case",
}


class Notification(Model):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    #: One of KINDS
    kind: Mapped[str] = mapped_column(sa.String(20))
    #: What happened, once: the same event never notifies the same person twice
    event_key: Mapped[str] = mapped_column(sa.String(80))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    #: Path within the app to the thing the notification is about
    link: Mapped[str | None] = mapped_column(sa.String(300))
    #: The case it is about, if any: reading the inbox is a consultation of it
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("problem_cases.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: pending -> sending (claimed by one worker) -> sent, or failed after the last retry; or
    #: not_wanted (never e-mailed: its recipient wants this kind in the app only)
    email_state: Mapped[str] = mapped_column(sa.String(10), default="pending")
    #: When a worker claimed it for sending (the claim is the e-mail's one delivery record)
    claimed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")

    #: Set by the inbox (not stored): the case it is about is no longer one the user may see
    #: (a share was withdrawn), so neither its text nor its link is shown
    is_case_hidden = False

    __table_args__ = (
        sa.UniqueConstraint("user_id", "event_key"),
        sa.CheckConstraint(one_of("email_state", EMAIL_STATES), name="email_state"),
        sa.Index("ix_notifications_user_id_read_dt", "user_id", "read_dt"),
    )


class NotificationPreference(Model):
    """One person's choice for one kind of notification. Without a row, the default: by e-mail
    as well as in the app."""

    __tablename__ = "notification_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    #: One of KINDS
    kind: Mapped[str] = mapped_column(sa.String(20))
    #: False: in the app only
    is_emailed: Mapped[bool] = mapped_column(default=True)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (sa.UniqueConstraint("user_id", "kind"),)
