"""The case list: filtering, sorting and paging, always starting from the policy's scope."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from sara import policy
from sara.cases.models import ProblemCase
from sara.cases.taxonomy import STAGE_ORDER
from sara.extensions import db

_stage_rank = sa.case({stage: i for i, stage in enumerate(STAGE_ORDER)}, value=ProblemCase.stage)

SORTS = {
    "reference": ProblemCase.reference,
    "title": sa.func.lower(ProblemCase.title),
    "stage": _stage_rank,
    "updated": ProblemCase.updated_dt,
    "next_review": ProblemCase.next_review_date,
}
DEFAULT_SORT = ("updated", "desc")


@dataclass
class CaseFilters:
    stage: str | None = None
    status: str | None = None
    neighbourhood_id: int | None = None
    problem_type: str | None = None
    owner_id: int | None = None
    sort: str = DEFAULT_SORT[0]
    direction: str = DEFAULT_SORT[1]
    page: int = 1


@dataclass
class CasePage:
    cases: list[ProblemCase]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def filtered_cases(user, filters: CaseFilters) -> sa.Select:
    query = policy.visible_cases(user)
    if filters.stage:
        query = query.where(ProblemCase.stage == filters.stage)
    if filters.status:
        query = query.where(ProblemCase.status == filters.status)
    if filters.neighbourhood_id:
        query = query.where(ProblemCase.neighbourhood_id == filters.neighbourhood_id)
    if filters.problem_type:
        query = query.where(ProblemCase.problem_type == filters.problem_type)
    if filters.owner_id:
        query = query.where(ProblemCase.owner_id == filters.owner_id)
    return query


def case_page(user, filters: CaseFilters, per_page: int) -> CasePage:
    query = filtered_cases(user, filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    column = SORTS.get(filters.sort, SORTS[DEFAULT_SORT[0]])
    ordering = column.desc() if filters.direction == "desc" else column.asc()
    # Nulls (no review date yet) last either way; the reference breaks ties so pages are stable.
    ordering = ordering.nulls_last() if filters.sort == "next_review" else ordering
    page = max(1, filters.page)
    if (page - 1) * per_page >= (total or 0):
        # Past the last page: nothing to show, and an absurd offset never reaches the database.
        rows = []
    else:
        rows = db.session.scalars(
            query.order_by(ordering, ProblemCase.reference.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).all()
    return CasePage(cases=list(rows), total=total or 0, page=page, per_page=per_page)


def filter_options(user) -> tuple[list, list]:
    """Neighbourhoods and owners to offer as filters: those of the cases the user can see, plus,
    for police, their own force's (so an empty neighbourhood can still be chosen)."""
    from sara.auth.models import User
    from sara.orgs.models import Neighbourhood

    visible = policy.visible_cases(user).subquery()
    neighbourhood_ids = sa.select(visible.c.neighbourhood_id)
    owner_ids = sa.select(visible.c.owner_id)
    neighbourhoods = sa.select(Neighbourhood).where(
        sa.or_(Neighbourhood.id.in_(neighbourhood_ids),
               Neighbourhood.organisation_id == user.organisation_id)
    )
    owners = sa.select(User).where(
        sa.or_(User.id.in_(owner_ids), User.id.in_(
            policy.assignable_owners(user).with_only_columns(User.id).order_by(None)))
    )
    return (
        list(db.session.scalars(neighbourhoods.order_by(Neighbourhood.name))),
        list(db.session.scalars(owners.order_by(User.name))),
    )
