from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    DecimalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from sara.cases.taxonomy import (
    ANALYSIS_FIELDS,
    CLOSURE_REASONS,
    PROBLEM_TYPES,
    SCANNING_SOURCES,
    STAGES,
    TACTIC_CATEGORIES,
    TRIANGLE_SIDES,
)
from sara.core.forms import MAX_TEXT, BaseForm

TEXT_LIMIT = Length(max=MAX_TEXT, message=f"Must be {MAX_TEXT:,} characters or fewer")


def _choices(mapping: dict, blank: str | None = None) -> list[tuple[str, str]]:
    items = list(mapping.items())
    return [("", blank), *items] if blank is not None else items


class VersionedForm(BaseForm):
    """A form that edits a case: it carries the version the user started from."""

    version = HiddenField()

    def validate_version(self, field):
        try:
            int(field.data)
        except (TypeError, ValueError) as exc:
            raise ValidationError("The form was incomplete: reload the page and try again") from exc

    @property
    def expected_version(self) -> int:
        return int(self.version.data)


class CaseDetailsForm(BaseForm):
    title = StringField(
        "Title",
        widget=GovTextInput(),
        description="A short name for the problem, for example 'Youths gathering at Ermine shops'",
        validators=[
            InputRequired(message="Enter a title"),
            Length(min=3, max=200, message="Title must be between 3 and 200 characters"),
        ],
    )
    problem_type = SelectField(
        "Problem type",
        widget=GovSelect(),
        choices=_choices(PROBLEM_TYPES, "Choose a problem type"),
        validators=[InputRequired(message="Choose a problem type")],
    )
    neighbourhood_id = SelectField(
        "Neighbourhood",
        widget=GovSelect(),
        coerce=lambda v: int(v) if v not in (None, "") else None,
        validators=[InputRequired(message="Choose a neighbourhood")],
    )
    location_text = StringField(
        "Location",
        widget=GovTextInput(),
        description="An address, street or place, for example 'Ermine shopping parade, Lincoln'",
        validators=[
            DataRequired(message="Enter the location"),
            Length(max=300, message="Location must be 300 characters or fewer"),
        ],
    )
    latitude = DecimalField(
        "Latitude (optional)",
        widget=GovTextInput(),
        places=None,
        description="Decimal degrees, for example 53.2307",
        validators=[
            Optional(),
            NumberRange(min=49, max=61, message="Latitude must be between 49 and 61 (the UK)"),
        ],
    )
    longitude = DecimalField(
        "Longitude (optional)",
        widget=GovTextInput(),
        places=None,
        description="Decimal degrees, for example -0.5406",
        validators=[
            Optional(),
            NumberRange(min=-9, max=2, message="Longitude must be between -9 and 2 (the UK)"),
        ],
    )
    description = TextAreaField(
        "Description",
        widget=GovTextArea(),
        description="What is happening, who is affected and how it came to notice",
        validators=[DataRequired(message="Enter a description"), TEXT_LIMIT],
    )

    def validate_latitude(self, field):
        # Optional() ends the longitude's checks when it is blank, so the pair is checked here too.
        longitude_raw = self.longitude.raw_data[0] if self.longitude.raw_data else ""
        if field.data is not None and not str(longitude_raw).strip():
            raise ValidationError("Enter both latitude and longitude, or neither")

    def validate_longitude(self, field):
        if (self.latitude.data is None) != (field.data is None):
            raise ValidationError("Enter both latitude and longitude, or neither")

    def set_neighbourhoods(self, neighbourhoods) -> None:
        self.neighbourhood_id.choices = [("", "Choose a neighbourhood")] + [
            (n.id, n.name) for n in neighbourhoods
        ]

    def case_values(self) -> dict:
        return {
            "title": self.title.data,
            "problem_type": self.problem_type.data,
            "neighbourhood_id": self.neighbourhood_id.data,
            "location_text": self.location_text.data,
            "latitude": float(self.latitude.data) if self.latitude.data is not None else None,
            "longitude": float(self.longitude.data) if self.longitude.data is not None else None,
            "description": self.description.data,
        }


class NewCaseForm(CaseDetailsForm):
    submit = SubmitField("Create case", widget=GovSubmitInput())


class EditCaseForm(CaseDetailsForm, VersionedForm):
    owner_id = SelectField(
        "Owner",
        widget=GovSelect(),
        coerce=lambda v: int(v) if v not in (None, "") else None,
        validators=[InputRequired(message="Choose who owns the case")],
    )
    review_cadence_days = IntegerField(
        "Review every (days)",
        widget=GovTextInput(),
        description="How often a supervisor should review this case",
        validators=[
            InputRequired(message="Enter how often the case should be reviewed, in days"),
            NumberRange(min=7, max=365, message="Review cadence must be between 7 and 365 days"),
        ],
    )
    submit = SubmitField("Save changes", widget=GovSubmitInput())

    def set_owners(self, users) -> None:
        self.owner_id.choices = [(u.id, u.name) for u in users]

    def case_values(self) -> dict:
        return {
            **super().case_values(),
            "owner_id": self.owner_id.data,
            "review_cadence_days": self.review_cadence_days.data,
        }


class ScanningForm(VersionedForm):
    scan_source = SelectField(
        "How did the problem come to notice?",
        widget=GovSelect(),
        choices=_choices(SCANNING_SOURCES, "Not recorded"),
        validators=[Optional()],
    )
    scan_summary = TextAreaField(
        "Scanning summary: the pattern seen",
        widget=GovTextArea(),
        description="What keeps happening, where and when, and who it affects. "
        "The case cannot move to Analysis without it.",
        validators=[TEXT_LIMIT],
    )
    scan_baseline = TextAreaField(
        "Baseline and what success looks like",
        widget=GovTextArea(),
        description="The scale of the problem now, for example '23 ASB calls in the last 3 months'",
        validators=[TEXT_LIMIT],
    )
    submit = SubmitField("Save scanning", widget=GovSubmitInput())

    def case_values(self) -> dict:
        return {
            "scan_source": self.scan_source.data or None,
            "scan_summary": self.scan_summary.data or "",
            "scan_baseline": self.scan_baseline.data or "",
        }


def _analysis_form_class():
    fields = {
        name: TextAreaField(label, widget=GovTextArea(), validators=[TEXT_LIMIT])
        for name, label in ANALYSIS_FIELDS.items()
    }
    fields["submit"] = SubmitField("Save analysis", widget=GovSubmitInput())

    def case_values(self) -> dict:
        return {name: getattr(self, name).data or "" for name in ANALYSIS_FIELDS}

    fields["case_values"] = case_values
    return type("AnalysisForm", (VersionedForm,), fields)


AnalysisForm = _analysis_form_class()


class ObjectiveForm(VersionedForm):
    text = TextAreaField(
        "SMART objective",
        widget=GovTextArea(),
        description="Specific, measurable, achievable, relevant and time-bound, for example "
        "'Reduce ASB calls about the parade by half within 3 months'",
        validators=[
            DataRequired(message="Enter the objective"),
            Length(max=2000, message="Objective must be 2,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Add objective", widget=GovSubmitInput())


class TacticForm(VersionedForm):
    category = RadioField(
        "Type of tactic",
        widget=GovRadioInput(),
        choices=_choices(TACTIC_CATEGORIES),
        validators=[InputRequired(message="Choose the type of tactic")],
    )
    triangle_side = RadioField(
        "Which side of the problem triangle does it target?",
        widget=GovRadioInput(),
        choices=_choices(TRIANGLE_SIDES),
        validators=[InputRequired(message="Choose the side of the triangle it targets")],
    )
    description = TextAreaField(
        "What will be done",
        widget=GovTextArea(),
        validators=[
            DataRequired(message="Describe the tactic"),
            Length(max=2000, message="Description must be 2,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Add tactic", widget=GovSubmitInput())


class RemoveItemForm(VersionedForm):
    """Removes one objective or tactic; the item id is in the URL."""


class StageMoveForm(VersionedForm):
    to_stage = RadioField(
        "Move the case to",
        widget=GovRadioInput(),
        choices=_choices(STAGES),
        validators=[InputRequired(message="Choose the stage to move the case to")],
    )
    reason = TextAreaField(
        "Reason",
        widget=GovTextArea(),
        description="Needed when the case goes back to an earlier stage",
        validators=[TEXT_LIMIT],
    )
    submit = SubmitField("Move case", widget=GovSubmitInput())


class CloseCaseForm(VersionedForm):
    closure_reason = RadioField(
        "Why is the case being closed?",
        widget=GovRadioInput(),
        choices=_choices(CLOSURE_REASONS),
        validators=[InputRequired(message="Choose a closure reason")],
    )
    closure_note = TextAreaField(
        "Closing note (optional)", widget=GovTextArea(), validators=[TEXT_LIMIT]
    )
    submit = SubmitField("Close case", widget=GovSubmitInput())


class ReopenCaseForm(VersionedForm):
    reason = TextAreaField(
        "Why is the case being reopened?",
        widget=GovTextArea(),
        validators=[InputRequired(message="Enter why the case is being reopened"), TEXT_LIMIT],
    )
    submit = SubmitField("Reopen case", widget=GovSubmitInput())


class NoteForm(BaseForm):
    text = TextAreaField(
        "Add a note",
        widget=GovTextArea(),
        description="Progress, a meeting, a phone call. Notes appear on the timeline for everyone "
        "who can see the case.",
        validators=[DataRequired(message="Enter the note"), TEXT_LIMIT],
    )
    submit = SubmitField("Add note", widget=GovSubmitInput())
