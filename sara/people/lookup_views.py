"""The call-handler lookup page.

A lookup is a POST (with its CSRF token): the names, phone numbers and addresses asked about never
go in a URL, where access logs, proxies and browser history would keep them. The API's
`GET /api/v1/lookup` keeps its query string, which gunicorn.conf.py leaves out of the access log.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional

from sara import policy
from sara.core.forms import BaseForm
from sara.people.lookup import lookup

bp = Blueprint("lookup", __name__)


class LookupForm(BaseForm):
    name = StringField("Name", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    phone = StringField("Phone number", widget=GovTextInput(),
                        validators=[Optional(), Length(max=40)])
    address = StringField("Address", widget=GovTextInput(),
                          description="Any words from it, for example 'Ermine Road'",
                          validators=[Optional(), Length(max=300)])
    postcode = StringField("Postcode", widget=GovTextInput(),
                           validators=[Optional(), Length(max=10)])
    submit = SubmitField("Look up", widget=GovSubmitInput())


CRITERIA = ("name", "phone", "address", "postcode")


@bp.route("/lookup", methods=["GET", "POST"])
def lookup_page():
    if not policy.can_lookup_people(current_user):
        abort(403)
    if request.method == "GET" and request.args:
        # An old link or bookmark with what to look up in it: searched for nothing, and sent
        # to the empty form.
        return redirect(url_for(".lookup_page"), 303)
    form = LookupForm()
    hits = None
    if form.validate_on_submit() and any(form[k].data for k in CRITERIA):
        criteria = {k: form[k].data or "" for k in CRITERIA}
        hits = lookup(current_user.organisation_id, **criteria, viewer=current_user)
    return render_template("lookup/lookup.html", form=form, hits=hits,
                           can_record=policy.can_record_incidents(current_user))
