"""Public references (PS-2026-00042, PN-000123): numbers issued once by a counter, never reused."""

from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from sara.extensions import Model, db


class ReferenceCounter(Model):
    """The last number issued in each series ("case-2026", "person", ...)."""

    __tablename__ = "reference_counters"

    series: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


def next_number(series: str) -> int:
    """The next number in `series`. The counter row is updated in place, so concurrent requests
    queue on its row lock instead of both reading the same number."""
    bump = (
        sa.update(ReferenceCounter)
        .where(ReferenceCounter.series == series)
        .values(last_number=ReferenceCounter.last_number + 1)
        .returning(ReferenceCounter.last_number)
    )
    number = db.session.execute(bump).scalar()
    if number is not None:
        return number
    try:
        with db.session.begin_nested():
            db.session.add(ReferenceCounter(series=series, last_number=1))
        return 1
    except IntegrityError:
        # Another request started the series at the same moment.
        return db.session.execute(bump).scalar_one()


def case_reference(now: datetime) -> str:
    return f"PS-{now.year}-{next_number(f'case-{now.year}'):05d}"


def person_reference() -> str:
    return f"PN-{next_number('person'):06d}"


_PERSON_REFERENCE = re.compile(r"^PN-[A-Z0-9]{1,9}$")


def clean_person_reference(value: str | None) -> str | None:
    """`pn-000123`, ` PN-000123 ` or `123` -> `PN-000123`; None for anything that cannot be a
    person reference (so that it never reaches a query: PostgreSQL refuses NUL bytes)."""
    text = (value or "").strip().upper()
    if text.isdigit() and len(text) <= 6:
        text = f"PN-{int(text):06d}"
    return text if _PERSON_REFERENCE.match(text) else None
