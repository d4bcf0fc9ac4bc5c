"""The supervisor's queue page. Thin: check the role, ask the queries, render."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from sara import policy
from sara.cases.queries import EVALUATION_FILTERS
from sara.cases.taxonomy import STAGE_ORDER, STAGES
from sara.supervision import queries

bp = Blueprint("supervision", __name__)


@bp.route("/queue")
def queue():
    if not policy.is_supervisor(current_user):
        abort(403)
    return render_template(
        "supervision/queue.html", queue=queries.supervisor_queue(current_user),
        stages=STAGES, stage_order=STAGE_ORDER, evaluation_states=EVALUATION_FILTERS,
        sign_off_days=queries.current_rule("evaluation_unsigned",
                                           current_user.organisation_id)[1]["days"],
        review_days=queries.current_rule("review_overdue", current_user.organisation_id)[1]["days"],
    )
