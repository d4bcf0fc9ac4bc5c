"""Reading incidents: a case's linked incidents, the incidents suggested for it, and the cases an
incident is linked to. Every query starts from a policy scope (`linkable_incidents`, `case_scope`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from sara import policy
from sara.audit import consultation
from sara.cases.models import ProblemCase
from sara.core.paging import Paged
from sara.core.sql import month_bucket, month_range
from sara.core.types import local_zone
from sara.core.types import today as local_today
from sara.extensions import db
from sara.incidents.models import CaseIncident, Incident, IncidentImport, police_uk_number
from sara.orgs.models import Organisation

#: Metres in one degree of latitude (on the mean Earth radius, 6,371,008.8 m). Within a few
#: kilometres, an equirectangular projection is accurate to well under a metre.
METRES_PER_DEGREE = 6_371_008.8 * math.pi / 180
DEFAULT_RADIUS = 250
SUGGESTION_LIMIT = 200


@dataclass
class SuggestionFilters:
    radius: int = DEFAULT_RADIUS
    date_from: date | None = None
    date_to: date | None = None
    is_asb_only: bool = False

    def __post_init__(self):
        today = local_today()
        self.date_to = self.date_to or today
        self.date_from = self.date_from or _a_year_before(self.date_to)

    @property
    def period(self) -> tuple[date, date]:
        """(first day, last day), both filled in when the filters are made."""
        if self.date_from is None or self.date_to is None:
            raise ValueError("a suggestion period needs both of its days")
        return self.date_from, self.date_to


def _a_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@dataclass
class Suggestion:
    incident: Incident
    #: Metres from the case's location, when both have coordinates
    distance: float | None
    is_same_lsoa: bool


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=local_zone())


def linked_incidents(case: ProblemCase) -> list[CaseIncident]:
    """The incidents linked to a case, newest first (shown on the case: consulted)."""
    links = list(db.session.scalars(
        sa.select(CaseIncident).join(Incident, Incident.id == CaseIncident.incident_id)
        .where(CaseIncident.case_id == case.id)
        .order_by(Incident.occurred_dt.desc(), Incident.id.desc())))
    consultation.listed("incident", [link.incident for link in links], case_ids=[case.id],
                        summary=f"Listed the incidents linked to {case.reference}")
    return links


def incident_people_shown(user, incident: Incident):
    """The people on an incident, for those who may see them (each shown is a consultation of
    their record); None for everyone else."""
    if not policy.can_see_incident_people(user, incident):
        return None
    for link in incident.people:
        consultation.viewed("person", link.person,
                            summary=f"Viewed the personal details of {link.person.reference} "
                                    f"on incident {incident.reference}")
    return incident.people


def can_suggest(case: ProblemCase) -> bool:
    return bool(case.lsoa_code) or (case.latitude is not None and case.longitude is not None)


def suggestions(user, case: ProblemCase, filters: SuggestionFilters) -> list[Suggestion]:
    """Incidents of the case's force, not yet linked to it, in the case's LSOA or within
    `filters.radius` metres of its location, in the period; nearest first, at most 200.

    The distance is an equirectangular one computed with plain arithmetic, so the same SQL runs
    on SQLite and PostgreSQL: the cosine of the case's latitude is a constant from Python. A
    bounding box on latitude and longitude comes first, so the arithmetic runs on few rows."""
    near = []
    distance_sq: sa.ColumnElement = sa.null()
    if case.latitude is not None and case.longitude is not None:
        radius = float(filters.radius)
        cos_lat = max(math.cos(math.radians(case.latitude)), 1e-6)
        d_lat = radius / METRES_PER_DEGREE
        d_lon = radius / (METRES_PER_DEGREE * cos_lat)
        north = (Incident.latitude - case.latitude) * METRES_PER_DEGREE
        east = (Incident.longitude - case.longitude) * (METRES_PER_DEGREE * cos_lat)
        distance_sq = north * north + east * east
        near.append(sa.and_(
            Incident.latitude.between(case.latitude - d_lat, case.latitude + d_lat),
            Incident.longitude.between(case.longitude - d_lon, case.longitude + d_lon),
            distance_sq <= radius * radius,
        ))
    if case.lsoa_code:
        near.append(Incident.lsoa_code == case.lsoa_code)
    if not near:
        return []
    date_from, date_to = filters.period
    start = _local_midnight(date_from)
    end = _local_midnight(date_to + timedelta(days=1))
    # data.police.uk rows carry only their month (stored as its first day): a month that overlaps
    # the period counts.
    month_start = _local_midnight(date_from.replace(day=1))
    already = sa.select(CaseIncident.incident_id).where(CaseIncident.case_id == case.id)
    query = (
        policy.linkable_incidents(user, case)
        .add_columns(distance_sq.label("distance_sq"))
        .where(
            sa.or_(*near),
            Incident.occurred_dt < end,
            sa.or_(Incident.occurred_dt >= start,
                   sa.and_(Incident.occurred_precision == "month",
                           Incident.occurred_dt >= month_start)),
            Incident.id.not_in(already),
        )
    )
    if filters.is_asb_only:
        query = query.where(Incident.is_asb.is_(True))
    if case.latitude is not None and case.longitude is not None:
        query = query.order_by(sa.func.coalesce(distance_sq, radius * radius * 4))
    query = query.order_by(Incident.occurred_dt.desc(), Incident.id.desc()).limit(SUGGESTION_LIMIT)
    return [
        Suggestion(incident=incident,
                   distance=math.sqrt(d) if d is not None else None,
                   is_same_lsoa=bool(case.lsoa_code) and incident.lsoa_code == case.lsoa_code)
        for incident, d in db.session.execute(query).all()
    ]


def _by_reference(scope: sa.Select, text: str) -> list[Incident]:
    """The incidents of `scope` with this reference (as shown: a CAD or SARA number, PUK-123;
    or a data.police.uk Crime ID) or, failing that, this number. Several only when sources
    share a reference."""
    text = text.strip()
    scope = scope.order_by(Incident.id).limit(5)
    found = list(db.session.scalars(scope.where(Incident.source_key == text)))
    number = police_uk_number(text)
    if not found and number is not None and policy.is_an_id(number, policy.MAX_BIG_ID):
        found = list(db.session.scalars(scope.where(Incident.id == number,
                                                    Incident.source == "police_uk")))
    if not found and text.isascii() and text.isdigit() \
            and policy.is_an_id(int(text), policy.MAX_BIG_ID):
        found = list(db.session.scalars(scope.where(Incident.id == int(text))))
    return found


def reporting_bodies(organisation) -> list[tuple[int, str]]:
    """(id, name) of the organisations a complaint may have been made to: this one first,
    then every other, by name (their names are no secret)."""
    others = db.session.execute(sa.select(Organisation.id, Organisation.name)
                                .where(Organisation.id != organisation.id)
                                .order_by(Organisation.name)).all()
    return [(organisation.id, organisation.name), *((id_, name) for id_, name in others)]


def find_linkable(user, case: ProblemCase, text: str) -> list[Incident]:
    """The incidents `user` may link to the case with this reference or number."""
    return _by_reference(policy.linkable_incidents(user, case), text)


def find_visible(user, text: str) -> list[Incident]:
    """The incidents `user` may see with this reference or number."""
    return _by_reference(policy.visible_incidents(user), text)


def linkable_by_ids(user, case: ProblemCase, ids: list[int]) -> list[Incident]:
    ids = [i for i in ids if policy.is_an_id(i, policy.MAX_BIG_ID)]
    if not ids:
        return []
    return list(db.session.scalars(policy.linkable_incidents(user, case)
                                   .where(Incident.id.in_(ids)).order_by(Incident.id)))


def visible_linked_cases(user, incident: Incident) -> list[ProblemCase]:
    """The cases this incident is linked to that `user` may see."""
    cases = list(db.session.scalars(
        policy.visible_cases(user)
        .join(CaseIncident, CaseIncident.case_id == ProblemCase.id)
        .where(CaseIncident.incident_id == incident.id)
        .order_by(ProblemCase.reference)))
    consultation.listed("case", cases,
                        summary=f"Listed the cases incident {incident.reference} is linked to")
    return cases


def visible_incident_ids(user, ids: list[int]) -> set[int]:
    """Which of these incidents `user` may open (their own force's, by the policy's scope)."""
    if not ids:
        return set()
    return set(db.session.scalars(policy.visible_incidents(user).where(Incident.id.in_(ids))
                                  .with_only_columns(Incident.id)))


def recent_imports(user, limit: int = 10) -> list[IncidentImport]:
    """The latest uploads for the user's force."""
    return list(db.session.scalars(
        sa.select(IncidentImport).where(IncidentImport.organisation_id == user.organisation_id)
        .order_by(IncidentImport.id.desc()).limit(limit)))


# --- the incident list (and the dashboard's monthly counts, which link to it) ------------------

INCIDENTS_PER_PAGE = 50


@dataclass
class IncidentFilters:
    neighbourhood_id: int | None = None
    #: The first day of a local calendar month
    month: date | None = None
    is_asb_only: bool = False
    page: int = 1


@dataclass
class IncidentPage(Paged):
    incidents: list[Incident]
    total: int
    page: int
    per_page: int


def neighbourhood_lsoas(user, neighbourhood_id: int) -> sa.CompoundSelect:
    """The LSOAs taken as a neighbourhood's area: those of its cases, and of the incidents linked
    to them, among the cases `user` may see. Neighbourhoods have no boundary of their own yet, so
    this is an approximation: an incident counts for a neighbourhood when it lies in an LSOA where
    that neighbourhood's problem-solving already looks."""
    cases = sa.select(ProblemCase.id).where(policy.case_scope(user),
                                            ProblemCase.neighbourhood_id == neighbourhood_id)
    return sa.union(
        sa.select(ProblemCase.lsoa_code.label("lsoa_code"))
        .where(ProblemCase.id.in_(cases), ProblemCase.lsoa_code.is_not(None)),
        sa.select(Incident.lsoa_code.label("lsoa_code"))
        .join(CaseIncident, CaseIncident.incident_id == Incident.id)
        .where(CaseIncident.case_id.in_(cases), Incident.lsoa_code.is_not(None)),
    )


def filtered_incidents(user, filters: IncidentFilters) -> sa.Select:
    """The incidents `user` may see (their force's) that pass `filters`."""
    query = policy.visible_incidents(user)
    if filters.neighbourhood_id is not None:
        # The area's few codes are fetched first: as a subquery, PostgreSQL guessed thousands of
        # rows and planned the count for millions (bench/results/search_dashboard.md, S1).
        codes = db.session.scalars(neighbourhood_lsoas(user, filters.neighbourhood_id)).all()
        query = query.where(Incident.lsoa_code.in_(codes))
    if filters.month is not None:
        start, end = month_range(filters.month)
        query = query.where(Incident.occurred_dt >= start, Incident.occurred_dt < end)
    if filters.is_asb_only:
        query = query.where(Incident.is_asb.is_(True))
    return query


def incident_page(user, filters: IncidentFilters,
                  per_page: int = INCIDENTS_PER_PAGE) -> IncidentPage:
    query = filtered_incidents(user, filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    page = max(1, filters.page)
    rows = [] if (page - 1) * per_page >= total else list(db.session.scalars(
        query.order_by(Incident.occurred_dt.desc(), Incident.id.desc())
        .limit(per_page).offset((page - 1) * per_page)))
    consultation.listed("incident", rows, summary=f"Listed incidents ({total} found)", details={
        "filters": {"neighbourhood_id": filters.neighbourhood_id,
                    "month": filters.month and filters.month.isoformat()[:7],
                    "asb_only": filters.is_asb_only, "page": page}})
    return IncidentPage(rows, total, page, per_page)


def count_incidents_by_month(user, filters: IncidentFilters, edges: list[datetime]) -> list[int]:
    """How many incidents pass `filters` in each month bounded by `edges` (see month_bucket):
    one GROUP BY over the same query the list uses."""
    month = month_bucket(Incident.occurred_dt, edges)
    query = (filtered_incidents(user, filters)
             .where(Incident.occurred_dt >= edges[0], Incident.occurred_dt < edges[-1])
             .with_only_columns(month.label("month")).subquery())
    counts = [0] * (len(edges) - 1)
    for index, count in db.session.execute(
            sa.select(query.c.month, sa.func.count()).group_by(query.c.month)):
        if index is not None:
            counts[index] = count
    return counts
