"""People: adding them to a case (or linking the profile the force already holds), removing them,
a person's own page, and merging two profiles of the same person.

Two blueprints: `people` for the routes under a case (the case's access rules apply), `person` for
a person's page, which only the force's call handlers, officers and supervisors may open.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from sara import policy
from sara.admin.forms import ConfirmForm
from sara.asb_reviews import service as asb_review_service
from sara.audit import consultation
from sara.core import unit_of_work
from sara.core.rules import flash_refusal
from sara.extensions import db
from sara.flags.service import live_flags_for_person
from sara.people import duplicates, service
from sara.people import merge as merging
from sara.people.forms import LinkPersonForm, MergeForm, PersonForm
from sara.people.models import PERSON_ROLES, PersonMerge

bp = Blueprint("people", __name__, url_prefix="/cases/<reference>/people")
person_bp = Blueprint("person", __name__, url_prefix="/people")


# --- people on a case --------------------------------------------------------------------------

def _case(reference: str):
    case = policy.get_case_or_404(current_user, reference)
    if not policy.can_manage_people(current_user, case):
        abort(403)
    return case


@bp.route("/new", methods=["GET", "POST"])
def add_person(reference: str):
    case = _case(reference)
    form = PersonForm()
    matches = []
    if form.validate_on_submit():
        values = form.person_values()
        if form.confirmed.data != "1":
            matches = service.probable_duplicates(case, values)
        if matches:
            # Their details are on the page: a consultation of each, kept even though nothing
            # else is saved (the audit hook rolls back what a POST leaves uncommitted).
            service.record_duplicates_shown(case, current_user, matches)
        else:
            try:
                link = service.add_person_to_case(
                    case, current_user, values, form.role.data, form.vulnerabilities.data or [],
                )
            except service.PersonError as error:
                field = form._fields.get(error.field) if error.field else None
                (field.errors if field is not None else form.form_errors).append(error.message)
            else:
                flash(f"{link.person.name} added as {link.role_label.lower()}.", "success")
                return redirect(url_for("cases.show", reference=case.reference) + "#people")
    status = 400 if "csrf_token" in form.errors else 200
    return render_template(
        "people/add.html", form=form, case=case, matches=matches, roles=PERSON_ROLES,
        confirmed=bool(matches) or form.confirmed.data == "1",
    ), status


@bp.route("/link", methods=["POST"])
def link_person(reference: str):
    """Link an existing profile, offered as a probable duplicate, instead of creating one."""
    case = _case(reference)
    form = LinkPersonForm()
    back = redirect(url_for("cases.show", reference=case.reference) + "#people")
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        flash(_first_error(form), "error")
        return back
    person = service.get_person(case.organisation_id, form.person_ref.data)
    try:
        if person is None:
            raise service.PersonError("There is no profile with that reference")
        link = service.add_existing_person_to_case(
            case, current_user, person, form.role.data, form.vulnerabilities.data or [])
    except service.PersonError as error:
        unit_of_work.discard()
        flash(error.message, "error")
        return back
    flash(f"{person.name} ({person.reference}) linked as {link.role_label.lower()}.", "success")
    return back


@bp.route("/<int:link_id>/remove", methods=["POST"])
def remove_person(reference: str, link_id: int):
    case = _case(reference)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        service.unlink_person(case, current_user, link_id)
    except service.PersonError as error:
        flash_refusal(error)
    else:
        flash("Person removed from the case.", "success")
    return redirect(url_for("cases.show", reference=case.reference) + "#people")


def _first_error(form) -> str:
    for errors in form.errors.values():
        for message in errors:
            return message
    return "There is a problem with what was sent"


# --- a person's page ---------------------------------------------------------------------------

def _person_or_404(person_ref: str):
    return policy.get_person_or_404(current_user, person_ref)


def _person_to_merge(person_ref: str):
    person = _person_or_404(person_ref)
    if not policy.can_merge_people(current_user, person):
        abort(403)
    return person


@person_bp.route("/<person_ref>")
def show(person_ref: str):
    person = _person_or_404(person_ref)
    cases = service.person_cases(person, current_user)
    incidents = service.person_incidents(person, current_user)
    consultation.listed("case", [case for case, _links in cases],
                        summary=f"Listed the cases of {person.reference}")
    consultation.listed("incident", [incident for _link, incident in incidents],
                        summary=f"Listed the incidents of {person.reference}")
    possible = duplicates.open_for(person)
    consultation.listed("person", [p for pair in possible for p in (pair.person, pair.other)
                                   if p.id != person.id],
                        summary=f"Listed as possible duplicates of {person.reference}")
    return render_template(
        "people/show.html", person=person,
        flags=live_flags_for_person(person), possible_duplicates=possible,
        cases=cases, incidents=incidents, asb_reviews=asb_review_service.reviews_of(person),
        provenance=merging.provenance(person),
        merges=merging.merges_into(person),
        merged_into=merging.merged_into(person),
        undo_blocker=merging.undo_blocker,
        can_merge=policy.can_merge_people(current_user, person),
        roles=PERSON_ROLES, labels=merging.DETAILS,
        merge_form=MergeForm(formdata=None, meta={"csrf": False}),
    )


@person_bp.route("/<person_ref>/merge", methods=["GET", "POST"])
def merge(person_ref: str):
    """GET with `other_reference`: the two profiles side by side. POST: merge them."""
    kept = _person_to_merge(person_ref)
    posted = request.method == "POST"
    if posted:
        form = MergeForm()
        submitted = form.validate_on_submit()
        if "csrf_token" in form.errors:
            abort(400)
    else:
        asked = "other_reference" in request.args
        form = MergeForm(request.args if asked else None, meta={"csrf": False})
        submitted = asked and form.validate()
    other = None
    if submitted:
        other = service.get_person(kept.organisation_id, form.other_reference.data)
        try:
            if posted:
                record = merging.merge_people(kept, other, current_user)
            else:
                merging.check_mergeable(kept, other)
        except merging.MergeError as error:
            unit_of_work.discard()
            form.other_reference.errors = [*form.other_reference.errors, error.message]
            other = None
        else:
            if posted:
                flash(f"{record.record['merged']} was merged into this profile. If that was a "
                      f"mistake, undo it under 'Merged profiles'.", "success")
                return redirect(url_for("person.show", person_ref=kept.reference))
    if other is not None:
        for person in (kept, other):
            consultation.viewed("person", person, summary="Compared for a merge of profiles")
    return render_template(
        "people/merge.html", form=form, kept=kept, other=other,
        comparison=_comparison(kept, other) if other is not None else None,
    )


def _comparison(kept, other) -> dict:
    return {
        "fills": merging.planned_fills(kept, other),
        "counts": {kept.id: merging.link_counts(kept), other.id: merging.link_counts(other)},
        "labels": merging.DETAILS,
    }


@person_bp.route("/<person_ref>/merges/<int:merge_id>/undo", methods=["POST"])
def undo_merge(person_ref: str, merge_id: int):
    kept = _person_to_merge(person_ref)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    record = db.session.scalar(sa.select(PersonMerge).where(PersonMerge.id == merge_id,
                                                            PersonMerge.kept_id == kept.id))
    if record is None:
        abort(404)
    try:
        merging.undo_merge(record, current_user)
    except merging.MergeError as error:
        unit_of_work.discard()
        flash(error.message, "error")
    else:
        flash(f"The merge was undone: {record.record['merged']} is a separate profile again, "
              f"with its own links.", "success")
    return redirect(url_for("person.show", person_ref=kept.reference) + "#merges")


# --- possible duplicates -----------------------------------------------------------------------

def _reviewer():
    if not policy.can_review_duplicates(current_user):
        abort(403)


@person_bp.route("/duplicates")
def duplicates_queue():
    """The force's possible duplicates, oldest first, each with its evidence."""
    _reviewer()
    page = request.args.get("page", 1, type=int) or 1
    total = duplicates.count_open(current_user.organisation_id)
    pairs = duplicates.open_duplicates(current_user.organisation_id, max(page, 1))
    consultation.listed("person", [p for pair in pairs for p in (pair.person, pair.other)],
                        summary="Listed as possible duplicates")
    return render_template("people/duplicates.html", pairs=pairs, total=total,
                           page=max(page, 1), page_size=duplicates.PAGE_SIZE,
                           form=ConfirmForm())


def _decide(duplicate_id: int, decide):
    _reviewer()
    duplicate = policy.get_duplicate_or_404(current_user, duplicate_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        message = decide(duplicate)
    except (service.PersonError, merging.MergeError) as error:
        flash_refusal(error)
    else:
        flash(message, "success")
    return redirect(url_for("person.duplicates_queue"))


@person_bp.route("/duplicates/<int:duplicate_id>/merge", methods=["POST"])
def merge_duplicate(duplicate_id: int):
    def merge(duplicate):
        kept, merged = duplicate.person.reference, duplicate.other.reference
        duplicates.merge_duplicate(duplicate, current_user)
        return (f"{merged} was merged into {kept}. If that was a mistake, undo it on "
                f"{kept}'s page under 'Merged profiles'.")
    return _decide(duplicate_id, merge)


@person_bp.route("/duplicates/<int:duplicate_id>/different", methods=["POST"])
def different_people(duplicate_id: int):
    def separate(duplicate):
        duplicates.not_the_same(duplicate, current_user)
        return (f"{duplicate.person.reference} and {duplicate.other.reference} are kept as "
                f"different people, and will not be proposed again.")
    return _decide(duplicate_id, separate)
