"""The user's own API tokens: list, create (shown once) and revoke. Thin: the policy decides whose
token is whose, sara.api.tokens does the work, and every change is audited."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, StringField, SubmitField, ValidationError
from wtforms.validators import DataRequired, Length

from sara import policy
from sara.api import tokens
from sara.audit import service as audit
from sara.core.forms import BaseForm, no_control_characters
from sara.core.templating import format_date
from sara.core.types import utcnow

bp = Blueprint("api_tokens", __name__, url_prefix="/account/api-tokens")

EXPIRY_DAYS = (7, 30, 90, 180, tokens.MAX_DAYS)


class _LifetimeField(SelectField):
    """How many days a token lasts, from a fixed list; anything else is explained in words."""

    message = "Choose how long the token lasts from the list"

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(self.message) from error

    def pre_validate(self, form):
        if self.data not in EXPIRY_DAYS:
            raise ValidationError(self.message)


class NewTokenForm(BaseForm):
    name = StringField(
        "Name", widget=GovTextInput(),
        description="What the token is for, so you can tell your tokens apart, for example "
                    "“Call-handling system”.",
        validators=[DataRequired(message="Enter a name for the token"),
                    Length(max=100, message="Name must be 100 characters or fewer"),
                    no_control_characters],
    )
    days = _LifetimeField(
        "Expires after", widget=GovSelect(), coerce=int, default=tokens.DEFAULT_DAYS,
        choices=[(days, f"{days} days") for days in EXPIRY_DAYS],
    )
    submit = SubmitField("Create token", widget=GovSubmitInput())


class RevokeForm(BaseForm):
    """A bare POST with its CSRF token."""


@bp.before_request
def allowed():
    if not policy.can_manage_own_tokens(current_user):
        abort(403)


def _page(form: NewTokenForm, new_token: str | None = None, new_row=None, code: int = 200):
    response = render_template(
        "api/tokens.html", form=form, tokens=tokens.tokens_of(current_user), now=utcnow(),
        revoke_form=RevokeForm(formdata=None), new_token=new_token, new_row=new_row,
        api_root=request.host_url + "api/v1",
    )
    # The new token is in this page and nowhere else: no cache may keep a copy.
    return response, code, {"Cache-Control": "no-store", "Pragma": "no-cache"}


@bp.route("")
def index():
    return _page(NewTokenForm(formdata=None))


@bp.route("", methods=["POST"])
def create():
    form = NewTokenForm()
    if not form.validate_on_submit():
        return _page(form, code=400 if "csrf_token" in form.errors else 200)
    row, token = tokens.create_token(current_user, form.name.data, form.days.data)
    audit.record(
        "alteration", user=current_user, record_type="user", record_ref=current_user.email,
        summary=f"Created the API token “{row.name}” ({row.prefix}…), "
                f"valid until {format_date(row.expires_dt)}",
        details={"token_id": row.id, "prefix": row.prefix,
                 "expires": row.expires_dt.isoformat(timespec="seconds")},
    )
    # Shown in this response only: never in the session (a flash) or a URL.
    return _page(NewTokenForm(formdata=None), new_token=token, new_row=row)


@bp.route("/<int:token_id>/revoke", methods=["POST"])
def revoke(token_id: int):
    row = policy.get_own_token_or_404(current_user, token_id)
    if not RevokeForm().validate_on_submit():
        abort(400)
    if row.revoked_dt is None:
        tokens.revoke(row)
        audit.record(
            "alteration", user=current_user, record_type="user", record_ref=current_user.email,
            summary=f"Revoked the API token “{row.name}” ({row.prefix}…)",
            details={"token_id": row.id, "prefix": row.prefix},
        )
    flash(f"Token “{row.name}” ({row.prefix}…) revoked: it no longer works.", "success")
    return redirect(url_for("api_tokens.index"))
