"""The supervisor's queue: what needs a supervisor now, and the counts behind it.

Everything is counted with `sara.cases.queries.filtered_cases` (so within `policy.case_scope`),
and every count carries the case-list filters that list exactly the cases counted: the page links
each number to `/cases?<those filters>`. One `now` and `today` are used for the whole queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from sara import policy
from sara.asb_reviews.models import AsbReview
from sara.audit import consultation
from sara.cases.models import ProblemCase
from sara.cases.queries import (
    EVALUATION_FILTERS,
    CaseFilters,
    count_cases,
    count_cases_by,
    evaluation_state,
    filtered_cases,
    visible_neighbourhoods,
)
from sara.cases.taxonomy import STAGE_ORDER
from sara.core.types import local_zone, utcnow
from sara.core.types import today as local_today
from sara.evaluation.models import Evaluation
from sara.extensions import db
from sara.flags.models import Flag
from sara.flags.rules import ReviewDue, current_rule, review_due

#: How many cases each list on the queue shows; the count above it links to the full list.
QUEUE_ROWS = 50


@dataclass
class Count:
    """A number on the queue and the case-list query string that lists exactly those cases."""

    count: int
    params: dict


@dataclass
class CaseList:
    """One section of the queue: some of the cases, and how many there are in all."""

    total: Count
    rows: list = field(default_factory=list)

    @property
    def is_cut(self) -> bool:
        return self.total.count > len(self.rows)


@dataclass
class DueReview:
    case: ProblemCase
    #: The day the review fell due: the next review date, or 28 days after the last review
    due_on: date
    #: Why it is due, by the review-overdue rule, for the page to say in words
    why: ReviewDue


@dataclass
class AwaitingSignOff:
    case: ProblemCase
    submitted_dt: datetime
    days_waiting: int
    #: Waiting longer than the evaluation-awaiting-sign-off flag allows
    is_late: bool


@dataclass
class NeighbourhoodCounts:
    label: str
    #: None for the total row
    neighbourhood_id: int | None
    stages: dict[str, Count]
    open: Count
    review_due: Count
    evaluations: dict[str, Count]


@dataclass
class Queue:
    reviews_due: CaseList
    awaiting_sign_off: CaseList
    closed_unevaluated: CaseList
    neighbourhoods: list[NeighbourhoodCounts]
    total: NeighbourhoodCounts
    #: (review, flag) for each ASB case review whose stage is overdue, most overdue first
    asb_reviews_overdue: list = field(default_factory=list)


def supervisor_queue(user, now: datetime | None = None, today: date | None = None) -> Queue:
    now, today = now or utcnow(), today or local_today()
    neighbourhoods, total = _counts_by_neighbourhood(user, now, today)
    queue = Queue(
        reviews_due=_reviews_due(user, now, today, total.review_due),
        awaiting_sign_off=_awaiting_sign_off(user, now, today),
        closed_unevaluated=_closed_unevaluated(user, now, today),
        neighbourhoods=neighbourhoods,
        total=total,
        asb_reviews_overdue=_asb_reviews_overdue(user),
    )
    shown = {row.case.id: row.case for rows in (queue.reviews_due.rows,
                                                queue.awaiting_sign_off.rows) for row in rows}
    shown.update((case.id, case) for case, _state in queue.closed_unevaluated.rows)
    consultation.listed("case", shown.values(),
                        summary=consultation.counted(len(shown), "case") + " on the review queue")
    return queue


def _asb_reviews_overdue(user) -> list:
    """The live "ASB case review stage overdue" flags on the force's queue, with their reviews:
    the same flags as the flag queue's, one statement."""
    rows = db.session.execute(
        sa.select(AsbReview, Flag)
        .join(Flag, sa.and_(Flag.person_id == AsbReview.person_id, Flag.subject_key.like(
            sa.literal("asb_review:") + sa.cast(AsbReview.id, sa.String) + sa.literal(":%"))))
        .where(Flag.kind == "asb_review_overdue", Flag.resolved_dt.is_(None),
               policy.flag_scope(user), policy.asb_review_scope(user))
        .order_by(Flag.raised_dt, AsbReview.id)).all()
    consultation.listed("asb_review", [review for review, _flag in rows],
                        summary=consultation.counted(len(rows), "ASB case review")
                        + " overdue on the review queue")
    return [tuple(row) for row in rows]


# --- the three lists ---------------------------------------------------------------------------

def _due_on(last_seen: datetime, next_review_date: date | None, days: int) -> date:
    """When the review fell due, by the rule (the owning force's) of
    sara.cases.queries.review_due."""
    lapsed = (last_seen + timedelta(days=days)).astimezone(local_zone()).date()
    return min(lapsed, next_review_date) if next_review_date else lapsed


def _reviews_due(user, now, today, total: Count) -> CaseList:
    """Most overdue first. The order depends on two dates, so it is worked out on the (id, dates)
    of the due cases, and only the cases shown are loaded."""
    query = filtered_cases(user, CaseFilters(review="due"), now, today).with_only_columns(
        ProblemCase.id, ProblemCase.reference, ProblemCase.last_reviewed_dt,
        ProblemCase.created_dt, ProblemCase.next_review_date, ProblemCase.organisation_id,
    )
    due = []
    for case_id, reference, last_reviewed, created, next_review, force in db.session.execute(
            query):
        days = current_rule("review_overdue", force)[1]["days"]
        why = review_due(is_open=True, last_reviewed=last_reviewed, created=created,
                         next_review_date=next_review, now=now, today=today, days=days)
        if why is None:  # cannot happen: the same rule selected it
            continue
        due.append((_due_on(last_reviewed or created, next_review, days), reference, case_id,
                    why))
    due.sort(key=lambda row: row[:2])
    shown = [case_id for _, _, case_id, _ in due[:QUEUE_ROWS]]
    cases = {c.id: c for c in db.session.scalars(
        sa.select(ProblemCase).where(ProblemCase.id.in_(shown)))}
    rows = [DueReview(case=cases[case_id], due_on=due_on, why=why)
            for due_on, _, case_id, why in due[:QUEUE_ROWS]]
    # The total comes from the same filter as the table's per-neighbourhood counts.
    return CaseList(total=total, rows=rows)


def _awaiting_sign_off(user, now, today) -> CaseList:
    filters = CaseFilters(evaluation="submitted")
    query = (
        filtered_cases(user, filters, now, today)
        .add_columns(Evaluation.submitted_dt)
        .order_by(Evaluation.submitted_dt.asc().nulls_first(), ProblemCase.reference)
        .limit(QUEUE_ROWS)
    )
    rows = []
    for case, submitted_dt in db.session.execute(query):
        waited = now - submitted_dt if submitted_dt else timedelta(0)
        rows.append(AwaitingSignOff(
            case=case, submitted_dt=submitted_dt, days_waiting=waited.days,
            is_late=submitted_dt is not None and submitted_dt < now - timedelta(
                days=current_rule("evaluation_unsigned", case.organisation_id)[1]["days"]),
        ))
    return CaseList(total=_total(user, filters, now, today, evaluation="submitted"), rows=rows)


def _closed_unevaluated(user, now, today) -> CaseList:
    """Most recently closed first, with the state their evaluation was left in."""
    filters = CaseFilters(is_unevaluated=True)
    query = (
        filtered_cases(user, filters, now, today)
        .add_columns(evaluation_state)
        .order_by(ProblemCase.closed_dt.desc().nulls_last(), ProblemCase.reference.desc())
        .limit(QUEUE_ROWS)
    )
    rows = [(case, EVALUATION_FILTERS[state]) for case, state in db.session.execute(query)]
    return CaseList(total=_total(user, filters, now, today, unevaluated="1"), rows=rows)


def _total(user, filters: CaseFilters, now, today, **params) -> Count:
    return Count(count_cases(user, filters, now, today), params)


# --- counts by neighbourhood -------------------------------------------------------------------

def _counts_by_neighbourhood(user, now, today) -> tuple[list[NeighbourhoodCounts],
                                                        NeighbourhoodCounts]:
    """Open cases by stage, cases due for review and cases by evaluation state, per neighbourhood:
    three GROUP BY queries over the user's visible cases."""
    nid = ProblemCase.neighbourhood_id
    by_stage = count_cases_by(user, CaseFilters(status="open"), nid, ProblemCase.stage,
                              now=now, today=today)
    by_review = count_cases_by(user, CaseFilters(review="due"), nid, now=now, today=today)
    by_evaluation = count_cases_by(user, CaseFilters(), nid, evaluation_state,
                                   now=now, today=today)

    stage_counts = {(n, stage): c for n, stage, c in by_stage}
    review_counts = dict(by_review)
    evaluation_counts = {(n, state): c for n, state, c in by_evaluation}

    rows = []
    for neighbourhood in db.session.scalars(visible_neighbourhoods(user)):
        label = neighbourhood.name
        if neighbourhood.organisation_id != user.organisation_id:
            label = f"{neighbourhood.name} ({neighbourhood.organisation.name})"
        rows.append(_row(label, neighbourhood.id, stage_counts, review_counts, evaluation_counts))
    total = _row("All neighbourhoods", None,
                 _summed(stage_counts), {None: sum(review_counts.values())},
                 _summed(evaluation_counts))
    return rows, total


def _summed(counts: dict[tuple, int]) -> dict[tuple, int]:
    """Per-neighbourhood counts added up per column, keyed (None, column)."""
    totals: dict[tuple, int] = {}
    for (_, column), n in counts.items():
        totals[(None, column)] = totals.get((None, column), 0) + n
    return totals


def _row(label: str, neighbourhood_id: int | None, stage_counts, review_counts,
         evaluation_counts) -> NeighbourhoodCounts:
    where = {"neighbourhood": neighbourhood_id} if neighbourhood_id is not None else {}
    stages = {
        stage: Count(stage_counts.get((neighbourhood_id, stage), 0),
                     {**where, "stage": stage, "status": "open"})
        for stage in STAGE_ORDER
    }
    return NeighbourhoodCounts(
        label=label,
        neighbourhood_id=neighbourhood_id,
        stages=stages,
        open=Count(sum(c.count for c in stages.values()), {**where, "status": "open"}),
        review_due=Count(review_counts.get(neighbourhood_id, 0), {**where, "review": "due"}),
        evaluations={
            state: Count(evaluation_counts.get((neighbourhood_id, state), 0),
                         {**where, "evaluation": state})
            for state in EVALUATION_FILTERS
        },
    )
