"""Reading flags and moving them through their life cycle."""

from __future__ import annotations

import sqlalchemy as sa

from sara.audit import service as audit
from sara.core.types import utcnow
from sara.extensions import db
from sara.flags.models import Flag


class FlagError(ValueError):
    pass


def live_flags_for_case(case) -> list[Flag]:
    return list(db.session.scalars(
        sa.select(Flag).where(Flag.case_id == case.id, Flag.resolved_dt.is_(None))
        .order_by(Flag.raised_dt)
    ))


def live_flags_for_person(person) -> list[Flag]:
    return list(db.session.scalars(
        sa.select(Flag).where(Flag.person_id == person.id, Flag.resolved_dt.is_(None))
        .order_by(Flag.raised_dt)
    ))


def describe(flag: Flag) -> str:
    """The flag in words, with its evidence, e.g. 'Repeat ASB victim: 4 incidents in the last
    12 months'."""
    ev = flag.evidence or {}
    if flag.kind == "repeat_victim":
        return (f"Repeat ASB victim: {ev.get('incidents')} ASB incidents in the last "
                f"{_window(ev.get('window_days'))} (threshold {ev.get('threshold')})")
    if flag.kind == "case_review":
        if "people" in ev:
            return (f"ASB case review threshold reached: {ev['people']} different people "
                    f"complained in {ev.get('window_days')} days (threshold {ev.get('threshold')})")
        return (f"ASB case review threshold reached: {ev.get('complaints')} complaints by one "
                f"person in {ev.get('window_days')} days (threshold {ev.get('threshold')})")
    if flag.kind == "action_overdue":
        return f"Action {ev.get('action')} overdue: it was due on {ev.get('due_date')}"
    if flag.kind == "review_overdue":
        return (f"Overdue for review: no supervisor review in {ev.get('days')} days, or past "
                f"the next review date ({ev.get('next_review_date') or 'none set'})")
    if flag.kind == "evaluation_unsigned":
        return f"Evaluation awaiting sign-off for more than {ev.get('days')} days"
    if flag.kind == "closed_unevaluated":
        return "Closed without an approved evaluation"
    return flag.kind_label


def _window(days) -> str:
    return "12 months" if days == 365 else f"{days} days"



def acknowledge(flag: Flag, user) -> None:
    if flag.status != "raised":
        raise FlagError("Only a newly raised flag can be acknowledged")
    flag.status = "acknowledged"
    flag.acknowledged_dt = utcnow()
    flag.acknowledged_by_id = user.id
    audit.record("alteration", user=user, record_type="flag", record_ref=f"flag:{flag.id}",
                 case=flag.case_id and _case(flag.case_id),
                 summary=f"Acknowledged the flag '{flag.kind_label}'")
    db.session.flush()


def _case(case_id):
    from sara.cases.models import ProblemCase

    return db.session.get(ProblemCase, case_id)
