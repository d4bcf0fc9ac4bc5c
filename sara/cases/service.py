"""Problem-case operations: creation, edits, SARA stage moves, closing and reopening.

Every function takes the acting user, checks the version the user started from, records what
changed in the case timeline, and flushes. The caller commits once. Access is decided by
sara.policy before these are called.
"""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from sara.audit import consultation
from sara.audit import service as audit
from sara.auth.models import User
from sara.cases.models import (
    CaseEvent,
    CaseObjective,
    PlannedTactic,
    ProblemCase,
)
from sara.cases.notify import notify_partner_note
from sara.cases.taxonomy import (
    ANALYSIS_FIELDS,
    CLOSURE_REASONS,
    FIELD_LABELS,
    PROBLEM_TYPES,
    SCANNING_SOURCES,
    STAGE_ORDER,
    STAGES,
    TACTIC_CATEGORIES,
    TRIANGLE_SIDES,
)
from sara.core.references import case_reference
from sara.core.rules import RuleError
from sara.core.types import utcnow
from sara.evaluation.models import Evaluation
from sara.extensions import db
from sara.flags.scan import scan_case_flags
from sara.orgs.models import Neighbourhood
from sara.roles import CASE_WORKER_ROLES

#: Who can own a case: the people who work it. policy.assignable_owners offers the same set.


class CaseRuleError(RuleError):
    """A change the SARA rules do not allow; `field` names the form field to point at."""


class VersionConflict(Exception):
    """The case changed after the user opened the form."""

    def __init__(self, expected_version: int):
        super().__init__(f"case changed since version {expected_version}")
        self.expected_version = expected_version


# --- helpers -----------------------------------------------------------------------------------

def _display(field: str, value) -> str:
    """How a stored value reads in the timeline, so history stays readable later."""
    if value is None or value == "":
        return ""
    if field == "problem_type":
        return PROBLEM_TYPES.get(value, value)
    if field == "scan_source":
        return SCANNING_SOURCES.get(value, value)
    if field == "neighbourhood_id":
        neighbourhood = db.session.get(Neighbourhood, value)
        return neighbourhood.name if neighbourhood else str(value)
    if field == "owner_id":
        user = db.session.get(User, value)
        return user.name if user else str(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _check_version(case: ProblemCase, expected_version: int) -> None:
    if case.version != expected_version:
        raise VersionConflict(expected_version)


def _touch(case: ProblemCase, user: User) -> None:
    case.updated_dt = utcnow()
    case.updated_by_id = user.id


def _flush(expected_version: int) -> None:
    try:
        db.session.flush()
    except StaleDataError as exc:
        # Someone saved between our version check and our UPDATE.
        raise VersionConflict(expected_version) from exc


def record_event(case: ProblemCase, user: User, kind: str, **details) -> CaseEvent:
    """Add an entry to the case timeline. Changes made by this module are also audited as
    alterations here; other modules audit their own events (a share is a disclosure)."""
    event = CaseEvent(case=case, user_id=user.id, kind=kind, case_version=case.version, **details)
    db.session.add(event)
    return event


def _record(case: ProblemCase, user: User, kind: str, **details) -> CaseEvent:
    event = record_event(case, user, kind, **details)
    audit.record(
        "alteration", user=user, case=case,
        summary=_audit_summary(kind, details),
        details={"event": kind, **{k: v for k, v in details.items() if v is not None}},
    )
    return event


def _audit_summary(kind: str, details: dict) -> str:
    if kind == "edited":
        return "Changed " + ", ".join(c["label"] for c in details["changes"])
    if kind == "stage_moved":
        return f"Moved from {STAGES[details['from_stage']]} to {STAGES[details['to_stage']]}"
    return details.get("summary") or kind.replace("_", " ").capitalize()


def changes_since(case: ProblemCase, version: int) -> list[CaseEvent]:
    """Timeline entries made after `version`, oldest first: what a second editor missed."""
    return list(
        db.session.scalars(
            sa.select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.case_version > version)
            .order_by(CaseEvent.created_dt, CaseEvent.id)
        )
    )


#: A person's reference as timeline entries write it ("Linked PN-000123 as victim")
PERSON_IN_TEXT = re.compile(r"\bPN-\d{6}\b")


def timeline(case: ProblemCase) -> list[CaseEvent]:
    """The case's history, newest first. Entries name the people they concern by reference:
    showing them is recorded as a consultation of those references."""
    events = list(
        db.session.scalars(
            sa.select(CaseEvent)
            .where(CaseEvent.case_id == case.id)
            .order_by(CaseEvent.created_dt.desc(), CaseEvent.id.desc())
        )
    )
    named = [ref for event in events for ref in PERSON_IN_TEXT.findall(event.summary or "")]
    if named:
        consultation.listed_references("person", named, case_ids=[case.id],
                                       summary=f"Named on the timeline of {case.reference}")
    return events


def stage_moves(case: ProblemCase) -> list[CaseEvent]:
    """The case's moves between SARA stages, oldest first (who, when and why)."""
    return list(db.session.scalars(
        sa.select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "stage_moved")
        .order_by(CaseEvent.created_dt, CaseEvent.id)
    ))


# --- creating and editing ----------------------------------------------------------------------

#: What a new case is opened with; everything else starts empty and is edited later, with history.
OPENING_FIELDS = frozenset(
    {"title", "problem_type", "neighbourhood_id", "location_text", "latitude", "longitude",
     "description"}
)


def create_case(user: User, values: dict) -> ProblemCase:
    unexpected = set(values) - OPENING_FIELDS
    if unexpected:
        raise ValueError(f"not fields a case is opened with: {', '.join(sorted(unexpected))}")
    if values.get("problem_type") not in PROBLEM_TYPES:
        raise CaseRuleError("Choose a problem type", field="problem_type")
    neighbourhood = db.session.get(Neighbourhood, values["neighbourhood_id"])
    if neighbourhood is None or neighbourhood.organisation_id != user.organisation_id:
        raise CaseRuleError("Choose a neighbourhood", field="neighbourhood_id")
    now = utcnow()
    case = ProblemCase(
        reference=case_reference(now),
        organisation_id=user.organisation_id,
        owner_id=user.id,
        created_by_id=user.id,
        updated_by_id=user.id,
        created_dt=now,
        updated_dt=now,
        status="open",
        stage="scanning",
        review_cadence_days=28,
        next_review_date=(now + timedelta(days=28)).date(),
        **values,
    )
    db.session.add(case)
    db.session.flush()
    _record(case, user, "created", summary=f"Case opened: {case.title}")
    return case


def update_fields(case: ProblemCase, user: User, values: dict, expected_version: int) -> list:
    """Apply field edits; record before and after of each changed field. Returns the changes."""
    _check_version(case, expected_version)
    if "neighbourhood_id" in values:
        neighbourhood = db.session.get(Neighbourhood, values["neighbourhood_id"])
        if neighbourhood is None or neighbourhood.organisation_id != case.organisation_id:
            raise CaseRuleError("Choose a neighbourhood", field="neighbourhood_id")
    if "owner_id" in values:
        owner = db.session.get(User, values["owner_id"])
        if (owner is None or owner.organisation_id != case.organisation_id
                or not owner.is_enabled or owner.role not in CASE_WORKER_ROLES):
            raise CaseRuleError("Choose an officer or supervisor to own the case", field="owner_id")
    changes = []
    for field, new in values.items():
        if field not in FIELD_LABELS:
            raise ValueError(f"{field} is not an editable case field")
        old = getattr(case, field)
        if old == new or (old in (None, "") and new in (None, "")):
            continue
        changes.append(
            {"field": field, "label": FIELD_LABELS[field],
             "before": _display(field, old), "after": _display(field, new)}
        )
        setattr(case, field, new)
    if not changes:
        return []
    _touch(case, user)
    _flush(expected_version)
    _record(case, user, "edited", changes=changes)
    return changes


def add_objective(case: ProblemCase, user: User, text: str, expected_version: int) -> None:
    _check_version(case, expected_version)
    if not (text or "").strip():
        raise CaseRuleError("Enter the objective", field="text")
    case.objectives.append(CaseObjective(text=text))
    _touch(case, user)
    _flush(expected_version)
    _record(case, user, "objective_added", summary=text)


def remove_objective(case: ProblemCase, user: User, objective_id: int, expected_version: int):
    _check_version(case, expected_version)
    objective = next((o for o in case.objectives if o.id == objective_id), None)
    if objective is None:
        raise CaseRuleError("That objective is no longer on the case")
    case.objectives.remove(objective)
    _touch(case, user)
    _flush(expected_version)
    _record(case, user, "objective_removed", summary=objective.text)


def add_tactic(
    case: ProblemCase, user: User, *, category: str, triangle_side: str, description: str,
    expected_version: int,
) -> None:
    _check_version(case, expected_version)
    if category not in TACTIC_CATEGORIES:
        raise CaseRuleError("Choose the type of tactic", field="category")
    if triangle_side not in TRIANGLE_SIDES:
        raise CaseRuleError("Choose the side of the triangle it targets", field="triangle_side")
    if not (description or "").strip():
        raise CaseRuleError("Describe the tactic", field="description")
    tactic = PlannedTactic(category=category, triangle_side=triangle_side, description=description)
    case.tactics.append(tactic)
    _touch(case, user)
    _flush(expected_version)
    _record(
        case, user, "tactic_added",
        summary=f"{tactic.category_label} ({tactic.triangle_side_label}): {description}",
    )


def remove_tactic(case: ProblemCase, user: User, tactic_id: int, expected_version: int) -> None:
    _check_version(case, expected_version)
    tactic = next((t for t in case.tactics if t.id == tactic_id), None)
    if tactic is None:
        raise CaseRuleError("That tactic is no longer on the case")
    case.tactics.remove(tactic)
    _touch(case, user)
    _flush(expected_version)
    _record(
        case, user, "tactic_removed",
        summary=f"{tactic.category_label} ({tactic.triangle_side_label}): {tactic.description}",
    )


# --- SARA stages -------------------------------------------------------------------------------

def has_analysis(case: ProblemCase) -> bool:
    return any((getattr(case, field) or "").strip() for field in ANALYSIS_FIELDS)


def stage_move_refusal(
    case: ProblemCase, to_stage: str, reason: str | None
) -> CaseRuleError | None:
    """Why the case may not move to `to_stage` now, or None when it may."""
    if not case.is_open:
        return CaseRuleError("A closed case must be reopened before it can change stage")
    if to_stage not in STAGES:
        return CaseRuleError("Choose the stage to move the case to", field="to_stage")
    current = STAGE_ORDER.index(case.stage)
    target = STAGE_ORDER.index(to_stage)
    if target == current:
        return CaseRuleError(f"The case is already at {STAGES[to_stage]}", field="to_stage")
    if target < current:
        if not (reason or "").strip():
            return CaseRuleError(
                f"Enter why the case is going back to {STAGES[to_stage]}", field="reason"
            )
        return None
    if target > current + 1:
        return CaseRuleError(
            f"The case must go through {STAGES[STAGE_ORDER[current + 1]]} first", field="to_stage"
        )
    if to_stage == "analysis" and not case.scan_summary.strip():
        return CaseRuleError(
            "Add the scanning summary before moving the case to Analysis", field="to_stage"
        )
    if to_stage == "response" and not has_analysis(case):
        return CaseRuleError(
            "Fill in at least one analysis field before moving the case to Response",
            field="to_stage",
        )
    if to_stage == "assessment" and not (case.objectives and case.tactics):
        return CaseRuleError(
            "Add at least one objective and one planned tactic before moving the case to "
            "Assessment",
            field="to_stage",
        )
    return None


def move_stage(
    case: ProblemCase, user: User, to_stage: str, reason: str | None, expected_version: int
) -> None:
    _check_version(case, expected_version)
    refusal = stage_move_refusal(case, to_stage, reason)
    if refusal:
        raise refusal
    from_stage = case.stage
    case.stage = to_stage
    _touch(case, user)
    _flush(expected_version)
    _record(
        case, user, "stage_moved", from_stage=from_stage, to_stage=to_stage,
        reason=(reason or "").strip() or None,
    )


def close_case(
    case: ProblemCase, user: User, closure_reason: str, note: str | None, expected_version: int
) -> None:
    _check_version(case, expected_version)
    if not case.is_open:
        raise CaseRuleError("The case is already closed")
    if closure_reason not in CLOSURE_REASONS:
        raise CaseRuleError("Choose a closure reason", field="closure_reason")
    if closure_reason not in CLOSABLE_WITHOUT_EVALUATION and not _evaluation_approved(case):
        raise CaseRuleError(
            "A case can only be closed as resolved or reduced once a supervisor has approved its "
            "evaluation. Otherwise choose duplicate, transferred, or no longer a problem: not "
            "evaluated (which is flagged for supervisors).", field="closure_reason",
        )
    case.status = "closed"
    case.closure_reason = closure_reason
    case.closure_note = (note or "").strip() or None
    case.closed_dt = utcnow()
    _touch(case, user)
    _flush(expected_version)
    _record(case, user, "closed", reason=CLOSURE_REASONS[closure_reason], summary=case.closure_note)
    _rescan_flags(case)


#: Closure reasons that need no approved evaluation (DESIGN: evaluation before closing).
CLOSABLE_WITHOUT_EVALUATION = frozenset({"duplicate", "transferred", "not_evaluated"})


def _evaluation_approved(case: ProblemCase) -> bool:
    return db.session.scalar(
        sa.select(Evaluation.status).where(Evaluation.case_id == case.id)
    ) == "approved"


def _rescan_flags(case: ProblemCase) -> None:
    """Closing or reopening changes which case flags hold: check this case at once."""
    scan_case_flags([case.id])


def reopen_case(case: ProblemCase, user: User, reason: str, expected_version: int) -> None:
    _check_version(case, expected_version)
    if case.is_open:
        raise CaseRuleError("The case is already open")
    if not (reason or "").strip():
        raise CaseRuleError("Enter why the case is being reopened", field="reason")
    case.status = "open"
    case.closure_reason = None
    case.closure_note = None
    case.closed_dt = None
    _touch(case, user)
    _flush(expected_version)
    _record(case, user, "reopened", reason=reason.strip())
    _rescan_flags(case)


# --- notes -------------------------------------------------------------------------------------

def add_note(case: ProblemCase, user: User, text: str) -> CaseEvent:
    """A note on the case timeline. It does not change the case, so it never conflicts with an
    edit someone else is making."""
    text = (text or "").strip()
    if not text:
        raise CaseRuleError("Enter the note", field="text")
    note = _record(case, user, "note", summary=text)
    db.session.flush()
    notify_partner_note(case, user, note)
    return note
