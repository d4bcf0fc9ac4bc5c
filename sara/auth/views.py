"""Sign-in and sign-out pages, and the Flask-Login session loader."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from sara.auth import service
from sara.auth.forms import LoginForm
from sara.extensions import db, login_manager

bp = Blueprint("auth", __name__)

SESSION_TOKEN_KEY = "sid"  # noqa: S105 - the name of a session key, not a secret


@login_manager.user_loader
def load_user(user_id: str):
    user = service.resolve_session(session.get(SESSION_TOKEN_KEY), user_id)
    # The loader runs before the view does any work, so this commit only ever carries the
    # session's own bookkeeping (last seen, or the expiry of an idle session).
    db.session.commit()
    return user


def _safe_next(target: str | None) -> str | None:
    """Only ever redirect within this site after sign-in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            result = service.authenticate(
                form.email.data, form.password.data, request.remote_addr
            )
        except service.LoginThrottled:
            db.session.commit()
            form.email.errors.append(
                "There have been too many failed sign-in attempts for this account. "
                "Wait one minute, then try again."
            )
            status = 429
        else:
            if result.user is None:
                db.session.commit()
                form.email.errors.append("Enter a correct email address and password")
                status = 200
            else:
                db.session.commit()
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


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        service.sign_out(current_user, session.get(SESSION_TOKEN_KEY))
        db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))


@bp.app_context_processor
def inject_session_limits():
    idle = current_app.config["SESSION_IDLE_TIMEOUT"]
    return {"session_idle_minutes": int(idle.total_seconds() // 60)}
