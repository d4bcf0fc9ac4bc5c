"""People on cases: adding them (new, or an existing profile when the duplicate rule finds one),
removing them, and what a person's page shows. Functions flush; the caller commits.

Timeline entries name people only by their reference: the timeline is shown to partners, and a
person's details follow the case's personal-details setting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from sara import policy
from sara.audit import service as audit
from sara.cases import service as case_service
from sara.cases.models import ProblemCase
from sara.core.references import clean_person_reference, person_reference
from sara.core.rules import RuleError
from sara.core.types import today
from sara.extensions import db
from sara.incidents.models import Incident, IncidentPerson
from sara.people import matching
from sara.people.models import (
    PERSON_ROLES,
    VULNERABILITIES,
    CasePerson,
    Person,
    PersonVulnerability,
)


class PersonError(RuleError):
    """A change the rules do not allow; the message says why, `field` where."""


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
    matching.fill_keys(person)
    db.session.add(person)
    link = CasePerson(case_id=case.id, person=person, role=role, created_by_id=actor.id)
    db.session.add(link)
    db.session.flush()
    # Whoever chose a new profile over the matches shown may be wrong: a supervisor decides.
    matching.propose_for(person)
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


# --- finding a profile by its reference --------------------------------------------------------

def get_person(organisation_id: int, reference: str | None) -> Person | None:
    """The organisation's profile with this reference, merged or not; None otherwise."""
    reference = clean_person_reference(reference)
    if reference is None:
        return None
    return db.session.scalar(sa.select(Person).where(Person.reference == reference,
                                                     Person.organisation_id == organisation_id))


# --- duplicates when adding a person -----------------------------------------------------------

@dataclass
class ProbableMatch:
    person: Person
    #: Why the duplicate rule matched, in words
    reasons: list[str] = field(default_factory=list)
    #: The roles this person already has on the case in hand
    roles_on_case: list[str] = field(default_factory=list)


def probable_duplicates(case: ProblemCase, values: dict) -> list[ProbableMatch]:
    """Existing profiles of the case's force that may be the person being added, by the
    matching rule (sara.people.matching), each with its evidence in words."""
    found = matching.candidates(
        case.organisation_id, name=values.get("name"), date_of_birth=values.get("date_of_birth"),
        phone=values.get("phone"), address=values.get("address"),
    )
    if not found:
        return []
    roles: dict[int, list[str]] = {}
    for person_id, role in db.session.execute(
        sa.select(CasePerson.person_id, CasePerson.role)
        .where(CasePerson.case_id == case.id,
               CasePerson.person_id.in_([e.person.id for e in found]))
        .order_by(CasePerson.role)
    ):
        roles.setdefault(person_id, []).append(role)
    return [ProbableMatch(person=e.person, reasons=e.reasons,
                          roles_on_case=roles.get(e.person.id, [])) for e in found]


def record_duplicates_shown(case: ProblemCase, actor, matches: list[ProbableMatch]) -> None:
    """Showing a probable duplicate shows their personal details: a consultation of each."""
    for match in matches:
        audit.record("consultation", user=actor, case=case, record_type="person",
                     record_ref=match.person.reference,
                     summary=f"Shown as a probable duplicate while adding a person to "
                             f"{case.reference}",
                     details={"reasons": match.reasons})


def add_existing_person_to_case(case: ProblemCase, actor, person: Person, role: str,
                                vulnerabilities: list[str] = ()) -> CasePerson:
    """Link a profile the force already holds, instead of creating a duplicate. Vulnerabilities
    ticked on the form are added to the profile (never removed: others may have recorded them)."""
    if role not in PERSON_ROLES:
        raise PersonError("Choose the person's part in the case", field="role")
    unknown = set(vulnerabilities) - set(VULNERABILITIES)
    if unknown:
        raise PersonError("Choose vulnerabilities from the list", field="vulnerabilities")
    if person.organisation_id != case.organisation_id:
        raise PersonError("There is no profile with that reference")
    if person.merged_into_id is not None:
        kept = db.session.get(Person, person.merged_into_id)
        raise PersonError(f"{person.reference} was merged into {kept.reference}: link that "
                          f"profile instead")
    already = db.session.scalar(sa.select(CasePerson.id).where(
        CasePerson.case_id == case.id, CasePerson.person_id == person.id,
        CasePerson.role == role))
    if already is not None:
        raise PersonError(f"{person.reference} is already linked to this case as "
                          f"{PERSON_ROLES[role].lower()}")
    added = sorted(set(vulnerabilities) - {v.kind for v in person.vulnerabilities})
    for kind in added:
        person.vulnerabilities.append(PersonVulnerability(kind=kind))
    link = CasePerson(case_id=case.id, person=person, role=role, created_by_id=actor.id)
    db.session.add(link)
    db.session.flush()
    case_service.record_event(
        case, actor, "person_linked",
        summary=f"Linked {person.reference} as {link.role_label.lower()}",
    )
    audit.record(
        "alteration", user=actor, case=case, record_type="person", record_ref=person.reference,
        summary=f"Linked the existing profile {person.reference} to {case.reference} as "
                f"{link.role_label.lower()}",
        details={"after": {"role": role, "vulnerabilities_added": added}},
    )
    return link


# --- what a person's page shows ----------------------------------------------------------------

def person_cases(person: Person, viewer) -> list[tuple[ProblemCase, list[CasePerson]]]:
    """The cases the person is linked to that `viewer` may see (the policy's case scope decides),
    each with the person's links to it, newest case first."""
    rows = db.session.execute(
        sa.select(CasePerson, ProblemCase).join(ProblemCase, ProblemCase.id == CasePerson.case_id)
        .where(CasePerson.person_id == person.id, policy.case_scope(viewer))
        .order_by(ProblemCase.created_dt.desc(), ProblemCase.id.desc(), CasePerson.role)
    ).all()
    grouped: dict[int, tuple[ProblemCase, list[CasePerson]]] = {}
    for link, case in rows:
        grouped.setdefault(case.id, (case, []))[1].append(link)
    return list(grouped.values())


def person_incidents(person: Person, viewer):
    """(IncidentPerson, Incident) for every incident the person is linked to that `viewer` may
    see, newest first."""
    return db.session.execute(
        sa.select(IncidentPerson, Incident)
        .join(Incident, Incident.id == IncidentPerson.incident_id)
        .where(IncidentPerson.person_id == person.id, policy.incident_scope(viewer))
        .order_by(Incident.occurred_dt.desc(), IncidentPerson.id)
    ).all()


