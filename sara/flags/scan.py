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
from sara.asb_reviews.models import STAGES as REVIEW_STAGES
from sara.asb_reviews.models import AsbReview
from sara.cases.models import ProblemCase
from sara.cases.queries import closed_unevaluated, review_due  # the case list's definitions
from sara.core.sql import (
    as_json,
    changed,
    iso_instant,
    json_array_agg,
    json_object,
    upsert_insert,
)
from sara.core.types import today as local_today
from sara.core.types import utcnow
from sara.evaluation.models import Evaluation
from sara.extensions import db
from sara.flags.models import Flag
from sara.flags.rules import (
    current_rules,
    rule_cutoff,
    rule_defaults,
    rule_is_uniform,
    rule_value,
    rule_version,
)
from sara.incidents.models import CaseIncident, Incident, IncidentPerson
from sara.orgs.models import Organisation
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


# --- ASB case review stages overdue -------------------------------------------------------------

def _stage_due():
    """The due date of the stage each live review waits on (NULL for a finished review)."""
    return sa.case(
        (AsbReview.status == "awaiting_decision", AsbReview.decision_due_date),
        (AsbReview.status == "awaiting_meeting", AsbReview.meeting_due_date),
        (AsbReview.status == "awaiting_outcome", AsbReview.outcome_due_date),
    )


def _stage_name():
    return sa.case(*((AsbReview.status == status, sa.literal(stage))
                     for status, (stage, _column) in REVIEW_STAGES.items()))


def scan_asb_review_overdue(today: date | None = None, review_ids=None) -> ScanResult:
    """A flag for every ASB case review whose current stage (threshold decision, meeting,
    outcome letter) is past its due date; one flag per review and stage, resolved once the stage
    is done. It is about the victim (person_id), so it is on the force's queue, and about the
    case where the review has one."""
    today = today or local_today()
    due = _stage_due()
    qualifying = sa.select(
        (sa.literal("asb_review:") + sa.cast(AsbReview.id, sa.String) + sa.literal(":")
         + _stage_name()).label("subject_key"),
        AsbReview.case_id.label("case_id"), AsbReview.person_id.label("person_id"),
        json_object(review=AsbReview.reference, stage=_stage_name(),
                    due_date=sa.cast(due, sa.String),
                    checked_on=sa.literal(today.isoformat())).label("evidence"),
        rule_version("asb_review_overdue", AsbReview.organisation_id).label("rule_version"),
    ).where(AsbReview.status.in_(REVIEW_STAGES), due < today)
    restrict = None
    if review_ids is not None:
        qualifying = qualifying.where(AsbReview.id.in_(review_ids))
        restrict = sa.or_(*(Flag.subject_key.like(f"asb_review:{int(i)}:%") for i in review_ids))
    return _upsert("asb_review_overdue", qualifying, utcnow(), restrict,
                   resolved_note="Resolved automatically: the stage was done")


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


# --- person flags: repeat victims (of ASB, of crime), ASB case review (community trigger) -------

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


#: The repeat-victim rules, and whether each counts ASB incidents (or else crimes: every
#: incident that is not ASB is a report of a crime).
REPEAT_VICTIM_RULES = {"repeat_victim": True, "repeat_victim_crime": False}
_WHAT = {"repeat_victim": "ASB incidents", "repeat_victim_crime": "crimes"}


def counts_as_victim():
    """Whose part in an incident counts for the person rules: its victim, or a member of the
    public who reported it. A professional caller (a warden, CCTV, a council line) reports for
    others and never counts."""
    return sa.and_(IncidentPerson.role.in_(("victim", "reporter")),
                   IncidentPerson.caller_type == "public")


def episode():
    """The episode an incident belongs to: a second report of the same event (a "same incident
    as" link, sara.incidents.episodes) is its first report's. Every rule counts episodes."""
    return sa.func.coalesce(IncidentPerson.same_as_id, IncidentPerson.incident_id)


def _counted_episodes(kind: str, now, person_ids, uniform: bool) -> sa.Select:
    """person_id, organisation_id (when the forces' numbers differ), episode and the person's
    first incident of it, for every episode the repeat-victim rule `kind` counts now."""
    asb = REPEAT_VICTIM_RULES[kind]
    columns = [IncidentPerson.person_id]
    if uniform:
        cutoff = sa.literal(now - timedelta(days=rule_defaults(kind)["window_days"]),
                            type_=IncidentPerson.occurred_dt.type)
    else:
        columns.append(Person.organisation_id)
        cutoff = rule_cutoff(kind, "window_days", Person.organisation_id, now,
                             like=IncidentPerson.occurred_dt)
    query = (
        sa.select(*columns, episode().label("episode"),
                  sa.func.min(IncidentPerson.incident_id).label("incident_id"))
        .where(IncidentPerson.is_asb.is_(asb), counts_as_victim(),
               IncidentPerson.occurred_dt >= cutoff, IncidentPerson.occurred_dt <= now)
        .group_by(*columns, episode())
    )
    if not uniform:
        query = query.join(Person, Person.id == IncidentPerson.person_id)
    if person_ids is not None:
        query = query.where(IncidentPerson.person_id.in_(person_ids))
    return query


def repeat_victim_set(now, threshold: int, window_days: int, person_ids=None,
                      kind: str = "repeat_victim") -> sa.Select:
    """person_id and episode count of everyone who is a repeat victim under one set of numbers
    (bench/bench_repeat_victims.py measures it against a hand-written statement)."""
    query = sa.select(
        IncidentPerson.person_id, episode().label("episode")
    ).where(
        IncidentPerson.is_asb.is_(REPEAT_VICTIM_RULES[kind]), counts_as_victim(),
        IncidentPerson.occurred_dt >= now - timedelta(days=window_days),
        IncidentPerson.occurred_dt <= now,
    ).distinct()
    if person_ids is not None:
        query = query.where(IncidentPerson.person_id.in_(person_ids))
    counted = query.subquery()
    return (sa.select(counted.c.person_id, sa.func.count().label("incidents"))
            .group_by(counted.c.person_id).having(sa.func.count() >= threshold))


def _evidence_item() -> sa.ColumnElement:
    """One counted incident in a flag's evidence: its reference, source, when and what."""
    return json_object(reference=Incident.reference, source=Incident.source,
                       occurred=iso_instant(Incident.occurred_dt), category=Incident.category)


def repeat_victims_by_force(now, person_ids=None, kind: str = "repeat_victim") -> sa.Select:
    """person_id, their force, the number of episodes counted and the incidents counted (a JSON
    list, oldest first: one incident per episode), for everyone who is a repeat victim now
    under their own force's numbers of rule `kind`. While every force uses the defaults no
    person is joined; otherwise each person's force picks the window and threshold.

    The episodes are counted first, and only the people who reach the threshold have their
    incidents read, so the scan reads incidents for the flagged, not for everyone."""
    uniform = rule_is_uniform(kind)
    counted = _counted_episodes(kind, now, person_ids, uniform).cte(f"counted_{kind}")
    keys = [counted.c.person_id] + ([] if uniform else [counted.c.organisation_id])
    threshold = (sa.literal(rule_defaults(kind)["threshold"]) if uniform
                 else rule_value(kind, "threshold", counted.c.organisation_id))
    reaching = (sa.select(counted.c.person_id).group_by(*keys)
                .having(sa.func.count() >= threshold))
    listed = (
        sa.select(*keys, Incident.occurred_dt, Incident.id.label("incident_id"),
                  _evidence_item().label("item"))
        .join(Incident, Incident.id == counted.c.incident_id)
        .where(counted.c.person_id.in_(reaching))
        .order_by(counted.c.person_id, Incident.occurred_dt, Incident.id)
        .subquery()
    )
    force: sa.ColumnElement
    if uniform:
        force = (sa.select(Person.organisation_id).where(Person.id == listed.c.person_id)
                 .scalar_subquery())
        grouped = [listed.c.person_id]
    else:
        force = listed.c.organisation_id
        grouped = [listed.c.person_id, listed.c.organisation_id]
    return (
        sa.select(listed.c.person_id, force.label("organisation_id"),
                  sa.func.count().label("count"),
                  json_array_agg(as_json(listed.c.item), listed.c.occurred_dt,
                                 listed.c.incident_id).label("incidents"))
        .group_by(*grouped)
    )


def scan_repeat_victims(person_ids=None, now=None, kind: str = "repeat_victim") -> ScanResult:
    """Repeat ASB victims (or with kind="repeat_victim_crime", repeat victims of crime)."""
    now = now or utcnow()
    found = repeat_victims_by_force(now, person_ids, kind).subquery()
    force = found.c.organisation_id
    qualifying = sa.select(
        (sa.literal("person:") + sa.cast(found.c.person_id, sa.String)).label("subject_key"),
        sa.cast(sa.null(), sa.Integer).label("case_id"),
        found.c.person_id.label("person_id"),
        json_object(count=found.c.count, incidents=as_json(found.c.incidents),
                    threshold=rule_value(kind, "threshold", force),
                    window_days=rule_value(kind, "window_days", force)).label("evidence"),
        rule_version(kind, force).label("rule_version"),
    )
    restrict = Flag.person_id.in_(person_ids) if person_ids is not None else None
    # Each force's own numbers, in words: "fewer than 2 ASB incidents in the last 365 days".
    flag_force = (sa.select(Person.organisation_id).where(Person.id == Flag.person_id)
                  .scalar_subquery())
    note = (sa.literal("Resolved automatically: fewer than ")
            + sa.cast(rule_value(kind, "threshold", flag_force), sa.String)
            + sa.literal(f" {_WHAT[kind]} in the last ")
            + sa.cast(rule_value(kind, "window_days", flag_force), sa.String)
            + sa.literal(" days"))
    return _upsert(kind, qualifying, now, restrict, note)


def scan_all_repeat_victims(person_ids=None, now=None) -> list[ScanResult]:
    """Both repeat-victim rules: of ASB, and of crime."""
    return [scan_repeat_victims(person_ids, now, kind) for kind in REPEAT_VICTIM_RULES]


def hate_variant_in_use() -> bool:
    """Whether any force has turned on the local variant where one hate incident or crime meets
    the case-review threshold. While none has, the scan reads ASB complaints only, as before."""
    return any(params["hate_incident"] for _v, params in current_rules("case_review").values())


def _case_review_window(force, now, hate: bool) -> sa.ColumnElement[bool]:
    """An ASB complaint (with `hate`, or a hate incident or crime) by a member of the public
    (or the victim) made in the force's window: the last six calendar months by default,
    counted on when it was reported."""
    counted = (sa.or_(IncidentPerson.is_asb.is_(True), Incident.is_hate.is_(True)) if hate
               else IncidentPerson.is_asb.is_(True))
    return sa.and_(
        counted, counts_as_victim(),
        Incident.reported_dt >= rule_cutoff("case_review", "window_months", force, now,
                                             like=Incident.reported_dt),
        Incident.reported_dt <= sa.literal(now, type_=Incident.reported_dt.type),
    )


def _complaint_item() -> sa.ColumnElement:
    """One complaint in a case-review decision: the incident, when the behaviour happened,
    when and to whom it was reported."""
    return json_object(reference=Incident.reference, source=Incident.source,
                       occurred=iso_instant(Incident.occurred_dt), category=Incident.category,
                       reported=iso_instant(Incident.reported_dt),
                       reported_to=Organisation.name)


def case_review_complaints(now, person_ids=None, case_ids=None) -> sa.Select:
    """person_id, their force, episode, the person's first incident of it, and whether the
    episode qualifies (any of its reports made within a month of the behaviour), for every ASB
    complaint episode of these people (or of everyone) in their force's window. A complaint
    counts whether or not a case was opened: the statutory right does not depend on one. One
    episode reported several times (by the same person, or to several bodies) is one
    complaint. With `case_ids`, only complaints about those cases, with their case_id.

    `hate` is 1 for an episode that is a hate incident or crime reported in time, where a
    force has turned that variant on (a hate crime that is not ASB is read only then, and
    never counts as one of the ASB complaints); else 0."""
    force = Person.organisation_id
    columns = [IncidentPerson.person_id, force.label("organisation_id")]
    if case_ids is not None:
        columns.insert(0, CaseIncident.case_id)
    hate = hate_variant_in_use()
    window = _case_review_window(force, now, hate)
    in_time = (sa.and_(Incident.is_reported_in_time, IncidentPerson.is_asb.is_(True)) if hate
               else Incident.is_reported_in_time)
    hate_column: sa.ColumnElement = (
        sa.func.max(sa.case((sa.and_(Incident.is_reported_in_time, Incident.is_hate), 1),
                            else_=0)) if hate else sa.literal(0))
    query = (
        sa.select(*columns, episode().label("episode"),
                  sa.func.min(IncidentPerson.incident_id).label("incident_id"),
                  sa.func.max(sa.case((in_time, 1), else_=0)).label("qualifies"),
                  hate_column.label("hate"))
        .join(Incident, Incident.id == IncidentPerson.incident_id)
        .join(Person, Person.id == IncidentPerson.person_id)
        .where(window)
        .group_by(*columns, episode())
    )
    if case_ids is not None:
        query = (query.join(CaseIncident, CaseIncident.incident_id == IncidentPerson.incident_id)
                 .where(CaseIncident.case_id.in_(case_ids)))
    if person_ids is not None:
        query = query.where(IncidentPerson.person_id.in_(person_ids))
    return query


def cases_of(person_ids) -> sa.Select:
    """The cases whose incidents these people are part of."""
    return sa.select(CaseIncident.case_id).join(
        IncidentPerson, IncidentPerson.incident_id == CaseIncident.incident_id
    ).where(IncidentPerson.person_id.in_(person_ids))


def _listed(complaints, *keys: str) -> sa.Subquery:
    """The complaints with their evidence items, in the order the lists are built in."""
    key_columns = [complaints.c[key] for key in keys]
    return (
        sa.select(*key_columns, complaints.c.qualifies, complaints.c.hate, Incident.occurred_dt,
                  Incident.id.label("incident_id"), _complaint_item().label("item"))
        .join(Incident, Incident.id == complaints.c.incident_id)
        .join(Organisation, Organisation.id == Incident.reported_to_id)
        .order_by(*key_columns, Incident.occurred_dt, Incident.id)
        .subquery()
    )


def _complaint_list(listed, qualifying: bool) -> sa.ColumnElement:
    """The qualifying complaints, or those that do not qualify (each shown with its reason:
    sara.flags.rules.late_reason), oldest first; NULL for none. A hate crime that is not ASB
    is neither: it is listed on its own (_hate_list)."""
    chosen = (listed.c.qualifies == 1 if qualifying
              else sa.and_(listed.c.qualifies == 0, listed.c.hate == 0))
    return json_array_agg(as_json(listed.c.item), listed.c.occurred_dt,
                          listed.c.incident_id).filter(chosen)


def _hate_list(listed, force) -> sa.ColumnElement:
    """The hate incidents and crimes reported in time, where the force has the variant on."""
    return json_array_agg(as_json(listed.c.item), listed.c.occurred_dt,
                          listed.c.incident_id).filter(
        listed.c.hate == 1, rule_value("case_review", "hate_incident", force) == 1)


def case_review_by_person(now, person_ids=None, *, reaching_only: bool = True) -> sa.Select:
    """The statutory threshold: subject_key, case_id (None), person_id, evidence and
    rule_version of everyone who made `complaints` or more qualifying complaints in their
    force's window, whether or not a case was opened. With reaching_only=False, of everyone
    with any complaint in the window (what a decision maker is shown, met or not)."""
    kind = "case_review"
    hate = hate_variant_in_use()
    c = case_review_complaints(now, person_ids).cte("complaints")
    chosen = sa.select(c)
    if reaching_only:
        met = (sa.func.sum(c.c.qualifies)
               >= rule_value(kind, "complaints", c.c.organisation_id))
        if hate:
            met = sa.or_(met, sa.func.max(c.c.hate)
                         * rule_value(kind, "hate_incident", c.c.organisation_id) >= 1)
        reaching = (sa.select(c.c.person_id).group_by(c.c.person_id, c.c.organisation_id)
                    .having(met))
        chosen = chosen.where(c.c.person_id.in_(reaching))
    listed = _listed(chosen.subquery(), "person_id", "organisation_id")
    org = listed.c.organisation_id
    # The hate variant's findings join the evidence only where some area uses it, so that
    # every other flag's evidence stays as it was.
    extra = ({"hate_incidents": _hate_list(listed, org),
              "hate_incident": rule_value(kind, "hate_incident", org)} if hate else {})
    return sa.select(
        (sa.literal("person:") + sa.cast(listed.c.person_id, sa.String)).label("subject_key"),
        sa.cast(sa.null(), sa.Integer).label("case_id"), listed.c.person_id.label("person_id"),
        json_object(complaints=sa.func.sum(listed.c.qualifies),
                    incidents=_complaint_list(listed, True),
                    not_qualifying=_complaint_list(listed, False),
                    threshold=rule_value(kind, "complaints", org),
                    window_months=rule_value(kind, "window_months", org),
                    **extra).label("evidence"),
        rule_version(kind, org).label("rule_version"),
    ).group_by(listed.c.person_id, org)


def case_review_by_people(now, case_ids=None) -> sa.Select:
    """The local variant: subject_key, case_id, person_id (None), evidence and rule_version of
    every case about which `people` or more different people made qualifying complaints in the
    window, about more than one episode: one fight reported by five neighbours is one
    incident, not persistent anti-social behaviour. The case's force's numbers."""
    kind = "case_review"
    c = case_review_complaints(now, case_ids=case_ids if case_ids is not None else
                               sa.select(CaseIncident.case_id)).cte("case_complaints")
    q = (sa.select(c.c.case_id, ProblemCase.organisation_id.label("case_force"), c.c.person_id,
                   c.c.episode, c.c.incident_id)
         .join(ProblemCase, ProblemCase.id == c.c.case_id).where(c.c.qualifies == 1)
         .cte("qualifying_case_complaints"))
    counts = (
        sa.select(q.c.case_id, q.c.case_force,
                  sa.func.count(sa.distinct(q.c.person_id)).label("people"))
        .group_by(q.c.case_id, q.c.case_force)
        .having(sa.func.count(sa.distinct(q.c.person_id))
                >= rule_value(kind, "people", q.c.case_force))
        .having(sa.func.count(sa.distinct(q.c.episode)) > 1)
        .subquery()
    )
    episodes = (sa.select(q.c.case_id, counts.c.case_force, counts.c.people,
                          sa.func.min(q.c.incident_id).label("incident_id"),
                          sa.literal(1).label("qualifies"), sa.literal(0).label("hate"))
                .join(counts, counts.c.case_id == q.c.case_id)
                .group_by(q.c.case_id, counts.c.case_force, counts.c.people, q.c.episode)
                .subquery())
    listed = _listed(episodes, "case_id", "case_force", "people")
    org = listed.c.case_force
    return sa.select(
        (sa.literal("case:") + sa.cast(listed.c.case_id, sa.String) + sa.literal(":people"))
        .label("subject_key"),
        listed.c.case_id.label("case_id"), sa.cast(sa.null(), sa.Integer).label("person_id"),
        json_object(people=listed.c.people, episodes=sa.func.count(),
                    incidents=_complaint_list(listed, True),
                    threshold=rule_value(kind, "people", org),
                    window_months=rule_value(kind, "window_months", org)).label("evidence"),
        rule_version(kind, org).label("rule_version"),
    ).group_by(listed.c.case_id, org, listed.c.people)


def case_review_set(now, person_ids=None, case_ids=None) -> sa.CompoundSelect:
    """Every case-review threshold reached now: of these people (or everyone), and of these
    cases (or of the cases these people complained about, or every case)."""
    if person_ids is not None and case_ids is None:
        case_ids = cases_of(person_ids)
    return sa.union_all(case_review_by_person(now, person_ids),
                        case_review_by_people(now, case_ids))


def scan_case_review(person_ids=None, now=None) -> ScanResult:
    """Community trigger: `complaints` or more qualifying complaints by one member of the
    public in the window (each made within a month of the behaviour; a case need not exist),
    or `people` or more different people complaining about the same problem (case)."""
    now = now or utcnow()
    restrict = None
    if person_ids is not None:
        restrict = sa.or_(Flag.person_id.in_(person_ids), Flag.case_id.in_(cases_of(person_ids)))
    return _upsert("case_review", case_review_set(now, person_ids), now, restrict)
