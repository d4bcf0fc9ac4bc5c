"""Deployment-wide switches an admin can change, with their defaults."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sara.core.types import UTCDateTime, utcnow
from sara.extensions import db

DEFAULTS = {
    #: HMIC recommendation 5: good practice shared with partners
    "library_open_to_partners": True,
}


class Setting(db.Model):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    value: Mapped[dict] = mapped_column(sa.JSON)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


def get_setting(key: str):
    row = db.session.get(Setting, key)
    return row.value["value"] if row is not None else DEFAULTS[key]


def set_setting(key: str, value, user) -> None:
    if key not in DEFAULTS:
        raise KeyError(key)
    row = db.session.get(Setting, key)
    if row is None:
        row = Setting(key=key, value={"value": value}, updated_by_id=user.id)
        db.session.add(row)
    else:
        row.value = {"value": value}
        row.updated_dt = utcnow()
        row.updated_by_id = user.id
    db.session.flush()
