"""The good-practice library and the "what works" figures, as SQL.

The library always starts from `policy.library_cases(user)` (approved evaluations marked as good
practice whose case study was published) and shows the published case study's own text, plus the
structured labels it can be filtered by (problem type, tactic categories and sides, outcome):
never the case's title, description, location, analysis, tactics' text or evaluation text. The
pages get `LibraryEntry` values, not cases, so a template cannot reach the case's text.

"What works" always starts from `policy.visible_cases(user)` (every approved evaluation the user
may see) and shows figures and labels. Nothing here reads the people tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from sara import policy
from sara.audit import consultation
from sara.cases.models import PlannedTactic, ProblemCase
from sara.cases.taxonomy import TACTIC_CATEGORIES, TRIANGLE_SIDES
from sara.core.paging import Paged
from sara.evaluation.models import EFFECTIVENESS, Evaluation, TacticResult
from sara.extensions import db
from sara.library.models import CaseStudy

#: The columns free-text search looks in: the published case study's text, and nothing else.
SEARCHED_TEXT = (
    CaseStudy.title,
    CaseStudy.problem,
    CaseStudy.analysis,
    CaseStudy.response,
    CaseStudy.assessment,
    CaseStudy.lessons,
)
#: A query longer than this many words is cut, so a pasted essay cannot build a huge WHERE.
MAX_SEARCH_TERMS = 10


@dataclass
class LibraryFilters:
    text: str | None = None
    problem_type: str | None = None
    category: str | None = None
    side: str | None = None
    outcome: str | None = None
    page: int = 1


@dataclass(frozen=True)
class TacticUsed:
    """One planned tactic, by its labels only (its own description is the case's text)."""

    category_label: str
    side_label: str
    #: An EFFECTIVENESS label, or None for a tactic planned after the evaluation
    effectiveness_label: str | None
    is_effective: bool


@dataclass(frozen=True)
class LibraryEntry:
    """What the library shows of one case."""

    reference: str
    title: str
    problem: str
    analysis: str
    response: str
    assessment: str
    lessons: str
    published_dt: datetime | None
    force: str
    problem_type_label: str
    outcome: str | None
    outcome_label: str | None
    tactics: tuple[TacticUsed, ...] = ()

    @property
    def what_worked(self) -> list[TacticUsed]:
        return [tactic for tactic in self.tactics if tactic.is_effective]


def _entry(case: ProblemCase, tactics: tuple[TacticUsed, ...] = ()) -> LibraryEntry:
    study, evaluation = case.case_study, case.evaluation
    return LibraryEntry(
        reference=case.reference, title=study.title, problem=study.problem,
        analysis=study.analysis, response=study.response, assessment=study.assessment,
        lessons=study.lessons, published_dt=study.published_dt, force=case.organisation.name,
        problem_type_label=case.problem_type_label, outcome=evaluation.outcome,
        outcome_label=evaluation.outcome_label, tactics=tactics,
    )


@dataclass
class LibraryPage(Paged):
    entries: list[LibraryEntry]
    total: int
    page: int
    per_page: int


def _like_pattern(term: str) -> str:
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _text_condition(text: str) -> sa.ColumnElement[bool]:
    """Every word must appear in at least one of the searched columns (case-insensitive)."""
    terms = text.split()[:MAX_SEARCH_TERMS]
    return sa.and_(*(
        sa.or_(*(sa.func.lower(column).like(_like_pattern(term), escape="\\")
                 for column in SEARCHED_TEXT))
        for term in terms
    ))


def _used_tactic(category: str | None, side: str | None) -> sa.ColumnElement[bool]:
    """The case has one planned tactic of this category aimed at this side (the same tactic when
    both are given, as "what works" counts them)."""
    conditions = []
    if category:
        conditions.append(PlannedTactic.category == category)
    if side:
        conditions.append(PlannedTactic.triangle_side == side)
    return ProblemCase.id.in_(sa.select(PlannedTactic.case_id).where(*conditions))


def library_query(user, filters: LibraryFilters) -> sa.Select:
    """The library's search, from `policy.library_cases` (which joins the evaluation and the
    case study)."""
    query = policy.library_cases(user)
    if filters.text and filters.text.split():
        query = query.where(_text_condition(filters.text))
    if filters.problem_type:
        query = query.where(ProblemCase.problem_type == filters.problem_type)
    if filters.category or filters.side:
        query = query.where(_used_tactic(filters.category, filters.side))
    if filters.outcome:
        query = query.where(Evaluation.outcome == filters.outcome)
    return query


def library_page(user, filters: LibraryFilters, per_page: int) -> LibraryPage:
    query = library_query(user, filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    page = max(1, filters.page)
    if (page - 1) * per_page >= total:
        return LibraryPage(entries=[], total=total, page=page, per_page=per_page)
    rows = db.session.scalars(
        query.options(
            # The evaluation and case study come from the policy's own joins; the force is
            # loaded with the same statement: one query for the whole page.
            contains_eager(ProblemCase.evaluation),
            contains_eager(ProblemCase.case_study),
            joinedload(ProblemCase.organisation),
        )
        .order_by(CaseStudy.published_dt.desc(), ProblemCase.reference.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).unique().all()
    consultation.listed("case", rows,
                        summary=consultation.counted(len(rows), "case study") + " in the library")
    return LibraryPage(entries=[_entry(case) for case in rows], total=total, page=page,
                       per_page=per_page)


# --- the case study ----------------------------------------------------------------------------

def case_study(case: ProblemCase) -> LibraryEntry:
    """A case in the library (from `policy.get_case_study_or_404`), as the library shows it."""
    results = {row.tactic_id: row for row in case.evaluation.tactic_results}
    tactics = []
    for tactic in case.tactics:
        result = results.get(tactic.id)
        tactics.append(TacticUsed(
            category_label=tactic.category_label, side_label=tactic.triangle_side_label,
            effectiveness_label=EFFECTIVENESS[result.effectiveness] if result else None,
            is_effective=result is not None and result.effectiveness == "effective",
        ))
    return _entry(case, tuple(tactics))


# --- what works --------------------------------------------------------------------------------

@dataclass
class WhatWorksRow:
    category: str
    #: None for the category's total over all sides
    side: str | None
    cases: int = 0
    uses: int = 0
    effective_uses: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def category_label(self) -> str:
        return TACTIC_CATEGORIES[self.category]

    @property
    def side_label(self) -> str | None:
        return TRIANGLE_SIDES[self.side] if self.side else None

    @property
    def effective_share(self) -> float | None:
        return self.effective_uses / self.uses * 100 if self.uses else None


def _evaluated_tactics(user, problem_type: str | None) -> sa.Select:
    """Planned tactics with their result, in approved evaluations of cases `user` can see."""
    query = (
        policy.visible_cases(user)
        .join(Evaluation, Evaluation.case_id == ProblemCase.id)
        .join(TacticResult, TacticResult.evaluation_id == Evaluation.id)
        .join(PlannedTactic, PlannedTactic.id == TacticResult.tactic_id)
        .where(Evaluation.status == "approved")
    )
    if problem_type:
        query = query.where(ProblemCase.problem_type == problem_type)
    return query


def what_works(user, problem_type: str | None = None) -> list[WhatWorksRow]:
    """One row per tactic category (its total over all sides), each followed by one row per
    triangle side it was aimed at.

    Counted in SQL, grouped by outcome as well: an evaluation has exactly one outcome, so a case
    falls in one outcome group and the case count is the sum over the groups.
    """
    base = _evaluated_tactics(user, problem_type)
    measures = (
        sa.func.count(sa.distinct(ProblemCase.id)).label("cases"),
        sa.func.count(TacticResult.id).label("uses"),
        sa.func.sum(sa.case((TacticResult.effectiveness == "effective", 1), else_=0))
        .label("effective"),
    )
    by_side = base.with_only_columns(
        PlannedTactic.category, PlannedTactic.triangle_side, Evaluation.outcome, *measures
    ).group_by(PlannedTactic.category, PlannedTactic.triangle_side, Evaluation.outcome)
    by_category = base.with_only_columns(
        PlannedTactic.category, Evaluation.outcome, *measures
    ).group_by(PlannedTactic.category, Evaluation.outcome)

    rows: dict[tuple[str, str | None], WhatWorksRow] = {}

    def add(category, side, outcome, cases, uses, effective):
        row = rows.setdefault((category, side), WhatWorksRow(category, side))
        row.cases += cases
        row.uses += uses
        row.effective_uses += effective or 0
        if outcome:
            row.outcomes[outcome] = row.outcomes.get(outcome, 0) + cases

    for category, side, outcome, cases, uses, effective in db.session.execute(by_side):
        add(category, side, outcome, cases, uses, effective)
    for category, outcome, cases, uses, effective in db.session.execute(by_category):
        add(category, None, outcome, cases, uses, effective)

    ordered = []
    for category in TACTIC_CATEGORIES:
        if (category, None) in rows:
            ordered.append(rows[(category, None)])
            ordered.extend(rows[(category, side)] for side in TRIANGLE_SIDES
                           if (category, side) in rows)
    return ordered


@dataclass
class WhatWorksFilters:
    category: str | None = None
    side: str | None = None
    outcome: str | None = None
    problem_type: str | None = None


def what_works_cases(user, filters: WhatWorksFilters) -> list[ProblemCase]:
    """The cases behind one figure of `what_works`: the same scope and conditions, one row per
    case, so the list is exactly as long as the figure. Each comes with its case study (or none)
    loaded, so the list can link a published one by its own title."""
    used = sa.select(TacticResult.evaluation_id).join(
        PlannedTactic, PlannedTactic.id == TacticResult.tactic_id)
    if filters.category:
        used = used.where(PlannedTactic.category == filters.category)
    if filters.side:
        used = used.where(PlannedTactic.triangle_side == filters.side)
    query = (
        policy.visible_cases(user)
        .join(Evaluation, Evaluation.case_id == ProblemCase.id)
        .outerjoin(CaseStudy, CaseStudy.case_id == ProblemCase.id)
        .where(Evaluation.status == "approved", Evaluation.id.in_(used))
        .options(contains_eager(ProblemCase.evaluation), contains_eager(ProblemCase.case_study))
        .order_by(Evaluation.decided_dt.desc(), ProblemCase.reference.desc())
    )
    if filters.outcome:
        query = query.where(Evaluation.outcome == filters.outcome)
    if filters.problem_type:
        query = query.where(ProblemCase.problem_type == filters.problem_type)
    cases = list(db.session.scalars(query).unique())
    consultation.listed("case", cases,
                        summary=consultation.counted(len(cases), "case") + " behind a figure of "
                                                                           "what works")
    return cases
