"""Administration of organisations, neighbourhoods and users."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from sara import policy
from sara.admin.forms import (
    ConfirmForm,
    NeighbourhoodForm,
    NewUserForm,
    OrganisationForm,
    UserForm,
)
from sara.audit import service as audit
from sara.auth import service as auth_service
from sara.auth.models import ROLES, User
from sara.core.settings import get_setting, set_setting
from sara.extensions import db
from sara.flags import service as flag_service
from sara.flags.forms import RULE_FORMS, RULE_RANGES
from sara.flags.models import FLAG_KINDS
from sara.flags.rules import current_rule
from sara.library.forms import LibraryAccessForm
from sara.orgs import service as org_service
from sara.orgs.models import Organisation

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def admins_only():
    if not policy.can_administer(current_user):
        abort(403)


def _field_error(form, field: str, message: str) -> None:
    form[field].errors = [*form[field].errors, message]


def _status(form) -> int:
    return 400 if "csrf_token" in form.errors else 200


# --- organisations -----------------------------------------------------------------------------

@bp.route("/organisations")
def organisations():
    counts = dict(
        db.session.execute(
            sa.select(User.organisation_id, sa.func.count()).group_by(User.organisation_id)
        ).all()
    )
    return render_template(
        "admin/organisations.html", organisations=org_service.list_organisations(), counts=counts
    )


@bp.route("/organisations/new", methods=["GET", "POST"])
def new_organisation():
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            org = org_service.create_organisation(form.name.data, form.kind.data)
        except org_service.OrganisationError as error:
            _field_error(form, "name", str(error))
        else:
            audit.record("alteration", user=current_user, record_type="organisation",
                         record_ref=org.name, summary=f"Created organisation {org.name}",
                         details={"after": {"name": org.name, "kind": org.kind}})
            db.session.commit()
            flash(f"{org.name} created.", "success")
            return redirect(url_for("admin.organisation", org_id=org.id))
    return render_template("admin/organisation_form.html", form=form, org=None), _status(form)


@bp.route("/organisations/<int:org_id>", methods=["GET", "POST"])
def organisation(org_id: int):
    org = db.session.get(Organisation, org_id) or abort(404)
    form = OrganisationForm(obj=org if request.method == "GET" else None)
    neighbourhood_form = NeighbourhoodForm(formdata=None)
    if form.validate_on_submit():
        try:
            _check_users_fit_kind(org, form.kind.data)
            changes = org_service.update_organisation(org, form.name.data, form.kind.data)
        except org_service.OrganisationError as error:
            _field_error(form, "name" if "already exists" in str(error) else "kind", str(error))
        else:
            if changes:
                audit.record("alteration", user=current_user, record_type="organisation",
                             record_ref=org.name, summary=f"Changed organisation {org.name}",
                             details={"changes": changes})
            db.session.commit()
            flash("Organisation saved." if changes else "No changes to save.", "success")
            return redirect(url_for("admin.organisation", org_id=org.id))
    return render_template(
        "admin/organisation_form.html", form=form, org=org, neighbourhood_form=neighbourhood_form
    ), _status(form)


def _check_users_fit_kind(org: Organisation, kind: str) -> None:
    """Re-kinding an organisation must not leave its users in roles that no longer fit it."""
    if (kind == "police") == org.is_police:
        return
    roles = set(db.session.scalars(sa.select(User.role).where(User.organisation_id == org.id)))
    misfits = roles & ({"partner"} if kind == "police" else auth_service.POLICE_ONLY_ROLES)
    if misfits:
        labels = ", ".join(sorted(ROLES[r].lower() for r in misfits))
        raise org_service.OrganisationError(
            f"This organisation has users whose role ({labels}) would not fit a "
            f"{'police' if kind == 'police' else 'partner'} organisation: change or move them first"
        )


@bp.route("/organisations/<int:org_id>/neighbourhoods", methods=["POST"])
def add_neighbourhood(org_id: int):
    org = db.session.get(Organisation, org_id) or abort(404)
    neighbourhood_form = NeighbourhoodForm()
    if neighbourhood_form.validate_on_submit():
        try:
            name = neighbourhood_form.neighbourhood.data
            neighbourhood = org_service.add_neighbourhood(org, name)
        except org_service.OrganisationError as error:
            _field_error(neighbourhood_form, "neighbourhood", str(error))
        else:
            audit.record("alteration", user=current_user, record_type="organisation",
                         record_ref=org.name,
                         summary=f"Added neighbourhood {neighbourhood.name} to {org.name}")
            db.session.commit()
            flash(f"Neighbourhood {neighbourhood.name} added.", "success")
            return redirect(url_for("admin.organisation", org_id=org.id))
    form = OrganisationForm(formdata=None, obj=org)
    return render_template(
        "admin/organisation_form.html", form=form, org=org, neighbourhood_form=neighbourhood_form
    ), _status(neighbourhood_form)


# --- users -------------------------------------------------------------------------------------

@bp.route("/users")
def users():
    org_id = request.args.get("organisation", type=int)
    role = request.args.get("role") if request.args.get("role") in ROLES else None
    query = sa.select(User).order_by(User.name)
    if org_id:
        query = query.where(User.organisation_id == org_id)
    if role:
        query = query.where(User.role == role)
    return render_template(
        "admin/users.html", users=db.session.scalars(query).all(),
        organisations=org_service.list_organisations(), roles=ROLES,
        selected_org=org_id, selected_role=role, confirm=ConfirmForm(formdata=None),
    )


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = NewUserForm()
    form.set_organisations(org_service.list_organisations())
    if form.validate_on_submit():
        org = db.session.get(Organisation, form.organisation_id.data)
        try:
            user = auth_service.create_user(
                email=form.email.data, name=form.name.data, organisation=org,
                role=form.role.data, password=form.password.data,
            )
        except auth_service.UserError as error:
            _field_error(form, "role" if "belong" in str(error) else "email", str(error))
        else:
            audit.record("alteration", user=current_user, record_type="user",
                         record_ref=user.email, summary=f"Created user {user.email}",
                         details={"after": {"name": user.name, "role": user.role,
                                            "organisation": org.name}})
            db.session.commit()
            flash(f"User {user.email} created.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, subject=None), _status(form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    subject = db.session.get(User, user_id) or abort(404)
    form = UserForm(obj=subject if request.method == "GET" else None)
    form.set_organisations(org_service.list_organisations())
    if form.validate_on_submit():
        org = db.session.get(Organisation, form.organisation_id.data)
        try:
            changes = auth_service.update_user(
                subject, {"name": form.name.data, "email": form.email.data,
                          "role": form.role.data}, org,
            )
        except auth_service.UserError as error:
            field = "organisation_id" if "owns cases" in str(error) else (
                "role" if "belong" in str(error) else "email")
            _field_error(form, field, str(error))
        else:
            if changes:
                audit.record("alteration", user=current_user, record_type="user",
                             record_ref=subject.email, summary=f"Changed user {subject.email}",
                             details={"changes": changes})
            db.session.commit()
            flash("User saved." if changes else "No changes to save.", "success")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html", form=form, subject=subject, confirm=ConfirmForm(formdata=None)
    ), _status(form)


def _set_enabled(user_id: int, enabled: bool):
    subject = db.session.get(User, user_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if subject.id == current_user.id and not enabled:
        flash("You cannot deactivate your own account.", "error")
        return redirect(url_for("admin.user", user_id=subject.id))
    if auth_service.set_enabled(subject, enabled):
        verb = "Reactivated" if enabled else "Deactivated"
        audit.record("alteration", user=current_user, record_type="user",
                     record_ref=subject.email, summary=f"{verb} user {subject.email}",
                     details={"changes": [{"field": "is_enabled", "before": not enabled,
                                           "after": enabled}]})
        db.session.commit()
        flash(f"{verb} {subject.name}." + ("" if enabled else " Their sessions have ended."),
              "success")
    return redirect(url_for("admin.user", user_id=subject.id))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
def deactivate_user(user_id: int):
    return _set_enabled(user_id, False)


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
def reactivate_user(user_id: int):
    return _set_enabled(user_id, True)


# --- deployment settings -----------------------------------------------------------------------

@bp.route("/settings", methods=["GET", "POST"])
def settings():
    key = "library_open_to_partners"
    current = bool(get_setting(key))
    form = LibraryAccessForm(data={key: "yes" if current else "no"} if request.method == "GET"
                             else None)
    if form.validate_on_submit():
        wanted = form.library_open_to_partners.data == "yes"
        if wanted != current:
            set_setting(key, wanted, current_user)
            audit.record(
                "alteration", user=current_user, record_type="setting", record_ref=key,
                summary=("Opened the good-practice library to partners" if wanted
                         else "Closed the good-practice library to partners"),
                details={"changes": [{"field": key, "before": current, "after": wanted}]},
            )
            db.session.commit()
            flash("Settings saved.", "success")
        else:
            flash("No changes to save.", "success")
        return redirect(url_for("admin.settings"))
    return render_template("admin/settings.html", form=form), _status(form)


# --- flag rules --------------------------------------------------------------------------------

@bp.route("/flag-rules", methods=["GET", "POST"])
def flag_rules():
    """One form per rule. Saving new numbers adds a version of the rule; the rule's flags are
    rescanned once the change is committed."""
    posted = request.form.get("rule") if request.method == "POST" else None
    if request.method == "POST" and posted not in RULE_FORMS:
        abort(400)
    current = {kind: current_rule(kind) for kind in RULE_FORMS}
    forms = {
        kind: form_class() if kind == posted else form_class(
            formdata=None, data={**current[kind][1], "version": str(current[kind][0])})
        for kind, form_class in RULE_FORMS.items()
    }
    form = forms.get(posted)
    if form is not None and form.validate_on_submit():
        seen = form.version.data
        try:
            version = flag_service.change_rule(
                posted, {name: form[name].data for name in RULE_RANGES[posted]}, current_user,
                seen_version=int(seen) if (seen or "").isdigit() else None,
            )
        except flag_service.FlagError as error:
            form.form_errors.append(str(error))
            # Saving again now applies these numbers over the version the admin has just seen.
            form.version.data = str(current[posted][0])
        else:
            if version is None:
                flash("No changes to save.", "success")
            else:
                db.session.commit()
                flash(f"{FLAG_KINDS[posted]}: saved as version {version}. Its flags are being "
                      "rescanned with the new numbers.", "success")
            return redirect(url_for("admin.flag_rules", _anchor=posted))
    return render_template(
        "admin/flag_rules.html", forms=forms, current=current, form=form, kinds=FLAG_KINDS,
    ), (_status(form) if form is not None else 200)
