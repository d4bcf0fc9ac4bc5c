from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from sara.actions.models import PRIORITIES
from sara.cases.taxonomy import TACTIC_CATEGORIES, TRIANGLE_SIDES
from sara.core.forms import MAX_TEXT, BaseForm, GovDateField


class ActionForm(BaseForm):
    version = HiddenField()
    title = StringField(
        "What needs doing", widget=GovTextInput(),
        validators=[DataRequired(message="Enter a title for the action"),
                    Length(max=200, message="Title must be 200 characters or fewer")],
    )
    description = TextAreaField(
        "Details (optional)", widget=GovTextArea(),
        validators=[Optional(), Length(max=MAX_TEXT, message="Details are too long")],
    )
    tactic_category = RadioField(
        "Type of tactic", widget=GovRadioInput(), choices=list(TACTIC_CATEGORIES.items()),
        validators=[InputRequired(message="Choose the type of tactic")],
    )
    triangle_side = RadioField(
        "Which side of the problem triangle does it target?", widget=GovRadioInput(),
        choices=list(TRIANGLE_SIDES.items()),
        validators=[InputRequired(message="Choose the side of the triangle it targets")],
    )
    allocation = SelectField(
        "Allocate to", widget=GovSelect(),
        description="The owning force, an organisation the case is shared with, or one person",
        validators=[InputRequired(message="Choose who the action is for")],
    )
    due_date = GovDateField(
        "Due date", description="For example, 27 3 2027",
        validators=[InputRequired(message="Enter the due date")],
    )
    priority = RadioField(
        "Priority", widget=GovRadioInput(), choices=list(PRIORITIES.items()), default="normal",
        validators=[InputRequired(message="Choose a priority")],
    )
    submit = SubmitField("Save action", widget=GovSubmitInput())

    def set_targets(self, organisations, users) -> None:
        self.allocation.choices = [("", "Choose who the action is for")] + [
            (f"org:{o.id}", f"Organisation: {o.name}") for o in organisations
        ] + [(f"user:{u.id}", f"{u.name} ({u.organisation.name})") for u in users]

    def action_values(self) -> dict:
        return {name: self[name].data for name in (
            "title", "description", "tactic_category", "triangle_side", "allocation",
            "due_date", "priority")}


STATUS_MOVES = [
    ("in_progress", "Start work (in progress)"),
    ("done", "Done: record the result"),
    ("cancelled", "Cancel the action"),
    ("open", "Reopen, or move back to open"),
]


class StatusForm(BaseForm):
    version = HiddenField()
    to_status = RadioField(
        "Move the action", widget=GovRadioInput(), choices=STATUS_MOVES,
        validators=[InputRequired(message="Choose what happens to the action")],
    )
    text = TextAreaField(
        "Result, reason or note", widget=GovTextArea(),
        description="Done needs the result: what was done and what it achieved. Cancelling needs "
                    "the reason.",
        validators=[Optional(), Length(max=MAX_TEXT, message="That is too long")],
    )
    submit = SubmitField("Update action", widget=GovSubmitInput())

    def limit_to(self, allowed: set[str]) -> None:
        self.to_status.choices = [c for c in STATUS_MOVES if c[0] in allowed]

    def validate_version(self, field):
        if field.data and not str(field.data).isdigit():
            raise ValidationError("The form was incomplete: reload the page and try again")


class ActionNoteForm(BaseForm):
    text = TextAreaField(
        "Add a progress note", widget=GovTextArea(),
        validators=[DataRequired(message="Enter the note"),
                    Length(max=MAX_TEXT, message="That note is too long")],
    )
    submit = SubmitField("Add note", widget=GovSubmitInput())
