"""The good-practice library, its case studies and the "what works" figures.

Thin views: parse the filters, ask the policy, query, render. Every page here is 404 to anyone the
policy does not let read the library (partners, when an admin has closed it to them).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from sara import policy
from sara.audit import consultation
from sara.cases.taxonomy import (
    PROBLEM_TYPES,
    SCANNING_SOURCES,
    TACTIC_CATEGORIES,
    TRIANGLE_SIDES,
)
from sara.core.types import today
from sara.evaluation.models import (
    DELIVERY,
    DISPLACEMENT_TYPES,
    EFFECTIVENESS,
    OBJECTIVE_RESULTS,
    OUTCOMES,
)
from sara.library import queries
from sara.library.forms import LibrarySearchForm, WhatWorksCasesForm, WhatWorksForm

bp = Blueprint("library", __name__, url_prefix="/library")

LABELS = {
    "problem_types": PROBLEM_TYPES,
    "categories": TACTIC_CATEGORIES,
    "sides": TRIANGLE_SIDES,
    "outcomes": OUTCOMES,
    "delivery": DELIVERY,
    "effectiveness": EFFECTIVENESS,
    "objective_results": OBJECTIVE_RESULTS,
    "displacement_types": DISPLACEMENT_TYPES,
    "scan_sources": SCANNING_SOURCES,
}


@bp.before_request
def library_readers_only():
    # 404, not 403: a partner whose access was switched off is told nothing about the library.
    if not policy.can_read_library(current_user):
        abort(404)


def _valid_filters(form) -> dict:
    """Each filter that is valid; an invalid one is reported by the form and ignored."""
    form.validate()
    return {name: (field.data or None) if not field.errors else None
            for name, field in form._fields.items()}


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


@bp.route("")
def index():
    form = LibrarySearchForm(request.args)
    valid = _valid_filters(form)
    filters = queries.LibraryFilters(
        text=valid["q"], problem_type=valid["problem_type"], category=valid["category"],
        side=valid["side"], outcome=valid["outcome"], page=_page_number(),
    )
    page = queries.library_page(current_user, filters, current_app.config["CASES_PER_PAGE"])
    return render_template("library/index.html", form=form, page=page, filters=filters,
                           labels=LABELS)


@bp.route("/what-works")
def what_works():
    form = WhatWorksForm(request.args)
    problem_type = _valid_filters(form)["problem_type"]
    return render_template(
        "library/what_works.html", form=form, problem_type=problem_type,
        rows=queries.what_works(current_user, problem_type), labels=LABELS,
    )


@bp.route("/what-works/cases")
def what_works_cases():
    form = WhatWorksCasesForm(request.args)
    filters = queries.WhatWorksFilters(**_valid_filters(form))
    return render_template(
        "library/what_works_cases.html", form=form, filters=filters,
        cases=queries.what_works_cases(current_user, filters), labels=LABELS,
    )


@bp.route("/<case_reference>")
def case_study(case_reference: str):
    # Named case_reference, not reference: this is not a case route governed by case_scope (the
    # library is published wider than that), so it stays out of the case access matrix.
    case = policy.get_case_study_or_404(current_user, case_reference)
    # A view of a published case study is still a consultation of the case: audited once.
    consultation.viewed("case", case)
    # The template gets the published case study only, never the case.
    return render_template("library/case_study.html", study=queries.case_study(case),
                           printed_on=today())
