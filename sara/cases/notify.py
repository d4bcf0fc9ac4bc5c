"""Telling a case's owner that a partner added a note to it (their colleagues' notes are the
force's own working, and the timeline shows them)."""

from __future__ import annotations

from sara.auth.models import User
from sara.cases.models import CaseEvent, ProblemCase
from sara.notifications.service import notify


def notify_partner_note(case: ProblemCase, author: User, note: CaseEvent) -> None:
    if author.organisation_id == case.organisation_id:
        return
    notify(
        [case.owner], kind="partner_note", event_key=f"case-event:{note.id}",
        subject=f"New note from a partner on case {case.reference}",
        body=f"{author.name} ({author.organisation.name}) added a note to case "
             f"{case.reference} ({case.title}):\n\n{note.summary}",
        link=f"/cases/{case.reference}", case=case, exclude=author,
    )
