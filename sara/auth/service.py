"""Signing in and out, server-side sessions, passwords (changes, administrators' reset links,
the change forced at first sign-in) and what ends a user's sessions and API tokens.

The failed sign-in throttle is sara.auth.throttle. Functions here flush and never commit: the
caller commits once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import sqlalchemy as sa
from flask import current_app, has_request_context

from sara.api import tokens
from sara.audit import service as audit
from sara.auth.models import PasswordResetToken, User, UserSession
from sara.auth.passwords import burn_verification_time, hash_password, verify_password
from sara.cases.models import ProblemCase
from sara.core import unit_of_work
from sara.core.rules import RuleError
from sara.core.types import utcnow
from sara.extensions import db
from sara.roles import POLICE_ONLY_ROLES, ROLES, role_with_article, roles_in_words

#: last_seen is written at most this often, so reading a page is not a write every time
_LAST_SEEN_GRANULARITY = timedelta(seconds=60)


@dataclass
class LoginResult:
    user: User | None
    token: str | None = None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


# --- sessions ----------------------------------------------------------------------------------

def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(email: str, password: str, ip_address: str | None) -> LoginResult:
    """Check credentials and open a server-side session; a LoginResult without a user is a
    failure, which the caller counts towards the throttle (sara.auth.throttle), which in turn
    refuses attempts before they reach here.
    """
    user = find_user_by_email(email)
    if user is None:
        burn_verification_time(password)
        _audit_failure(email, None, "unknown email address")
        return LoginResult(user=None)
    matches, new_hash = verify_password(user.password_hash, password)
    if not matches or not user.is_enabled:
        _audit_failure(email, user, "wrong password" if not matches else "account deactivated")
        return LoginResult(user=None)
    if new_hash:
        user.password_hash = new_hash
    user.last_login_dt = utcnow()
    audit.record("sign_in", user=user, record_type="user", record_ref=user.email,
                 summary="Signed in")
    return LoginResult(user=user, token=open_session(user, ip_address))


def record_refused_sign_in(email: str, why: str) -> None:
    """Audit an attempt the throttle refused before any password was checked."""
    _audit_failure(email, find_user_by_email(email), f"refused without checking the password: "
                   f"{why}")


def _audit_failure(email: str, user: User | None, why: str) -> None:
    # Kept whatever becomes of the request (a refused sign-in answers 429).
    audit.record_regardless(
        "sign_in_failed", user=user, record_type="user", record_ref=normalise_email(email)[:254],
        summary=f"Failed sign-in: {why}", details={"email": normalise_email(email)[:254]},
    )


def open_session(user: User, ip_address: str | None) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(token_hash=_hash_token(token), user_id=user.id, ip_address=ip_address)
    )
    db.session.flush()
    return token


def resolve_session(token: str | None, user_id: str | int | None) -> User | None:
    """The user a session token belongs to, if the session is still alive; else None."""
    if not token or user_id is None:
        return None
    row = db.session.scalar(
        sa.select(UserSession).where(UserSession.token_hash == _hash_token(token))
    )
    if row is None or row.ended_dt is not None or str(row.user_id) != str(user_id):
        return None
    now = utcnow()
    config = current_app.config
    # The session's own bookkeeping (its expiry, its last-seen time) is written with the
    # request's (sara.core.unit_of_work.bookkeeping): a page view stays a reader until its end.
    if (
        now - row.last_seen_dt > config["SESSION_IDLE_TIMEOUT"]
        or now - row.created_dt > config["SESSION_ABSOLUTE_TIMEOUT"]
    ):
        _later(sa.update(UserSession).where(UserSession.id == row.id,
                                            UserSession.ended_dt.is_(None)).values(ended_dt=now))
        return None
    if not row.user.is_enabled:
        return None
    if now - row.last_seen_dt > _LAST_SEEN_GRANULARITY:
        _later(sa.update(UserSession).where(UserSession.id == row.id).values(last_seen_dt=now))
    return row.user


def _later(statement) -> None:
    """Run `statement` with the request's bookkeeping, or now outside a request."""
    if has_request_context():
        unit_of_work.bookkeeping(lambda _response: db.session.execute(statement))
    else:
        db.session.execute(statement)


def sign_out(user: User, token: str | None) -> None:
    end_session(token)
    audit.record("sign_out", user=user, record_type="user", record_ref=user.email,
                 summary="Signed out")


def end_session(token: str | None) -> None:
    if not token:
        return
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.token_hash == _hash_token(token), UserSession.ended_dt.is_(None))
        .values(ended_dt=utcnow())
    )


def end_all_sessions(user: User) -> None:
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_dt.is_(None))
        .values(ended_dt=utcnow())
    )


def purge_expired_sessions() -> int:
    """Delete session rows that can no longer be used; returns how many went."""
    config = current_app.config
    now = utcnow()
    result = db.session.execute(
        sa.delete(UserSession).where(
            sa.or_(
                UserSession.ended_dt.is_not(None),
                UserSession.last_seen_dt < now - config["SESSION_IDLE_TIMEOUT"],
                UserSession.created_dt < now - config["SESSION_ABSOLUTE_TIMEOUT"],
            )
        )
    )
    return result.rowcount or 0


class UserError(RuleError):
    """A user that the rules do not allow; the message says why."""

    default_field = "email"


MIN_PASSWORD_LENGTH = 12


def check_role_fits_organisation(role: str, organisation) -> None:
    if role not in ROLES:
        raise UserError(f"Choose a role: {roles_in_words(ROLES)}", field="role")
    if role in POLICE_ONLY_ROLES and not organisation.is_police:
        raise UserError(f"{role_with_article(role).capitalize()} must belong to a police "
                        "organisation", field="role")
    if role == "partner" and organisation.is_police:
        raise UserError(f"{role_with_article(role).capitalize()} must belong to a partner "
                        "organisation, not a police force", field="role")


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters",
                        field="password")


def create_user(*, email: str, name: str, organisation, role: str, password: str,
                must_change_password: bool = False) -> User:
    """A new user. `must_change_password` when an administrator chose the password: the user
    must then choose their own at first sign-in."""
    if find_user_by_email(email):
        raise UserError(f"A user with the email {normalise_email(email)} already exists")
    check_role_fits_organisation(role, organisation)
    check_password_strength(password)
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        organisation=organisation,
        role=role,
        password_hash=hash_password(password),
        must_change_password=must_change_password,
    )
    db.session.add(user)
    db.session.flush()
    return user


USER_FIELDS = ("name", "email", "role", "organisation_id")


def update_user(user: User, values: dict, organisation) -> list[dict]:
    """Change a user's name, email, role or organisation; returns the changes for the audit log."""
    email = normalise_email(values["email"])
    clash = find_user_by_email(email)
    if clash is not None and clash.id != user.id:
        raise UserError(f"A user with the email {email} already exists")
    check_role_fits_organisation(values["role"], organisation)
    if user.is_system_admin and values["role"] != "admin":
        raise UserError("This user is a system administrator: withdraw that on the command line "
                        "(revoke-system-admin) before changing their role", field="role")
    if organisation.id != user.organisation_id and _owns_cases(user):
        raise UserError(
            "This user owns cases in their current organisation: give those cases to someone "
            "else before moving the user", field="organisation_id",
        )
    new = {"name": values["name"].strip(), "email": email, "role": values["role"],
           "organisation_id": organisation.id}
    changes = []
    for field in USER_FIELDS:
        if getattr(user, field) != new[field]:
            changes.append({"field": field, "before": getattr(user, field), "after": new[field]})
            setattr(user, field, new[field])
    if changes:
        db.session.flush()
    return changes


def _owns_cases(user: User) -> bool:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(ProblemCase).where(ProblemCase.owner_id == user.id)
    ) > 0


def set_system_admin(user: User, granted: bool) -> bool:
    """Grant or withdraw the system administrator capability (from the CLI only); audited with
    no acting user, as the command line has none. True if it changed."""
    if granted and user.role != "admin":
        raise UserError("Only an admin can be made a system administrator", field="role")
    if user.is_system_admin == granted:
        return False
    user.is_system_admin = granted
    audit.record("alteration", user=None, record_type="user", record_ref=user.email,
                 summary=(f"{'Granted' if granted else 'Withdrew'} the system administrator "
                          f"capability {'to' if granted else 'from'} {user.email} (command line)"),
                 details={"changes": [{"field": "is_system_admin", "before": not granted,
                                       "after": granted}]})
    db.session.flush()
    return True


def set_enabled(user: User, enabled: bool) -> bool:
    """Deactivate or reactivate a user; True if it changed. Deactivating ends every session,
    revokes every API token and cancels any reset link at once; reactivating brings none back."""
    if user.is_enabled == enabled:
        return False
    user.is_enabled = enabled
    if not enabled:
        end_everything(user)
    db.session.flush()
    return True


# --- passwords ---------------------------------------------------------------------------------

class PasswordError(UserError):
    """A password change or reset the rules refuse; `field` names the form field."""

    default_field = "new_password"


class WrongPassword(PasswordError):
    """The current password given is not the user's: counted as a failed sign-in."""

    default_field = "current_password"


class ResetLinkInvalid(Exception):
    """A reset link that cannot be used; `reason` is "unknown", "expired" or "used"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def end_everything(user: User) -> int:
    """End every session of `user`, revoke every API token and cancel every unused reset link:
    after a password change or reset, or deactivation, nothing from before still works. Returns
    how many tokens were revoked."""
    end_all_sessions(user)
    _cancel_reset_links(user)
    return tokens.revoke_all(user)


def _set_new_password(user: User, password: str) -> int:
    check_password_strength(password)
    user.password_hash = hash_password(password)
    return end_everything(user)


def set_password(user: User, password: str) -> None:
    """An administrator sets `user`'s password: the user must choose their own when they next
    sign in, and nothing signed in with the old one still works."""
    _set_new_password(user, password)
    user.must_change_password = True
    db.session.flush()


def set_password_from_command_line(user: User, password: str) -> None:
    """Give `user` a new password from the command line (which has no acting user), audited;
    the user signs in with it as it is. Nothing signed in with the old one still works."""
    revoked = _set_new_password(user, password)
    user.must_change_password = False
    audit.record("alteration", user=None, record_type="user", record_ref=user.email,
                 summary=f"Set a new password for {user.email} (command line): every session "
                         f"ended and {_tokens(revoked)} revoked",
                 details={"changes": [{"field": "password", "before": "(hidden)",
                                       "after": "(hidden)"}], "tokens_revoked": revoked})
    db.session.flush()


def change_password(user: User, current: str, new: str) -> None:
    """The user changes their own password, giving the current one. Raises WrongPassword (the
    caller counts it towards the throttle) or PasswordError."""
    matches, _ = verify_password(user.password_hash, current)
    if not matches:
        # Kept although the refusal discards the request's changes.
        audit.record_regardless(
            "sign_in_failed", user=user, record_type="user", record_ref=user.email,
            summary="Failed password check: wrong current password when changing it")
        raise WrongPassword("Your current password is not correct")
    # `current` is known to be the password, so comparing with it needs no second hash.
    if new == current:
        raise PasswordError("Your new password must be different from your current password")
    revoked = _set_new_password(user, new)
    user.must_change_password = False
    audit.record("alteration", user=user, record_type="user", record_ref=user.email,
                 summary=f"Changed their password: every session ended and {_tokens(revoked)} "
                         "revoked",
                 details={"changes": [{"field": "password", "before": "(hidden)",
                                       "after": "(hidden)"}], "tokens_revoked": revoked})
    db.session.flush()


def _tokens(count: int) -> str:
    return "1 API token" if count == 1 else f"{count} API tokens"


def issue_reset_link(user: User, issued_by: User) -> tuple[PasswordResetToken, str]:
    """A single-use reset link for `user`, asked for by an administrator; any earlier unused
    one stops working. Returns the row and the token, which goes in the e-mail and nowhere
    else."""
    _cancel_reset_links(user)
    token = secrets.token_urlsafe(32)
    row = PasswordResetToken(
        user_id=user.id, issued_by_id=issued_by.id, token_hash=_hash_token(token),
        expires_dt=utcnow() + timedelta(minutes=current_app.config["PASSWORD_RESET_MINUTES"]),
    )
    db.session.add(row)
    db.session.flush()
    audit.record("alteration", user=issued_by, record_type="user", record_ref=user.email,
                 summary=f"Sent a password reset link to {user.email}",
                 details={"reset_id": row.id, "user_id": user.id,
                          "expires": row.expires_dt.isoformat(timespec="seconds")})
    return row, token


def reset_link_failed(row_id: int, issued_by: User) -> None:
    """The reset e-mail could not be sent: the link is cancelled, and the log says so."""
    row = db.session.get(PasswordResetToken, row_id)
    row.cancelled_dt = utcnow()
    audit.record("alteration", user=issued_by, record_type="user", record_ref=row.user.email,
                 summary=f"The password reset e-mail to {row.user.email} could not be sent: "
                         "the link was cancelled", details={"reset_id": row.id})
    db.session.flush()


def reset_email(user: User, issued_by: User, link: str) -> EmailMessage:
    config = current_app.config
    minutes = config["PASSWORD_RESET_MINUTES"]
    message = EmailMessage()
    message["Subject"] = "SARA casebook: choose a new password"
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = user.email
    message["Message-ID"] = make_msgid(idstring="sara-password-reset")
    message.set_content(
        f"{issued_by.name}, an administrator, has sent you a link to choose a new password for "
        "SARA casebook.\n\n"
        f"Open this link within {minutes} minutes. It works once.\n\n{link}\n\n"
        "Choosing a new password signs you out everywhere and stops your API tokens working.\n\n"
        "If you did not expect this e-mail, tell your administrator.\n"
    )
    return message


def find_reset_link(token: str | None) -> PasswordResetToken:
    """The usable reset link `token` belongs to; raises ResetLinkInvalid saying why not."""
    if not token or len(token) > 100:
        raise ResetLinkInvalid("unknown")
    row = db.session.scalar(
        sa.select(PasswordResetToken).where(PasswordResetToken.token_hash == _hash_token(token))
    )
    if row is None:
        raise ResetLinkInvalid("unknown")
    if row.used_dt is not None or row.cancelled_dt is not None or not row.user.is_enabled:
        raise ResetLinkInvalid("used")
    if row.expires_dt <= utcnow():
        raise ResetLinkInvalid("expired")
    return row


def use_reset_link(token: str | None, new: str) -> User:
    """Set a new password through a reset link, which then never works again. Raises
    ResetLinkInvalid or PasswordError."""
    row = find_reset_link(token)
    check_password_strength(new)
    user = row.user
    row.used_dt = utcnow()
    db.session.flush()
    revoked = _set_new_password(user, new)
    user.must_change_password = False
    issuer = row.issued_by.name if row.issued_by else "an administrator"
    audit.record("alteration", user=user, record_type="user", record_ref=user.email,
                 summary=f"Chose a new password with a password reset link from {issuer}: "
                         f"every session ended and {_tokens(revoked)} revoked",
                 details={"reset_id": row.id, "tokens_revoked": revoked})
    db.session.flush()
    return user


def _cancel_reset_links(user: User) -> None:
    db.session.execute(
        sa.update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_dt.is_(None),
               PasswordResetToken.cancelled_dt.is_(None))
        .values(cancelled_dt=utcnow())
        .execution_options(synchronize_session="fetch")
    )
