"""Telling people that their actions have become overdue."""

from __future__ import annotations

import sqlalchemy as sa

from sara.actions.models import Action
from sara.actions.service import _link, _owners
from sara.extensions import db
from sara.flags.models import Flag
from sara.notifications.service import notify


def notify_newly_overdue(flag_ids: list[int]) -> None:
    """One notification per newly raised flag for the action's owners and its allocator. Only the
    flags this scan raised are visited; the detection itself is set-based (sara.flags.scan)."""
    if not flag_ids:
        return
    rows = db.session.execute(
        sa.select(Flag.id, Action).join(Action, Action.id == Flag.action_id)
        .where(Flag.id.in_(flag_ids))
    ).all()
    for flag_id, action in rows:
        notify(
            [action.created_by, *_owners(action)], kind="overdue",
            event_key=f"overdue-flag:{flag_id}",
            subject=f"Action {action.reference} is overdue",
            body=f"“{action.title}” on case {action.case.reference} ({action.case.title}) "
                 f"was due on {action.due_date:%d %B %Y} and is not done.",
            link=_link(action), case=action.case,
        )
