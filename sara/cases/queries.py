"""The case list: filtering, sorting and paging, always starting from the policy's scope.

The supervisor's queue counts with the same `filtered_cases`, so a count and the list it links to
cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from sara import policy
from sara.audit import consultation
from sara.auth.models import User
from sara.cases.models import ProblemCase
from sara.cases.taxonomy import STAGE_ORDER
from sara.core.paging import Paged
from sara.core.sql import local_midnight
from sara.core.types import today as local_today
from sara.core.types import utcnow
from sara.evaluation.models import Evaluation
from sara.extensions import db
from sara.flags.rules import CLOSED_WITHOUT_EVALUATION_EXEMPT, rule_cutoff
from sara.orgs.models import Neighbourhood

#: The evaluation states a case can be listed by. "returned" is a draft carrying the supervisor's
#: comments; "draft" is one without. Every case is in exactly one of them.
EVALUATION_FILTERS = {
    "not_started": "Not started",
    "draft": "Draft",
    "returned": "Returned to draft",
    "submitted": "Submitted for sign-off",
    "approved": "Approved",
}
REVIEW_FILTERS = {"due": "Due or overdue"}


# --- the rules, as SQL over a case outer-joined to its evaluation ------------------------------

def review_due(now: datetime | None = None, today: date | None = None) -> sa.ColumnElement[bool]:
    """An open case with no supervisor review in N days (the number of the rule of the force
    that owns the case, 28 by default, counting from its creation if it was never reviewed), or
    past its next review date. The same condition as the review-overdue flag
    (sara.flags.scan.scan_review_overdue); a test proves they select the same cases."""
    now, today = now or utcnow(), today or local_today()
    last_seen = sa.func.coalesce(ProblemCase.last_reviewed_dt, ProblemCase.created_dt)
    cutoff = rule_cutoff("review_overdue", "days", ProblemCase.organisation_id, now,
                         like=ProblemCase.created_dt)
    return sa.and_(
        ProblemCase.status == "open",
        sa.or_(last_seen < cutoff, ProblemCase.next_review_date < today),
    )


def closed_unevaluated() -> sa.ColumnElement[bool]:
    """Closed for a reason that needs an evaluation, and the evaluation was never approved. The
    same condition as the closed-without-evaluation flag (scan_closed_unevaluated)."""
    return sa.and_(
        ProblemCase.status == "closed",
        ProblemCase.closure_reason.not_in(CLOSED_WITHOUT_EVALUATION_EXEMPT),
        sa.or_(Evaluation.id.is_(None), Evaluation.status != "approved"),
    )


#: The case's evaluation state (a key of EVALUATION_FILTERS), as a SQL expression.
evaluation_state = sa.case(
    (Evaluation.id.is_(None), "not_started"),
    (sa.and_(Evaluation.status == "draft", Evaluation.return_comments.is_not(None),
             Evaluation.return_comments != ""), "returned"),
    else_=Evaluation.status,
)

_stage_rank = sa.case({stage: i for i, stage in enumerate(STAGE_ORDER)}, value=ProblemCase.stage)

SORTS = {
    "reference": ProblemCase.reference,
    "title": sa.func.lower(ProblemCase.title),
    "stage": _stage_rank,
    "updated": ProblemCase.updated_dt,
    "last_review": ProblemCase.last_reviewed_dt,
    "next_review": ProblemCase.next_review_date,
}
DEFAULT_SORT = ("updated", "desc")
#: Sorts whose column may be empty: the empty ones go last either way.
_NULLABLE_SORTS = frozenset({"last_review", "next_review"})


@dataclass
class CaseFilters:
    stage: str | None = None
    status: str | None = None
    neighbourhood_id: int | None = None
    problem_type: str | None = None
    owner_id: int | None = None
    #: "due": open cases due or overdue for review
    review: str | None = None
    #: A key of EVALUATION_FILTERS
    evaluation: str | None = None
    #: Closed cases that needed an evaluation and have no approved one
    is_unevaluated: bool = False
    #: Opened (created) or closed on or between these local days; either end may be open
    opened_from: date | None = None
    opened_to: date | None = None
    closed_from: date | None = None
    closed_to: date | None = None
    #: An OUTCOMES key (sara.evaluation.models): the outcome given in the case's evaluation
    outcome: str | None = None
    sort: str = DEFAULT_SORT[0]
    direction: str = DEFAULT_SORT[1]
    page: int = 1


@dataclass
class CasePage(Paged):
    cases: list[ProblemCase]
    total: int
    page: int
    per_page: int


def filtered_cases(user, filters: CaseFilters, now: datetime | None = None,
                   today: date | None = None) -> sa.Select:
    """The cases `user` may see that pass `filters`, each outer-joined to its evaluation (at most
    one per case, so no case is repeated)."""
    query = policy.visible_cases(user).outerjoin(
        Evaluation, Evaluation.case_id == ProblemCase.id
    )
    query = query.where(*shared_conditions(filters))
    if filters.owner_id:
        query = query.where(ProblemCase.owner_id == filters.owner_id)
    if filters.review == "due":
        query = query.where(review_due(now, today))
    if filters.evaluation in EVALUATION_FILTERS:
        query = query.where(evaluation_state == filters.evaluation)
    if filters.is_unevaluated:
        query = query.where(closed_unevaluated())
    query = query.where(*between_days(ProblemCase.closed_dt, filters.closed_from,
                                      filters.closed_to))
    if filters.outcome:
        query = query.where(Evaluation.outcome == filters.outcome)
    return query


def between_days(column, first: date | None, last: date | None) -> list:
    """Conditions: `column` (a stored UTC instant) falls on or between two local days. The
    dashboard's monthly counts use the same instants (sara.core.sql.month_range)."""
    conditions = []
    # The first and last days Python knows bound nothing, and would overflow when shifted.
    if first is not None and first > date.min:
        conditions.append(column >= local_midnight(first))
    if last is not None and last < date.max:
        conditions.append(column < local_midnight(last + timedelta(days=1)))
    return conditions


def shared_conditions(filters) -> list:
    """The filters the case list and search have in common (stage, status, neighbourhood,
    problem type, opened between two days), from any object with those attributes."""
    conditions = []
    if filters.stage:
        conditions.append(ProblemCase.stage == filters.stage)
    if filters.status:
        conditions.append(ProblemCase.status == filters.status)
    if filters.neighbourhood_id:
        conditions.append(ProblemCase.neighbourhood_id == filters.neighbourhood_id)
    if filters.problem_type:
        conditions.append(ProblemCase.problem_type == filters.problem_type)
    conditions += between_days(ProblemCase.created_dt, filters.opened_from, filters.opened_to)
    return conditions


def count_cases(user, filters: CaseFilters, now: datetime | None = None,
                today: date | None = None) -> int:
    query = filtered_cases(user, filters, now, today)
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


def count_cases_by(user, filters: CaseFilters, *columns, now: datetime | None = None,
                   today: date | None = None) -> list[tuple]:
    """How many cases pass `filters`, for each distinct value of `columns`: one GROUP BY query.
    Returns (*values, count) rows; combinations with no cases are absent."""
    # Grouped over a subquery, so that a computed column (a CASE with bound values) is grouped by
    # its name rather than repeated, which PostgreSQL would not recognise as the same expression.
    grouped = (
        filtered_cases(user, filters, now, today)
        .with_only_columns(*(column.label(f"group_{i}") for i, column in enumerate(columns)))
        .subquery()
    )
    keys = list(grouped.c)
    query = sa.select(*keys, sa.func.count()).group_by(*keys)
    return [tuple(row) for row in db.session.execute(query)]


def case_ordering(filters: CaseFilters) -> tuple:
    """The list's ORDER BY: the chosen sort, then the reference, so that pages and exports are
    stable."""
    column = SORTS.get(filters.sort, SORTS[DEFAULT_SORT[0]])
    ordering = column.desc() if filters.direction == "desc" else column.asc()
    # Nulls (never reviewed, no review date) last either way.
    ordering = ordering.nulls_last() if filters.sort in _NULLABLE_SORTS else ordering
    return ordering, ProblemCase.reference.desc()


def case_page(user, filters: CaseFilters, per_page: int) -> CasePage:
    # One clock for the count and the rows, so a case cannot fall due between the two.
    now, today = utcnow(), local_today()
    query = filtered_cases(user, filters, now, today)
    total = count_cases(user, filters, now, today)
    page = max(1, filters.page)
    if (page - 1) * per_page >= (total or 0):
        # Past the last page: nothing to show, and an absurd offset never reaches the database.
        rows = []
    else:
        rows = db.session.scalars(
            query.order_by(*case_ordering(filters))
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).all()
    consultation.listed("case", rows, summary=consultation.counted(len(rows), "case"))
    return CasePage(cases=list(rows), total=total or 0, page=page, per_page=per_page)


def visible_neighbourhoods(user) -> sa.Select:
    """The neighbourhoods a user may filter by: those of the cases they can see, plus, for police,
    their own force's (so an empty neighbourhood can still be chosen)."""
    visible = policy.visible_cases(user).subquery()
    return sa.select(Neighbourhood).where(
        sa.or_(Neighbourhood.id.in_(sa.select(visible.c.neighbourhood_id)),
               Neighbourhood.organisation_id == user.organisation_id)
    ).order_by(Neighbourhood.name, Neighbourhood.id)


def filter_options(user) -> tuple[list, list]:
    """Neighbourhoods and owners to offer as filters: those of the cases the user can see, plus,
    for police, their own force's."""
    visible = policy.visible_cases(user).subquery()
    owner_ids = sa.select(visible.c.owner_id)
    owners = sa.select(User).where(
        sa.or_(User.id.in_(owner_ids), User.id.in_(
            policy.assignable_owners(user).with_only_columns(User.id).order_by(None)))
    )
    return (
        list(db.session.scalars(visible_neighbourhoods(user))),
        list(db.session.scalars(owners.order_by(User.name))),
    )
