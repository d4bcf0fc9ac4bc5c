"""Creating notifications, and sending their e-mails from Celery after the commit.

A notification row is written in the same transaction as the change it reports. Only once that
transaction commits are the new rows handed to Celery (a rolled-back request sends nothing), and
the task claims each row before sending, so a retried or redelivered task never sends twice.
"""

from __future__ import annotations

import os
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from sara import policy
from sara.audit import consultation
from sara.audit import service as audit
from sara.cases.models import ProblemCase
from sara.core import outbox
from sara.core.sql import changed
from sara.core.types import utcnow
from sara.extensions import db
from sara.notifications.models import KINDS, Notification, NotificationPreference

#: The worker's task that e-mails notifications (sent through the outbox, by name).
SEND_TASK = "worker.tasks.send_notification_emails"
#: A notification still waiting for its e-mail this long after it was made was lost on its way
#: (the sweeper sends it); one claimed this long ago without being marked sent was interrupted
#: mid-send, and is not sent again (it may have gone: each e-mail goes at most once).
SWEEP_AFTER = timedelta(minutes=15)


def notify(users, *, kind: str, event_key: str, subject: str, body: str,
           link: str | None = None, case=None, exclude=None) -> list[Notification]:
    """Notify each user (once per event_key); returns the notifications created now. News about
    a case goes only to those who can see it: its text and link would tell anyone else."""
    recipients = {u.id: u for u in users if u is not None and u.is_enabled}
    if exclude is not None:
        recipients.pop(exclude.id, None)
    if case is not None:
        recipients = {i: u for i, u in recipients.items()
                      if policy.access_level(u, case) is not None}
    if not recipients:
        return []
    already = set(db.session.scalars(
        sa.select(Notification.user_id).where(
            Notification.event_key == event_key, Notification.user_id.in_(recipients)
        )
    ))
    in_app_only = _in_app_only(list(recipients), kind)
    created = []
    for user_id in sorted(set(recipients) - already):
        notification = Notification(user_id=user_id, kind=kind, event_key=event_key,
                                    subject=subject[:200], body=body, link=link,
                                    case_id=getattr(case, "id", None),
                                    email_state="not_wanted" if user_id in in_app_only
                                    else "pending")
        db.session.add(notification)
        created.append(notification)
    db.session.flush()
    emailed = [n.id for n in created if n.email_state == "pending"]
    if emailed:
        # E-mailed by the worker once this commits (and never if it does not).
        outbox.defer(SEND_TASK, emailed)
    return created


# --- each person's choice of e-mail ------------------------------------------------------------

def _in_app_only(user_ids: list[int], kind: str) -> set[int]:
    """Of these people, those who want this kind in the app only."""
    if not user_ids:
        return set()
    return set(db.session.scalars(sa.select(NotificationPreference.user_id).where(
        NotificationPreference.user_id.in_(user_ids), NotificationPreference.kind == kind,
        NotificationPreference.is_emailed.is_(False))))


def preferences(user) -> dict[str, bool]:
    """Kind -> whether the user wants it by e-mail as well as in the app (the default)."""
    chosen = dict(db.session.execute(
        sa.select(NotificationPreference.kind, NotificationPreference.is_emailed)
        .where(NotificationPreference.user_id == user.id)).all())
    return {kind: chosen.get(kind, True) for kind in KINDS}


def set_preferences(user, choices: dict[str, bool]) -> list[str]:
    """Record the user's choice per kind (kind -> by e-mail too); returns the kinds changed,
    which are audited. Kinds not given keep their choice."""
    unknown = set(choices) - set(KINDS)
    if unknown:
        raise ValueError(f"Not kinds of notification: {', '.join(sorted(unknown))}")
    rows = {p.kind: p for p in db.session.scalars(sa.select(NotificationPreference).where(
        NotificationPreference.user_id == user.id))}
    changed_kinds = []
    for kind, is_emailed in choices.items():
        row = rows.get(kind)
        if (row.is_emailed if row is not None else True) == is_emailed:
            continue
        if row is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind,
                                                  is_emailed=is_emailed))
        else:
            row.is_emailed = is_emailed
        changed_kinds.append(kind)
    if changed_kinds:
        db.session.flush()
        audit.record("alteration", user=user, record_type="user", record_ref=user.email,
                     summary="Changed their notification settings",
                     details={"email": {k: choices[k] for k in changed_kinds}})
    return changed_kinds


def unread_count(user) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_dt.is_(None))
    ) or 0


def for_user(user, limit: int = 100) -> list[Notification]:
    """The user's latest notifications (the inbox: a consultation of the cases they name)."""
    notifications = list(db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_dt.desc(), Notification.id.desc()).limit(limit)
    ))
    case_ids = [n.case_id for n in notifications if n.case_id]
    # Only the cases the user may still see: one whose share was withdrawn keeps its
    # notification, but not its text or its link.
    references = dict(db.session.execute(
        sa.select(ProblemCase.id, ProblemCase.reference)
        .where(ProblemCase.id.in_(case_ids), policy.case_scope(user))
    ).all()) if case_ids else {}
    for notification in notifications:
        notification.is_case_hidden = bool(notification.case_id) and \
            notification.case_id not in references
    case_ids = [i for i in case_ids if i in references]
    consultation.listed_references(
        "case", [references[i] for i in case_ids], case_ids=case_ids,
        summary=consultation.counted(len(notifications), "notification"))
    return notifications


def mark_all_read(user) -> int:
    return changed(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_dt.is_(None))
        .values(read_dt=utcnow())
    )


# --- e-mail ------------------------------------------------------------------------------------

def claim_for_email(notification_id: int) -> Notification | None:
    """Atomically take a pending notification for sending; None if someone already has, or if
    its recipient has since chosen to have its kind in the app only (then it is not_wanted)."""
    not_wanted = sa.select(NotificationPreference.id).where(
        NotificationPreference.user_id == Notification.user_id,
        NotificationPreference.kind == Notification.kind,
        NotificationPreference.is_emailed.is_(False))
    db.session.execute(
        sa.update(Notification)
        .where(Notification.id == notification_id, Notification.email_state == "pending",
               sa.exists(not_wanted))
        .values(email_state="not_wanted")
    )
    claimed = db.session.execute(
        sa.update(Notification)
        .where(Notification.id == notification_id, Notification.email_state == "pending")
        .values(email_state="sending", claimed_dt=utcnow())
        .returning(Notification.id)
    ).scalar()
    return db.session.get(Notification, claimed) if claimed else None


def release_claim(notification_id: int, final: bool) -> None:
    db.session.execute(
        sa.update(Notification).where(Notification.id == notification_id)
        .values(email_state="failed" if final else "pending")
    )


def mark_emailed(notification: Notification) -> None:
    notification.email_state = "sent"
    notification.emailed_dt = utcnow()


def build_email(notification: Notification) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = f"SARA casebook: {notification.subject}"
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = notification.user.email
    message["Message-ID"] = make_msgid(idstring=f"sara-notification-{notification.id}")
    link = f"\n\n{config['PUBLIC_URL'].rstrip('/')}{notification.link}" if notification.link else ""
    message.set_content(f"{notification.body}{link}\n\nYou are receiving this because you use "
                        "SARA casebook. Manage your work at the link above.\n")
    return message


def deliver(message: EmailMessage) -> None:
    """Send through SMTP when MAIL_SERVER is set; otherwise write an .eml file to the outbox."""
    config = current_app.config
    if config.get("MAIL_SERVER"):
        smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
        with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
        return
    outbox = Path(config["MAIL_OUTBOX"])
    # Mail holds personal data and reset links: only the service's own user may read it, whatever
    # the umask, and a folder left open by an older release is closed.
    outbox.mkdir(mode=0o700, parents=True, exist_ok=True)
    outbox.chmod(0o700)
    name = message["Message-ID"].strip("<>").replace("@", "_").replace("/", "_")
    descriptor = os.open(outbox / f"{name}.eml", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        os.fchmod(out.fileno(), 0o600)  # a file already there keeps its old mode otherwise
        out.write(bytes(message))


def sweep_unsent() -> tuple[int, int]:
    """The sweeper (a beat job): queue again the e-mails of notifications that never reached a
    worker, and give up on those whose sending was interrupted (marked "failed": they may have
    been sent). Returns (queued again, given up)."""
    cutoff = utcnow() - SWEEP_AFTER
    lost = list(db.session.scalars(sa.select(Notification.id).where(
        Notification.email_state == "pending", Notification.created_dt < cutoff)
        .order_by(Notification.id).limit(1000)))
    if lost:
        outbox.defer(SEND_TASK, lost)
    interrupted = changed(
        sa.update(Notification)
        .where(Notification.email_state == "sending", Notification.claimed_dt < cutoff)
        .values(email_state="failed"))
    return len(lost), interrupted
