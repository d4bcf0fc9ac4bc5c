"""Users and their server-side sessions."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sara.core.types import UTCDateTime, one_of, utcnow
from sara.extensions import Model
from sara.orgs.models import Organisation
from sara.roles import ROLES


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Always stored lower-case; it is the sign-in name
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    #: One of ROLES
    role: Mapped[str] = mapped_column(sa.String(32))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    #: Deactivated users cannot sign in and their sessions end at once
    is_enabled: Mapped[bool] = mapped_column(default=True)
    #: Creates organisations and manages users across them; granted only from the CLI
    #: (sara.core.cli grant-system-admin), never from the web
    is_system_admin: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: Set when an administrator chose the password (a new account, or one they set): until the
    #: user picks their own, every page but the password change sends them there
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship(lazy="joined")

    __table_args__ = (sa.CheckConstraint(one_of("role", ROLES), name="role"),)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_enabled

    @property
    def role_label(self) -> str:
        return ROLES[self.role]

    @property
    def is_police(self) -> bool:
        return self.organisation.is_police

    def __repr__(self) -> str:
        return f"<User {self.email!r} {self.role}>"


class UserSession(Model):
    """A signed-in browser session, so that signing out really ends it.

    The cookie only carries the random id; the row decides whether the session is still alive
    (not signed out, not idle for too long, not older than the absolute limit).
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the random token kept in the signed cookie
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip_address: Mapped[str | None] = mapped_column(sa.String(64))

    user: Mapped[User] = relationship()


class PasswordResetToken(Model):
    """A single-use link, sent by e-mail when an administrator asks, to choose a new password.

    Only the SHA-256 of the token is kept: the link is in the e-mail and nowhere else.
    """

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: SHA-256 of the random token in the link
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The administrator who asked for it
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    used_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When a newer link, another password change or deactivation made it unusable
    cancelled_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
