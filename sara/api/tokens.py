"""Creating, checking and revoking API tokens. Functions flush; callers commit."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import has_request_context

from sara.api.common import ApiError
from sara.api.models import ApiToken
from sara.core import unit_of_work
from sara.core.types import utcnow
from sara.extensions import db

TOKEN_PREFIX = "sara_"  # noqa: S105 - a public marker, not a secret
DEFAULT_DAYS = 90
MAX_DAYS = 366


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user, name: str = "API token", days: int = DEFAULT_DAYS) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the token, which is never shown again."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"A token lasts between 1 and {MAX_DAYS} days")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=(name or "API token").strip()[:100],
                   token_hash=_hash(token), prefix=token[:12],
                   expires_dt=utcnow() + timedelta(days=days))
    db.session.add(row)
    db.session.flush()
    return row, token


class PasswordChangeRequired(ApiError):
    """The token is good, but its user must first choose their own password (an administrator
    chose the current one): the API answers 403 until they have."""

    def __init__(self):
        super().__init__(403, "Forbidden",
                         "Your password must be changed before your API tokens can be used: "
                         "sign in to SARA casebook and choose a new password first.")


def user_for_token(token: str | None):
    """The enabled user a live token belongs to, or None.

    Raises PasswordChangeRequired for a user who must change their password first: this is the
    one place every token is checked, so no API route can forget that rule.
    """
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    now = utcnow()
    if row is None or row.revoked_dt is not None or row.expires_dt <= now:
        return None
    if not row.user.is_enabled:
        return None
    if row.user.must_change_password:
        raise PasswordChangeRequired()
    if row.last_used_dt is None or now - row.last_used_dt > timedelta(minutes=5):
        # With the request's bookkeeping: a read over the API stays a reader until its end.
        touch = sa.update(ApiToken).where(ApiToken.id == row.id).values(last_used_dt=now)
        if has_request_context():
            unit_of_work.bookkeeping(lambda _response: db.session.execute(touch))
        else:
            db.session.execute(touch)
    return row.user


def revoke(row: ApiToken) -> None:
    if row.revoked_dt is None:
        row.revoked_dt = utcnow()
        db.session.flush()


def revoke_all(user) -> int:
    """Revoke every live token of `user` (a password change or reset, or deactivation); returns
    how many. Revoked tokens stay revoked: reactivating the user brings none back."""
    result = db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_dt.is_(None))
        .values(revoked_dt=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount or 0


def tokens_of(user) -> list[ApiToken]:
    return list(db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_dt.desc())
    ))
