"""Organisations and neighbourhoods. Functions flush; the caller commits."""

from __future__ import annotations

import sqlalchemy as sa

from sara.extensions import db
from sara.orgs.models import ORG_KINDS, Neighbourhood, Organisation


class OrganisationError(ValueError):
    pass


def find_organisation(name: str) -> Organisation | None:
    return db.session.scalar(
        sa.select(Organisation).where(sa.func.lower(Organisation.name) == name.strip().lower())
    )


def create_organisation(name: str, kind: str) -> Organisation:
    name = name.strip()
    if not name:
        raise OrganisationError("Enter the organisation's name")
    if kind not in ORG_KINDS:
        raise OrganisationError(f"Kind must be one of: {', '.join(ORG_KINDS)}")
    if find_organisation(name):
        raise OrganisationError(f"An organisation called {name!r} already exists")
    organisation = Organisation(name=name, kind=kind)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def add_neighbourhood(organisation: Organisation, name: str) -> Neighbourhood:
    if not organisation.is_police:
        raise OrganisationError("Only police organisations have neighbourhood teams")
    neighbourhood = Neighbourhood(organisation=organisation, name=name.strip())
    db.session.add(neighbourhood)
    db.session.flush()
    return neighbourhood
