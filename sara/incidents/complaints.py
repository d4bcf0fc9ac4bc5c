"""Complaints made to a partner body (a council, a housing provider, a health body) and recorded
there, for the ASB case review (ASB, Crime and Policing Act 2014 s.104): complaints to any
relevant body count towards its threshold.

A complaint becomes an incident of the police force where the behaviour happened, reported to the
partner's organisation, with the complainant as a person of that force. The force's person is
reused only when the matching rule (sara.people.matching) is certain; otherwise a new profile is
made and any weaker matches are proposed to the force as possible duplicates. Either way the
partner is told the same thing and sees only what they entered (PartnerComplaint), never the
force's record. Functions flush; the request's unit of work commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa

from sara import policy
from sara.core.references import person_reference
from sara.core.types import local_zone, today, utcnow
from sara.extensions import db
from sara.incidents.models import COMPLAINANT_ROLES, Incident, PartnerComplaint
from sara.incidents.service import IncidentError, record_incident
from sara.orgs.models import Organisation
from sara.people import matching
from sara.people.models import Person
from sara.people.service import PersonError, normalise_postcode

PAGE_SIZE = 50
#: Pages past this are empty anyway, and keep the offset within what any database accepts.
MAX_PAGE = 10_000


def police_forces() -> list[tuple[int, str]]:
    """(id, name) of the police force areas a complaint may be about, by name."""
    return [(id_, name) for id_, name in db.session.execute(
        sa.select(Organisation.id, Organisation.name).where(Organisation.kind == "police")
        .order_by(Organisation.name))]


def reported_moment(occurred: datetime | None, reported: date) -> datetime:
    """When a complaint made on `reported` was made, for the one-month rule: the moment of the
    behaviour if that was the same day (UK time), else the start of that day."""
    start = datetime.combine(reported, time(0, 0), tzinfo=local_zone())
    if occurred is not None and occurred.astimezone(local_zone()).date() == reported:
        return max(start, occurred)
    return start


def _force(force_id) -> Organisation:
    force = db.session.get(Organisation, force_id) if policy.is_an_id(force_id) else None
    if force is None or not force.is_police:
        raise IncidentError("Choose the police force area it happened in", field="force_id")
    return force


def _text(values: dict, name: str) -> str | None:
    return (values.get(name) or "").strip() or None


def _checked(values: dict) -> dict:
    """The complaint's own rules (the incident's are record_incident's)."""
    occurred = values.get("occurred_dt")
    reported = values.get("reported_date")
    if reported is None:
        raise IncidentError("Enter the date the complaint was made", field="reported_date")
    if reported > today():
        raise IncidentError("The date the complaint was made must be today or in the past",
                            field="reported_date")
    if occurred is not None and reported < occurred.astimezone(local_zone()).date():
        raise IncidentError("The date the complaint was made must be the same as or after the "
                            "date the behaviour happened", field="reported_date")
    if not _text(values, "location_text"):
        raise IncidentError("Enter where it happened", field="location_text")
    name = _text(values, "complainant_name")
    if not name:
        raise IncidentError("Enter the complainant's name", field="complainant_name")
    born = values.get("complainant_dob")
    if born is not None and not (date(1900, 1, 1) <= born <= today()):
        raise IncidentError("Enter a date of birth in the past", field="complainant_dob")
    if values.get("complainant_role") not in COMPLAINANT_ROLES:
        raise IncidentError("Choose whether the complainant is the victim or reporting it for "
                            "someone else", field="complainant_role")
    try:
        postcode = normalise_postcode(values.get("complainant_postcode"))
    except PersonError as error:
        raise IncidentError(error.message, field="complainant_postcode") from None
    return {"name": name, "date_of_birth": born, "phone": _text(values, "complainant_phone"),
            "address": _text(values, "complainant_address"), "postcode": postcode,
            "role": values["complainant_role"]}


def _complainant(force: Organisation, actor, details: dict) -> Person:
    """The force's person the matching rule is certain of, or a new one (the force's duplicate
    queue then offers any weaker matches)."""
    identity = {key: details[key] for key in ("name", "date_of_birth", "phone", "address")}
    match = matching.find_person(force.id, **identity)
    if match.person is not None:
        return match.person
    person = Person(reference=person_reference(), organisation_id=force.id,
                    postcode=details["postcode"], created_by_id=actor.id, **identity)
    matching.fill_keys(person)
    db.session.add(person)
    db.session.flush()
    matching.propose(person, match.possible)
    return person


def record_complaint(actor, values: dict) -> PartnerComplaint:
    """Record a complaint made to `actor`'s organisation. `values`: force_id, occurred_dt,
    reported_date, category, location_text, postcode, description, and the complainant's
    complainant_name, complainant_dob, complainant_address, complainant_postcode,
    complainant_phone and complainant_role (one of COMPLAINANT_ROLES). Raises IncidentError,
    with the field, for what is wrong; nothing is kept then."""
    if not policy.can_record_complaints(actor):
        raise IncidentError("Only a partner organisation's staff record complaints made to it")
    force = _force(values.get("force_id"))
    details = _checked(values)
    occurred = values.get("occurred_dt")
    incident_values = {
        "occurred_dt": occurred,
        "reported_dt": reported_moment(occurred, values["reported_date"]),
        "reported_to_id": actor.organisation_id,
        "category": values.get("category"),
        "is_asb": True,
        "location_text": values.get("location_text"),
        "postcode": values.get("postcode") or None,
        "description": values.get("description") or "",
    }
    # The incident's own checks first, so a bad date makes no person.
    if not (incident_values["category"] or "").strip():
        raise IncidentError("Enter the category", field="category")
    if occurred is None:
        raise IncidentError("Enter when it happened", field="occurred_dt")
    if occurred > utcnow():
        raise IncidentError("When it happened must be in the past", field="occurred_dt")
    person = _complainant(force, actor, details)
    incident = record_incident(force, actor, incident_values,
                               [(person, details["role"], "public")], source="partner")
    complaint = PartnerComplaint(
        incident_id=incident.id, organisation_id=actor.organisation_id, created_by_id=actor.id,
        complainant_name=details["name"], complainant_dob=details["date_of_birth"],
        complainant_address=details["address"], complainant_postcode=details["postcode"],
        complainant_phone=details["phone"], complainant_role=details["role"])
    db.session.add(complaint)
    db.session.flush()
    return complaint


@dataclass
class ComplaintRow:
    complaint: PartnerComplaint
    force: str

    @property
    def incident(self) -> Incident:
        return self.complaint.incident


def complaints_of(user, page: int = 1,
                  per_page: int = PAGE_SIZE) -> tuple[list[ComplaintRow], int]:
    """The complaints `user`'s organisation recorded, the latest behaviour first, with the force
    of each: one statement for the page, one for the total."""
    page = min(max(page, 1), MAX_PAGE)
    query = (policy.visible_complaints(user)
             .join(Organisation, Organisation.id == Incident.organisation_id)
             .add_columns(Organisation.name)
             .order_by(Incident.occurred_dt.desc(), Incident.id.desc())
             .offset((page - 1) * per_page).limit(per_page))
    rows = [ComplaintRow(complaint, force) for complaint, force in db.session.execute(query)]
    total = db.session.scalar(sa.select(sa.func.count()).select_from(
        policy.visible_complaints(user).subquery())) or 0
    return rows, total


def force_name(complaint: PartnerComplaint) -> str:
    return db.session.get_one(Organisation, complaint.incident.organisation_id).name
