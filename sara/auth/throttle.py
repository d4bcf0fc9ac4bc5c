"""The failed sign-in throttle, on Flask-Limiter (counts in Redis when REDIS_URL is set, so every
web process shares them).

Only failures count. Two limits, both checked before the password is, so a refused attempt costs
no Argon2 hash:

- per account from one client address (LOGIN_FAILURES_PER_MINUTE and LOGIN_FAILURES_PER_HOUR):
  slows guessing one officer's password, but a stranger elsewhere cannot lock that officer out;
- per client address across every account (LOGIN_FAILURES_PER_IP_PER_HOUR): stops one address
  trying a few passwords on each of many accounts.

A wrong current password on the password change page counts as a failed sign-in too.
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import current_app, g, request
from flask_limiter import RateLimitExceeded
from flask_login import current_user

from sara.extensions import limiter

ACCOUNT_SCOPE = "sign-in-failures-account"
ADDRESS_SCOPE = "sign-in-failures-address"


def client_address() -> str:
    # Behind a proxy this is the client's only when TRUSTED_PROXIES is set (ProxyFix).
    return request.remote_addr or "unknown"


def _account_key() -> str:
    email = current_user.email if current_user.is_authenticated else request.form.get("email", "")
    # Hashed so that no email address is ever written into a Redis key.
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return f"{digest}@{client_address()}"


def _account_limits() -> str:
    config = current_app.config
    return (f"{config['LOGIN_FAILURES_PER_MINUTE']}/minute;"
            f"{config['LOGIN_FAILURES_PER_HOUR']}/hour")


def _address_limits() -> str:
    return f"{current_app.config['LOGIN_FAILURES_PER_IP_PER_HOUR']}/hour"


def count_failure() -> None:
    """Count this request as a failed sign-in once it has been answered."""
    g.sign_in_failed = True


def _failed(response) -> bool:
    return bool(g.get("sign_in_failed"))


def limit_failures(view):
    """Refuse the view's POSTs (RateLimitExceeded, a 429) while either limit is reached."""
    for limits, scope, key in ((_address_limits, ADDRESS_SCOPE, client_address),
                               (_account_limits, ACCOUNT_SCOPE, _account_key)):
        view = limiter.shared_limit(limits, scope, key_func=key, methods=["POST"],
                                    deduct_when=_failed)(view)
    return view


def by_address(error: RateLimitExceeded) -> bool:
    """Whether it was the address's limit across accounts that refused the attempt."""
    return getattr(error.limit, "scope", None) == ADDRESS_SCOPE


def refusal(error: RateLimitExceeded) -> str:
    """What to tell the person refused, with how long to wait."""
    whose = "from your network" if by_address(error) else "for this account"
    return (f"There have been too many failed sign-in attempts {whose}. "
            f"Wait {_wait()}, then try again.")


def retry_after() -> int:
    """Seconds until the limit that refused this request lets an attempt through again."""
    breached = limiter.current_limit
    if breached is None:
        return 60
    return max(1, math.ceil(breached.window.reset_time - time.time()))


def _wait() -> str:
    minutes = math.ceil(retry_after() / 60)
    return "one minute" if minutes == 1 else f"{minutes} minutes"
