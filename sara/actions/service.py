"""Allocating actions, moving them to done, and their notes. Functions flush; callers commit.

Every change is written three times, on purpose: to the action's own history, to the case
timeline (so the case tells its whole story), and to the audit log.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from sara import policy
from sara.actions.models import ACTION_STATUSES, LIVE_STATUSES, PRIORITIES, Action, ActionEntry
from sara.actions.notify import action_link, notify_done, notify_newly_overdue, owners
from sara.audit import consultation
from sara.audit import service as audit
from sara.auth.models import User
from sara.cases import service as case_service
from sara.cases.models import ProblemCase
from sara.cases.taxonomy import TACTIC_CATEGORIES, TRIANGLE_SIDES
from sara.core.references import next_number
from sara.core.rules import RuleError
from sara.core.types import today, utcnow
from sara.extensions import db
from sara.flags.scan import scan_action_overdue
from sara.notifications.service import notify
from sara.orgs.models import Organisation
from sara.partners.models import CaseShare
from sara.roles import ACTION_ROLES

#: Which status may follow which. Done and cancelled actions can be reopened.
TRANSITIONS = {
    "open": {"in_progress", "done", "cancelled"},
    "in_progress": {"open", "done", "cancelled"},
    "done": {"open"},
    "cancelled": {"open"},
}


class ActionError(RuleError):
    """A change the rules do not allow; the message says why, `field` where."""


class ActionVersionConflict(Exception):
    pass


def action_reference() -> str:
    return f"AC-{next_number('action'):06d}"


# --- who an action can go to -------------------------------------------------------------------

def allocation_targets(case: ProblemCase) -> tuple[list[Organisation], list[User]]:
    """The owning force and every organisation or person the case is shared with, and their
    active users: an action can only go to someone who can see the case."""
    live = sa.and_(CaseShare.case_id == case.id, CaseShare.ended_dt.is_(None))
    org_ids = sa.select(CaseShare.organisation_id).where(
        live, CaseShare.organisation_id.is_not(None)
    )
    named_ids = sa.select(CaseShare.user_id).where(live, CaseShare.user_id.is_not(None))
    organisations = db.session.scalars(
        sa.select(Organisation)
        .where(sa.or_(Organisation.id == case.organisation_id, Organisation.id.in_(org_ids)))
        .order_by(Organisation.id != case.organisation_id, Organisation.name)
    ).all()
    users = db.session.scalars(
        sa.select(User)
        .where(
            User.is_enabled.is_(True),
            User.role.in_(ACTION_ROLES),
            sa.or_(User.organisation_id.in_([o.id for o in organisations]), User.id.in_(named_ids)),
        )
        .order_by(User.name)
    ).all()
    return list(organisations), list(users)


def parse_allocation(case: ProblemCase, value: str | None):
    """'user:12' or 'org:3' -> (user, organisation), checked against allocation_targets."""
    kind, _, raw_id = (value or "").partition(":")
    organisations, users = allocation_targets(case)
    try:
        wanted = int(raw_id)
    except ValueError:
        wanted = None
    if kind == "user":
        user = next((u for u in users if u.id == wanted), None)
        if user:
            return user, None
    elif kind == "org":
        organisation = next((o for o in organisations if o.id == wanted), None)
        if organisation:
            return None, organisation
    raise ActionError(
        "Choose who the action is for: the owning force, an organisation the case is shared "
        "with, or one of their people", field="allocation",
    )


# --- recording ---------------------------------------------------------------------------------

def _entry(action: Action, user: User, kind: str, text: str | None = None, **status) -> ActionEntry:
    entry = ActionEntry(action=action, user_id=user.id, kind=kind, text=text, **status)
    db.session.add(entry)
    db.session.flush()
    return entry


def _timeline(action: Action, user: User, summary: str) -> None:
    case_service.record_event(action.case, user, "action", summary=summary)
    audit.record("alteration", user=user, case=action.case, record_type="action",
                 record_ref=action.reference, summary=summary)


def _touch(action: Action) -> None:
    action.updated_dt = utcnow()


def _check_version(action: Action, expected_version: int | None) -> None:
    if expected_version is not None and action.version != expected_version:
        raise ActionVersionConflict()


# --- creating and editing ----------------------------------------------------------------------

def _validate(values: dict) -> None:
    if not (values.get("title") or "").strip():
        raise ActionError("Enter a title for the action", field="title")
    if values.get("tactic_category") not in TACTIC_CATEGORIES:
        raise ActionError("Choose the type of tactic", field="tactic_category")
    if values.get("triangle_side") not in TRIANGLE_SIDES:
        raise ActionError("Choose the side of the triangle it targets", field="triangle_side")
    if values.get("priority") not in PRIORITIES:
        raise ActionError("Choose a priority", field="priority")
    if not isinstance(values.get("due_date"), date):
        raise ActionError("Enter the due date", field="due_date")


def create_action(case: ProblemCase, actor: User, values: dict) -> Action:
    _validate(values)
    if values["due_date"] < today():
        raise ActionError("The due date must be today or in the future", field="due_date")
    user, organisation = parse_allocation(case, values.get("allocation"))
    action = Action(
        reference=action_reference(),
        case=case,
        title=values["title"].strip(),
        description=(values.get("description") or "").strip(),
        tactic_category=values["tactic_category"],
        triangle_side=values["triangle_side"],
        allocated_user=user,
        allocated_organisation=organisation,
        due_date=values["due_date"],
        priority=values["priority"],
        status="open",
        created_by_id=actor.id,
    )
    db.session.add(action)
    db.session.flush()
    entry = _entry(action, actor, "created", f"Allocated to {action.allocated_to_name}")
    _timeline(action, actor, f"Added action {action.reference} “{action.title}”, allocated to "
              f"{action.allocated_to_name}, due {action.due_date:%d %b %Y}")
    _notify_allocation(action, actor, entry)
    return action


def _notify_allocation(action: Action, actor: User, entry: ActionEntry) -> None:
    notify(
        owners(action), kind="allocated", event_key=f"action-entry:{entry.id}",
        subject=f"Action {action.reference} allocated to "
                f"{'you' if action.allocated_user else action.allocated_to_name}",
        body=f"{actor.name} allocated the action “{action.title}” on case "
             f"{action.case.reference} ({action.case.title}). It is due on "
             f"{action.due_date:%d %B %Y}.",
        link=action_link(action), case=action.case, exclude=actor,
    )


def update_action(action: Action, actor: User, values: dict, expected_version: int) -> list:
    """Change the title, description, tactic, priority, due date or allocation."""
    _check_version(action, expected_version)
    _validate(values)
    user, organisation = parse_allocation(action.case, values.get("allocation"))
    changes = []
    for field in ("title", "description", "tactic_category", "triangle_side", "priority",
                  "due_date"):
        new = values[field].strip() if isinstance(values[field], str) else values[field]
        if getattr(action, field) != new:
            changes.append(field.replace("_", " "))
            setattr(action, field, new)
    reallocated = (action.allocated_user_id, action.allocated_organisation_id) != (
        user.id if user else None, organisation.id if organisation else None)
    if reallocated:
        action.allocated_user, action.allocated_organisation = user, organisation
        changes.append("allocation")
    if not changes:
        return []
    _touch(action)
    db.session.flush()
    entry = _entry(action, actor, "allocated" if reallocated else "edited",
                   f"Changed {', '.join(changes)}"
                   + (f"; now allocated to {action.allocated_to_name}" if reallocated else ""))
    _timeline(action, actor, f"Changed {', '.join(changes)} of action {action.reference}")
    if reallocated:
        _notify_allocation(action, actor, entry)
    _recheck_overdue(action)
    return changes


def _recheck_overdue(action: Action) -> None:
    """The overdue flag follows at once, and a newly raised one tells people, as the scan does."""
    notify_newly_overdue(scan_action_overdue(action_ids=[action.id]).raised)


# --- working an action -------------------------------------------------------------------------

def change_status(action: Action, actor: User, to_status: str, text: str | None,
                  expected_version: int | None = None) -> None:
    _check_version(action, expected_version)
    text = (text or "").strip()
    if to_status not in ACTION_STATUSES or to_status not in TRANSITIONS[action.status]:
        raise ActionError(
            f"An action that is {action.status_label.lower()} cannot be moved to "
            f"{ACTION_STATUSES.get(to_status, to_status).lower()}", field="to_status",
        )
    if to_status == "done" and not text:
        raise ActionError("Enter the result: what was done and what it achieved", field="text")
    if to_status == "cancelled" and not text:
        raise ActionError("Enter why the action is being cancelled", field="text")
    from_status = action.status
    action.status = to_status
    if to_status == "done":
        action.result = text
        action.completed_dt = utcnow()
    elif to_status == "cancelled":
        action.cancel_reason = text
        action.completed_dt = utcnow()
    else:
        action.completed_dt = None
    _touch(action)
    db.session.flush()
    entry = _entry(action, actor, "status", text or None, from_status=from_status,
                   to_status=to_status)
    label = ACTION_STATUSES[to_status].lower()
    verb = "Reopened" if from_status not in LIVE_STATUSES else f"Moved to {label}"
    _timeline(action, actor, f"{verb}: action {action.reference} “{action.title}”"
              + (f". {text}" if text else ""))
    if to_status == "done":
        notify_done(action, actor, entry.id)
    # The overdue flag follows at once: resolved when done or cancelled, raised again on reopening.
    _recheck_overdue(action)


def add_note(action: Action, actor: User, text: str) -> ActionEntry:
    text = (text or "").strip()
    if not text:
        raise ActionError("Enter the note", field="text")
    entry = _entry(action, actor, "note", text)
    _touch(action)
    _timeline(action, actor, f"Note on action {action.reference}: {text}")
    notify(
        [action.created_by, *owners(action)], kind="note", event_key=f"action-entry:{entry.id}",
        subject=f"New note on action {action.reference}",
        body=f"{actor.name} added a note to “{action.title}” (case {action.case.reference}):"
             f"\n\n{text}",
        link=action_link(action), case=action.case, exclude=actor,
    )
    return entry


# --- reading -----------------------------------------------------------------------------------

def case_actions(case: ProblemCase) -> list[Action]:
    return list(db.session.scalars(
        sa.select(Action).where(Action.case_id == case.id)
        .order_by(Action.status.in_(LIVE_STATUSES).desc(), Action.due_date, Action.id)
    ))


ACTION_SORTS = {
    "due": Action.due_date,
    "status": sa.case({s: i for i, s in enumerate(ACTION_STATUSES)}, value=Action.status),
    "case": ProblemCase.reference,
}


def is_overdue(on: date | None = None) -> sa.ColumnElement[bool]:
    """SQL: live and past its due date (sara.flags.rules.action_is_overdue)."""
    return sa.and_(Action.status.in_(LIVE_STATUSES), Action.due_date < (on or today()))


def filtered_actions(user, scope: str, include_finished: bool = False,
                     is_overdue_only: bool = False, neighbourhood_id: int | None = None,
                     on: date | None = None) -> sa.Select:
    """The actions of one of the lists ('mine', 'organisation', 'allocated', or 'all' the user
    can see) that pass the filters. The dashboard and the header badge count with this same
    query. 'mine' is what the user is to do: allocated to them, or to their organisation as a
    whole (anyone there may pick it up), not to a named colleague."""
    query = policy.visible_actions(user)
    if scope == "mine":
        query = query.where(sa.or_(Action.allocated_user_id == user.id,
                                   Action.allocated_organisation_id == user.organisation_id))
    elif scope == "organisation":
        in_org = sa.select(User.id).where(User.organisation_id == user.organisation_id)
        query = query.where(sa.or_(Action.allocated_organisation_id == user.organisation_id,
                                   Action.allocated_user_id.in_(in_org)))
    elif scope == "allocated":
        query = query.where(Action.created_by_id == user.id)
    if not include_finished:
        query = query.where(Action.status.in_(LIVE_STATUSES))
    if is_overdue_only:
        query = query.where(is_overdue(on))
    if neighbourhood_id is not None:
        query = query.where(ProblemCase.neighbourhood_id == neighbourhood_id)
    return query


#: How many actions a list page shows; the page says when there are more (the CSV has them all).
LIST_LIMIT = 500


def action_list(user, scope: str, sort: str = "due", direction: str = "asc",
                include_finished: bool = False, limit: int | None = -1,
                is_overdue_only: bool = False,
                neighbourhood_id: int | None = None) -> list[Action]:
    """Actions across every case the user can see: 'mine', 'organisation', 'allocated' or
    'all'. `limit=None` gives every one (the CSV export)."""
    if limit == -1:
        limit = LIST_LIMIT
    query = filtered_actions(user, scope, include_finished, is_overdue_only, neighbourhood_id)
    column = ACTION_SORTS.get(sort, Action.due_date)
    order = column.desc() if direction == "desc" else column.asc()
    actions = list(db.session.scalars(
        query.order_by(order, Action.due_date, Action.id).limit(limit)
    ))
    consultation.listed("action", actions, summary=consultation.counted(len(actions), "action"))
    return actions


def count_actions(user, scope: str, include_finished: bool = False,
                  is_overdue_only: bool = False, neighbourhood_id: int | None = None,
                  **_sort) -> int:
    """How many actions action_list would give without its limit, so a cut list can say so."""
    query = filtered_actions(user, scope, include_finished, is_overdue_only, neighbourhood_id)
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


def overdue_count(user) -> int:
    """The header badge: the overdue actions of the list it links to, "My actions"."""
    return count_actions(user, "mine", is_overdue_only=True)
