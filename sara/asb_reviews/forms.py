"""The forms of each step of an ASB case review."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from sara.actions.forms import ActionForm
from sara.asb_reviews.models import APPLICANT_KINDS, ESCALATION_RESULTS
from sara.core.forms import MAX_TEXT, BaseForm, DateFilterField, GovDateField
from sara.library.forms import FilterSelect

_TOO_LONG = "must be {max} characters or fewer"


def _text(label: str, message: str, *, hint: str = "", required: bool = True):
    return TextAreaField(
        label, widget=GovTextArea(), description=hint,
        validators=[DataRequired(message=message) if required else Optional(),
                    Length(max=MAX_TEXT, message=f"{label} {_TOO_LONG}")],
    )


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return -1  # not a choice: the choices check says so


class ApplicationForm(BaseForm):
    applicant_kind = RadioField(
        "Who made the application?", widget=GovRadioInput(), choices=list(APPLICANT_KINDS.items()),
        validators=[InputRequired(message="Choose who made the application")],
    )
    applicant_name = StringField(
        "Name of the person applying on their behalf", widget=GovTextInput(),
        description="Leave empty when the victim applied themselves",
        validators=[Optional(), Length(max=200, message=f"The name {_TOO_LONG}")],
    )
    applicant_contact = TextAreaField(
        "How to reach the applicant with the letters", widget=GovTextArea(),
        description="A postal address or an e-mail address",
        validators=[DataRequired(message="Enter how to reach the applicant with the letters"),
                    Length(max=500, message=f"The contact details {_TOO_LONG}")],
    )
    received_by_id = SelectField(
        "Body that received the application", widget=GovSelect(), coerce=_int_or_none,
        validators=[InputRequired(message="Choose the body that received the application")],
    )
    received_date = GovDateField(
        "Date the application was received", description="For example, 27 3 2027",
        validators=[InputRequired(message="Enter the date the application was received")],
    )
    case_id = SelectField(
        "The problem case, if there is one", widget=GovSelect(), coerce=_int_or_none,
        validators=[Optional()],
    )
    neighbourhood_id = SelectField(
        "Neighbourhood", widget=GovSelect(), coerce=_int_or_none,
        description="Where the problem is; the case's neighbourhood when there is a case. The "
                    "published figures count each review in its neighbourhood.",
        validators=[Optional()],
    )
    summary = _text("What the applicant says the problem is",
                    "Enter what the applicant says the problem is")
    submit = SubmitField("Record the application", widget=GovSubmitInput())

    def set_choices(self, bodies, cases, neighbourhoods) -> None:
        self.received_by_id.choices = [("", "Choose the body")] + [(o.id, o.name) for o in bodies]
        self.case_id.choices = [("", "No case")] + [
            (c.id, f"{c.reference}: {c.title}") for c in cases]
        self.neighbourhood_id.choices = [("", "Choose the neighbourhood")] + [
            (n.id, n.name) for n in neighbourhoods]

    def values(self) -> dict:
        return {name: self[name].data for name in (
            "applicant_kind", "applicant_name", "applicant_contact", "received_by_id",
            "received_date", "case_id", "neighbourhood_id", "summary")}


class DecisionForm(BaseForm):
    version = HiddenField()
    is_threshold_met = RadioField(
        "Is the threshold met?", widget=GovRadioInput(),
        choices=[("yes", "Yes: the review goes ahead"), ("no", "No: the threshold is not met")],
        validators=[InputRequired(message="Choose whether the threshold is met")],
    )
    reasons = _text("Reasons for the decision", "Enter the reasons for the decision",
                    hint="They are in the letter to the applicant. Say which complaints you "
                         "counted, and why any did not count.")
    submit = SubmitField("Record the decision", widget=GovSubmitInput())


class ParticipantForm(BaseForm):
    organisation_id = SelectField(
        "Body taking part", widget=GovSelect(), coerce=_int_or_none,
        validators=[InputRequired(message="Choose the body taking part")],
    )
    person_name = StringField(
        "Who speaks for it", widget=GovTextInput(),
        validators=[DataRequired(message="Enter who spoke for the body"),
                    Length(max=200, message=f"The name {_TOO_LONG}")],
    )
    role_title = StringField(
        "Their role (optional)", widget=GovTextInput(),
        validators=[Optional(), Length(max=200, message=f"The role {_TOO_LONG}")],
    )
    agency_actions = _text("What the body has done so far",
                           "Enter what the body has done so far")
    submit = SubmitField("Add the body", widget=GovSubmitInput())

    def set_choices(self, bodies) -> None:
        self.organisation_id.choices = [("", "Choose the body")] + [(o.id, o.name) for o in bodies]

    def values(self) -> dict:
        return {name: self[name].data for name in (
            "organisation_id", "person_name", "role_title", "agency_actions")}


class MeetingForm(BaseForm):
    version = HiddenField()
    meeting_date = GovDateField(
        "Date of the review meeting", description="For example, 27 3 2027",
        validators=[InputRequired(message="Enter the date of the review meeting")],
    )
    victim_views = _text("The victim's views", "Enter the victim's views",
                         hint="What the victim told the review, in their words where you can")
    meeting_notes = _text("What the review found (optional)", "", required=False)
    submit = SubmitField("Record the meeting", widget=GovSubmitInput())

    def values(self) -> dict:
        return {name: self[name].data for name in ("meeting_date", "victim_views",
                                                   "meeting_notes")}


class RecommendationForm(ActionForm):
    #: The case chosen in the page's first step, or "new"
    case = HiddenField()
    submit = SubmitField("Add the recommendation", widget=GovSubmitInput())


class LetterSentForm(BaseForm):
    submit = SubmitField("Record the letter as sent", widget=GovSubmitInput())


class EscalationRequestForm(BaseForm):
    escalation_requested_date = GovDateField(
        "Date of the request", description="For example, 27 3 2027",
        validators=[InputRequired(message="Enter the date of the request")],
    )
    escalation_reason = _text("Why the applicant asks", "Enter why the applicant asks",
                              hint="They may ask the police and crime commissioner, or the "
                                   "area's own route, to look at the decision again")
    submit = SubmitField("Record the request", widget=GovSubmitInput())

    def values(self) -> dict:
        return {name: self[name].data for name in ("escalation_requested_date",
                                                   "escalation_reason")}


class EscalationResultForm(BaseForm):
    escalation_result = RadioField(
        "Result", widget=GovRadioInput(), choices=list(ESCALATION_RESULTS.items()),
        validators=[InputRequired(message="Choose the result")],
    )
    escalation_decided_date = GovDateField(
        "Date of the result", description="For example, 27 3 2027",
        validators=[InputRequired(message="Enter the date of the result")],
    )
    escalation_notes = _text("Reasons for the result", "Enter the reasons for the result")
    submit = SubmitField("Record the result", widget=GovSubmitInput())

    def values(self) -> dict:
        return {name: self[name].data for name in ("escalation_result", "escalation_decided_date",
                                                   "escalation_notes")}


class FiguresForm(BaseForm):
    """The period and area of the published figures: a GET form (it only chooses what to
    count), its dates as GOV.UK day, month and year boxes or as from=2025-06-01&to=2026-05-31."""

    class Meta:
        csrf = False

    start = DateFilterField("From", name="from", description="For example, 1 6 2025")
    end = DateFilterField("To", name="to", description="For example, 31 5 2026")
    # Its choices are the force's neighbourhoods (set by the view).
    area = FilterSelect("Area", {}, "All areas", invalid="Choose an area from the list")

    def set_areas(self, neighbourhoods) -> None:
        self.area.choices = [("", "All areas"),
                             *((str(n.id), n.name) for n in sorted(neighbourhoods,
                                                                   key=lambda n: n.name))]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field, what in ((self.start, "start"), (self.end, "end")):
            # A year outside these bounds is a typing slip, and could overflow a date.
            if field.data is not None and not 1900 <= field.data.year <= 2200:
                field.data = None
                field.errors = [*field.errors, f"The {what} of the period must be a real date, "
                                               "with a day, month and year"]
                valid = False
        given = [f for f in (self.start, self.end) if f.data is not None or f.errors]
        if len(given) == 1:
            missing, what = ((self.end, "end") if given[0] is self.start else (self.start, "start"))
            missing.errors = [*missing.errors, f"Enter the {what} of the period"]
            valid = False
        if self.start.data and self.end.data and self.end.data < self.start.data:
            self.end.errors = [*self.end.errors, "The end of the period must be the same as or "
                                                 "after its start"]
            valid = False
        return valid

    def area_id(self) -> int | None:
        return int(self.area.data) if self.area.data else None
