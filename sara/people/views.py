"""Adding people to a case and removing them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from sara import policy
from sara.admin.forms import ConfirmForm
from sara.extensions import db
from sara.people import service
from sara.people.forms import PersonForm

bp = Blueprint("people", __name__, url_prefix="/cases/<reference>/people")


def _case(reference: str):
    case = policy.get_case_or_404(current_user, reference)
    if not policy.can_manage_people(current_user, case):
        abort(403)
    return case


@bp.route("/new", methods=["GET", "POST"])
def add_person(reference: str):
    case = _case(reference)
    form = PersonForm()
    if form.validate_on_submit():
        try:
            link = service.add_person_to_case(
                case, current_user, form.person_values(), form.role.data,
                form.vulnerabilities.data or [],
            )
        except service.PersonError as error:
            field = form._fields.get(error.field) if error.field else None
            (field.errors if field is not None else form.form_errors).append(error.message)
        else:
            db.session.commit()
            flash(f"{link.person.name} added as {link.role_label.lower()}.", "success")
            return redirect(url_for("cases.show", reference=case.reference) + "#people")
    status = 400 if "csrf_token" in form.errors else 200
    return render_template("people/add.html", form=form, case=case), status


@bp.route("/<int:link_id>/remove", methods=["POST"])
def remove_person(reference: str, link_id: int):
    case = _case(reference)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        service.unlink_person(case, current_user, link_id)
    except service.PersonError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash("Person removed from the case.", "success")
    return redirect(url_for("cases.show", reference=case.reference) + "#people")
