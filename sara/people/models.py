"""People linked to cases: victims, reporters, offenders, witnesses.

Their details are personal data: partners see them only where the case owner chose to share them
(sara.policy.can_see_personal_details), and every view is audited.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sara.core.types import UTCDateTime, one_of, utcnow
from sara.extensions import Model

PERSON_ROLES = {
    "victim": "Victim",
    "reporter": "Reporter",
    "offender": "Offender",
    "witness": "Witness",
    "other": "Other",
}

#: Structured vulnerability flags: HMIC found free-text vulnerability was never flagged again.
VULNERABILITIES = {
    "age": "Age",
    "disability": "Disability",
    "mental_health": "Mental health",
    "isolation": "Isolation",
    "repeat_victimisation": "Repeat victimisation",
    "hate_related": "Hate-related",
    "other": "Other",
}


class Person(Model):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: PN-<6 digits>, the reference other systems use
    reference: Mapped[str] = mapped_column(sa.String(12), unique=True)
    #: The police organisation that holds the record
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    date_of_birth: Mapped[date | None] = mapped_column(sa.Date)
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    postcode: Mapped[str | None] = mapped_column(sa.String(10))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: Normalised copies of the details, kept so duplicate checks and the call-handler lookup are
    #: index look-ups (see sara.people.matching)
    name_key: Mapped[str] = mapped_column(sa.String(200), default="", index=True)
    surname_key: Mapped[str] = mapped_column(sa.String(100), default="")
    #: matching.name_sounds: the metaphone code of each part, for names that sound alike
    name_sounds: Mapped[str] = mapped_column(sa.String(300), default="")
    phone_key: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    address_key: Mapped[str | None] = mapped_column(sa.String(300))
    postcode_key: Mapped[str | None] = mapped_column(sa.String(10), index=True)
    #: Set when this profile was merged into another; it then stays only as history
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))

    vulnerabilities: Mapped[list[PersonVulnerability]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="PersonVulnerability.kind"
    )

    __table_args__ = (
        sa.Index("ix_people_surname_key_address_key", "surname_key", "address_key"),
        # The lookup searches names and addresses by prefix (LIKE 'x%'); on PostgreSQL only a
        # pattern-ops index serves that under a non-C collation (bench/results/lookup.md).
        sa.Index("ix_people_name_key_prefix", "name_key",
                 postgresql_ops={"name_key": "varchar_pattern_ops"}),
        sa.Index("ix_people_address_key_prefix", "address_key",
                 postgresql_ops={"address_key": "varchar_pattern_ops"}),
    )

    @property
    def vulnerability_labels(self) -> list[str]:
        return [VULNERABILITIES[v.kind] for v in self.vulnerabilities]


class PersonMerge(Model):
    """A merge of one profile into another, kept so that it can be undone exactly."""

    __tablename__ = "person_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    kept_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    merged_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    merged_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    merged_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Which link rows moved, the kept profile's details before, and where each detail came from
    record: Mapped[dict] = mapped_column(sa.JSON)
    undone_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


#: What became of a possible duplicate
DUPLICATE_STATUSES = {
    "open": "To decide",
    "merged": "Merged",
    "different": "Not the same person",
}


class PossibleDuplicate(Model):
    """Two profiles that may be one person, on evidence too weak to link them automatically
    (sara.people.matching), for a supervisor to merge or to mark as different people. A pair
    is proposed once: "not the same person" is remembered, and never proposed again."""

    __tablename__ = "possible_duplicates"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    #: The older profile of the pair (lower id), and the newer
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    other_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    #: matching.Evidence.reasons when proposed: ["same phone number", "different first names"]
    reasons: Mapped[list] = mapped_column(sa.JSON)
    #: One of DUPLICATE_STATUSES
    status: Mapped[str] = mapped_column(sa.String(10), default="open")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    person: Mapped[Person] = relationship(foreign_keys=[person_id], lazy="joined")
    other: Mapped[Person] = relationship(foreign_keys=[other_id], lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("person_id", "other_id"),
        sa.CheckConstraint(one_of("status", DUPLICATE_STATUSES), name="status"),
        sa.Index("ix_possible_duplicates_queue", "organisation_id", "status"),
    )

    @property
    def summary(self) -> str:
        return "; ".join(self.reasons)


class PersonVulnerability(Model):
    __tablename__ = "person_vulnerabilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    #: One of VULNERABILITIES
    kind: Mapped[str] = mapped_column(sa.String(30))

    __table_args__ = (
        sa.UniqueConstraint("person_id", "kind"),
        sa.CheckConstraint(one_of("kind", VULNERABILITIES), name="kind"),
    )


class CasePerson(Model):
    """A person's part in a case."""

    __tablename__ = "case_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("problem_cases.id"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    #: One of PERSON_ROLES
    role: Mapped[str] = mapped_column(sa.String(12))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    person: Mapped[Person] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("case_id", "person_id", "role"),
        sa.CheckConstraint(one_of("role", PERSON_ROLES), name="role"),
    )

    @property
    def role_label(self) -> str:
        return PERSON_ROLES[self.role]
