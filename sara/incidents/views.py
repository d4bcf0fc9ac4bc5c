"""Incident pages: recording one by form, its page, uploading a file for the worker to import,
a case's incidents (linked ones, suggestions, linking and unlinking), and the reports that may be
of one incident (the queue where a supervisor decides, and a link recorded by hand). Thin: load,
ask the policy, call the service, render."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSelect, GovTextInput
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    ValidationError,
)
from wtforms.validators import InputRequired

from sara import policy
from sara.admin.forms import ConfirmForm
from sara.audit import consultation
from sara.cases.queries import visible_neighbourhoods
from sara.core import unit_of_work
from sara.core.forms import BaseForm
from sara.core.rules import RuleError, flash_refusal, show_on_form
from sara.extensions import db
from sara.incidents import complaints, episodes, queries, service
from sara.incidents.forms import (
    ComplaintForm,
    ImportForm,
    IncidentForm,
    LinkIncidentForm,
    SameIncidentForm,
    SuggestionFilterForm,
)
from sara.incidents.models import SOURCES
from sara.people.models import PERSON_ROLES

bp = Blueprint("incidents", __name__)


def _status(form) -> int:
    if request.method != "POST" or not form.errors:
        return 200
    return 400 if "csrf_token" in form.errors else 200


# --- recording an incident -----------------------------------------------------------------------

@bp.route("/incidents/new", methods=["GET", "POST"])
def new_incident():
    if not policy.can_record_incidents(current_user):
        abort(403)
    form = IncidentForm()
    form.reported_to.choices = queries.reporting_bodies(current_user.organisation)
    if request.method == "GET":
        form.reported_to.data = form.reported_to.data or current_user.organisation_id
    if request.method == "GET" and request.args.get("person"):
        # From the caller lookup's "Record an incident for ...": the caller filled in.
        form.person_reference.data = request.args["person"][:20]
        form.person_role.data = form.person_role.data or "reporter"
    if form.validate_on_submit():
        try:
            people = []
            if form.person_reference.data:
                person = service.person_for_incident(current_user.organisation_id,
                                                     form.person_reference.data)
                people.append((person, form.person_role.data, form.caller_type.data))
            incident = service.record_incident(current_user.organisation, current_user,
                                               form.incident_values(), people)
        except service.IncidentError as error:
            unit_of_work.discard()
            show_on_form(form, error, aliases={"occurred_dt": "occurred_date",
                                               "reported_dt": "reported_date",
                                               "reported_to_id": "reported_to"})
        else:
            incident_id, key = incident.id, incident.reference
            flash(f"Incident {key} recorded.", "success")
            return redirect(url_for("incidents.show", incident_id=incident_id))
    return render_template("incidents/new.html", form=form), _status(form)


# --- complaints made to a partner body -------------------------------------------------------

#: The service's field names that the complaint form calls otherwise
_COMPLAINT_FIELDS = {"force_id": "force", "occurred_dt": "occurred_date"}


@bp.route("/complaints/new", methods=["GET", "POST"])
def new_complaint():
    # The police record theirs with the incident form, as incidents of their own force.
    if not policy.can_record_complaints(current_user):
        abort(403)
    form = ComplaintForm()
    form.force.choices = [("", "Choose a force"), *complaints.police_forces()]
    if form.validate_on_submit():
        try:
            complaint = complaints.record_complaint(current_user, form.complaint_values())
        except service.IncidentError as error:
            show_on_form(form, error, aliases=_COMPLAINT_FIELDS)
        else:
            # The same words whether or not the force already knew the complainant.
            incident_id, key = complaint.incident_id, complaint.incident.reference
            flash(f"Complaint {key} recorded.", "success")
            return redirect(url_for("incidents.show_complaint", incident_id=incident_id))
    return render_template("complaints/new.html", form=form), _status(form)


@bp.route("/complaints")
def complaint_list():
    if not policy.can_record_complaints(current_user):
        abort(403)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows, total = complaints.complaints_of(current_user, page)
    consultation.listed("incident", [row.incident for row in rows],
                        summary=consultation.counted(len(rows), "complaint"))
    return render_template("complaints/list.html", rows=rows, total=total, page=page,
                           page_size=complaints.PAGE_SIZE)


@bp.route("/complaints/<bigid:incident_id>")
def show_complaint(incident_id: int):
    complaint = policy.get_complaint_or_404(current_user, incident_id)
    return render_template("complaints/show.html", complaint=complaint,
                           incident=complaint.incident, force=complaints.force_name(complaint))


@bp.route("/incidents/<bigid:incident_id>")
def show(incident_id: int):
    return _render_show(policy.get_incident_or_404(current_user, incident_id))


def _render_show(incident, same_form=None, status: int = 200):
    people = queries.incident_people_shown(current_user, incident)
    reports = episodes.reports_of(incident)
    consultation.listed("incident", reports,
                        summary=f"Listed the other reports of incident {incident.reference}")
    can_record_same = policy.can_review_same_incidents(current_user)
    if can_record_same and same_form is None:
        same_form = SameIncidentForm(formdata=None)
    return render_template(
        "incidents/show.html", incident=incident, people=people, roles=PERSON_ROLES,
        sources=SOURCES,
        people_count=len(incident.people),
        cases=queries.visible_linked_cases(current_user, incident),
        reports=reports,
        same_as=next((r for r in reports if r.id == incident.same_as_id), None),
        form=same_form if can_record_same else None,
    ), status


@bp.route("/incidents/<bigid:incident_id>/same-as", methods=["POST"])
def record_same_incident(incident_id: int):
    incident = policy.get_incident_or_404(current_user, incident_id)
    if not policy.can_review_same_incidents(current_user):
        abort(403)
    form = SameIncidentForm()
    if form.validate_on_submit():
        text = form.reference.data.strip()
        found = queries.find_visible(current_user, text)
        if len(found) == 1:
            other = found[0]
            try:
                episodes.record_same(incident, other, current_user)
            except RuleError as error:
                show_on_form(form, error)
            else:
                flash(f"Incident {incident.reference} is recorded as the same incident as "
                      f"{other.reference}.", "success")
                return redirect(url_for("incidents.show", incident_id=incident.id))
        else:
            # Another force's incident is as missing as one that does not exist.
            form.reference.errors = [*form.reference.errors, (
                f"There is no incident {text}" if not found else
                "More than one incident has that reference: enter the number shown on the "
                "incident's page instead")]
    return _render_show(incident, same_form=form, status=_status(form))


# --- the incident list ---------------------------------------------------------------------------

class IncidentListForm(BaseForm):
    """The list's filters, from the query string (the dashboard's links set them). A bad value is
    reported by name and ignored, never a 500."""

    class Meta:
        csrf = False

    neighbourhood = SelectField("Neighbourhood", widget=GovSelect(), default="",
                                validate_choice=False)
    month = StringField("Month", widget=GovTextInput(), description="For example, 2026-03")
    asb = BooleanField("Anti-social behaviour only", widget=GovCheckboxInput(),
                       false_values=("", "0", "false"))

    def validate_neighbourhood(self, field):
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError("Choose a neighbourhood from the list")

    def validate_month(self, field):
        if field.data and self.month_start() is None:
            raise ValidationError("Enter the month as a year and month, like 2026-03")

    def month_start(self):
        raw = (self.month.data or "").strip()
        try:
            day = date.fromisoformat(raw + "-01") if len(raw) == 7 else None
        except ValueError:
            return None
        return day if day is not None and 1900 <= day.year <= 2200 else None


@bp.route("/incidents")
def incident_list():
    if not policy.can_list_incidents(current_user):
        abort(403)
    form = IncidentListForm(request.args)
    form.neighbourhood.choices = [("", "Any neighbourhood")] + [
        (str(n.id), n.name) for n in db.session.scalars(visible_neighbourhoods(current_user))]
    form.validate()
    filters = queries.IncidentFilters(
        neighbourhood_id=(int(form.neighbourhood.data)
                          if form.neighbourhood.data and not form.neighbourhood.errors else None),
        month=form.month_start() if not form.month.errors else None,
        is_asb_only=bool(form.asb.data),
        page=max(1, request.args.get("page", type=int) or 1),
    )
    page = queries.incident_page(current_user, filters)
    return render_template("incidents/list.html", form=form, page=page, filters=filters)


# --- uploading a file ----------------------------------------------------------------------------

@bp.route("/incidents/import", methods=["GET", "POST"])
def upload():
    if not policy.can_import_incidents(current_user):
        abort(403)
    form = ImportForm()
    if form.validate_on_submit():
        chosen = form.file.data
        try:
            stored = service.store_upload(getattr(chosen, "stream", None),
                                          getattr(chosen, "filename", None), form.format.data)
        except service.IncidentError as error:
            show_on_form(form, error)
        else:
            try:
                job = service.create_import(current_user.organisation, current_user,
                                            chosen.filename, form.format.data, stored,
                                            bool(form.skip_invalid.data))
            except Exception:
                service.discard_stored_file(stored)
                raise
            return redirect(url_for("incidents.import_status", import_id=job.id))
    return render_template("incidents/import.html", form=form,
                           recent=queries.recent_imports(current_user)), _status(form)


@bp.route("/incidents/import/<int:import_id>")
def import_status(import_id: int):
    job = policy.get_import_or_404(current_user, import_id)
    return render_template("incidents/import_status.html", job=job,
                           summary=service.import_summary(job), formats=service.IMPORT_FORMATS)


# --- a case's incidents --------------------------------------------------------------------------

class _SelectedForm(BaseForm):
    incident_id = SelectMultipleField(coerce=int, validate_choice=False)


class _UnlinkForm(BaseForm):
    incident_id = IntegerField(validators=[InputRequired()])


def _filters(form: SuggestionFilterForm) -> queries.SuggestionFilters:
    """Each filter that is valid is used; an invalid one is reported and ignored."""
    form.validate()
    ok = {name: not form[name].errors for name in form._fields}
    filters = queries.SuggestionFilters(
        radius=(form.radius.data if ok["radius"] and form.radius.data else
                queries.DEFAULT_RADIUS),
        date_from=form.date_from.data if ok["date_from"] and ok["date_to"] else None,
        date_to=form.date_to.data if ok["date_to"] else None,
        is_asb_only=bool(form.asb_only.data),
    )
    # Show the period actually searched.
    for name in ("date_from", "date_to"):
        if form[name].data is None:
            form[name].data = getattr(filters, name)
    form.radius.data = filters.radius
    return filters


def _render_case_incidents(case, link_form=None, status: int = 200):
    link_form = link_form or LinkIncidentForm(formdata=None)
    can_link = policy.can_link_incidents(current_user, case)
    filter_form = SuggestionFilterForm(request.args)
    filters = _filters(filter_form)
    suggestions = None
    if can_link and queries.can_suggest(case):
        suggestions = queries.suggestions(current_user, case, filters)
    linked = queries.linked_incidents(case)
    shown = [link.incident for link in linked] + [s.incident for s in suggestions or ()]
    return render_template(
        "incidents/case_incidents.html", case=case, linked=linked, suggestions=suggestions,
        filter_form=filter_form, filters=filters, can_link=can_link,
        can_suggest=queries.can_suggest(case), limit=queries.SUGGESTION_LIMIT,
        form=link_form, link_form=link_form,
        openable=queries.visible_incident_ids(current_user, [i.id for i in shown]),
        show_locations=policy.can_see_personal_details(current_user, case),
    ), status


def _back_to_list(case):
    return redirect(url_for("incidents.case_incidents", reference=case.reference,
                            **request.args.to_dict(flat=False)))


def _case_to_link(reference: str):
    case = policy.get_case_or_404(current_user, reference)
    if not policy.can_link_incidents(current_user, case):
        abort(403)
    return case


@bp.route("/cases/<reference>/incidents")
def case_incidents(reference: str):
    return _render_case_incidents(policy.get_case_or_404(current_user, reference))


@bp.route("/cases/<reference>/incidents/link", methods=["POST"])
def link(reference: str):
    case = _case_to_link(reference)
    form = LinkIncidentForm()
    if form.validate_on_submit():
        found = queries.find_linkable(current_user, case, form.incident.data)
        if len(found) == 1:
            if service.link_incidents(case, current_user, found):
                flash(f"Incident {found[0].reference} linked.", "success")
            else:
                flash(f"Incident {found[0].reference} was already linked.", "success")
            return _back_to_list(case)
        form.incident.errors = [*form.incident.errors, (
            f"{case.organisation.name} has no incident with that number or reference"
            if not found else
            "More than one incident has that reference: enter the number shown on the "
            "incident's page instead")]
    return _render_case_incidents(case, link_form=form, status=_status(form))


@bp.route("/cases/<reference>/incidents/link-selected", methods=["POST"])
def link_selected(reference: str):
    case = _case_to_link(reference)
    form = _SelectedForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        flash("Those are not incidents that can be linked.", "error")
        return _back_to_list(case)
    ids = list(dict.fromkeys(form.incident_id.data or []))[:queries.SUGGESTION_LIMIT]
    incidents = queries.linkable_by_ids(current_user, case, ids)
    if not incidents:
        flash("Select the incidents to link.", "error")
        return _back_to_list(case)
    count = service.link_incidents(case, current_user, incidents)
    flash(f"{count} incident{'s' if count != 1 else ''} linked.", "success")
    return _back_to_list(case)


@bp.route("/cases/<reference>/incidents/unlink", methods=["POST"])
def unlink(reference: str):
    case = _case_to_link(reference)
    form = _UnlinkForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        incident = service.unlink_incident(case, current_user, form.incident_id.data)
    except service.IncidentError as error:
        flash_refusal(error)
    else:
        flash(f"Incident {incident.reference} unlinked.", "success")
    return _back_to_list(case)


# --- reports of the same incident ----------------------------------------------------------------

def _same_incident_reviewer():
    if not policy.can_review_same_incidents(current_user):
        abort(403)


@bp.route("/incidents/same-incident")
def same_incident_queue():
    """The force's pairs of reports that may be one incident, oldest first, each with why."""
    _same_incident_reviewer()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    total = episodes.count_open(current_user.organisation_id)
    pairs = episodes.open_proposals(current_user.organisation_id, page)
    consultation.listed("incident", [i for pair in pairs for i in (pair.incident, pair.other)],
                        summary="Listed as possible reports of the same incident")
    return render_template("incidents/same_incident.html", pairs=pairs, total=total,
                           page=page, page_size=episodes.PAGE_SIZE, form=ConfirmForm())


def _decide_same(link_id: int, decide):
    _same_incident_reviewer()
    link = policy.get_same_incident_link_or_404(current_user, link_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        message = decide(link)
    except episodes.EpisodeError as error:
        flash_refusal(error)
    else:
        flash(message, "success")
    return redirect(url_for("incidents.same_incident_queue"))


@bp.route("/incidents/same-incident/<int:link_id>/confirm", methods=["POST"])
def confirm_same_incident(link_id: int):
    def confirm(link):
        episodes.confirm(link, current_user)
        return (f"{link.incident.reference} and {link.other.reference} are recorded as the "
                f"same incident: every rule now counts it once.")
    return _decide_same(link_id, confirm)


@bp.route("/incidents/same-incident/<int:link_id>/reject", methods=["POST"])
def reject_same_incident(link_id: int):
    def reject(link):
        episodes.reject(link, current_user)
        return (f"{link.incident.reference} and {link.other.reference} are kept as different "
                f"incidents, and will not be proposed again.")
    return _decide_same(link_id, reject)
