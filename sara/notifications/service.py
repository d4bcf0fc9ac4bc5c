"""Creating notifications, and sending their e-mails from Celery after the commit.

A notification row is written in the same transaction as the change it reports. Only once that
transaction commits are the new rows handed to Celery (a rolled-back request sends nothing), and
the task claims each row before sending, so a retried or redelivered task never sends twice.
"""

from __future__ import annotations

import os
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from sara.audit import consultation
from sara.cases.models import ProblemCase
from sara.core.types import utcnow
from sara.extensions import db
from sara.notifications.models import Notification

_PENDING_KEY = "sara_new_notifications"


def notify(users, *, kind: str, event_key: str, subject: str, body: str,
           link: str | None = None, case=None, exclude=None) -> list[Notification]:
    """Notify each user (once per event_key); returns the notifications created now."""
    recipients = {u.id: u for u in users if u is not None and u.is_enabled}
    if exclude is not None:
        recipients.pop(exclude.id, None)
    if not recipients:
        return []
    already = set(db.session.scalars(
        sa.select(Notification.user_id).where(
            Notification.event_key == event_key, Notification.user_id.in_(recipients)
        )
    ))
    created = []
    for user_id in sorted(set(recipients) - already):
        notification = Notification(user_id=user_id, kind=kind, event_key=event_key,
                                    subject=subject[:200], body=body, link=link,
                                    case_id=getattr(case, "id", None))
        db.session.add(notification)
        created.append(notification)
    db.session.flush()
    db.session.info.setdefault(_PENDING_KEY, []).extend(n.id for n in created)
    return created


@event.listens_for(Session, "after_commit")
def _send_after_commit(session):
    if session.get_nested_transaction() is not None:
        return  # only a savepoint was released; the real commit is still to come
    ids = session.info.pop(_PENDING_KEY, None)
    if ids:
        from worker.tasks import send_notification_emails

        send_notification_emails.delay(ids)


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session, previous_transaction):
    # A rolled-back request sends nothing. (A savepoint rolling back inside it changes nothing
    # here: notifications are never created inside one.)
    if not previous_transaction.nested:
        session.info.pop(_PENDING_KEY, None)


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
    references = dict(db.session.execute(
        sa.select(ProblemCase.id, ProblemCase.reference).where(ProblemCase.id.in_(case_ids))
    ).all()) if case_ids else {}
    consultation.listed_references(
        "case", [references[i] for i in case_ids], case_ids=case_ids,
        summary=consultation.counted(len(notifications), "notification"))
    return notifications


def mark_all_read(user) -> int:
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_dt.is_(None))
        .values(read_dt=utcnow())
    )
    return result.rowcount or 0


# --- e-mail ------------------------------------------------------------------------------------

def claim_for_email(notification_id: int) -> Notification | None:
    """Atomically take a pending notification for sending; None if someone already has."""
    claimed = db.session.execute(
        sa.update(Notification)
        .where(Notification.id == notification_id, Notification.email_state == "pending")
        .values(email_state="sending")
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
