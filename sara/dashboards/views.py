"""The dashboard: charts of the user's cases, incidents, actions and flags, for the whole
organisation or one neighbourhood. Thin: read the filter, ask the service, render."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import SelectField, ValidationError

from sara import policy
from sara.cases.queries import visible_neighbourhoods
from sara.core.forms import BaseForm
from sara.dashboards import charts, service
from sara.extensions import db

bp = Blueprint("dashboards", __name__)


class DashboardForm(BaseForm):
    class Meta:
        csrf = False

    neighbourhood = SelectField("Neighbourhood", widget=GovSelect(), default="",
                                validate_choice=False)

    def validate_neighbourhood(self, field):
        # A hand-made or stale link (another force's neighbourhood, "abc") is reported by name,
        # and the whole organisation is shown instead.
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError("Choose a neighbourhood from the list")


@bp.route("/dashboard")
def dashboard():
    if not policy.can_see_dashboard(current_user):
        abort(403)
    form = DashboardForm(request.args)
    neighbourhoods = {str(n.id): n.name
                      for n in db.session.scalars(visible_neighbourhoods(current_user))}
    everything = ("Whole organisation" if current_user.is_police
                  else "All cases shared with us")
    form.neighbourhood.choices = [("", everything), *neighbourhoods.items()]
    form.validate()
    chosen = form.neighbourhood.data if not form.neighbourhood.errors else ""
    data = service.dashboard(current_user, int(chosen) if chosen else None)
    return render_template(
        "dashboards/dashboard.html", form=form, data=data, render_svg=charts.render_svg,
        chart_table=charts.table, marker_rows=charts.marker_rows,
        scope_name=neighbourhoods.get(chosen) or everything,
        neighbourhood_id=int(chosen) if chosen else None,
    )
