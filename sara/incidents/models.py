"""Incidents: reports of ASB or crime, from a form, the API, or CSV imports (a command-and-control
export, or data.police.uk street-level files), and their links to people and cases."""

from __future__ import annotations

import re
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sara.core.types import UTCDateTime, one_of, utcnow
from sara.extensions import Model
from sara.orgs.models import Organisation
from sara.people.models import PERSON_ROLES, Person

SOURCES = {"form": "Recorded in SARA", "api": "API", "cad": "Command and control",
           "police_uk": "data.police.uk", "partner": "Recorded by a partner"}
#: Who the caller is. A professional (a warden, a CCTV operator, a housing officer, a council
#: line) reports for others: they are never counted as a victim or complainant.
CALLER_TYPES = {"public": "Member of the public", "professional": "Professional or organisation"}
#: data.police.uk rows have no reference a person can read or say (a 64-character Crime ID, or
#: none), so they are shown, found and exported as this prefix and their number.
POLICE_UK_PREFIX = "PUK-"
_POLICE_UK_REFERENCE = re.compile(r"PUK-?(\d{1,18})", re.IGNORECASE)


def police_uk_number(text: str) -> int | None:
    """The incident number in a data.police.uk reference ("PUK-123"), or None."""
    match = _POLICE_UK_REFERENCE.fullmatch(text.strip())
    return int(match.group(1)) if match else None


def _inserted(context, column: str):
    """The value of `column` in the row being inserted (for defaults that follow another)."""
    return context.get_current_parameters(isolate_multiinsert_groups=True)[column]


class Incident(Model):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                    primary_key=True)
    #: One of SOURCES
    source: Mapped[str] = mapped_column(sa.String(10))
    #: The record's key in its source (a CAD reference, a Crime ID, or for police.uk rows without
    #: one, a hash of the row and its line); with `source`, what makes a re-import a no-op
    source_key: Mapped[str] = mapped_column(sa.String(80))
    #: The police organisation the incident belongs to
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    occurred_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When the complaint was made: the ASB case review counts only complaints reported within
    #: one month of the behaviour (ASB, Crime and Policing Act 2014, s.104). The occurred time
    #: when not given.
    reported_dt: Mapped[datetime] = mapped_column(
        UTCDateTime, default=lambda context: _inserted(context, "occurred_dt"))
    #: The body it was reported to (the force, a council, a housing provider, a health body):
    #: complaints to any of them count towards a case review. The force when not given.
    reported_to_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id"),
        default=lambda context: _inserted(context, "organisation_id"))
    #: Whether it was reported within one month of the behaviour (sara.flags.rules
    #: .reported_in_time), kept so that the scans read a column, not a calendar
    is_reported_in_time: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    #: "exact", or "month" for police.uk rows, which publish only the month
    occurred_precision: Mapped[str] = mapped_column(sa.String(6), default="exact")
    category: Mapped[str] = mapped_column(sa.String(80))
    is_asb: Mapped[bool] = mapped_column(default=False)
    #: A hate incident or crime: perceived by the victim or anyone else to be motivated by
    #: hostility or prejudice (the national definition). Where an area turns the case review's
    #: hate variant on, one such complaint meets the threshold (sara.flags.scan).
    is_hate: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    location_text: Mapped[str] = mapped_column(sa.String(300), default="")
    postcode: Mapped[str | None] = mapped_column(sa.String(10))
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    lsoa_code: Mapped[str | None] = mapped_column(sa.String(12))
    lsoa_name: Mapped[str | None] = mapped_column(sa.String(100))
    outcome: Mapped[str | None] = mapped_column(sa.String(120))
    #: A data.police.uk crime published again in a later month with another crime type: the
    #: month of the publication its category comes from (None: its first, occurred_dt's)
    classified_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: Another report of the same episode: the first report, which every rule counts instead
    #: (sara.incidents.episodes keeps this one level deep)
    same_as_id: Mapped[int | None] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), sa.ForeignKey("incidents.id"),
        index=True)
    import_id: Mapped[int | None] = mapped_column(sa.ForeignKey("incident_imports.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    people: Mapped[list[IncidentPerson]] = relationship(back_populates="incident")
    reported_to: Mapped[Organisation] = relationship(foreign_keys=[reported_to_id],
                                                     lazy="joined")

    @hybrid_property
    def reference(self) -> str:
        """The one reference users see: the CAD number or SARA number, or for data.police.uk
        rows PUK- and the incident's number."""
        if self.source == "police_uk":
            return f"{POLICE_UK_PREFIX}{self.id}"
        return self.source_key

    @reference.inplace.expression
    @classmethod
    def _reference_expression(cls) -> sa.ColumnElement[str]:
        return sa.case((cls.source == "police_uk",
                        sa.literal(POLICE_UK_PREFIX) + sa.cast(cls.id, sa.String)),
                       else_=cls.source_key)

    @property
    def police_uk_crime_id(self) -> str | None:
        """data.police.uk's Crime ID, for finding the crime in its files (rows without one
        have a hash of the row as their key, which means nothing to anyone)."""
        if self.source == "police_uk" and not self.source_key.startswith("row:"):
            return self.source_key
        return None

    __table_args__ = (
        # A reference is its force's: two forces may hold the same CAD number or Crime ID.
        sa.UniqueConstraint("organisation_id", "source", "source_key"),
        sa.CheckConstraint(one_of("source", SOURCES), name="source"),
        # Area counts for evaluations and dashboards: by LSOA and month.
        sa.Index("ix_incidents_lsoa_code_occurred_dt", "lsoa_code", "occurred_dt"),
        sa.Index("ix_incidents_is_asb_occurred_dt", "is_asb", "occurred_dt"),
    )


#: The complainant's part in a complaint a partner records (sara.incidents.complaints)
COMPLAINANT_ROLES = {"victim": "The victim", "reporter": "Reporting it for someone else"}


class PartnerComplaint(Model):
    """A complaint made to a partner body (a council, a housing provider) and recorded there: an
    incident of the force where it happened, with what the partner entered about the
    complainant kept here. The force's person record may be one it held already, which the
    partner is never to learn, so their page shows these details, not the person's."""

    __tablename__ = "partner_complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), sa.ForeignKey("incidents.id"),
        unique=True)
    #: The partner body that recorded it (and to which the complaint was made)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    complainant_name: Mapped[str] = mapped_column(sa.String(200))
    complainant_dob: Mapped[date | None] = mapped_column(sa.Date)
    complainant_address: Mapped[str | None] = mapped_column(sa.String(300))
    complainant_postcode: Mapped[str | None] = mapped_column(sa.String(10))
    complainant_phone: Mapped[str | None] = mapped_column(sa.String(40))
    #: One of COMPLAINANT_ROLES
    complainant_role: Mapped[str] = mapped_column(sa.String(12))

    incident: Mapped[Incident] = relationship(lazy="joined")

    __table_args__ = (
        sa.CheckConstraint(one_of("complainant_role", COMPLAINANT_ROLES),
                           name="complainant_role"),
    )

    @property
    def complainant_role_label(self) -> str:
        return COMPLAINANT_ROLES[self.complainant_role]


class IncidentPerson(Model):
    """A person's part in an incident (victim, reporter...). The repeat-victim scan reads this
    table by (person, date), hence the denormalised occurred_dt, is_asb and same_as_id."""

    __tablename__ = "incident_people"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                    primary_key=True)
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incidents.id"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    role: Mapped[str] = mapped_column(sa.String(12))
    occurred_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    is_asb: Mapped[bool] = mapped_column(default=False)
    #: One of CALLER_TYPES
    caller_type: Mapped[str] = mapped_column(sa.String(12), default="public",
                                             server_default="public")
    #: The incident's same_as_id: the episode it belongs to when it is a second report
    same_as_id: Mapped[int | None] = mapped_column(sa.BigInteger().with_variant(sa.Integer,
                                                                                "sqlite"))

    incident: Mapped[Incident] = relationship(back_populates="people")
    person: Mapped[Person] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("incident_id", "person_id", "role"),
        sa.CheckConstraint(one_of("role", PERSON_ROLES), name="role"),
        sa.CheckConstraint(one_of("caller_type", CALLER_TYPES), name="caller_type"),
        sa.Index("ix_incident_people_person_id_occurred_dt", "person_id", "occurred_dt"),
    )

    @property
    def caller_type_label(self) -> str:
        return CALLER_TYPES[self.caller_type]


class CaseIncident(Model):
    __tablename__ = "case_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("problem_cases.id"))
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incidents.id"), index=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    incident: Mapped[Incident] = relationship(lazy="joined")

    __table_args__ = (sa.UniqueConstraint("case_id", "incident_id"),)


LINK_STATUSES = {"open": "To decide", "confirmed": "Same incident",
                 "rejected": "Different incidents"}


class SameIncidentLink(Model):
    """Two incidents that may be one episode reported twice (two calls minutes apart, or the
    police and the council told of the same event), proposed by sara.incidents.episodes for a
    person to confirm or reject. A pair is proposed once; a rejection is remembered."""

    __tablename__ = "same_incident_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    #: The later report of the pair, and the earlier (by time, then id)
    incident_id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                             sa.ForeignKey("incidents.id"))
    other_id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                          sa.ForeignKey("incidents.id"), index=True)
    #: Why it was proposed: ["same caller", "12 minutes apart"]
    reasons: Mapped[list] = mapped_column(sa.JSON)
    #: One of LINK_STATUSES
    status: Mapped[str] = mapped_column(sa.String(10), default="open")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    incident: Mapped[Incident] = relationship(foreign_keys=[incident_id], lazy="joined")
    other: Mapped[Incident] = relationship(foreign_keys=[other_id], lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("incident_id", "other_id"),
        sa.CheckConstraint(one_of("status", LINK_STATUSES), name="status"),
        sa.Index("ix_same_incident_links_queue", "organisation_id", "status"),
    )

    @property
    def summary(self) -> str:
        return "; ".join(self.reasons)

    @property
    def status_label(self) -> str:
        return LINK_STATUSES[self.status]


IMPORT_STATES = ("queued", "running", "done", "failed")


class IncidentImport(Model):
    """One import of a CSV file: its progress, outcome and error report."""

    __tablename__ = "incident_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    format: Mapped[str] = mapped_column(sa.String(10))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(sa.String(10), default="queued")
    skip_invalid: Mapped[bool] = mapped_column(default=False)
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_done: Mapped[int] = mapped_column(default=0)
    rows_imported: Mapped[int] = mapped_column(default=0)
    rows_duplicate: Mapped[int] = mapped_column(default=0)
    #: Crimes already there whose crime type a later publication changed
    rows_reclassified: Mapped[int] = mapped_column(default=0)
    rows_possible_duplicates: Mapped[int] = mapped_column(default=0)
    #: Proposed "same incident as" links, for a person to confirm
    rows_possible_same_incidents: Mapped[int] = mapped_column(default=0)
    #: [{"line": n, "column": name, "reason": text}, ...]
    errors: Mapped[list | None] = mapped_column(sa.JSON)
    #: Where an uploaded file waits for the worker (removed once imported)
    stored_path: Mapped[str | None] = mapped_column(sa.String(500))

    __table_args__ = (sa.CheckConstraint(one_of("state", IMPORT_STATES), name="state"),)
