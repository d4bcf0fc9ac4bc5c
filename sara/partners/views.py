"""The sharing page of a case: who has access, granting and withdrawing it, personal details."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from sara import policy
from sara.admin.forms import ConfirmForm
from sara.cases import service as case_service
from sara.core import unit_of_work
from sara.core.rules import flash_refusal
from sara.extensions import db
from sara.orgs.models import Organisation
from sara.partners import service
from sara.partners.forms import PersonalDetailsForm, ShareWithOrganisationForm, ShareWithUserForm

bp = Blueprint("partners", __name__, url_prefix="/cases/<reference>/sharing")


def _case_for_sharing(reference: str):
    case = policy.get_case_or_404(current_user, reference)
    if not policy.can_share_case(current_user, case):
        abort(403)
    return case


def _page(case, org_form=None, user_form=None, details_form=None, status=200):
    org_form = org_form or ShareWithOrganisationForm(formdata=None)
    org_form.set_organisations(service.shareable_organisations(case))
    user_form = user_form or ShareWithUserForm(formdata=None)
    if details_form is None:
        details_form = PersonalDetailsForm(formdata=None)
        details_form.personal_details_shared.data = "yes" if case.personal_details_shared else "no"
    details_form.version.data = details_form.version.data or case.version
    return render_template(
        "partners/sharing.html", case=case, shares=service.live_shares(case), org_form=org_form,
        user_form=user_form, details_form=details_form, confirm=ConfirmForm(formdata=None),
    ), status


def _form_status(form) -> int:
    return 400 if "csrf_token" in form.errors else 200


@bp.route("")
def sharing(reference: str):
    return _page(_case_for_sharing(reference))


def _apply(case, form, form_key: str, share):
    try:
        share()
    except service.SharingError as error:
        field = form._fields.get(error.field) if error.field else None
        (field.errors if field is not None else form.form_errors).append(error.message)
        return _page(case, **{form_key: form})
    flash("Sharing updated.", "success")
    return redirect(url_for("partners.sharing", reference=case.reference))


@bp.route("/organisations", methods=["POST"])
def share_with_organisation(reference: str):
    case = _case_for_sharing(reference)
    form = ShareWithOrganisationForm()
    form.set_organisations(service.shareable_organisations(case))
    if not form.validate_on_submit():
        return _page(case, org_form=form, status=_form_status(form))
    organisation = db.session.get(Organisation, form.organisation_id.data)
    return _apply(case, form, "org_form", lambda: service.share_with_organisation(
        case, current_user, organisation, form.level.data))


@bp.route("/users", methods=["POST"])
def share_with_user(reference: str):
    case = _case_for_sharing(reference)
    form = ShareWithUserForm()
    if not form.validate_on_submit():
        return _page(case, user_form=form, status=_form_status(form))
    return _apply(case, form, "user_form", lambda: service.share_with_user(
        case, current_user, form.email.data, form.level.data))


@bp.route("/<int:share_id>/withdraw", methods=["POST"])
def withdraw(reference: str, share_id: int):
    case = _case_for_sharing(reference)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        share = service.withdraw_share(case, current_user, share_id)
    except service.SharingError as error:
        flash_refusal(error)
    else:
        flash(f"{share.recipient_name} no longer has access.", "success")
    return redirect(url_for("partners.sharing", reference=case.reference))


@bp.route("/personal-details", methods=["POST"])
def personal_details(reference: str):
    case = _case_for_sharing(reference)
    form = PersonalDetailsForm()
    if not form.validate_on_submit():
        return _page(case, details_form=form, status=_form_status(form))
    shared = form.personal_details_shared.data == "yes"
    try:
        service.set_personal_details_shared(
            case, current_user, shared, int(form.version.data or 0)
        )
    except (case_service.VersionConflict, ValueError):
        unit_of_work.discard()
        flash("The case changed while you were deciding: check the setting and save again.",
              "error")
        return redirect(url_for("partners.sharing", reference=reference))
    flash("Partners can now see personal details on this case." if shared else
          "Personal details are now withheld from partners.", "success")
    return redirect(url_for("partners.sharing", reference=case.reference))

