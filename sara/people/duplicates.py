"""The queue of possible duplicates: pairs of profiles that may be one person, which the matching
rule (sara.people.matching, which also proposes them) would not link on its own, for a
supervisor to decide.

A pair is stored once (older profile first), so a pair marked "not the same person" is never
proposed again, by any import or form. Merging goes through the undoable merge
(sara.people.merge), which settles the pair and carries the merged profile's other proposals
over to the kept one. Functions flush; the caller commits.
"""

from __future__ import annotations

import sqlalchemy as sa

from sara.audit import service as audit
from sara.core.types import utcnow
from sara.extensions import db
from sara.people import merge as merging
from sara.people.models import Person, PossibleDuplicate
from sara.people.service import PersonError

#: The queue page lists this many pairs at a time, oldest first.
PAGE_SIZE = 25


def _open(organisation_id: int) -> sa.Select:
    live = sa.select(Person.id).where(Person.merged_into_id.is_(None)).scalar_subquery()
    return (sa.select(PossibleDuplicate)
            .where(PossibleDuplicate.organisation_id == organisation_id,
                   PossibleDuplicate.status == "open",
                   PossibleDuplicate.person_id.in_(live), PossibleDuplicate.other_id.in_(live)))


def open_duplicates(organisation_id: int, page: int = 1) -> list[PossibleDuplicate]:
    """The force's undecided pairs whose profiles are both still live, oldest first."""
    return list(db.session.scalars(
        _open(organisation_id).order_by(PossibleDuplicate.created_dt, PossibleDuplicate.id)
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))


def count_open(organisation_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(
        _open(organisation_id).subquery()))


def open_for(person: Person) -> list[PossibleDuplicate]:
    """The undecided pairs `person` is in (their page says so)."""
    return [d for d in db.session.scalars(
        _open(person.organisation_id).where(sa.or_(PossibleDuplicate.person_id == person.id,
                                                   PossibleDuplicate.other_id == person.id))
        .order_by(PossibleDuplicate.id))]


def _lock(duplicate: PossibleDuplicate) -> None:
    """Wait for anyone deciding the same pair, then read it afresh (the row alone is locked: its
    people are loaded by an outer join, which PostgreSQL will not lock)."""
    db.session.execute(sa.select(PossibleDuplicate.id)
                       .where(PossibleDuplicate.id == duplicate.id).with_for_update())
    db.session.refresh(duplicate)


def _check_open(duplicate: PossibleDuplicate) -> None:
    if duplicate.status != "open":
        raise PersonError("Someone has already decided about these two profiles")
    if duplicate.person.merged_into_id or duplicate.other.merged_into_id:
        raise PersonError("One of these profiles has since been merged into another")


def merge_duplicate(duplicate: PossibleDuplicate, actor):
    """They are one person: merge the newer profile into the older (undoable)."""
    _lock(duplicate)
    _check_open(duplicate)
    return merging.merge_people(duplicate.person, duplicate.other, actor)


def not_the_same(duplicate: PossibleDuplicate, actor) -> None:
    """They are different people: remembered, so the pair is never proposed again."""
    _lock(duplicate)
    _check_open(duplicate)
    duplicate.status = "different"
    duplicate.decided_dt = utcnow()
    duplicate.decided_by_id = actor.id
    db.session.flush()
    pair = f"{duplicate.person.reference} and {duplicate.other.reference}"
    for person in (duplicate.person, duplicate.other):
        audit.record("alteration", user=actor, record_type="person", record_ref=person.reference,
                     summary=f"Decided that {pair} are different people",
                     details={"possible_duplicate": duplicate.id,
                              "reasons": duplicate.reasons})
