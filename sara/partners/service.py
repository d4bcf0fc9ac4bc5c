"""Sharing cases with partner organisations and named users. Functions flush; callers commit.

Every share, change of level and withdrawal is a disclosure: it goes into the audit log with its
recipients, and into the case timeline.
"""

from __future__ import annotations

import sqlalchemy as sa

from sara import policy
from sara.audit import service as audit
from sara.auth.models import User
from sara.auth.service import find_user_by_email
from sara.cases import service as case_service
from sara.cases.models import ProblemCase
from sara.core.rules import RuleError
from sara.core.types import utcnow
from sara.extensions import db
from sara.orgs.models import Organisation
from sara.partners.models import SHARE_LEVELS, CaseShare
from sara.partners.notify import notify_shared


class SharingError(RuleError):
    """A change the rules do not allow; the message says why, `field` where."""


def live_shares(case: ProblemCase) -> list[CaseShare]:
    return list(
        db.session.scalars(
            sa.select(CaseShare)
            .where(CaseShare.case_id == case.id, CaseShare.ended_dt.is_(None))
            .order_by(CaseShare.created_dt)
        )
    )


def shareable_organisations(case: ProblemCase) -> list[Organisation]:
    return list(
        db.session.scalars(
            sa.select(Organisation)
            .where(Organisation.id != case.organisation_id)
            .order_by(Organisation.name)
        )
    )


def _recipients(share: CaseShare) -> list[str]:
    if share.user is not None:
        return [share.user.email]
    return [f"organisation:{share.organisation.name}"] + [
        u.email
        for u in db.session.scalars(
            sa.select(User).where(User.organisation_id == share.organisation_id,
                                  User.is_enabled.is_(True))
        )
    ]


def _disclose(case: ProblemCase, actor: User, share: CaseShare, kind: str, summary: str) -> None:
    audit.record(
        "disclosure", user=actor, case=case, summary=summary,
        details={"recipients": _recipients(share), "level": share.level, "share_id": share.id,
                 "event": kind},
    )
    case_service.record_event(case, actor, kind, summary=summary)
    policy.forget_cached_access()


def _share(case: ProblemCase, actor: User, level: str, *, organisation=None, user=None):
    if level not in SHARE_LEVELS:
        raise SharingError("Choose view or contribute", field="level")
    condition = (
        CaseShare.organisation_id == organisation.id if organisation is not None
        else CaseShare.user_id == user.id
    )
    existing = db.session.scalar(
        sa.select(CaseShare).where(
            CaseShare.case_id == case.id, CaseShare.ended_dt.is_(None), condition
        )
    )
    if existing is not None:
        if existing.level == level:
            raise SharingError(
                f"The case is already shared with {existing.recipient_name} at that level"
            )
        existing.level = level
        db.session.flush()
        _disclose(case, actor, existing, "share_changed",
                  f"Changed {existing.recipient_name}'s access to {existing.level_label.lower()}")
        return existing
    share = CaseShare(
        case_id=case.id, organisation=organisation, user=user, level=level,
        created_by_id=actor.id,
    )
    db.session.add(share)
    db.session.flush()
    _disclose(case, actor, share, "shared",
              f"Shared the case with {share.recipient_name} at {share.level_label.lower()} level")
    notify_shared(case, actor, share)
    return share


def share_with_organisation(case, actor, organisation: Organisation | None, level: str):
    if organisation is None:
        raise SharingError("Choose an organisation", field="organisation_id")
    if organisation.id == case.organisation_id:
        raise SharingError(
            f"{organisation.name} owns the case and already sees it", field="organisation_id"
        )
    return _share(case, actor, level, organisation=organisation)


def share_with_user(case, actor, email: str, level: str):
    user = find_user_by_email(email)
    if user is None or not user.is_enabled:
        raise SharingError("There is no active user with that email address", field="email")
    if user.organisation_id == case.organisation_id:
        raise SharingError(
            f"{user.name} works for {user.organisation.name}, which owns the case, and already "
            "sees it", field="email",
        )
    return _share(case, actor, level, user=user)


def withdraw_share(case: ProblemCase, actor: User, share_id: int) -> CaseShare:
    share = db.session.scalar(
        sa.select(CaseShare).where(
            CaseShare.id == share_id, CaseShare.case_id == case.id, CaseShare.ended_dt.is_(None)
        )
    )
    if share is None:
        raise SharingError("That share has already been withdrawn")
    share.ended_dt = utcnow()
    share.ended_by_id = actor.id
    db.session.flush()
    _disclose(case, actor, share, "unshared", f"Withdrew {share.recipient_name}'s access")
    return share


def set_personal_details_shared(case: ProblemCase, actor: User, shared: bool,
                                expected_version: int) -> bool:
    """Show or withhold the people on the case from partners. Showing them is a disclosure to
    everyone the case is shared with, so it is audited with those recipients."""
    changes = case_service.update_fields(
        case, actor, {"personal_details_shared": shared}, expected_version
    )
    if changes:
        recipients = [r for share in live_shares(case) for r in _recipients(share)]
        audit.record(
            "disclosure", user=actor, case=case,
            summary=("Shared the personal details on the case with partners" if shared
                     else "Withheld the personal details on the case from partners"),
            details={"recipients": recipients if shared else [], "personal_details": shared},
        )
    return bool(changes)
