"""Telling people about an evaluation: its force's supervisors when it is submitted for sign-off,
its case owner when it is returned or approved.

Each state change moves the evaluation's version, so the version names the event: a submission
returned and submitted again notifies again, a repeated request for the same one never does.
"""

from __future__ import annotations

import sqlalchemy as sa

from sara.auth.models import User
from sara.cases.models import ProblemCase
from sara.evaluation.models import Evaluation
from sara.extensions import db
from sara.notifications.service import notify


def supervisors(case: ProblemCase) -> list[User]:
    """The supervisors whose review queue lists the case: those of the force that owns it
    (sara.supervision.queries works within their case_scope, which is their own force)."""
    return list(db.session.scalars(
        sa.select(User).where(User.organisation_id == case.organisation_id,
                              User.role == "supervisor", User.is_enabled.is_(True))
        .order_by(User.id)
    ))


def evaluation_link(case: ProblemCase) -> str:
    return f"/cases/{case.reference}/evaluation"


def _event_key(evaluation: Evaluation, what: str) -> str:
    return f"evaluation-{what}:{evaluation.id}:{evaluation.version}"


def _comments(comments: str | None) -> str:
    comments = (comments or "").strip()
    return f"\n\n{comments}" if comments else ""


def notify_submitted(evaluation: Evaluation, actor: User) -> None:
    case = evaluation.case
    notify(
        supervisors(case), kind="evaluation_submitted",
        event_key=_event_key(evaluation, "submitted"),
        subject=f"Evaluation of case {case.reference} submitted for sign-off",
        body=f"{actor.name} submitted the evaluation of case {case.reference} ({case.title}) "
             "for sign-off.",
        link=evaluation_link(case), case=case, exclude=actor,
    )


def notify_returned(evaluation: Evaluation, supervisor: User, comments: str) -> None:
    case = evaluation.case
    notify(
        [case.owner], kind="evaluation_returned", event_key=_event_key(evaluation, "returned"),
        subject=f"Evaluation of case {case.reference} returned to draft",
        body=f"{supervisor.name} returned the evaluation of case {case.reference} "
             f"({case.title}) to draft. What needs to change:{_comments(comments)}",
        link=evaluation_link(case), case=case, exclude=supervisor,
    )


def notify_approved(evaluation: Evaluation, supervisor: User, comments: str | None) -> None:
    case = evaluation.case
    said = _comments(comments)
    notify(
        [case.owner], kind="evaluation_approved", event_key=_event_key(evaluation, "approved"),
        subject=f"Evaluation of case {case.reference} approved",
        body=f"{supervisor.name} approved the evaluation of case {case.reference} "
             f"({case.title})." + (f" Their comments:{said}" if said else ""),
        link=evaluation_link(case), case=case, exclude=supervisor,
    )
