"""Merging two profiles of the same person, and undoing a merge exactly.

A merge moves every link of the merged profile (its cases, incidents and vulnerability flags) to
the kept profile, fills the details the kept profile lacks from the merged one, and marks the merged
profile as merged: it stays only as history, and lookups and duplicate checks no longer find it.

No link is ever lost. A link the kept profile already has (the same case or incident in the same
role, the same vulnerability) cannot move without breaking a unique constraint, so the merged
profile's copy is deleted and written into the merge record, and undo re-creates it with its old id.
Everything undo needs is in PersonMerge.record:

    {"kept": "PN-000001", "merged": "PN-000002",
     "details_before": {detail: value, ...},         the kept profile's details before the merge
     "filled": {detail: "PN-000002", ...},           which details came from the merged profile
     "moved": {"case_people": [ids], "incident_people": [ids], "vulnerabilities": [ids]},
     "removed": {same keys: [the deleted duplicate rows, column by column]}}

Functions flush; the caller commits. After the commit, the repeat-victim and case-review checks run
again for both people (sara.flags.checks).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from sara.asb_reviews.models import AsbReview
from sara.audit import service as audit
from sara.cases import service as case_service
from sara.cases.models import ProblemCase
from sara.core.sql import upsert_insert
from sara.core.types import utcnow
from sara.extensions import db
from sara.flags.checks import queue_person_checks
from sara.incidents.models import IncidentPerson
from sara.people.matching import fill_keys
from sara.people.models import (
    CasePerson,
    Person,
    PersonMerge,
    PersonVulnerability,
    PossibleDuplicate,
)
from sara.people.service import PersonError

#: The details a merge may fill in, with how the page names them
DETAILS = {"date_of_birth": "date of birth", "phone": "phone", "address": "address",
           "postcode": "postcode"}

#: Each kind of link: its model, and the columns that (with person_id) must stay unique
LINKS = {
    "case_people": (CasePerson, ("case_id", "role")),
    "incident_people": (IncidentPerson, ("incident_id", "role")),
    "vulnerabilities": (PersonVulnerability, ("kind",)),
    # Each application is the person's own: all of them move (no two are ever one).
    "asb_reviews": (AsbReview, ("id",)),
}


class MergeError(PersonError):
    pass


# --- checks and the preview --------------------------------------------------------------------

def check_mergeable(kept: Person, merged: Person | None) -> None:
    """Raise MergeError unless `merged` may be merged into `kept` now."""
    if merged is None or merged.organisation_id != kept.organisation_id:
        raise MergeError("There is no profile with that reference", field="other_reference")
    if merged.id == kept.id:
        raise MergeError("A profile cannot be merged into itself: enter the reference of the "
                         "other profile", field="other_reference")
    if merged.merged_into_id is not None:
        raise MergeError(f"{merged.reference} has already been merged into "
                         f"{_reference(merged.merged_into_id)}", field="other_reference")
    if kept.merged_into_id is not None:
        raise MergeError(f"{kept.reference} has been merged into "
                         f"{_reference(kept.merged_into_id)}: merge into that profile instead",
                         field="other_reference")


def planned_fills(kept: Person, merged: Person) -> list[str]:
    """The details the kept profile lacks and the merged one has. An address and a postcode
    describe one place, so the missing half is taken only when the other half is the same place."""
    fills = []
    if kept.date_of_birth is None and merged.date_of_birth is not None:
        fills.append("date_of_birth")
    if not kept.phone and merged.phone:
        fills.append("phone")
    if not kept.address and not kept.postcode:
        fills += [name for name in ("address", "postcode") if getattr(merged, name)]
    elif not kept.postcode and merged.postcode and kept.address_key == merged.address_key:
        fills.append("postcode")
    elif not kept.address and merged.address and kept.postcode_key == merged.postcode_key:
        fills.append("address")
    return fills


def link_counts(person: Person) -> dict[str, int]:
    return {
        key: db.session.scalar(sa.select(sa.func.count()).select_from(model)
                               .where(model.person_id == person.id))
        for key, (model, _) in LINKS.items()
    }


# --- merge -------------------------------------------------------------------------------------

def merge_people(kept: Person, merged: Person | None, actor) -> PersonMerge:
    """Merge `merged` into `kept`; returns the record that undoes it."""
    check_mergeable(kept, merged)
    _lock(kept, merged)
    check_mergeable(kept, merged)  # again, now that no one else can be merging them

    before = _details(kept)
    fills = planned_fills(kept, merged)
    for name in fills:
        setattr(kept, name, getattr(merged, name))
    fill_keys(kept)

    moved, removed = {}, {}
    for key, (model, unique) in LINKS.items():
        moved[key], removed[key] = _move_links(model, unique, merged.id, kept.id)
    merged.merged_into_id = kept.id
    merge = PersonMerge(
        kept_id=kept.id, merged_id=merged.id, merged_by_id=actor.id,
        record={"kept": kept.reference, "merged": merged.reference, "details_before": before,
                "filled": {name: merged.reference for name in fills},
                "moved": moved, "removed": removed},
    )
    db.session.add(merge)
    db.session.flush()
    _forget_loaded_links(kept, merged)
    _settle_duplicates(kept, merged, actor)

    summary = f"Merged {merged.reference} into {kept.reference}"
    details = {"merge": merge.id, "moved": {k: len(v) for k, v in moved.items()},
               "duplicates_removed": {k: len(v) for k, v in removed.items()},
               "filled": fills, "before": before}
    _record_everywhere(kept, merged, actor, "person_merged",
                       f"{summary} (two profiles of the same person)", summary, details)
    return merge


def _pair(a: Person, b: Person):
    return db.session.query(PossibleDuplicate).filter_by(person_id=min(a.id, b.id),
                                                         other_id=max(a.id, b.id))


def _settle_duplicates(kept: Person, merged: Person, actor) -> None:
    """A proposal of this pair is decided; the merged profile's undecided proposals with
    others become the kept profile's (a merge must not hide a possible duplicate)."""
    _pair(kept, merged).filter_by(status="open").update(
        {"status": "merged", "decided_dt": utcnow(), "decided_by_id": actor.id})
    pending = db.session.execute(
        sa.select(PossibleDuplicate.person_id, PossibleDuplicate.other_id,
                  PossibleDuplicate.reasons)
        .where(PossibleDuplicate.status == "open",
               sa.or_(PossibleDuplicate.person_id == merged.id,
                      PossibleDuplicate.other_id == merged.id))).all()
    rows = [{"organisation_id": kept.organisation_id, "person_id": min(kept.id, third),
             "other_id": max(kept.id, third), "reasons": reasons, "status": "open",
             "created_dt": utcnow()}
            for one, two, reasons in pending
            for third in [two if one == merged.id else one] if third != kept.id]
    if rows:
        db.session.execute(upsert_insert(PossibleDuplicate).values(rows)
                           .on_conflict_do_nothing(index_elements=["person_id", "other_id"]))


# --- undo --------------------------------------------------------------------------------------

def undo_blocker(merge: PersonMerge) -> str | None:
    """Why this merge cannot be undone now, or None. Merges into a profile are undone newest
    first, so that each undo finds the profile exactly as its merge left it."""
    if merge.undone_dt is not None:
        return "This merge has already been undone"
    kept, merged = db.session.get(Person, merge.kept_id), db.session.get(Person, merge.merged_id)
    if kept.merged_into_id is not None:
        return (f"{kept.reference} has since been merged into {_reference(kept.merged_into_id)}: "
                f"undo that merge first")
    if merged.merged_into_id != kept.id:
        return f"{merged.reference} is no longer merged into {kept.reference}"
    later = db.session.scalar(
        sa.select(PersonMerge).where(PersonMerge.kept_id == kept.id, PersonMerge.id > merge.id,
                                     PersonMerge.undone_dt.is_(None))
        .order_by(PersonMerge.id.desc()).limit(1))
    if later is not None:
        return f"Undo the later merge of {later.record['merged']} into {kept.reference} first"
    return None


def undo_merge(merge: PersonMerge, actor) -> None:
    kept, merged = db.session.get(Person, merge.kept_id), db.session.get(Person, merge.merged_id)
    _lock(kept, merged)
    db.session.refresh(merge, with_for_update=True)
    blocker = undo_blocker(merge)
    if blocker:
        raise MergeError(blocker)
    record = merge.record

    missing = {}
    for key, (model, unique) in LINKS.items():
        ids = record["moved"].get(key, [])
        back = _ids_still_on(model, ids, kept.id)
        _refuse_clashes(model, unique, back, merged)
        if back:
            db.session.execute(sa.update(model).where(model.id.in_(back))
                               .values(person_id=merged.id))
        missing[key] = sorted(set(ids) - set(back))
        for row in record["removed"].get(key, []):
            _recreate(model, row, merged.id)

    for name in record["filled"]:
        setattr(kept, name, _parse_detail(name, record["details_before"].get(name)))
    fill_keys(kept)
    merged.merged_into_id = None
    _pair(kept, merged).filter_by(status="merged").update(
        {"status": "open", "decided_dt": None, "decided_by_id": None})
    merge.undone_dt = utcnow()
    merge.undone_by_id = actor.id
    db.session.flush()
    _forget_loaded_links(kept, merged)

    summary = f"Undid the merge of {merged.reference} into {kept.reference}"
    links = {k: len(v) for k, v in record["moved"].items()}
    details = {"merge": merge.id,
               "restored": {"details": sorted(record["filled"]), "links": links}}
    if any(missing.values()):
        # Links removed by someone after the merge stay removed; say so rather than revive them.
        details["no_longer_exist"] = {k: v for k, v in missing.items() if v}
    _record_everywhere(kept, merged, actor, "person_merge_undone", summary, summary, details)


# --- what the person page shows ----------------------------------------------------------------

def provenance(person: Person) -> dict[str, tuple[str, datetime]]:
    """detail -> (reference of the profile it came from, when that merge happened)."""
    result = {}
    for merge in db.session.scalars(
        sa.select(PersonMerge).where(PersonMerge.kept_id == person.id,
                                     PersonMerge.undone_dt.is_(None)).order_by(PersonMerge.id)
    ):
        for name, source in (merge.record or {}).get("filled", {}).items():
            result[name] = (source, merge.merged_dt)
    return result


def merges_into(person: Person) -> list[PersonMerge]:
    return list(db.session.scalars(
        sa.select(PersonMerge).where(PersonMerge.kept_id == person.id)
        .order_by(PersonMerge.id.desc())))


def merged_into(person: Person) -> tuple[Person, PersonMerge] | None:
    """For a merged profile: the profile it now lives on, and the merge."""
    if person.merged_into_id is None:
        return None
    merge = db.session.scalar(
        sa.select(PersonMerge).where(PersonMerge.merged_id == person.id,
                                     PersonMerge.undone_dt.is_(None))
        .order_by(PersonMerge.id.desc()).limit(1))
    return db.session.get(Person, person.merged_into_id), merge


# --- helpers -----------------------------------------------------------------------------------

def _reference(person_id: int) -> str:
    return db.session.scalar(sa.select(Person.reference).where(Person.id == person_id))


def _lock(*people: Person) -> None:
    """Lock both profiles (in id order, so two merges never deadlock) and re-read them."""
    db.session.scalars(
        sa.select(Person).where(Person.id.in_([p.id for p in people])).order_by(Person.id)
        .with_for_update().execution_options(populate_existing=True)
    ).all()


def _details(person: Person) -> dict:
    return {name: _dump(getattr(person, name)) for name in DETAILS}


def _dump(value):
    return value.isoformat() if isinstance(value, date | datetime) else value


def _parse_detail(name: str, value):
    if name == "date_of_birth" and value is not None:
        return date.fromisoformat(value)
    return value


def _row(obj) -> dict:
    """A link row, column by column, as JSON."""
    return {column.key: _dump(getattr(obj, column.key))
            for column in sa.inspect(type(obj)).columns if column.key != "person_id"}


def _move_links(model, unique: tuple[str, ...], from_id: int, to_id: int) -> tuple[list, list]:
    """Move every `model` row of one person to another; rows the other already has (by `unique`)
    are deleted and returned whole instead. Returns (moved ids, removed rows)."""
    keys = [getattr(model, column) for column in unique]
    theirs = {tuple(row) for row in db.session.execute(sa.select(*keys)
                                                       .where(model.person_id == to_id))}
    moved, removed = [], []
    for obj in db.session.scalars(sa.select(model).where(model.person_id == from_id)
                                  .order_by(model.id)):
        if tuple(getattr(obj, column) for column in unique) in theirs:
            removed.append(_row(obj))
        else:
            moved.append(obj.id)
    if removed:
        db.session.execute(sa.delete(model).where(model.id.in_([r["id"] for r in removed])))
    if moved:
        db.session.execute(sa.update(model).where(model.id.in_(moved)).values(person_id=to_id))
    return moved, removed


def _ids_still_on(model, ids: list[int], person_id: int) -> list[int]:
    if not ids:
        return []
    return sorted(db.session.scalars(sa.select(model.id).where(model.id.in_(ids),
                                                               model.person_id == person_id)))


def _refuse_clashes(model, unique, ids: list[int], merged: Person) -> None:
    """A link given to the merged profile after the merge (an import racing it) could clash."""
    if not ids:
        return
    keys = [getattr(model, column) for column in unique]
    going_back = {tuple(row) for row in db.session.execute(sa.select(*keys)
                                                           .where(model.id.in_(ids)))}
    there = {tuple(row) for row in db.session.execute(sa.select(*keys)
                                                      .where(model.person_id == merged.id))}
    if going_back & there:
        raise MergeError(f"{merged.reference} has been given links since the merge that clash "
                         f"with the ones it would get back; it cannot be undone automatically")


def _recreate(model, row: dict, person_id: int) -> None:
    """Put a deleted duplicate back, under its old id unless that has been issued again."""
    values = {}
    for column in sa.inspect(model).columns:
        if column.key in row:
            value = row[column.key]
            if isinstance(value, str) and _is_datetime(column.type):
                value = datetime.fromisoformat(value)
            values[column.key] = value
    if db.session.scalar(sa.select(model.id).where(model.id == values["id"])) is not None:
        del values["id"]
    db.session.add(model(person_id=person_id, **values))
    db.session.flush()


def _is_datetime(type_) -> bool:
    if isinstance(type_, sa.types.TypeDecorator):
        type_ = type_.impl_instance
    return isinstance(type_, sa.DateTime)


def _forget_loaded_links(*people: Person) -> None:
    """The links were moved by SQL statements: reload anything that had them in memory."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, CasePerson | IncidentPerson | PersonVulnerability):
            db.session.expire(obj)
    for person in people:
        db.session.expire(person, ["vulnerabilities"])


def _affected_cases(*people: Person) -> list[ProblemCase]:
    return list(db.session.scalars(
        sa.select(ProblemCase).where(ProblemCase.id.in_(
            sa.select(CasePerson.case_id).where(CasePerson.person_id.in_([p.id for p in people]))
        )).order_by(ProblemCase.id)))


def _record_everywhere(kept: Person, merged: Person, actor, event_kind: str, timeline_text: str,
                       summary: str, details: dict) -> None:
    """Timeline entries on every case either profile is on (by reference only: partners read
    timelines), an audit row for each profile, and fresh flag checks for both after the commit."""
    for case in _affected_cases(kept, merged):
        case_service.record_event(case, actor, event_kind, summary=timeline_text)
    for person in (kept, merged):
        audit.record("alteration", user=actor, record_type="person", record_ref=person.reference,
                     summary=summary, details=details)
    db.session.flush()
    queue_person_checks({kept.id, merged.id})
