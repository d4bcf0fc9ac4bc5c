"""The evaluation form is built per case: one set of fields for each planned tactic and each
objective, alongside the fixed impact, displacement and outcome fields."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from sara.core.forms import MAX_TEXT, BaseForm, GovDateField
from sara.evaluation.models import (
    DELIVERY,
    DISPLACEMENT_TYPES,
    EFFECTIVENESS,
    OBJECTIVE_RESULTS,
    OUTCOMES,
    REVIEW_OUTCOMES,
)

TEXT = Length(max=MAX_TEXT, message=f"Must be {MAX_TEXT:,} characters or fewer")
COUNT = [Optional(), NumberRange(min=0, max=10_000_000, message="Enter a whole number, 0 or more")]


class EvaluationForm(BaseForm):
    version = HiddenField()
    measure = StringField(
        "Measure used", widget=GovTextInput(),
        description="For example, 'ASB incidents within 200 m of the park'",
        validators=[Optional(), Length(max=500, message="Measure must be 500 characters or fewer")],
    )
    before_start = GovDateField("Before period: from", validators=[Optional()])
    before_end = GovDateField("Before period: to", validators=[Optional()])
    before_count = IntegerField("Count before", widget=GovTextInput(), validators=COUNT)
    after_start = GovDateField("After period: from", validators=[Optional()])
    after_end = GovDateField("After period: to", validators=[Optional()])
    after_count = IntegerField("Count after", widget=GovTextInput(), validators=COUNT)
    comparison_area = StringField(
        "Comparison area (optional)", widget=GovTextInput(),
        description="A similar area without the response, to tell the effect from the trend",
        validators=[Optional(), Length(max=500, message="Must be 500 characters or fewer")],
    )
    area_lsoa = StringField(
        "Case area LSOA code (optional)", widget=GovTextInput(),
        description="For example E01026100. With the periods, the counts can be taken from "
                    "incident data",
        validators=[Optional(), Length(max=12, message="An LSOA code is 9 characters")])
    comparison_lsoa = StringField(
        "Comparison area LSOA code (optional)", widget=GovTextInput(),
        validators=[Optional(), Length(max=12, message="An LSOA code is 9 characters")])
    comparison_before_count = IntegerField("Comparison area: count before",
                                           widget=GovTextInput(), validators=COUNT)
    comparison_after_count = IntegerField("Comparison area: count after",
                                          widget=GovTextInput(), validators=COUNT)
    is_displacement_checked = BooleanField("We checked for displacement",
                                           widget=GovCheckboxInput())
    displacement_types = SelectMultipleField(
        "Kinds of displacement looked for", widget=GovCheckboxesInput(),
        choices=list(DISPLACEMENT_TYPES.items()), validators=[Optional()],
    )
    displacement_found = TextAreaField("What was found", widget=GovTextArea(),
                                       validators=[Optional(), TEXT])
    is_diffusion_observed = BooleanField(
        "Diffusion of benefits observed (nearby places or times also improved)",
        widget=GovCheckboxInput(),
    )
    outcome = RadioField("Outcome", widget=GovRadioInput(), choices=list(OUTCOMES.items()),
                         validators=[Optional()])
    lessons = TextAreaField("Lessons learned", widget=GovTextArea(),
                            validators=[Optional(), TEXT])
    is_good_practice = BooleanField(
        "Publish this case's case study in the good-practice library once approved",
        widget=GovCheckboxInput(),
        description="The case study is written for publication on its own page. It is needed "
                    "before the evaluation is submitted.",
    )
    good_practice_summary = TextAreaField(
        "Why this is good practice", widget=GovTextArea(),
        description="Two or three sentences for the supervisor who signs it off. This is not "
                    "published: the library shows only the case study.",
        validators=[Optional(), Length(max=2000, message="Must be 2,000 characters or fewer")],
    )
    submit = SubmitField("Save draft", widget=GovSubmitInput())
    # The other buttons of the same form: each saves what was typed, then does its step, so
    # nothing typed since the last save is lost.
    save_and_submit = SubmitField("Save and submit for sign-off", widget=GovSubmitInput())
    save_and_fill = SubmitField("Save and fill the counts from incident data",
                                widget=GovSubmitInput())

    FIELDS = ("measure", "before_start", "before_end", "before_count", "after_start",
              "after_end", "after_count", "comparison_area", "area_lsoa", "comparison_lsoa",
              "comparison_before_count",
              "comparison_after_count", "is_displacement_checked", "displacement_types",
              "displacement_found", "is_diffusion_observed", "outcome", "lessons",
              "is_good_practice", "good_practice_summary")

    def values(self) -> dict:
        values = {name: self[name].data for name in self.FIELDS}
        for name in ("measure", "comparison_area", "displacement_found", "lessons",
                     "good_practice_summary"):
            values[name] = values[name] or ""
        for name in ("area_lsoa", "comparison_lsoa"):
            values[name] = (values[name] or "").strip().upper() or None
        values["is_displacement_checked"] = bool(values["is_displacement_checked"])
        values["is_diffusion_observed"] = bool(values["is_diffusion_observed"])
        values["is_good_practice"] = bool(values["is_good_practice"])
        return values

    def tactic_rows(self, evaluation) -> dict[int, dict]:
        return {
            row.tactic_id: {
                "delivery": self[f"delivery_{row.tactic_id}"].data or None,
                "delivery_note": self[f"delivery_note_{row.tactic_id}"].data or "",
                "effectiveness": self[f"effectiveness_{row.tactic_id}"].data or "unknown",
            }
            for row in evaluation.tactic_results
        }

    def objective_rows(self, evaluation) -> dict[int, str | None]:
        return {row.objective_id: self[f"objective_{row.objective_id}"].data or None
                for row in evaluation.objective_results}


def evaluation_form_for(evaluation, formdata=None) -> EvaluationForm:
    """An EvaluationForm with fields for this evaluation's tactics and objectives."""
    fields = {}
    for row in evaluation.tactic_results:
        tid = row.tactic_id
        fields[f"delivery_{tid}"] = SelectField(
            "Delivered as planned, in enough dose?", widget=GovSelect(),
            choices=[("", "Not assessed"), *DELIVERY.items()], validators=[Optional()],
            default=row.delivery or "")
        fields[f"delivery_note_{tid}"] = StringField(
            "Note on delivery", widget=GovTextInput(), default=row.delivery_note,
            validators=[Optional(), Length(max=2000, message="Must be 2,000 characters or fewer")])
        fields[f"effectiveness_{tid}"] = SelectField(
            "How effective was it?", widget=GovSelect(), choices=list(EFFECTIVENESS.items()),
            default=row.effectiveness, validators=[Optional()])
    for row in evaluation.objective_results:
        fields[f"objective_{row.objective_id}"] = SelectField(
            "Was the objective met?", widget=GovSelect(),
            choices=[("", "Not assessed"), *OBJECTIVE_RESULTS.items()],
            default=row.result or "", validators=[Optional()])
    form_class = type("CaseEvaluationForm", (EvaluationForm,), fields)
    if formdata is None:
        form = form_class(formdata=None, obj=evaluation)
        form.version.data = evaluation.version
        return form
    return form_class()


class DecisionForm(BaseForm):
    version = HiddenField()
    comments = TextAreaField(
        "Comments", widget=GovTextArea(),
        description="Needed when returning it: say what must change before it can be approved",
        validators=[Optional(), TEXT],
    )
    is_good_practice = BooleanField(
        "Good practice: publish its case study in the good-practice library",
        widget=GovCheckboxInput(),
        description="Ticked when the officer marked it. Your choice counts when you approve it.",
    )


class ReviewForm(BaseForm):
    outcome = RadioField("Outcome of the review", widget=GovRadioInput(),
                         choices=list(REVIEW_OUTCOMES.items()),
                         validators=[InputRequired(message="Choose the outcome of the review")])
    comments = TextAreaField("Comments", widget=GovTextArea(), validators=[Optional(), TEXT])
    next_review_date = GovDateField(
        "Next review date", description="28 days from today unless you choose another date",
        validators=[InputRequired(message="Enter the next review date")],
    )
    submit = SubmitField("Record review", widget=GovSubmitInput())
