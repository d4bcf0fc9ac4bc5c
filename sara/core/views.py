from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user

from sara import policy
from sara.core import outbox, unit_of_work
from sara.extensions import db

bp = Blueprint("core", __name__)


@bp.route("/")
def home():
    if policy.can_administer(current_user):
        return redirect(url_for("admin.users"))
    if policy.is_supervisor(current_user):
        return redirect(url_for("supervision.queue"))
    if current_user.role == "officer":
        return redirect(url_for("cases.my_cases"))
    # A call handler answers callers: their work starts from the lookup, not the case list.
    if current_user.role == "call_handler" and policy.can_lookup_people(current_user):
        return redirect(url_for("lookup.lookup_page"))
    if policy.can_list_cases(current_user):
        return redirect(url_for("cases.case_list"))
    return render_template("core/home.html")


@bp.route("/healthz")
def healthz():
    database = "ok"
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means the database is not usable
        database = "unavailable"
    finally:
        unit_of_work.rollback()
    broker = _broker_status()
    status = "ok" if database == "ok" else "unavailable"
    body = {"status": status, "database": database, "broker": broker}
    if database == "ok":
        # Work waiting for the broker (an outage, or a relay that is behind) is no failure of
        # the service: nothing is lost. Reported for monitoring.
        body["outbox_waiting"] = outbox.unsent(older_than=timedelta(minutes=1))
    return jsonify(body), (200 if status == "ok" else 503)


def _broker_status() -> str:
    celery = current_app.extensions["celery"]
    try:
        with celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
    except Exception:  # noqa: BLE001
        return "unavailable"
    return "ok"
