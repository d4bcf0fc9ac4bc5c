"""Working days, and each stage's due date: the statutory guidance asks that areas publish how
quickly they decide and review, in working days, so weekends and England and Wales bank holidays
do not count."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

from sara.flags.rules import current_rule


@lru_cache(maxsize=32)
def _bank_holidays(year: int) -> frozenset[date]:
    # England's list is England and Wales': the two share every bank holiday.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The working day `days` working days after `start` (the day itself not counted): received
    on a Friday, 1 working day is the Monday, or the Tuesday after a bank holiday Monday."""
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days after `start`, up to and including `end` (0 when end <= start)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


#: The rule (sara.flags.rules EDITABLE_RULES) holding each stage's number of working days.
CLOCK_RULE = "asb_review_overdue"


def due_date(organisation_id: int, stage: str, start: date) -> date:
    """When `stage` ("decision", "meeting", "outcome") is due, counted from `start`, with the
    force's own numbers of working days."""
    _, params = current_rule(CLOCK_RULE, organisation_id)
    return add_working_days(start, int(params[f"{stage}_days"]))
