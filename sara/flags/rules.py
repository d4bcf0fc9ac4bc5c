"""Each flag rule as a pure function: used for instant checks and to explain a flag.

The same rules run as set-based SQL over every row in sara.flags.scan; tests prove the two agree.
"""

from __future__ import annotations

from datetime import date

from sara.actions.models import LIVE_STATUSES


def action_is_overdue(status: str, due_date: date, today: date) -> bool:
    """Past its due date and not done (or cancelled). Due today is not yet overdue."""
    return status in LIVE_STATUSES and due_date < today
