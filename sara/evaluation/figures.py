"""Evaluation figures taken from incident data: ASB incidents in an area (an LSOA) in the before
and after periods, for the case's area and for the comparison area. Each figure records where it
came from, and anything typed over it afterwards is recorded as entered by hand."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from sara.core.rules import RuleError
from sara.core.types import local_zone, utcnow
from sara.evaluation.models import Evaluation
from sara.extensions import db
from sara.incidents.models import Incident

COUNT_FIELDS = {
    "before_count": ("area_lsoa", "before_start", "before_end"),
    "after_count": ("area_lsoa", "after_start", "after_end"),
    "comparison_before_count": ("comparison_lsoa", "before_start", "before_end"),
    "comparison_after_count": ("comparison_lsoa", "after_start", "after_end"),
}


class FiguresError(RuleError):
    """A change the rules do not allow; the message says why, `field` where."""


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    zone = local_zone()
    return (datetime.combine(start, time.min, tzinfo=zone),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone))


def count_asb(organisation_id: int, lsoa: str, start: date, end: date) -> int:
    """ASB incidents of the force in the LSOA between start and end (inclusive). Month-only
    police.uk incidents count in the month they are dated to (its first day)."""
    low, high = _bounds(start, end)
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Incident).where(
            Incident.organisation_id == organisation_id, Incident.is_asb.is_(True),
            Incident.lsoa_code == lsoa, Incident.occurred_dt >= low, Incident.occurred_dt < high)
    ) or 0


def fill_counts(evaluation: Evaluation) -> list[str]:
    """Fill every count whose area and period are set from the incidents; returns the fields
    filled. (sara.evaluation.service.fill_from_incidents records it.)"""
    if evaluation.status != "draft":
        raise FiguresError("Figures can only be filled in while the evaluation is a draft")
    filled = []
    sources = dict(evaluation.figures_source or {})
    for field, (area_field, start_field, end_field) in COUNT_FIELDS.items():
        lsoa = getattr(evaluation, area_field)
        start, end = getattr(evaluation, start_field), getattr(evaluation, end_field)
        if not (lsoa and start and end):
            continue
        setattr(evaluation, field, count_asb(evaluation.case.organisation_id, lsoa, start, end))
        sources[field] = {"source": "incidents", "lsoa": lsoa, "from": start.isoformat(),
                          "to": end.isoformat(), "asb_only": True,
                          "computed": utcnow().isoformat(timespec="minutes"),
                          "value": getattr(evaluation, field)}
        filled.append(field)
    if not filled:
        raise FiguresError("Enter the area's LSOA code and the before and after periods first",
                           field="area_lsoa")
    evaluation.figures_source = sources
    return filled


def note_manual_changes(evaluation: Evaluation, before: dict) -> None:
    """A count that differs from what the incidents gave is now the user's own figure."""
    sources = dict(evaluation.figures_source or {})
    for field in COUNT_FIELDS:
        value = getattr(evaluation, field)
        source = sources.get(field)
        if value != before.get(field) and not (source and source.get("value") == value):
            if value is None:
                sources.pop(field, None)
            else:
                sources[field] = {"source": "entered by hand"}
    evaluation.figures_source = sources or None


def describe_source(evaluation: Evaluation, field: str) -> str | None:
    source = (evaluation.figures_source or {}).get(field)
    if not source:
        return None
    if source.get("source") == "incidents":
        return (f"From incident data: ASB incidents in {source['lsoa']}, {source['from']} to "
                f"{source['to']}")
    return "Entered by hand"
