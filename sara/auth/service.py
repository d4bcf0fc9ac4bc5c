"""Signing in and out, server-side sessions, and the failed-sign-in throttle.

Functions here flush and never commit: the caller commits once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from limits import RateLimitItemPerMinute

from sara.audit import service as audit
from sara.auth.models import ROLES, User, UserSession
from sara.auth.passwords import burn_verification_time, hash_password, verify_password
from sara.core.types import utcnow
from sara.extensions import db, limiter

#: last_seen is written at most this often, so reading a page is not a write every time
_LAST_SEEN_GRANULARITY = timedelta(seconds=60)


class LoginThrottled(Exception):
    """Too many failed sign-ins for one account in the last minute."""


@dataclass
class LoginResult:
    user: User | None
    token: str | None = None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


# --- failed sign-in throttle -------------------------------------------------------------------

def _failure_limit():
    return RateLimitItemPerMinute(current_app.config["LOGIN_FAILURES_PER_MINUTE"])


def _throttle_key(email: str) -> tuple[str, str]:
    # Hashed so raw email addresses are not written into Redis keys.
    digest = hashlib.sha256(normalise_email(email).encode()).hexdigest()
    return current_app.config["RATELIMIT_KEY_PREFIX"], f"login-failures:{digest}"


def is_login_throttled(email: str) -> bool:
    return not limiter.limiter.test(_failure_limit(), *_throttle_key(email))


def record_login_failure(email: str) -> None:
    limiter.limiter.hit(_failure_limit(), *_throttle_key(email))


# --- sessions ----------------------------------------------------------------------------------

def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(email: str, password: str, ip_address: str | None) -> LoginResult:
    """Check credentials and open a server-side session.

    Raises LoginThrottled when the account has had too many failures in the last minute; the
    password is then not even checked, so guessing cannot continue.
    """
    user = find_user_by_email(email)
    if is_login_throttled(email):
        _audit_failure(email, user, "refused: too many failed attempts in the last minute")
        raise LoginThrottled()
    if user is None:
        burn_verification_time(password)
        record_login_failure(email)
        _audit_failure(email, None, "unknown email address")
        return LoginResult(user=None)
    matches, new_hash = verify_password(user.password_hash, password)
    if not matches or not user.is_enabled:
        record_login_failure(email)
        _audit_failure(email, user, "wrong password" if not matches else "account deactivated")
        return LoginResult(user=None)
    if new_hash:
        user.password_hash = new_hash
    user.last_login_dt = utcnow()
    audit.record("sign_in", user=user, record_type="user", record_ref=user.email,
                 summary="Signed in")
    return LoginResult(user=user, token=open_session(user, ip_address))


def _audit_failure(email: str, user: User | None, why: str) -> None:
    audit.record(
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
    if (
        now - row.last_seen_dt > config["SESSION_IDLE_TIMEOUT"]
        or now - row.created_dt > config["SESSION_ABSOLUTE_TIMEOUT"]
    ):
        row.ended_dt = now
        db.session.flush()
        return None
    if not row.user.is_enabled:
        return None
    if now - row.last_seen_dt > _LAST_SEEN_GRANULARITY:
        row.last_seen_dt = now
        db.session.flush()
    return row.user


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


class UserError(ValueError):
    """A user that the rules do not allow; the message says why."""


POLICE_ONLY_ROLES = frozenset({"officer", "supervisor", "call_handler"})
MIN_PASSWORD_LENGTH = 12


def check_role_fits_organisation(role: str, organisation) -> None:
    if role not in ROLES:
        raise UserError(f"Role must be one of: {', '.join(ROLES)}")
    if role in POLICE_ONLY_ROLES and not organisation.is_police:
        raise UserError(f"A {ROLES[role].lower()} must belong to a police organisation")
    if role == "partner" and organisation.is_police:
        raise UserError("A partner must belong to a partner organisation, not a police force")


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters")


def create_user(*, email: str, name: str, organisation, role: str, password: str) -> User:
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
    if organisation.id != user.organisation_id and _owns_cases(user):
        raise UserError(
            "This user owns cases in their current organisation: give those cases to someone "
            "else before moving the user"
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
    from sara.cases.models import ProblemCase

    return db.session.scalar(
        sa.select(sa.func.count()).select_from(ProblemCase).where(ProblemCase.owner_id == user.id)
    ) > 0


def set_enabled(user: User, enabled: bool) -> bool:
    """Deactivate (ending every session at once) or reactivate a user; True if it changed."""
    if user.is_enabled == enabled:
        return False
    user.is_enabled = enabled
    if not enabled:
        end_all_sessions(user)
    db.session.flush()
    return True


def set_password(user: User, password: str) -> None:
    check_password_strength(password)
    user.password_hash = hash_password(password)
    end_all_sessions(user)
    db.session.flush()
