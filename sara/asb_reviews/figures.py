"""The figures a relevant body must publish about ASB case reviews (Anti-social Behaviour, Crime
and Policing Act 2014 s.104(10)): applications, thresholds not met, reviews carried out and
reviews that led to recommendations, for a period, per area. Only counts leave here: no names,
no references, nothing about a person.

Each count is taken by the date of its own event, so one review can count in one period as an
application and in the next as a review carried out, as the published figures of each year say.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, timedelta

import sqlalchemy as sa

from sara import policy
from sara.asb_reviews.models import AsbReview, AsbReviewRecommendation
from sara.core.sql import local_midnight
from sara.extensions import db
from sara.orgs.models import Neighbourhood

#: The counts in the order the page and the file give them, with their headings.
COLUMNS = {
    "applications": "Applications received",
    "not_met": "Threshold not met",
    "met": "Threshold met",
    "carried_out": "Reviews carried out",
    "with_recommendations": "Reviews leading to recommendations",
    "awaiting": "Awaiting a threshold decision at the end of the period",
}


@dataclass(frozen=True)
class AreaFigures:
    area: str
    applications: int = 0
    not_met: int = 0
    met: int = 0
    carried_out: int = 0
    with_recommendations: int = 0
    awaiting: int = 0

    def counts(self) -> list[int]:
        return [getattr(self, name) for name in COLUMNS]


@dataclass(frozen=True)
class Figures:
    start: date
    end: date
    #: One per area that had anything to count, by name
    areas: list[AreaFigures]
    total: AreaFigures


def default_period(day: date) -> tuple[date, date]:
    """The last twelve whole months before `day`'s month: from 1 June 2025 to 31 May 2026 on
    any day of June 2026, the span a yearly publication covers."""
    first_of_month = day.replace(day=1)
    return first_of_month.replace(year=first_of_month.year - 1), first_of_month - timedelta(days=1)


def _count(condition) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def figures(user, start: date, end: date, neighbourhood_id: int | None = None) -> Figures:
    """The counts of the reviews `user` may count (their force's), for the days `start` to `end`
    inclusive, per neighbourhood: one grouped statement."""
    # A decision is dated on the day it was made in the UK, whatever the server's zone: its
    # instant is compared with the UK midnights that bound the period.
    decided_in = sa.and_(AsbReview.decided_dt >= local_midnight(start),
                         AsbReview.decided_dt < local_midnight(end + timedelta(days=1)))
    received = AsbReview.received_date.between(start, end)
    not_met = sa.and_(decided_in, AsbReview.is_threshold_met.is_(False))
    met = sa.and_(decided_in, AsbReview.is_threshold_met.is_(True))
    carried_out = AsbReview.meeting_date.between(start, end)
    recommended = sa.exists().where(AsbReviewRecommendation.review_id == AsbReview.id)
    # Undecided when the period ended: received by then, and not decided until after it (or
    # not yet), so a past period's figure stays what it was.
    awaiting = sa.and_(AsbReview.received_date <= end,
                       sa.or_(AsbReview.decided_dt.is_(None),
                              AsbReview.decided_dt >= local_midnight(end + timedelta(days=1))))
    query = (
        sa.select(Neighbourhood.name,
                  _count(received), _count(not_met), _count(met), _count(carried_out),
                  _count(sa.and_(carried_out, recommended)), _count(awaiting))
        .join(Neighbourhood, Neighbourhood.id == AsbReview.neighbourhood_id)
        .where(policy.asb_review_scope(user) if policy.can_see_asb_review_figures(user)
               else sa.false(),
               sa.or_(received, decided_in, carried_out, awaiting))
        .group_by(Neighbourhood.id, Neighbourhood.name)
        .order_by(Neighbourhood.name)
    )
    if neighbourhood_id is not None:
        query = query.where(AsbReview.neighbourhood_id == neighbourhood_id)
    areas = [AreaFigures(name, *map(int, counts)) for name, *counts in db.session.execute(query)]
    total = AreaFigures("All areas", *(sum(getattr(area, f.name) for area in areas)
                                       for f in fields(AreaFigures) if f.name != "area"))
    return Figures(start, end, areas, total)


def rows(result: Figures) -> list[list]:
    """The file's rows: the period, the area and its counts; the total last."""
    return [[result.start.isoformat(), result.end.isoformat(), area.area, *area.counts()]
            for area in [*result.areas, result.total]]


HEADER = ("Period start", "Period end", "Area", *COLUMNS.values())
