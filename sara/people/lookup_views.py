"""The call-handler lookup page."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional

from sara import policy
from sara.core.forms import BaseForm
from sara.people.lookup import lookup

bp = Blueprint("lookup", __name__)


class LookupForm(BaseForm):
    class Meta:
        csrf = False

    name = StringField("Name", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    phone = StringField("Phone number", widget=GovTextInput(),
                        validators=[Optional(), Length(max=40)])
    address = StringField("Address", widget=GovTextInput(),
                          description="Any words from it, for example 'Ermine Road'",
                          validators=[Optional(), Length(max=300)])
    postcode = StringField("Postcode", widget=GovTextInput(),
                           validators=[Optional(), Length(max=10)])
    submit = SubmitField("Look up", widget=GovSubmitInput())


@bp.route("/lookup")
def lookup_page():
    if not policy.can_lookup_people(current_user):
        abort(403)
    form = LookupForm(request.args)
    hits = None
    searched = any(request.args.get(k) for k in ("name", "phone", "address", "postcode"))
    if searched and form.validate():
        criteria = {k: form[k].data or "" for k in ("name", "phone", "address", "postcode")}
        hits = lookup(current_user.organisation_id, **criteria, viewer=current_user)
    return render_template("lookup/lookup.html", form=form, hits=hits,
                           can_record=policy.can_record_incidents(current_user))
