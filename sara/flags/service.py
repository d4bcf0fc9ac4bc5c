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
