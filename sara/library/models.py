"""A case study: the text the good-practice library publishes about a case.

It is written for publication, in general terms, by the officers who evaluate the case, and is
never the case's own text: the case's analysis and lessons name and describe real people. A
supervisor publishes it with the approval of an evaluation marked as good practice (or later, from
the case-study page), once sara.library.service has checked it against the details of every
person linked to the case.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sara.auth.models import User
from sara.cases.models import ProblemCase
from sara.core.types import UTCDateTime, one_of, utcnow
from sara.extensions import Model

CASE_STUDY_STATUSES = {"draft": "Draft", "published": "Published"}

#: The sections of a case study, in the order they are written and read: (field, label, hint).
CASE_STUDY_SECTIONS = (
    ("title", "Title", "What the case study is about, for example 'Off-road bikes on an "
                       "open common'"),
    ("problem", "The problem", "What was happening, where in general terms (the kind of place, "
                               "not the address) and how it came to notice"),
    ("analysis", "The analysis", "What the analysis found, in general terms: the victims, "
                                 "offenders and place as kinds of people and places, never as "
                                 "individuals"),
    ("response", "The response", "What was done, by which agencies"),
    ("assessment", "The assessment", "What changed, by how much, and how it was measured"),
    ("lessons", "Lessons", "What other teams can learn from it"),
)
CASE_STUDY_FIELDS = tuple(name for name, _label, _hint in CASE_STUDY_SECTIONS)
TITLE_LENGTH = 200


class CaseStudy(Model):
    __tablename__ = "case_studies"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("problem_cases.id"), unique=True)
    title: Mapped[str] = mapped_column(sa.String(TITLE_LENGTH))
    problem: Mapped[str] = mapped_column(sa.Text)
    analysis: Mapped[str] = mapped_column(sa.Text)
    response: Mapped[str] = mapped_column(sa.Text)
    assessment: Mapped[str] = mapped_column(sa.Text)
    lessons: Mapped[str] = mapped_column(sa.Text)
    #: One of CASE_STUDY_STATUSES: only a published one is in the library
    status: Mapped[str] = mapped_column(sa.String(12), default="draft", index=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    #: Who saved the text last, and when
    written_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    written_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    #: The supervisor who published it, and when; cleared when it is withdrawn (the case's audit
    #: log keeps every publication and withdrawal)
    published_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(nullable=False)

    case: Mapped[ProblemCase] = relationship(
        backref=sa.orm.backref("case_study", uselist=False, lazy="select")
    )
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    written_by: Mapped[User] = relationship(foreign_keys=[written_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint(one_of("status", CASE_STUDY_STATUSES), name="status"),
    )

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    @property
    def status_label(self) -> str:
        return CASE_STUDY_STATUSES[self.status]

    def texts(self) -> dict[str, str]:
        return {name: getattr(self, name) or "" for name in CASE_STUDY_FIELDS}
