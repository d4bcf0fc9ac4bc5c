"""The one place that decides who may see and change which record.

Every case query starts from `visible_cases(user)` (built on the SQL filter `case_scope(user)`),
and every case page loads its case with `get_case_or_404(user, reference)`. A case the user may not
see is indistinguishable from one that does not exist: the answer is always 404, never 403.
The `can_*` functions decide what a user may do with a case they can see.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from sqlalchemy.sql.elements import ColumnElement

from sara.cases.models import ProblemCase
from sara.extensions import db

CASE_WORKER_ROLES = frozenset({"officer", "supervisor"})


def _is_signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def case_scope(user) -> ColumnElement[bool]:
    """SQL condition: the cases `user` may see at all."""
    if not _is_signed_in(user):
        return sa.false()
    if user.organisation.is_police:
        return ProblemCase.organisation_id == user.organisation_id
    return sa.false()


def visible_cases(user) -> sa.Select:
    return sa.select(ProblemCase).where(case_scope(user))


def get_case_or_404(user, reference: str) -> ProblemCase:
    case = db.session.scalar(visible_cases(user).where(ProblemCase.reference == reference))
    if case is None:
        abort(404)
    return case


def can_create_case(user) -> bool:
    return _is_signed_in(user) and user.organisation.is_police and user.role in CASE_WORKER_ROLES


def can_list_cases(user) -> bool:
    """Whether the case list belongs in the user's navigation at all."""
    return _is_signed_in(user) and user.organisation.is_police


def _works_for_owning_org(user, case: ProblemCase) -> bool:
    return (
        _is_signed_in(user)
        and user.role in CASE_WORKER_ROLES
        and user.organisation_id == case.organisation_id
    )


def can_edit_case(user, case: ProblemCase) -> bool:
    """Edit the case details and its scanning fields."""
    return _works_for_owning_org(user, case) and case.is_open


def can_edit_analysis(user, case: ProblemCase) -> bool:
    return _works_for_owning_org(user, case) and case.is_open


def can_edit_response(user, case: ProblemCase) -> bool:
    return _works_for_owning_org(user, case) and case.is_open


def can_move_stage(user, case: ProblemCase) -> bool:
    return _works_for_owning_org(user, case) and case.is_open


def can_close_case(user, case: ProblemCase) -> bool:
    return _works_for_owning_org(user, case) and case.is_open


def can_reopen_case(user, case: ProblemCase) -> bool:
    return _works_for_owning_org(user, case) and not case.is_open


def assignable_owners(user) -> sa.Select:
    """Users a case in `user`'s organisation may be given to."""
    from sara.auth.models import User

    return (
        sa.select(User)
        .where(
            User.organisation_id == user.organisation_id,
            User.role.in_(CASE_WORKER_ROLES),
            User.is_enabled.is_(True),
        )
        .order_by(User.name)
    )
