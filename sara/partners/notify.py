"""Telling a partner organisation's people (or a named person) that a case was shared with them."""

from __future__ import annotations

import sqlalchemy as sa

from sara.auth.models import User
from sara.cases.models import ProblemCase
from sara.extensions import db
from sara.notifications.service import notify
from sara.partners.models import CaseShare


def share_recipients(share: CaseShare) -> list[User]:
    """Everyone the share lets see the case: the named person, or the organisation's users."""
    if share.user is not None:
        return [share.user]
    return list(db.session.scalars(
        sa.select(User).where(User.organisation_id == share.organisation_id,
                              User.is_enabled.is_(True)).order_by(User.id)
    ))


def notify_shared(case: ProblemCase, actor: User, share: CaseShare) -> None:
    """Once per share: sharing again after a withdrawal is a new share, and tells them again."""
    to = "you" if share.user is not None else share.organisation.name
    notify(
        share_recipients(share), kind="case_shared", event_key=f"case-share:{share.id}",
        subject=f"Case {case.reference} shared with {to}",
        body=f"{actor.name} ({actor.organisation.name}) shared the case {case.reference} "
             f"({case.title}) with {to}, to {share.level_label.lower()}.",
        link=f"/cases/{case.reference}", case=case, exclude=actor,
    )
