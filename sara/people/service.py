"""Adding people to cases and removing them. Functions flush; the caller commits.

Timeline entries name people only by their reference: the timeline is shown to partners, and a
person's details follow the case's personal-details setting.
"""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa

from sara.audit import service as audit
from sara.cases import service as case_service
from sara.cases.models import ProblemCase
from sara.core.references import person_reference
from sara.core.types import today
from sara.extensions import db
from sara.people.matching import fill_keys
from sara.people.models import (
    PERSON_ROLES,
    VULNERABILITIES,
    CasePerson,
    Person,
    PersonVulnerability,
)


class PersonError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$")


def normalise_postcode(value: str | None) -> str | None:
    """`ln1 1aa` -> `LN1 1AA`; raises PersonError for something that is not a UK postcode."""
    if not value or not value.strip():
        return None
    match = _POSTCODE.match(value.strip().upper())
    if not match:
        raise PersonError("Enter a real UK postcode, like LN1 1AA", field="postcode")
    return f"{match.group(1)} {match.group(2)}"


def case_people(case: ProblemCase) -> list[CasePerson]:
    return list(
        db.session.scalars(
            sa.select(CasePerson).where(CasePerson.case_id == case.id).order_by(CasePerson.id)
        )
    )


def role_counts(case: ProblemCase) -> dict[str, int]:
    """How many people the case has in each role: what partners see when details are withheld."""
    rows = db.session.execute(
        sa.select(CasePerson.role, sa.func.count())
        .where(CasePerson.case_id == case.id)
        .group_by(CasePerson.role)
    ).all()
    return {role: count for role, count in rows}


def add_person_to_case(case: ProblemCase, actor, values: dict, role: str,
                       vulnerabilities: list[str]) -> CasePerson:
    if role not in PERSON_ROLES:
        raise PersonError("Choose the person's part in the case", field="role")
    unknown = set(vulnerabilities) - set(VULNERABILITIES)
    if unknown:
        raise PersonError("Choose vulnerabilities from the list", field="vulnerabilities")
    if not (values.get("name") or "").strip():
        raise PersonError("Enter the person's name", field="name")
    born = values.get("date_of_birth")
    if born is not None and not (date(1900, 1, 1) <= born <= today()):
        raise PersonError("Enter a date of birth in the past", field="date_of_birth")
    person = Person(
        reference=person_reference(),
        organisation_id=case.organisation_id,
        name=values["name"].strip(),
        date_of_birth=values.get("date_of_birth"),
        phone=(values.get("phone") or "").strip() or None,
        address=(values.get("address") or "").strip() or None,
        postcode=normalise_postcode(values.get("postcode")),
        created_by_id=actor.id,
        vulnerabilities=[PersonVulnerability(kind=kind) for kind in sorted(set(vulnerabilities))],
    )
    fill_keys(person)
    db.session.add(person)
    link = CasePerson(case_id=case.id, person=person, role=role, created_by_id=actor.id)
    db.session.add(link)
    db.session.flush()
    case_service.record_event(
        case, actor, "person_linked",
        summary=f"Linked {person.reference} as {link.role_label.lower()}",
    )
    audit.record(
        "alteration", user=actor, case=case, record_type="person", record_ref=person.reference,
        summary=f"Added {person.reference} to {case.reference} as {link.role_label.lower()}",
        details={"after": {"name": person.name, "role": role,
                           "vulnerabilities": sorted(set(vulnerabilities))}},
    )
    return link


def unlink_person(case: ProblemCase, actor, link_id: int) -> None:
    link = db.session.scalar(
        sa.select(CasePerson).where(CasePerson.id == link_id, CasePerson.case_id == case.id)
    )
    if link is None:
        raise PersonError("That person is no longer linked to the case")
    reference, role = link.person.reference, link.role_label.lower()
    db.session.delete(link)
    db.session.flush()
    case_service.record_event(case, actor, "person_unlinked",
                              summary=f"Removed {reference} ({role}) from the case")
    audit.record("alteration", user=actor, case=case, record_type="person", record_ref=reference,
                 summary=f"Removed {reference} ({role}) from {case.reference}",
                 details={"before": {"role": role}})
