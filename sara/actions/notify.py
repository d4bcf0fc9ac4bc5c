"""Whom an action's news goes to, and telling them that their actions are done or have become
overdue."""

from __future__ import annotations

import sqlalchemy as sa

from sara.actions.models import Action
from sara.auth.models import User
from sara.extensions import db
from sara.flags.models import Flag
from sara.notifications.service import notify
from sara.orgs.models import Organisation
from sara.roles import ACTION_ROLES


def _members(organisation: Organisation) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).where(User.organisation_id == organisation.id, User.is_enabled.is_(True),
                              User.role.in_(ACTION_ROLES))
    ))


def owners(action: Action) -> list[User]:
    """The people an action belongs to: its allocated person, or everyone in its organisation."""
    if action.allocated_user is not None:
        return [action.allocated_user]
    if action.allocated_organisation is not None:
        return _members(action.allocated_organisation)
    return []


def action_link(action: Action) -> str:
    """The action's page, as a path (also used from Celery, where there is no request)."""
    return f"/cases/{action.case.reference}/actions/{action.reference}"


def notify_done(action: Action, actor: User, entry_id: int) -> None:
    """Tell whoever allocated the action that it is done, with its result."""
    notify(
        [action.created_by], kind="action_done", event_key=f"action-entry:{entry_id}",
        subject=f"Action {action.reference} is done",
        body=f"{actor.name} completed “{action.title}” on case {action.case.reference} "
             f"({action.case.title}). The result:\n\n{action.result}",
        link=action_link(action), case=action.case, exclude=actor,
    )


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
            [action.created_by, *owners(action)], kind="overdue",
            event_key=f"overdue-flag:{flag_id}",
            subject=f"Action {action.reference} is overdue",
            body=f"“{action.title}” on case {action.case.reference} ({action.case.title}) "
                 f"was due on {action.due_date:%d %B %Y} and is not done.",
            link=action_link(action), case=action.case,
        )
