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
from sara.auth.models import User
from sara.core.rules import show_on_form
from sara.extensions import db
from sara.flags import service as flag_service
from sara.flags.forms import RULE_FORMS, RULE_RANGES
from sara.flags.rules import RULE_TITLES, current_rule
from sara.library.forms import LibraryAccessForm
from sara.orgs import service as org_service
from sara.orgs.models import Organisation
from sara.roles import POLICE_ONLY_ROLES, ROLES

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

def _administered() -> list[Organisation]:
    return list(db.session.scalars(policy.administered_organisations(current_user)))


@bp.route("/organisations")
def organisations():
    administered = policy.administered_organisations(current_user).subquery()
    counts = dict(
        db.session.execute(
            sa.select(User.organisation_id, sa.func.count())
            .where(User.organisation_id.in_(sa.select(administered.c.id)))
            .group_by(User.organisation_id)
        ).all()
    )
    return render_template(
        "admin/organisations.html", organisations=_administered(), counts=counts,
        can_create=policy.can_create_organisation(current_user),
    )


@bp.route("/organisations/new", methods=["GET", "POST"])
def new_organisation():
    if not policy.can_create_organisation(current_user):
        abort(403)
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            org = org_service.create_organisation(form.name.data, form.kind.data)
        except org_service.OrganisationError as error:
            show_on_form(form, error)
        else:
            audit.record("alteration", user=current_user, record_type="organisation",
                         record_ref=org.name, summary=f"Created organisation {org.name}",
                         details={"after": {"name": org.name, "kind": org.kind}})
            flash(f"{org.name} created.", "success")
            return redirect(url_for("admin.organisation", org_id=org.id))
    return render_template("admin/organisation_form.html", form=form, org=None), _status(form)


@bp.route("/organisations/<int:org_id>", methods=["GET", "POST"])
def organisation(org_id: int):
    org = policy.get_organisation_or_404(current_user, org_id)
    form = OrganisationForm(obj=org if request.method == "GET" else None)
    neighbourhood_form = NeighbourhoodForm(formdata=None)
    can_change_kind = policy.can_change_organisation_kind(current_user, org)
    if form.validate_on_submit():
        try:
            if form.kind.data != org.kind and not can_change_kind:
                raise org_service.OrganisationError(
                    "Only a system administrator can change what kind of organisation this is",
                    field="kind")
            _check_users_fit_kind(org, form.kind.data)
            changes = org_service.update_organisation(org, form.name.data, form.kind.data)
        except org_service.OrganisationError as error:
            show_on_form(form, error)
        else:
            if changes:
                audit.record("alteration", user=current_user, record_type="organisation",
                             record_ref=org.name, summary=f"Changed organisation {org.name}",
                             details={"changes": changes})
            flash("Organisation saved." if changes else "No changes to save.", "success")
            return redirect(url_for("admin.organisation", org_id=org.id))
    return render_template(
        "admin/organisation_form.html", form=form, org=org, neighbourhood_form=neighbourhood_form,
        can_change_kind=can_change_kind,
    ), _status(form)


def _check_users_fit_kind(org: Organisation, kind: str) -> None:
    """Re-kinding an organisation must not leave its users in roles that no longer fit it."""
    if (kind == "police") == org.is_police:
        return
    roles = set(db.session.scalars(sa.select(User.role).where(User.organisation_id == org.id)))
    misfits = roles & ({"partner"} if kind == "police" else POLICE_ONLY_ROLES)
    if misfits:
        labels = ", ".join(sorted(ROLES[r].lower() for r in misfits))
        raise org_service.OrganisationError(
            f"This organisation has users whose role ({labels}) would not fit a "
            f"{'police' if kind == 'police' else 'partner'} organisation: change or move them "
            "first",
            field="kind",
        )


@bp.route("/organisations/<int:org_id>/neighbourhoods", methods=["POST"])
def add_neighbourhood(org_id: int):
    org = policy.get_organisation_or_404(current_user, org_id)
    neighbourhood_form = NeighbourhoodForm()
    if neighbourhood_form.validate_on_submit():
        try:
            name = neighbourhood_form.neighbourhood.data
            neighbourhood = org_service.add_neighbourhood(org, name)
        except org_service.OrganisationError as error:
            show_on_form(neighbourhood_form, error)
        else:
            audit.record("alteration", user=current_user, record_type="organisation",
                         record_ref=org.name,
                         summary=f"Added neighbourhood {neighbourhood.name} to {org.name}")
            flash(f"Neighbourhood {neighbourhood.name} added.", "success")
            return redirect(url_for("admin.organisation", org_id=org.id))
    form = OrganisationForm(formdata=None, obj=org)
    return render_template(
        "admin/organisation_form.html", form=form, org=org, neighbourhood_form=neighbourhood_form,
        can_change_kind=policy.can_change_organisation_kind(current_user, org),
    ), _status(neighbourhood_form)


# --- users -------------------------------------------------------------------------------------

@bp.route("/users")
def users():
    org_id = request.args.get("organisation", type=int)
    role = request.args.get("role") if request.args.get("role") in ROLES else None
    query = policy.managed_users(current_user)
    if org_id:
        query = query.where(User.organisation_id == org_id)
    if role:
        query = query.where(User.role == role)
    return render_template(
        "admin/users.html", users=db.session.scalars(query).all(),
        organisations=_administered(), roles=ROLES,
        selected_org=org_id, selected_role=role, confirm=ConfirmForm(formdata=None),
    )


def _chosen_organisation(form) -> Organisation | None:
    """The organisation the form names, if it is one `current_user` administers; otherwise the
    field says what is wrong."""
    org = next((o for o in _administered() if o.id == form.organisation_id.data), None)
    if org is None:
        _field_error(form, "organisation_id", "Choose one of the organisations you administer")
        return None
    if form.role.data not in policy.grantable_roles(current_user, org):
        allowed = ", ".join(label.lower() for label in
                            policy.grantable_roles(current_user, org).values())
        _field_error(form, "role", f"Choose a role that {org.name} can give: {allowed}")
        return None
    return org


def _user_form(form_class, **kwargs):
    form = form_class(**kwargs)
    administered = _administered()
    form.set_organisations(administered)
    form.set_roles({role for org in administered
                    for role in policy.grantable_roles(current_user, org)})
    return form


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = _user_form(NewUserForm)
    if form.validate_on_submit() and (org := _chosen_organisation(form)) is not None:
        try:
            user = auth_service.create_user(
                email=form.email.data, name=form.name.data, organisation=org,
                role=form.role.data, password=form.password.data,
                must_change_password=True,  # an admin chose it: the user must choose their own
            )
        except auth_service.UserError as error:
            show_on_form(form, error)
        else:
            audit.record("alteration", user=current_user, record_type="user",
                         record_ref=user.email, summary=f"Created user {user.email}",
                         details={"after": {"name": user.name, "role": user.role,
                                            "organisation": org.name}})
            flash(f"User {user.email} created.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, subject=None), _status(form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    subject = policy.get_managed_user_or_404(current_user, user_id)
    form = _user_form(UserForm, obj=subject if request.method == "GET" else None)
    if form.validate_on_submit() and (org := _chosen_organisation(form)) is not None:
        try:
            if org.id != subject.organisation_id and not policy.is_system_admin(current_user):
                raise auth_service.UserError(
                    "Only a system administrator can move a user to another organisation",
                    field="organisation_id")
            changes = auth_service.update_user(
                subject, {"name": form.name.data, "email": form.email.data,
                          "role": form.role.data}, org,
            )
        except auth_service.UserError as error:
            show_on_form(form, error)
        else:
            if changes:
                audit.record("alteration", user=current_user, record_type="user",
                             record_ref=subject.email, summary=f"Changed user {subject.email}",
                             details={"changes": changes})
            flash("User saved." if changes else "No changes to save.", "success")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html", form=form, subject=subject, confirm=ConfirmForm(formdata=None)
    ), _status(form)


def _set_enabled(user_id: int, enabled: bool):
    subject = policy.get_managed_user_or_404(current_user, user_id)
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
        flash(f"{verb} {subject.name}." + ("" if enabled else " Their sessions have ended."),
              "success")
    return redirect(url_for("admin.user", user_id=subject.id))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
def deactivate_user(user_id: int):
    return _set_enabled(user_id, False)


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
def reactivate_user(user_id: int):
    return _set_enabled(user_id, True)


# --- a force's settings -------------------------------------------------------------------------

def _settings_force() -> Organisation:
    """The force whose settings the page shows: the admin's own, or for a system administrator
    the one chosen (?organisation=ID). A partner organisation has none (yet)."""
    chosen = request.args.get("organisation", type=int)
    org = (policy.get_organisation_or_404(current_user, chosen) if chosen
           else current_user.organisation)
    if not policy.can_change_library_access(current_user, org):
        abort(403)
    return org


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    force = _settings_force()
    key = "library_open_to_partners"
    current = force.is_library_open_to_partners
    form = LibraryAccessForm(data={key: "yes" if current else "no"} if request.method == "GET"
                             else None)
    if form.validate_on_submit():
        wanted = form.library_open_to_partners.data == "yes"
        if wanted != current:
            force.is_library_open_to_partners = wanted
            audit.record(
                "alteration", user=current_user, record_type="setting", record_ref=key,
                summary=(f"Opened {force.name}'s good-practice library to partners" if wanted
                         else f"Closed {force.name}'s good-practice library to partners"),
                details={"organisation": force.name,
                         "changes": [{"field": key, "before": current, "after": wanted}]},
            )
            flash("Settings saved.", "success")
        else:
            flash("No changes to save.", "success")
        return redirect(url_for("admin.settings", organisation=request.args.get(
            "organisation", type=int)))
    forces = [o for o in _administered() if o.is_police]
    return render_template("admin/settings.html", form=form, force=force, forces=forces), \
        _status(form)


# --- flag rules --------------------------------------------------------------------------------

def _rules_force() -> Organisation:
    """The force whose flag rules the page shows: the admin's own, or for a system administrator
    the one chosen (?organisation=ID)."""
    chosen = request.args.get("organisation", type=int)
    org = (policy.get_organisation_or_404(current_user, chosen) if chosen
           else current_user.organisation)
    if not policy.can_edit_flag_rules(current_user, org):
        abort(403)
    return org


@bp.route("/flag-rules", methods=["GET", "POST"])
def flag_rules():
    """One form per rule of one force. Saving new numbers adds a version of the force's rule;
    the rule's flags are rescanned once the change is committed."""
    force = _rules_force()
    posted = request.form.get("rule") if request.method == "POST" else None
    if request.method == "POST" and posted not in RULE_FORMS:
        abort(400)
    current = {kind: current_rule(kind, force.id) for kind in RULE_FORMS}
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
                force, seen_version=int(seen) if (seen or "").isdigit() else None,
            )
        except flag_service.FlagError as error:
            form.form_errors.append(str(error))
            # Saving again now applies these numbers over the version the admin has just seen.
            form.version.data = str(current[posted][0])
        else:
            if version is None:
                flash("No changes to save.", "success")
            else:
                flash(f"{RULE_TITLES[posted]}: saved as version {version}."
                      + (" Its flags are being rescanned with the new numbers."
                         if posted in flag_service.RESCAN_JOBS else
                         " It applies to incidents recorded from now on."), "success")
            return redirect(url_for("admin.flag_rules", _anchor=posted,
                                    organisation=request.args.get("organisation", type=int)))
    forces = [o for o in _administered() if o.is_police]
    return render_template(
        "admin/flag_rules.html", forms=forms, current=current, form=form, kinds=RULE_TITLES,
        force=force, forces=forces,
    ), (_status(form) if form is not None else 200)
