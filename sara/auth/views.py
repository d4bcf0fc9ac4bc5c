"""Sign-in and sign-out, changing your password, administrators' reset links, and the Flask-Login
session loader."""

from __future__ import annotations

import smtplib
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_user, logout_user

from sara import policy
from sara.auth import service, throttle
from sara.auth.forms import ChangePasswordForm, ConfirmForm, LoginForm, ResetPasswordForm
from sara.core import unit_of_work
from sara.core.rules import show_on_form
from sara.extensions import login_manager
from sara.notifications.service import deliver

bp = Blueprint("auth", __name__)

SESSION_TOKEN_KEY = "sid"  # noqa: S105 - the name of a session key, not a secret
#: Where a reset link's token waits between opening the link and choosing the password, so that
#: it is not in the address bar, the audit's request paths or the form's address.
RESET_TOKEN_KEY = "password_reset"  # noqa: S105 - the name of a session key, not a secret
CHANGED = "Your password has been changed. Sign in with your new password."


@login_manager.user_loader
def load_user(user_id: str):
    return service.resolve_session(session.get(SESSION_TOKEN_KEY), user_id)


def _safe_next(target: str | None) -> str | None:
    """Only ever redirect within this site after sign-in."""
    if not target or len(target) > 2000:
        return None
    # A control character (CR, LF...) cannot go into a Location header, and browsers read a
    # backslash as a slash ("/\\evil.example" is "//evil.example"): neither is one of our pages.
    if any(ord(c) < 0x20 or c in "\x7f\\" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@throttle.limit_failures
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        result = service.authenticate(form.email.data, form.password.data, request.remote_addr)
        if result.user is None:
            throttle.count_failure()
            form.email.errors.append("Enter a correct email address and password")
        else:
            next_url = _safe_next(request.args.get("next"))
            # A fresh cookie for the new session: nothing from before sign-in carries over.
            session.clear()
            session.permanent = True
            session[SESSION_TOKEN_KEY] = result.token
            login_user(result.user)
            return redirect(next_url or url_for("core.home"))
    elif request.method == "POST":
        status = 400 if form.csrf_token.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.errorhandler(RateLimitExceeded)
def too_many_failures(error: RateLimitExceeded):
    """The throttle refused the attempt before any password was checked: say so on the form."""
    message = throttle.refusal(error)
    why = ("too many failed attempts from this address" if throttle.by_address(error)
           else "too many failed attempts for this account from this address")
    if request.endpoint == "auth.change_password" and current_user.is_authenticated:
        form, template = ChangePasswordForm(), "auth/change_password.html"
        form.current_password.errors = [message]
        email = current_user.email
    else:
        form, template = LoginForm(), "auth/login.html"
        form.email.errors = [message]
        email = form.email.data or ""
    service.record_refused_sign_in(email, why)
    return render_template(template, form=form), 429, {"Retry-After": str(throttle.retry_after())}


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        service.sign_out(current_user, session.get(SESSION_TOKEN_KEY))
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))


def _signed_out_after_password_change():
    """The password changed, so every session ended, this one too: sign in again with it."""
    logout_user()
    session.clear()
    flash(CHANGED, "success")
    return redirect(url_for("auth.login"))


# --- your own password ---------------------------------------------------------------------------

@bp.route("/account/password", methods=["GET", "POST"])
@throttle.limit_failures
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            service.change_password(current_user, form.current_password.data,
                                    form.new_password.data)
        except service.WrongPassword as error:
            throttle.count_failure()
            show_on_form(form, error)
        except service.UserError as error:
            show_on_form(form, error, fallback="new_password")
        else:
            return _signed_out_after_password_change()
    status = 400 if "csrf_token" in form.errors else 200
    return render_template("auth/change_password.html", form=form), status


# --- reset links -------------------------------------------------------------------------------

@bp.route("/admin/users/<int:user_id>/password-reset", methods=["POST"])
def issue_password_reset(user_id: int):
    if not policy.can_administer(current_user):
        abort(403)
    subject = policy.get_managed_user_or_404(current_user, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    back = redirect(url_for("admin.user", user_id=subject.id))
    if not subject.is_enabled:
        flash(f"{subject.name}'s account is deactivated: reactivate it before sending a password "
              "reset link.", "error")
        return back
    row, token = service.issue_reset_link(subject, current_user)
    link = current_app.config["PUBLIC_URL"].rstrip("/") + url_for(
        "auth.password_reset_link", token=token)
    email = service.reset_email(subject, current_user, link)
    row_id, address = row.id, subject.email
    admin = current_user._get_current_object()
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]

    def send() -> None:
        # After the commit: the link works once it is sent, and no database lock is held while
        # the mail server answers. (Not work for Celery: the token must never reach a broker.)
        try:
            deliver(email)
        except (OSError, smtplib.SMTPException) as exc:
            current_app.logger.warning("sending a password reset e-mail failed: %s",
                                       type(exc).__name__)
            unit_of_work.bookkeeping(lambda _r: service.reset_link_failed(row_id, admin))
            flash("The password reset e-mail could not be sent, so the link was cancelled. "
                  "Try again later.", "error")
            return
        flash(f"A password reset link has been sent to {address}. It works once, for "
              f"{minutes} minutes.", "success")

    unit_of_work.after_commit(send)
    return back


_INVALID_STATUS = {"unknown": 404, "expired": 410, "used": 410}


def _invalid_link(reason: str):
    session.pop(RESET_TOKEN_KEY, None)
    page = render_template("auth/password_reset_invalid.html", reason=reason)
    return page, _INVALID_STATUS[reason], {"Cache-Control": "no-store"}


@bp.route("/password-reset/<token>")
def password_reset_link(token: str):
    """The link in the e-mail: keep its token in the session and show the form without it."""
    try:
        service.find_reset_link(token)
    except service.ResetLinkInvalid as error:
        return _invalid_link(error.reason)
    session[RESET_TOKEN_KEY] = token
    return redirect(url_for("auth.password_reset"))


@bp.route("/password-reset", methods=["GET", "POST"])
def password_reset():
    token = session.get(RESET_TOKEN_KEY)
    try:
        service.find_reset_link(token)
    except service.ResetLinkInvalid as error:
        return _invalid_link(error.reason)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            service.use_reset_link(token, form.new_password.data)
        except service.ResetLinkInvalid as error:
            return _invalid_link(error.reason)
        except service.UserError as error:
            show_on_form(form, error, fallback="new_password")
        else:
            return _signed_out_after_password_change()
    status = 400 if "csrf_token" in form.errors else 200
    page = render_template("auth/password_reset.html", form=form)
    return page, status, {"Cache-Control": "no-store"}


@bp.app_context_processor
def inject_session_limits():
    idle = current_app.config["SESSION_IDLE_TIMEOUT"]
    return {"session_idle_minutes": int(idle.total_seconds() // 60)}
