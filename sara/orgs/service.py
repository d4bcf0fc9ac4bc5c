"""Organisations and neighbourhoods. Functions flush; the caller commits."""

from __future__ import annotations

import sqlalchemy as sa

from sara.core.rules import RuleError
from sara.extensions import db
from sara.orgs.models import ORG_KINDS, Neighbourhood, Organisation


class OrganisationError(RuleError):
    default_field = "name"


def find_organisation(name: str) -> Organisation | None:
    return db.session.scalar(
        sa.select(Organisation).where(sa.func.lower(Organisation.name) == name.strip().lower())
    )


def create_organisation(name: str, kind: str) -> Organisation:
    name = name.strip()
    if not name:
        raise OrganisationError("Enter the organisation's name")
    if kind not in ORG_KINDS:
        raise OrganisationError(f"Kind must be one of: {', '.join(ORG_KINDS)}", field="kind")
    if find_organisation(name):
        raise OrganisationError(f"An organisation called {name!r} already exists")
    organisation = Organisation(name=name, kind=kind)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def add_neighbourhood(organisation: Organisation, name: str) -> Neighbourhood:
    if not organisation.is_police:
        raise OrganisationError("Only police organisations have neighbourhood teams",
                                field="neighbourhood")
    if not name.strip():
        raise OrganisationError("Enter the neighbourhood's name", field="neighbourhood")
    if any(n.name.lower() == name.strip().lower() for n in organisation.neighbourhoods):
        raise OrganisationError(f"{organisation.name} already has a neighbourhood called {name!r}",
                                field="neighbourhood")
    neighbourhood = Neighbourhood(organisation=organisation, name=name.strip())
    db.session.add(neighbourhood)
    db.session.flush()
    return neighbourhood


def update_organisation(organisation: Organisation, name: str, kind: str) -> list[dict]:
    """Rename or re-kind an organisation; returns the changes made, for the audit log."""
    name = name.strip()
    if kind not in ORG_KINDS:
        raise OrganisationError(f"Kind must be one of: {', '.join(ORG_KINDS)}", field="kind")
    clash = find_organisation(name)
    if clash is not None and clash.id != organisation.id:
        raise OrganisationError(f"An organisation called {name!r} already exists")
    if organisation.kind == "police" and kind != "police" and organisation.neighbourhoods:
        raise OrganisationError("A force with neighbourhood teams must stay a police organisation",
                                field="kind")
    changes = []
    for field, new in (("name", name), ("kind", kind)):
        old = getattr(organisation, field)
        if old != new:
            changes.append({"field": field, "before": old, "after": new})
            setattr(organisation, field, new)
    db.session.flush()
    return changes


def list_organisations() -> list[Organisation]:
    return list(db.session.scalars(sa.select(Organisation).order_by(Organisation.name)))
