"""Recording incidents and running imports. Functions flush; callers commit."""

from __future__ import annotations

import sqlalchemy as sa

from sara.audit import service as audit
from sara.core.types import utcnow
from sara.extensions import db
from sara.incidents import importer
from sara.incidents.models import CaseIncident, Incident, IncidentPerson
from sara.orgs.models import Organisation


class IncidentError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def importing_organisation(name: str | None) -> Organisation:
    """The police force incidents are imported for: the one named, or the only one there is."""
    query = sa.select(Organisation).where(Organisation.kind == "police")
    if name:
        query = query.where(sa.func.lower(Organisation.name) == name.strip().lower())
    forces = db.session.scalars(query).all()
    if len(forces) != 1:
        raise IncidentError(
            f"No police organisation called {name!r}" if name else
            "Name the police organisation with --org: there is more than one, or none")
    return forces[0]


def import_incidents(path, fmt: str, organisation: Organisation, *, skip_invalid: bool = False,
                     import_row=None, progress=None) -> importer.ImportResult:
    result = importer.import_file(path, fmt, organisation.id, skip_invalid=skip_invalid,
                                  import_row=import_row, progress=progress)
    if result.touched_person_ids:
        from sara.flags.checks import queue_person_checks

        queue_person_checks(result.touched_person_ids)
    return result


def record_incident(organisation, actor, values: dict, people: list[tuple] = (),
                    source: str = "form") -> Incident:
    """Record one incident (from the form or the API) with the people involved. The repeat-victim
    and case-review checks for those people run in Celery as soon as this commits."""
    from sara.core.references import next_number

    if not (values.get("category") or "").strip():
        raise IncidentError("Enter the category", field="category")
    occurred = values.get("occurred_dt")
    if occurred is None:
        raise IncidentError("Enter when it happened", field="occurred_dt")
    if occurred > utcnow():
        raise IncidentError("When it happened must be in the past", field="occurred_dt")
    incident = Incident(
        source=source, source_key=values.get("source_key") or f"SARA-{next_number('incident'):07d}",
        organisation_id=organisation.id, occurred_dt=occurred, occurred_precision="exact",
        category=values["category"].strip(), is_asb=bool(values.get("is_asb")),
        location_text=(values.get("location_text") or "").strip(),
        postcode=values.get("postcode") or None, latitude=values.get("latitude"),
        longitude=values.get("longitude"), lsoa_code=values.get("lsoa_code") or None,
        description=(values.get("description") or "").strip(),
    )
    db.session.add(incident)
    db.session.flush()
    for person, role in people:
        db.session.add(IncidentPerson(incident_id=incident.id, person_id=person.id, role=role,
                                      occurred_dt=incident.occurred_dt, is_asb=incident.is_asb))
    db.session.flush()
    audit.record("alteration", user=actor, record_type="incident",
                 record_ref=incident.source_key,
                 summary=f"Recorded incident {incident.source_key} ({incident.category})")
    if people:
        from sara.flags.checks import queue_person_checks

        queue_person_checks({person.id for person, _ in people})
    return incident


def link_incident(case, actor, incident: Incident) -> bool:
    """Link an incident to a case; False if it already was."""
    exists = db.session.scalar(sa.select(CaseIncident.id).where(
        CaseIncident.case_id == case.id, CaseIncident.incident_id == incident.id))
    if exists:
        return False
    db.session.add(CaseIncident(case_id=case.id, incident_id=incident.id, created_by_id=actor.id))
    db.session.flush()
    from sara.cases import service as case_service

    case_service.record_event(case, actor, "incident_linked",
                              summary=f"Linked incident {incident.source_key} "
                                      f"({incident.category}, {incident.occurred_dt:%d %b %Y})")
    person_ids = db.session.scalars(sa.select(IncidentPerson.person_id).where(
        IncidentPerson.incident_id == incident.id)).all()
    if person_ids:
        from sara.flags.checks import queue_person_checks

        queue_person_checks(set(person_ids))
    return True
