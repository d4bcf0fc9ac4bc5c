"""One episode reported twice: "same incident as" links.

The same event is often reported more than once: a caller rings again ten minutes later, or the
police and the council are both told of it. Every rule (sara.flags.scan) counts an episode once:
a second report points at the episode's first report (Incident.same_as_id, copied to its people
as IncidentPerson.same_as_id), and the rules count first reports.

Links are proposed automatically when two incidents of one force, both ASB or both crime, with
an exact time (not data.police.uk's months), were reported within the force's "same_incident"
window (a rule setting, 60 minutes by default) by the same person or about the same place (the
same postcode, or the same location text). Nothing counts as one episode until a person
confirms it; a rejected pair is never proposed again. Someone may also record a link by hand.
Functions flush; the caller commits.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from sara.audit import service as audit
from sara.core.rules import RuleError
from sara.core.sql import json_array, plus_minutes, upsert_insert
from sara.core.types import utcnow
from sara.extensions import db
from sara.flags.checks import queue_person_checks
from sara.flags.rules import rule_value
from sara.incidents.models import Incident, IncidentPerson, SameIncidentLink

#: The queue page lists this many pairs at a time, oldest first.
PAGE_SIZE = 25


class EpisodeError(RuleError):
    """A link the rules do not allow; the message says why."""


def _root(incident):
    """SQL: the episode (its first report's id) of an incident row."""
    return sa.func.coalesce(incident.same_as_id, incident.id)


def _place(column):
    return sa.func.lower(sa.func.replace(sa.func.trim(column), " ", ""))


def propose_for(incident_ids) -> int:
    """Propose a link between each of these incidents and every other of its force's that may
    be the same episode; returns how many pairs are new. One INSERT ... SELECT; a pair already
    proposed (whatever was decided) is skipped."""
    ids = list(incident_ids)
    if not ids:
        return 0
    a, b = aliased(Incident), aliased(Incident)
    pa, pb = aliased(IncidentPerson), aliased(IncidentPerson)
    minutes = rule_value("same_incident", "window_minutes", a.organisation_id)
    same_caller = sa.exists().where(pa.incident_id == a.id, pb.incident_id == b.id,
                                    pb.person_id == pa.person_id)
    same_place = sa.or_(
        sa.and_(sa.func.coalesce(a.postcode, "") != "", _place(a.postcode) == _place(b.postcode)),
        sa.and_(sa.func.trim(a.location_text) != "",
                sa.func.lower(sa.func.trim(a.location_text))
                == sa.func.lower(sa.func.trim(b.location_text))),
    )
    a_later = sa.or_(a.occurred_dt > b.occurred_dt,
                     sa.and_(a.occurred_dt == b.occurred_dt, a.id > b.id))
    pairs = (
        sa.select(
            a.organisation_id,
            sa.case((a_later, a.id), else_=b.id).label("incident_id"),
            sa.case((a_later, b.id), else_=a.id).label("other_id"),
            sa.case((sa.and_(same_caller, same_place), json_array("same caller", "same place")),
                    (same_caller, json_array("same caller")),
                    else_=json_array("same place")).label("reasons"),
            sa.literal("open").label("status"),
            sa.literal(utcnow(), type_=SameIncidentLink.created_dt.type).label("created_dt"),
        )
        .join(b, sa.and_(b.organisation_id == a.organisation_id, b.id != a.id))
        # data.police.uk rows give only the month and an anonymised place: never proposed.
        .where(a.id.in_(ids), a.occurred_precision == "exact", b.occurred_precision == "exact",
               b.is_asb == a.is_asb, _root(a) != _root(b),
               b.occurred_dt >= plus_minutes(a.occurred_dt, -minutes),
               b.occurred_dt <= plus_minutes(a.occurred_dt, minutes),
               sa.or_(same_caller, same_place))
    )
    # A pair found from both of its incidents comes twice (no DISTINCT: PostgreSQL cannot
    # compare JSON); ON CONFLICT DO NOTHING keeps one.
    insert = (upsert_insert(SameIncidentLink)
              .from_select(["organisation_id", "incident_id", "other_id", "reasons", "status",
                            "created_dt"], pairs)
              .on_conflict_do_nothing(index_elements=["incident_id", "other_id"])
              .returning(SameIncidentLink.id))
    return len(db.session.execute(insert).scalars().all())


def _open(organisation_id: int) -> sa.Select:
    a, b = aliased(Incident), aliased(Incident)
    return (sa.select(SameIncidentLink)
            .join(a, a.id == SameIncidentLink.incident_id)
            .join(b, b.id == SameIncidentLink.other_id)
            .where(SameIncidentLink.organisation_id == organisation_id,
                   SameIncidentLink.status == "open",
                   # Linked since by another pair: nothing left to decide.
                   _root(a) != _root(b)))


def open_proposals(organisation_id: int, page: int = 1) -> list[SameIncidentLink]:
    """The force's undecided pairs, oldest first."""
    return list(db.session.scalars(
        _open(organisation_id).order_by(SameIncidentLink.created_dt, SameIncidentLink.id)
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))


def count_open(organisation_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(
        _open(organisation_id).subquery())) or 0


def reports_of(incident: Incident) -> list[Incident]:
    """The other reports of the incident's episode, oldest first."""
    root = incident.same_as_id or incident.id
    return list(db.session.scalars(
        sa.select(Incident).where(sa.or_(Incident.id == root, Incident.same_as_id == root),
                                  Incident.id != incident.id)
        .order_by(Incident.occurred_dt, Incident.id)))


def _lock(link: SameIncidentLink) -> None:
    db.session.execute(sa.select(SameIncidentLink.id)
                       .where(SameIncidentLink.id == link.id).with_for_update())
    db.session.refresh(link)


def _check_open(link: SameIncidentLink) -> None:
    if link.status != "open":
        raise EpisodeError("Someone has already decided about these two incidents")


def _join_episodes(first: Incident, second: Incident) -> None:
    """Make the two incidents' episodes one, whose first report is the earlier episode's."""
    db.session.flush()
    roots = [db.session.get_one(Incident, i.same_as_id or i.id) for i in (first, second)]
    keep, fold = sorted(roots, key=lambda i: (i.occurred_dt, i.id))
    if keep.id == fold.id:
        return
    moved = list(db.session.scalars(sa.select(Incident.id).where(
        sa.or_(Incident.id == fold.id, Incident.same_as_id == fold.id))))
    db.session.execute(sa.update(Incident).where(Incident.id.in_(moved))
                       .values(same_as_id=keep.id).execution_options(synchronize_session=False))
    db.session.execute(sa.update(IncidentPerson).where(IncidentPerson.incident_id.in_(moved))
                       .values(same_as_id=keep.id)
                       .execution_options(synchronize_session=False))
    for incident in (first, second, keep, fold):
        db.session.refresh(incident)
    # The people's flags are counted again with the episode once.
    queue_person_checks(db.session.scalars(sa.select(IncidentPerson.person_id).where(
        IncidentPerson.incident_id.in_([keep.id, *moved]))))


def confirm(link: SameIncidentLink, actor) -> None:
    """The two are one episode: every rule counts it once from now on."""
    _lock(link)
    _check_open(link)
    _join_episodes(link.other, link.incident)
    link.status, link.decided_dt, link.decided_by_id = "confirmed", utcnow(), actor.id
    _audit(actor, link, "Confirmed that {a} and {b} are the same incident")
    db.session.flush()


def reject(link: SameIncidentLink, actor) -> None:
    """Two different incidents: remembered, so the pair is never proposed again."""
    _lock(link)
    _check_open(link)
    link.status, link.decided_dt, link.decided_by_id = "rejected", utcnow(), actor.id
    _audit(actor, link, "Recorded that {a} and {b} are different incidents")
    db.session.flush()


def record_same(incident: Incident, other: Incident, actor) -> SameIncidentLink:
    """A link recorded by hand: `incident` is a report of the same episode as `other`."""
    if other.id == incident.id:
        raise EpisodeError("An incident cannot be a second report of itself",
                           field="reference")
    if other.organisation_id != incident.organisation_id:
        raise EpisodeError(f"There is no incident {other.reference} in this force",
                           field="reference")
    if (other.same_as_id or other.id) == (incident.same_as_id or incident.id):
        raise EpisodeError(f"{incident.reference} is already recorded as the same incident as "
                           f"{other.reference}", field="reference")
    later, earlier = sorted((incident, other), key=lambda i: (i.occurred_dt, i.id),
                            reverse=True)
    link = db.session.scalar(sa.select(SameIncidentLink).where(
        SameIncidentLink.incident_id == later.id, SameIncidentLink.other_id == earlier.id))
    if link is None:
        link = SameIncidentLink(organisation_id=incident.organisation_id, incident_id=later.id,
                                other_id=earlier.id, reasons=["recorded by hand"])
        db.session.add(link)
        db.session.flush()
    _join_episodes(earlier, later)
    link.status, link.decided_dt, link.decided_by_id = "confirmed", utcnow(), actor.id
    _audit(actor, link, "Recorded that {a} and {b} are the same incident")
    db.session.flush()
    return link


def _audit(actor, link: SameIncidentLink, summary: str) -> None:
    audit.record("alteration", user=actor, record_type="incident",
                 record_ref=link.incident.reference,
                 summary=summary.format(a=link.incident.reference, b=link.other.reference),
                 details={"incident": link.incident.reference,
                          "same_as": link.other.reference, "decision": link.status})
