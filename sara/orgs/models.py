"""Organisations (police forces and partner agencies) and the neighbourhoods police teams cover."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sara.core.types import UTCDateTime, one_of, utcnow
from sara.extensions import Model

ORG_KINDS = {
    "police": "Police",
    "local_authority": "Local authority",
    "housing": "Housing",
    "probation": "Probation",
    "fire": "Fire and rescue",
    "health": "Health",
    "education": "Education",
    "voluntary": "Voluntary sector",
    "other": "Other",
}


class Organisation(Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The organisation's name as its staff would recognise it
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    #: One of ORG_KINDS; only police organisations own problem cases
    kind: Mapped[str] = mapped_column(sa.String(32))
    #: A force's choice: whether partner organisations read its good-practice case studies
    #: (HMIC recommendation 5: share good practice with partners)
    is_library_open_to_partners: Mapped[bool] = mapped_column(default=True,
                                                              server_default=sa.true())
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    neighbourhoods: Mapped[list[Neighbourhood]] = relationship(
        back_populates="organisation", order_by="Neighbourhood.name"
    )

    __table_args__ = (sa.CheckConstraint(one_of("kind", ORG_KINDS), name="kind"),)

    @property
    def is_police(self) -> bool:
        return self.kind == "police"

    @property
    def kind_label(self) -> str:
        return ORG_KINDS[self.kind]

    def __repr__(self) -> str:
        return f"<Organisation {self.name!r}>"


class Neighbourhood(Model):
    __tablename__ = "neighbourhoods"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: The police organisation whose neighbourhood team covers it
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)

    organisation: Mapped[Organisation] = relationship(back_populates="neighbourhoods")

    __table_args__ = (sa.UniqueConstraint("organisation_id", "name"),)

    def __repr__(self) -> str:
        return f"<Neighbourhood {self.name!r}>"
