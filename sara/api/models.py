"""Personal access tokens for the JSON API. Only a hash is stored; the token is shown once."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sara.auth.models import User
from sara.core.types import UTCDateTime, utcnow
from sara.extensions import Model


class ApiToken(Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    #: SHA-256 of the token; the token itself is never stored
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The first characters, so people can tell their tokens apart
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")
