"""The flag rules as set-based SQL over all rows: one INSERT ... ON CONFLICT to raise, one UPDATE
to resolve. Running a scan twice, or two at once, gives the same flags (the partial unique index on
(kind, subject_key) for unresolved flags makes the insert an idempotent upsert).

Functions flush; the Celery task or CLI command that calls them commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from sara.actions.models import LIVE_STATUSES, Action
from sara.cases.models import ProblemCase
from sara.cases.queries import closed_unevaluated, review_due  # the case list's definitions
from sara.core.sql import changed, day_of, json_object, upsert_insert
from sara.core.types import today as local_today
from sara.core.types import utcnow
from sara.evaluation.models import Evaluation
from sara.extensions import db
from sara.flags.models import Flag
from sara.flags.rules import (
    rule_cutoff,
    rule_defaults,
    rule_is_uniform,
    rule_value,
    rule_version,
)
from sara.incidents.models import CaseIncident, IncidentPerson
from sara.people.models import Person


@dataclass
class ScanResult:
    kind: str
    raised: list[int] = field(default_factory=list)
    resolved: int = 0

    def __str__(self) -> str:
        return f"{self.kind}: {len(self.raised)} raised, {self.resolved} resolved"


def _raise(kind: str, source: sa.Select, columns: list[str]) -> list[int]:
    insert = (
        upsert_insert(Flag)
        .from_select(columns, source)
        .on_conflict_do_nothing(
            index_elements=["kind", "subject_key"], index_where=Flag.resolved_dt.is_(None)
        )
        .returning(Flag.id)
    )
    return list(db.session.execute(insert).scalars())


# --- action overdue ----------------------------------------------------------------------------

def _overdue(today: date):
    return sa.and_(Action.status.in_(LIVE_STATUSES), Action.due_date < today)


def scan_action_overdue(today: date | None = None, action_ids=None) -> ScanResult:
    """Raise a flag for every live action past its due date; resolve those no longer overdue."""
    today = today or local_today()
    now = utcnow()
    result = ScanResult("action_overdue")
    source = sa.select(
        sa.literal("action_overdue"),
        sa.literal("action:") + sa.cast(Action.id, sa.String),
        Action.case_id,
        Action.id,
        sa.literal("raised"),
        json_object(action=Action.reference, due_date=sa.cast(Action.due_date, sa.String),
                    checked_on=sa.literal(today.isoformat())),
        sa.literal(1),
        sa.literal(now, type_=Flag.raised_dt.type),
    ).where(_overdue(today))
    if action_ids is not None:
        source = source.where(Action.id.in_(action_ids))
    result.raised = _raise(
        "action_overdue", source,
        ["kind", "subject_key", "case_id", "action_id", "status", "evidence", "rule_version",
         "raised_dt"],
    )
    why = (
        sa.select(
            sa.case(
                (Action.status == "done", "Resolved automatically: the action was done"),
                (Action.status == "cancelled", "Resolved automatically: the action was cancelled"),
                else_="Resolved automatically: the due date was moved",
            )
        ).where(Action.id == Flag.action_id).scalar_subquery()
    )
    resolve = (
        sa.update(Flag)
        .where(
            Flag.kind == "action_overdue",
            Flag.resolved_dt.is_(None),
            ~sa.exists().where(Action.id == Flag.action_id, _overdue(today)),
        )
        .values(status="resolved", resolved_dt=now, resolved_note=why)
        .execution_options(synchronize_session=False)
    )
    if action_ids is not None:
        resolve = resolve.where(Flag.action_id.in_(action_ids))
    result.resolved = changed(resolve)
    return result


# --- case flags: review overdue, evaluation awaiting sign-off, closed without evaluation -------

def _scan_cases(kind: str, condition, evidence, case_ids, now, version=None) -> ScanResult:
    """Raise `kind` for every case meeting `condition`; resolve those that no longer do. New flags
    record `version` (SQL: each force's version of the rule's numbers), or 1 for a fixed rule."""
    result = ScanResult(kind)
    source = (
        sa.select(
            sa.literal(kind),
            sa.literal("case:") + sa.cast(ProblemCase.id, sa.String),
            ProblemCase.id,
            sa.literal("raised"),
            evidence,
            version if version is not None else sa.literal(1),
            sa.literal(now, type_=Flag.raised_dt.type),
        )
        .select_from(ProblemCase)
        .outerjoin(Evaluation, Evaluation.case_id == ProblemCase.id)
        .where(condition)
    )
    if case_ids is not None:
        source = source.where(ProblemCase.id.in_(case_ids))
    result.raised = _raise(
        kind, source,
        ["kind", "subject_key", "case_id", "status", "evidence", "rule_version", "raised_dt"],
    )
    still_holds = (
        sa.select(ProblemCase.id)
        .outerjoin(Evaluation, Evaluation.case_id == ProblemCase.id)
        .where(ProblemCase.id == Flag.case_id, condition)
    )
    resolve = (
        sa.update(Flag)
        .where(Flag.kind == kind, Flag.resolved_dt.is_(None), ~sa.exists(still_holds))
        .values(status="resolved", resolved_dt=now,
                resolved_note="Resolved automatically: the rule no longer holds")
        .execution_options(synchronize_session=False)
    )
    if case_ids is not None:
        resolve = resolve.where(Flag.case_id.in_(case_ids))
    result.resolved = changed(resolve)
    return result


def scan_review_overdue(case_ids=None, now=None, today=None) -> ScanResult:
    now, today = now or utcnow(), today or local_today()
    force = ProblemCase.organisation_id
    condition = review_due(now, today)
    evidence = json_object(
        last_reviewed=sa.cast(ProblemCase.last_reviewed_dt, sa.String),
        next_review_date=sa.cast(ProblemCase.next_review_date, sa.String),
        days=rule_value("review_overdue", "days", force),
        checked_on=sa.literal(today.isoformat()),
    )
    return _scan_cases("review_overdue", condition, evidence, case_ids, now,
                       rule_version("review_overdue", force))


def scan_evaluation_unsigned(case_ids=None, now=None) -> ScanResult:
    now = now or utcnow()
    force = ProblemCase.organisation_id
    condition = sa.and_(Evaluation.status == "submitted", Evaluation.submitted_dt < rule_cutoff(
        "evaluation_unsigned", "days", force, now, like=Evaluation.submitted_dt))
    evidence = json_object(submitted=sa.cast(Evaluation.submitted_dt, sa.String),
                           days=rule_value("evaluation_unsigned", "days", force))
    return _scan_cases("evaluation_unsigned", condition, evidence, case_ids, now,
                       rule_version("evaluation_unsigned", force))


def scan_closed_unevaluated(case_ids=None, now=None) -> ScanResult:
    now = now or utcnow()
    condition = closed_unevaluated()
    evidence = json_object(closure_reason=ProblemCase.closure_reason,
                           evaluation=sa.func.coalesce(Evaluation.status, "not_started"))
    return _scan_cases("closed_unevaluated", condition, evidence, case_ids, now)


def scan_case_flags(case_ids=None) -> list[ScanResult]:
    """All three case rules; with case_ids, just for those cases (the instant check after a
    review, a sign-off decision or a closure)."""
    return [scan_review_overdue(case_ids), scan_evaluation_unsigned(case_ids),
            scan_closed_unevaluated(case_ids)]


# --- person flags: repeat ASB victim, ASB case review (community trigger) ----------------------

def _upsert(kind: str, qualifying, now, restrict=None,
            resolved_note="Resolved automatically: the rule no longer holds") -> ScanResult:
    """Raise a flag for each row of `qualifying` (subject_key, case_id, person_id, evidence,
    rule_version), keep live flags' evidence current, and resolve live flags whose subject no
    longer qualifies. `restrict` limits all three to some subjects (an instant check).

    The qualifying set is computed once into an indexed temporary table; new flags are inserted
    with ON CONFLICT DO NOTHING, evidence is rewritten only where it changed, and resolution is a
    NOT EXISTS,
    so a nightly rescan costs about one evaluation of the set (bench/README.md)."""
    result = ScanResult(kind)
    connection = db.session.connection()
    found = sa.Table(
        f"scan_{kind}", sa.MetaData(),
        sa.Column("subject_key", sa.String(60)), sa.Column("case_id", sa.Integer),
        sa.Column("person_id", sa.Integer), sa.Column("evidence", sa.JSON),
        sa.Column("rule_version", sa.Integer), prefixes=["TEMPORARY"],
    )
    found.create(connection)
    try:
        connection.execute(found.insert().from_select(
            ["subject_key", "case_id", "person_id", "evidence", "rule_version"], qualifying))
        sa.Index(f"ix_scan_{kind}_subject_key", found.c.subject_key).create(connection)
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text(f"ANALYZE {found.name}"))
        live = sa.and_(Flag.kind == kind, Flag.resolved_dt.is_(None))
        # No anti-join against flags here: on an empty flags table PostgreSQL plans it as a
        # nested loop over the table being filled, quadratic in the new flags (13 s for 27k;
        # bench/results/repeat_victims.md). ON CONFLICT skips the existing ones instead.
        source = sa.select(
            sa.literal(kind), found.c.subject_key, found.c.case_id, found.c.person_id,
            sa.literal("raised"), found.c.evidence, found.c.rule_version,
            sa.literal(now, type_=Flag.raised_dt.type),
        ).where(sa.true())
        result.raised = _raise(kind, source, ["kind", "subject_key", "case_id", "person_id",
                                              "status", "evidence", "rule_version", "raised_dt"])
        connection.execute(
            sa.update(Flag)
            .where(live, Flag.subject_key == found.c.subject_key,
                   sa.or_(sa.cast(Flag.evidence, sa.Text) != sa.cast(found.c.evidence, sa.Text),
                          Flag.rule_version != found.c.rule_version))
            .values(evidence=found.c.evidence, rule_version=found.c.rule_version)
            .execution_options(synchronize_session=False)
        )
        resolve = (
            sa.update(Flag)
            .where(live, ~sa.exists().where(found.c.subject_key == Flag.subject_key))
            .values(status="resolved", resolved_dt=now, resolved_note=resolved_note)
            .execution_options(synchronize_session=False)
        )
        if restrict is not None:
            resolve = resolve.where(restrict)
        result.resolved = connection.execute(resolve).rowcount or 0
    finally:
        found.drop(connection)
    return result


def repeat_victim_set(now, threshold: int, window_days: int, person_ids=None) -> sa.Select:
    """person_id and incident count of everyone who is a repeat ASB victim now under one set of
    numbers: one GROUP BY over the (person_id, occurred_dt) index."""
    query = (
        sa.select(IncidentPerson.person_id,
                  sa.func.count(sa.distinct(IncidentPerson.incident_id)).label("incidents"))
        .where(IncidentPerson.is_asb.is_(True),
               IncidentPerson.role.in_(("victim", "reporter")),
               IncidentPerson.occurred_dt >= now - timedelta(days=window_days),
               IncidentPerson.occurred_dt <= now)
        .group_by(IncidentPerson.person_id)
        .having(sa.func.count(sa.distinct(IncidentPerson.incident_id)) >= threshold)
    )
    if person_ids is not None:
        query = query.where(IncidentPerson.person_id.in_(person_ids))
    return query


def repeat_victims_by_force(now, person_ids=None) -> sa.Select:
    """person_id, the person's force and their incident count, for everyone who is a repeat ASB
    victim under their own force's numbers. While every force uses the defaults this is exactly
    repeat_victim_set (no join); otherwise each person's force picks the window and threshold."""
    kind = "repeat_victim"
    if rule_is_uniform(kind):
        found = repeat_victim_set(now, rule_defaults(kind)["threshold"],
                                  rule_defaults(kind)["window_days"], person_ids).subquery()
        force = sa.select(Person.organisation_id).where(Person.id == found.c.person_id)
        return sa.select(found.c.person_id, force.scalar_subquery().label("organisation_id"),
                         found.c.incidents)
    counted = sa.func.count(sa.distinct(IncidentPerson.incident_id))
    query = (
        sa.select(IncidentPerson.person_id, Person.organisation_id, counted.label("incidents"))
        .join(Person, Person.id == IncidentPerson.person_id)
        .where(IncidentPerson.is_asb.is_(True),
               IncidentPerson.role.in_(("victim", "reporter")),
               IncidentPerson.occurred_dt >= rule_cutoff(kind, "window_days",
                                                         Person.organisation_id, now,
                                                         like=IncidentPerson.occurred_dt),
               IncidentPerson.occurred_dt <= now)
        .group_by(IncidentPerson.person_id, Person.organisation_id)
        .having(counted >= rule_value(kind, "threshold", Person.organisation_id))
    )
    if person_ids is not None:
        query = query.where(IncidentPerson.person_id.in_(person_ids))
    return query


def scan_repeat_victims(person_ids=None, now=None) -> ScanResult:
    now = now or utcnow()
    kind = "repeat_victim"
    found = repeat_victims_by_force(now, person_ids).subquery()
    force = found.c.organisation_id
    qualifying = sa.select(
        (sa.literal("person:") + sa.cast(found.c.person_id, sa.String)).label("subject_key"),
        sa.cast(sa.null(), sa.Integer).label("case_id"),
        found.c.person_id.label("person_id"),
        json_object(incidents=found.c.incidents,
                    threshold=rule_value(kind, "threshold", force),
                    window_days=rule_value(kind, "window_days", force)).label("evidence"),
        rule_version(kind, force).label("rule_version"),
    )
    restrict = Flag.person_id.in_(person_ids) if person_ids is not None else None
    # Each force's own numbers, in words: "fewer than 3 ASB incidents in the last 180 days".
    flag_force = (sa.select(Person.organisation_id).where(Person.id == Flag.person_id)
                  .scalar_subquery())
    note = (sa.literal("Resolved automatically: fewer than ")
            + sa.cast(rule_value(kind, "threshold", flag_force), sa.String)
            + sa.literal(" ASB incidents in the last ")
            + sa.cast(rule_value(kind, "window_days", flag_force), sa.String)
            + sa.literal(" days"))
    return _upsert(kind, qualifying, now, restrict, note)


def case_review_complaints(now, person_ids=None, case_ids=None) -> sa.Select:
    """case_id, the case's force, person_id and day of every ASB complaint about a case within
    its force's window: of the cases these people complained about, when `person_ids` is
    given, or of `case_ids` (those cases, found already)."""
    kind = "case_review"
    force = ProblemCase.organisation_id
    window = sa.and_(
        IncidentPerson.is_asb.is_(True), IncidentPerson.role.in_(("victim", "reporter")),
        IncidentPerson.occurred_dt >= rule_cutoff(kind, "window_days", force, now,
                                                  like=IncidentPerson.occurred_dt),
        IncidentPerson.occurred_dt <= now,
    )
    complaints = (
        sa.select(CaseIncident.case_id, ProblemCase.organisation_id,
                  IncidentPerson.person_id, day_of(IncidentPerson.occurred_dt).label("day"))
        .join(IncidentPerson, IncidentPerson.incident_id == CaseIncident.incident_id)
        .join(ProblemCase, ProblemCase.id == CaseIncident.case_id)
        .where(window)
    )
    if case_ids is not None:
        complaints = complaints.where(CaseIncident.case_id.in_(case_ids))
    elif person_ids is not None:
        complaints = complaints.where(CaseIncident.case_id.in_(cases_of(person_ids)))
    return complaints


def cases_of(person_ids) -> sa.Select:
    """The cases whose incidents these people are part of."""
    return sa.select(CaseIncident.case_id).join(
        IncidentPerson, IncidentPerson.incident_id == CaseIncident.incident_id
    ).where(IncidentPerson.person_id.in_(person_ids))


def case_review_set(now, person_ids=None, case_ids=None) -> sa.CompoundSelect:
    """subject_key, case_id, person_id (None for the different-people threshold), evidence and
    rule_version of every case-review threshold reached now, with the numbers of the force that
    owns the case."""
    kind = "case_review"
    c = case_review_complaints(now, person_ids, case_ids).subquery()
    by_person = (
        sa.select(
            (sa.literal("case:") + sa.cast(c.c.case_id, sa.String) + sa.literal(":person:")
             + sa.cast(c.c.person_id, sa.String)).label("subject_key"),
            c.c.case_id.label("case_id"), c.c.person_id.label("person_id"),
            json_object(complaints=sa.func.count(sa.distinct(c.c.day)),
                        threshold=rule_value(kind, "complaints", c.c.organisation_id),
                        window_days=rule_value(kind, "window_days", c.c.organisation_id)
                        ).label("evidence"),
            rule_version(kind, c.c.organisation_id).label("rule_version"),
        ).group_by(c.c.case_id, c.c.organisation_id, c.c.person_id)
        .having(sa.func.count(sa.distinct(c.c.day))
                >= rule_value(kind, "complaints", c.c.organisation_id))
    )
    by_people = (
        sa.select(
            (sa.literal("case:") + sa.cast(c.c.case_id, sa.String) + sa.literal(":people"))
            .label("subject_key"),
            c.c.case_id.label("case_id"), sa.cast(sa.null(), sa.Integer).label("person_id"),
            json_object(people=sa.func.count(sa.distinct(c.c.person_id)),
                        threshold=rule_value(kind, "people", c.c.organisation_id),
                        window_days=rule_value(kind, "window_days", c.c.organisation_id)
                        ).label("evidence"),
            rule_version(kind, c.c.organisation_id).label("rule_version"),
        ).group_by(c.c.case_id, c.c.organisation_id)
        .having(sa.func.count(sa.distinct(c.c.person_id))
                >= rule_value(kind, "people", c.c.organisation_id))
    )
    return sa.union_all(by_person, by_people)


def scan_case_review(person_ids=None, now=None) -> ScanResult:
    """Community trigger: `complaints` or more complaints by one person about the same problem
    (case) in the window, or `people` or more different people complaining about it, with the
    numbers of the force that owns the case."""
    now = now or utcnow()
    restrict = None
    if person_ids is not None:
        restrict = Flag.case_id.in_(cases_of(person_ids))
    return _upsert("case_review", case_review_set(now, person_ids), now, restrict)
