"""Search pages: one box over every case the user may see, and its CSV export."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from sara import policy
from sara.cases import queries
from sara.cases.taxonomy import STATUSES
from sara.core import exports
from sara.core.templating import format_date
from sara.search import service
from sara.search.forms import SearchForm

bp = Blueprint("search", __name__)


@bp.before_request
def case_readers_only():
    if not policy.can_list_cases(current_user):
        abort(403)


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _form_and_filters() -> tuple[SearchForm, service.SearchFilters]:
    """The form and the filters from the query string, for the page and its export alike (so the
    file holds exactly what the page lists). A bad filter is reported and ignored, never a 500."""
    form = SearchForm(request.args)
    neighbourhoods, _owners = queries.filter_options(current_user)
    form.neighbourhood.choices = [("", "Any neighbourhood")] + [
        (str(n.id), n.name) for n in neighbourhoods
    ]
    form.validate()

    def valid(name):
        return form[name].data if not form[name].errors else None

    filters = service.SearchFilters(
        text=valid("q") or "",
        stage=valid("stage") or None,
        status=valid("status") or None,
        neighbourhood_id=_int_or_none(valid("neighbourhood")),
        problem_type=valid("problem_type") or None,
        opened_from=valid("opened_from"),
        opened_to=valid("opened_to"),
        page=max(1, _int_or_none(request.args.get("page", "")[:9]) or 1),
    )
    return form, filters


@bp.route("/search")
def search():
    form, filters = _form_and_filters()
    page = people = people_by = None
    if filters.text:
        page = service.search_page(current_user, filters, current_app.config["CASES_PER_PAGE"])
        found = service.find_people(current_user, filters.text) if filters.page == 1 else None
        if found is not None:
            people, criteria = found
            people_by = next(iter(criteria))
    return render_template("search/search.html", form=form, filters=filters, page=page,
                           people=people, people_by=people_by,
                           searched=bool(request.args.get("q", "").strip()))


@bp.route("/search/export.csv")
def export():
    _form, filters = _form_and_filters()
    cases = service.all_results(current_user, filters) if filters.text else []
    header = ["Reference", "Title", "Problem type", "Stage", "Status", "Neighbourhood",
              "Opened", "Last updated"]
    rows = [[case.reference, case.title, case.problem_type_label, case.stage_label,
             STATUSES[case.status], case.neighbourhood.name, format_date(case.created_dt),
             format_date(case.updated_dt)] for case in cases]
    file = exports.Disclosed(header, rows, [c.id for c in cases], [c.reference for c in cases])
    return exports.csv_download(file, "search-results.csv", record_type="case",
                                what="cases from a search")
