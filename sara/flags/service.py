"""Reading flags, moving them through their life cycle, the supervisors' flag queue, and
changing the numbers of the rules that raise them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from sara import policy
from sara.asb_reviews.models import STAGE_NAMES
from sara.audit import consultation
from sara.audit import service as audit
from sara.cases.models import ProblemCase
from sara.core import outbox
from sara.core.paging import Paged
from sara.core.rules import RuleError
from sara.core.sql import month_bucket, month_range
from sara.core.types import date_in_words, utcnow
from sara.extensions import db
from sara.flags.models import Flag, FlagRule
from sara.flags.rules import EDITABLE_RULES, RULE_TITLES, current_rule, forget_rules
from sara.flags.status import people_status
from sara.incidents.models import CaseIncident, IncidentPerson
from sara.orgs.models import Neighbourhood
from sara.people.models import CasePerson, Person


class FlagError(RuleError):
    """A flag or rule change the rules do not allow; the message says why."""


def live_flags_for_case(case) -> list[Flag]:
    return list(db.session.scalars(
        sa.select(Flag).where(Flag.case_id == case.id, Flag.resolved_dt.is_(None))
        .order_by(Flag.raised_dt)
    ))


#: The flags about a person that sara.flags.status decides at the moment of asking
PERSON_RULES = ("repeat_victim", "repeat_victim_crime", "case_review")


def live_flags_for_person(person) -> list[Flag]:
    """The person's flags as their page shows them: the repeat-victim and case-review rules
    applied now (with the stored flag's acknowledgement, where the worker has stored one), and
    any other stored flag about them. Nothing is written: the flags made here are never added
    to the session."""
    stored = list(db.session.scalars(
        sa.select(Flag).where(Flag.person_id == person.id, Flag.resolved_dt.is_(None))
        .order_by(Flag.raised_dt)
    ))
    by_key = {(flag.kind, flag.subject_key): flag for flag in stored}
    shown = [flag for flag in stored if flag.kind not in PERSON_RULES]
    status = people_status([person.id])[person.id]
    for (kind, key), (case_id, evidence) in status.subject_keys(person.id).items():
        kept = by_key.get((kind, key))
        shown.append(Flag(kind=kind, subject_key=key, person_id=person.id, case_id=case_id,
                          evidence=evidence, status=kept.status if kept else "raised",
                          acknowledged_by=kept.acknowledged_by if kept else None,
                          raised_dt=kept.raised_dt if kept else utcnow()))
    return shown


def describe(flag: Flag) -> str:
    """The flag in words, with its evidence, e.g. 'Repeat ASB victim: 4 incidents in the last
    12 months'."""
    ev = flag.evidence or {}
    if flag.kind in ("repeat_victim", "repeat_victim_crime"):
        what = "ASB incidents" if flag.kind == "repeat_victim" else "crimes"
        return (f"{flag.kind_label}: {_counted(ev)} {what} in the last "
                f"{_window(ev.get('window_days'))} (threshold {ev.get('threshold')})")
    if flag.kind == "case_review":
        return case_review_in_words(ev)
    if flag.kind == "action_overdue":
        return (f"Action {ev.get('action')} overdue: it was due on "
                f"{date_in_words(ev.get('due_date'))}")
    if flag.kind == "asb_review_overdue":
        stage = STAGE_NAMES.get(str(ev.get("stage")), "next step")
        return (f"ASB case review {ev.get('review')}: the {stage} was due by "
                f"{date_in_words(ev.get('due_date'))}")
    if flag.kind == "review_overdue":
        return (f"Overdue for review: no supervisor review in {ev.get('days')} days, or past "
                f"the next review date ({date_in_words(ev.get('next_review_date')) or 'none set'})")
    if flag.kind == "evaluation_unsigned":
        return f"Evaluation awaiting sign-off for more than {ev.get('days')} days"
    if flag.kind == "closed_unevaluated":
        return "Closed without an approved evaluation"
    return flag.kind_label


def case_review_in_words(evidence: dict) -> str:
    """A case-review decision in words, e.g. 'ASB case review threshold reached: 3 qualifying
    complaints in the last 6 months (threshold 3)'."""
    if "window_months" in evidence:
        window = f"the last {_plural(evidence['window_months'], 'month')}"
    else:  # flags raised before the window was in calendar months
        window = f"{evidence.get('window_days')} days"
    if "people" in evidence:
        return (f"ASB case review threshold reached: {evidence['people']} different people "
                f"complained about {_plural(evidence.get('episodes', 0), 'incident')} in "
                f"{window} (threshold {evidence.get('threshold')})")
    if (evidence.get("hate_incident") and evidence.get("hate_incidents")
            and (evidence.get("complaints") or 0) < (evidence.get("threshold") or 0)):
        return (f"ASB case review threshold reached: a hate incident or crime in {window} "
                f"(the area's local threshold)")
    return (f"ASB case review threshold reached: {evidence.get('complaints')} qualifying "
            f"complaints in {window} (threshold {evidence.get('threshold')})")


def _plural(number, word: str) -> str:
    return f"{number} {word}" + ("" if number == 1 else "s")


def _counted(evidence: dict):
    # Flags stored before the evidence listed its incidents held only their number.
    listed = evidence.get("incidents")
    return evidence.get("count", len(listed) if isinstance(listed, list) else listed)


def counted_incidents(flag: Flag) -> list[dict]:
    """The incidents a flag's rule counted, oldest first (none for a flag that counts no
    incidents, or one stored before its evidence listed them)."""
    listed = (flag.evidence or {}).get("incidents")
    return listed if isinstance(listed, list) else []


def _window(days) -> str:
    return "12 months" if days == 365 else f"{days} days"



def acknowledge(flag: Flag, user) -> None:
    # Lock the row first: of two supervisors acknowledging at once, the second sees the first's.
    db.session.refresh(flag, with_for_update={"of": Flag})
    if flag.status != "raised":
        raise FlagError("Only a newly raised flag can be acknowledged")
    flag.status = "acknowledged"
    flag.acknowledged_dt = utcnow()
    flag.acknowledged_by = user  # the relationship, not its id: the answer shows who
    audit.record("alteration", user=user, record_type="flag", record_ref=f"flag:{flag.id}",
                 case=flag.case_id and _case(flag.case_id),
                 summary=f"Acknowledged the flag '{flag.kind_label}'")
    db.session.flush()


def _case(case_id):
    return db.session.get(ProblemCase, case_id)


# --- the supervisors' flag queue ---------------------------------------------------------------

#: The neighbourhood filter's value for flags about people on no case of the force.
NO_NEIGHBOURHOOD = "none"
#: How far back the "resolved" list looks.
RESOLVED_DAYS = 30


@dataclass
class QueueFilters:
    kind: str | None = None
    #: A neighbourhood id, NO_NEIGHBOURHOOD, or None for any
    neighbourhood: int | str | None = None
    is_resolved: bool = False
    page: int = 1
    #: The first day of a local month: only flags raised in it (then the resolved list reaches
    #: back as far as it needs to, not just RESOLVED_DAYS)
    raised_month: date | None = None
    #: Or any span of raising times (UTC instants), as the dashboard counts its months
    raised_range: tuple[datetime, datetime] | None = None


@dataclass
class QueueRow:
    flag: Flag
    case_reference: str | None
    case_title: str | None
    person_reference: str | None
    person_name: str | None
    #: The flag's case's neighbourhood; for a flag about a person alone, those of the force's
    #: cases the person is linked to (possibly none)
    neighbourhoods: list[str]


@dataclass
class QueuePage(Paged):
    rows: list[QueueRow]
    total: int
    page: int
    per_page: int


def _person_on_a_case(organisation_id: int, neighbourhood_id: int | None = None):
    """SQL condition on Flag: its person is linked, as a case's person or through one of its
    incidents, to a case of the organisation (in the neighbourhood, if one is given)."""
    linked_case = aliased(ProblemCase)
    case_conditions = [linked_case.organisation_id == organisation_id]
    if neighbourhood_id is not None:
        case_conditions.append(linked_case.neighbourhood_id == neighbourhood_id)
    as_case_person = (
        sa.select(CasePerson.id)
        .join(linked_case, linked_case.id == CasePerson.case_id)
        .where(CasePerson.person_id == Flag.person_id, *case_conditions)
    )
    through_incident = (
        sa.select(IncidentPerson.id)
        .join(CaseIncident, CaseIncident.incident_id == IncidentPerson.incident_id)
        .join(linked_case, linked_case.id == CaseIncident.case_id)
        .where(IncidentPerson.person_id == Flag.person_id, *case_conditions)
    )
    return sa.or_(sa.exists(as_case_person), sa.exists(through_incident))


def _queue_query(user, filters: QueueFilters, flag_case, now) -> sa.Select:
    """The flags on `user`'s queue that pass `filters`, outer-joined to the flag's case."""
    query = (
        sa.select(Flag)
        .outerjoin(flag_case, flag_case.id == Flag.case_id)
        .where(policy.flag_scope(user))
    )
    raised = filters.raised_range or (
        month_range(filters.raised_month) if filters.raised_month is not None else None)
    if filters.is_resolved:
        query = query.where(Flag.resolved_dt.is_not(None))
        if raised is None:
            query = query.where(Flag.resolved_dt >= now - timedelta(days=RESOLVED_DAYS))
    else:
        query = query.where(Flag.resolved_dt.is_(None))
    if raised is not None:
        query = query.where(Flag.raised_dt >= raised[0], Flag.raised_dt < raised[1])
    if filters.kind:
        query = query.where(Flag.kind == filters.kind)
    if filters.neighbourhood == NO_NEIGHBOURHOOD:
        query = query.where(Flag.case_id.is_(None),
                            ~_person_on_a_case(user.organisation_id))
    elif isinstance(filters.neighbourhood, int):
        query = query.where(sa.or_(
            flag_case.neighbourhood_id == filters.neighbourhood,
            sa.and_(Flag.case_id.is_(None),
                    _person_on_a_case(user.organisation_id, filters.neighbourhood)),
        ))
    return query


def count_flags_by_month(user, filters: QueueFilters, edges: list[datetime]) -> list[int]:
    """How many flags of the queue's query (live, or resolved, as `filters` says) were raised in
    each month bounded by `edges` (sara.core.sql.month_bucket): one GROUP BY, so each figure is
    the count of the queue filtered to that month."""
    flag_case = aliased(ProblemCase)
    month = month_bucket(Flag.raised_dt, edges)
    filters = dataclasses.replace(filters, raised_month=None, raised_range=(edges[0], edges[-1]))
    query = (_queue_query(user, filters, flag_case, utcnow())
             .with_only_columns(month.label("month")).subquery())
    counts = [0] * (len(edges) - 1)
    for index, count in db.session.execute(
            sa.select(query.c.month, sa.func.count()).group_by(query.c.month)):
        if index is not None:
            counts[index] = count
    return counts


def flag_queue(user, filters: QueueFilters, per_page: int = 50) -> QueuePage:
    """A page of the live (or recently resolved) flags of `user`'s force, newest first."""
    now = utcnow()
    flag_case = aliased(ProblemCase)
    query = _queue_query(user, filters, flag_case, now)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    page = max(1, filters.page)
    if (page - 1) * per_page >= total:
        return QueuePage([], total, page, per_page)
    rows = _queue_rows(user, filters, query, flag_case, per_page, (page - 1) * per_page)
    return QueuePage(rows, total, page, per_page)


def all_queue_rows(user, filters: QueueFilters) -> list[QueueRow]:
    """Every flag of the queue that passes `filters`, in the queue's order (the CSV export)."""
    flag_case = aliased(ProblemCase)
    return _queue_rows(user, filters, _queue_query(user, filters, flag_case, utcnow()), flag_case)


def _queue_rows(user, filters: QueueFilters, query: sa.Select, flag_case,
                limit: int | None = None, offset: int = 0) -> list[QueueRow]:
    newest = (Flag.resolved_dt.desc() if filters.is_resolved else Flag.raised_dt.desc())
    rows = db.session.execute(
        query.add_columns(flag_case.reference, flag_case.title, Neighbourhood.name,
                          Person.reference, Person.name)
        .outerjoin(Neighbourhood, Neighbourhood.id == flag_case.neighbourhood_id)
        .outerjoin(Person, Person.id == Flag.person_id)
        .order_by(newest, Flag.id.desc())
        .limit(limit).offset(offset)
    ).all()
    people_alone: set[int] | sa.Select = {
        flag.person_id for flag, *_ in rows if flag.case_id is None and flag.person_id}
    if limit is None and people_alone:
        # The whole queue: its people as a subquery, not a list of ids that could outgrow the
        # bind parameters one statement may carry.
        people_alone = (query.where(Flag.case_id.is_(None), Flag.person_id.is_not(None))
                        .with_only_columns(Flag.person_id).order_by(None))
    around = _neighbourhoods_of_people(user.organisation_id, people_alone)
    queue = [QueueRow(flag, case_ref, case_title, person_ref, person_name,
                      [hood] if flag.case_id is not None else around.get(flag.person_id, []))
             for flag, case_ref, case_title, hood, person_ref, person_name in rows]
    consultation.listed_references(
        "flag", [f"flag:{row.flag.id}" for row in queue]
        + [row.case_reference for row in queue] + [row.person_reference for row in queue],
        case_ids=[row.flag.case_id for row in queue],
        summary=consultation.counted(len(queue), "flag"))
    return queue


def _neighbourhoods_of_people(organisation_id: int, person_ids) -> dict[int, list[str]]:
    """person id -> the neighbourhoods of the organisation's cases they are linked to, in one
    query for a whole page. `person_ids` is a collection of ids or a SELECT of them."""
    if isinstance(person_ids, (set, frozenset, list, tuple)) and not person_ids:
        return {}
    links = sa.union(
        sa.select(CasePerson.person_id, CasePerson.case_id)
        .where(CasePerson.person_id.in_(person_ids)),
        sa.select(IncidentPerson.person_id, CaseIncident.case_id)
        .join(CaseIncident, CaseIncident.incident_id == IncidentPerson.incident_id)
        .where(IncidentPerson.person_id.in_(person_ids)),
    ).subquery()
    found: dict[int, list[str]] = {}
    for person_id, name in db.session.execute(
        sa.select(links.c.person_id, Neighbourhood.name).distinct()
        .join(ProblemCase, ProblemCase.id == links.c.case_id)
        .join(Neighbourhood, Neighbourhood.id == ProblemCase.neighbourhood_id)
        .where(ProblemCase.organisation_id == organisation_id)
        .order_by(links.c.person_id, Neighbourhood.name)
    ):
        found.setdefault(person_id, []).append(name)
    return found


# --- editing the rules' numbers ----------------------------------------------------------------

#: The scan job (sara.flags.jobs.JOBS) that re-applies each editable rule.
RESCAN_JOBS = {
    "repeat_victim": "repeat-victims",
    "repeat_victim_crime": "repeat-victims",
    "case_review": "case-review",
    # Due dates already set stay; the rescan re-checks them (a stage's clock is set as it starts).
    "asb_review_overdue": "asb-reviews",
    "review_overdue": "reviews",
    "evaluation_unsigned": "reviews",
}


def change_rule(kind: str, params: dict, user, organisation, *,
                seen_version: int | None = None) -> int | None:
    """Store new numbers for `organisation`'s rule as its next version, audit the change and
    rescan once the transaction commits. Returns the new version, or None when the numbers are
    unchanged. `seen_version` is the version the user edited; if someone saved another since,
    FlagError. Who may do this is the policy's business (policy.can_edit_flag_rules)."""
    if not organisation.is_police:
        raise FlagError("Only a police force has flag rules")
    version, before = current_rule(kind, organisation.id)
    if seen_version is not None and seen_version != version:
        raise FlagError(f"Someone else changed this rule while you were editing it (it is now "
                        f"version {version}). Check the numbers below and save again.")
    # A number not given keeps its value (a rule gains numbers: a script may not know them).
    after = {key: int(params.get(key, before[key])) for key in EDITABLE_RULES[kind]}
    if after == before:
        return None
    try:
        with db.session.begin_nested():
            db.session.add(FlagRule(organisation_id=organisation.id, kind=kind,
                                    version=version + 1, params=after, created_by_id=user.id))
    except sa.exc.IntegrityError:
        # Two admins saving at once: the unique (force, kind, version) lets one of them win.
        raise FlagError("Someone else changed this rule at the same moment. Check the numbers "
                        "below and save again.") from None
    audit.record(
        "alteration", user=user, record_type="setting", record_ref=f"flag_rule:{kind}",
        summary=(f"Changed {organisation.name}'s flag rule '{RULE_TITLES[kind]}' to version "
                 f"{version + 1}"),
        details={"organisation": organisation.name, "before": before, "after": after,
                 "version": version + 1,
                 "changes": [{"field": key, "before": before.get(key), "after": value}
                             for key, value in after.items() if before.get(key) != value]},
    )
    forget_rules()
    queue_rescan(kind)
    return version + 1


def queue_rescan(kind: str) -> None:
    """Rescan the rule's flags once the current transaction commits (a rolled-back change
    rescans nothing, and the scan sees the new numbers). One rescan per job and transaction."""
    if kind in RESCAN_JOBS:  # the same-incident window applies to reports to come
        outbox.defer("worker.tasks.run_scan", RESCAN_JOBS[kind], once=True)
