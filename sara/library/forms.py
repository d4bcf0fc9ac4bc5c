"""Filters for the library pages (GET forms: no CSRF token), the admin's library switch, and the
case study's own forms: writing it, and a supervisor publishing or withdrawing it."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import InputRequired, Length

from sara.cases.taxonomy import PROBLEM_TYPES, TACTIC_CATEGORIES, TRIANGLE_SIDES
from sara.core.forms import MAX_TEXT, BaseForm
from sara.evaluation.models import OUTCOMES
from sara.library.models import CASE_STUDY_FIELDS, CASE_STUDY_SECTIONS, TITLE_LENGTH
from sara.library.service import REQUIRED


class FilterSelect(SelectField):
    """A filter from a fixed list; "" means any. A value not on the list (a hand-made or stale
    link) is reported by name, then ignored by the view."""

    def __init__(self, label, options: dict, any_label: str, invalid: str, **kwargs):
        kwargs.setdefault("widget", GovSelect())
        super().__init__(label, choices=[("", any_label), *options.items()], default="", **kwargs)
        self.invalid_message = invalid

    def pre_validate(self, form):
        if self.data not in {value for value, _label in self.choices}:
            raise ValidationError(self.invalid_message)


class _GetForm(BaseForm):
    class Meta:
        csrf = False


class LibrarySearchForm(_GetForm):
    q = StringField(
        "Search", widget=GovTextInput(),
        description="Words from the case studies' titles and text",
        validators=[Length(max=200, message="Search must be 200 characters or fewer")],
    )
    problem_type = FilterSelect("Problem type", PROBLEM_TYPES, "Any type",
                                invalid="Choose a problem type from the list")
    category = FilterSelect("Tactic", TACTIC_CATEGORIES, "Any tactic",
                            invalid="Choose a type of tactic from the list")
    side = FilterSelect("Tactic aimed at", TRIANGLE_SIDES, "Any side of the triangle",
                        invalid="Choose victim, offender or location")
    outcome = FilterSelect("Outcome", OUTCOMES, "Any outcome",
                           invalid="Choose an outcome from the list")


class WhatWorksForm(_GetForm):
    problem_type = FilterSelect("Problem type", PROBLEM_TYPES, "Any type",
                                invalid="Choose a problem type from the list")


class WhatWorksCasesForm(_GetForm):
    category = FilterSelect("Tactic", TACTIC_CATEGORIES, "Any tactic",
                            invalid="Choose a type of tactic from the list")
    side = FilterSelect("Tactic aimed at", TRIANGLE_SIDES, "Any side of the triangle",
                        invalid="Choose victim, offender or location")
    outcome = FilterSelect("Outcome", OUTCOMES, "Any outcome",
                           invalid="Choose an outcome from the list")
    problem_type = FilterSelect("Problem type", PROBLEM_TYPES, "Any type",
                                invalid="Choose a problem type from the list")


class LibraryAccessForm(BaseForm):
    """The admin's switch for partner access to the good-practice library."""

    library_open_to_partners = RadioField(
        "Can partner organisations read the good-practice library?", widget=GovRadioInput(),
        choices=[
            ("yes", "Yes: staff of every partner organisation can read it"),
            ("no", "No: police staff only"),
        ],
        description="The library shows only case studies written for publication and checked "
                    "for the details of the people linked to each case, never the cases "
                    "themselves. HMIC recommends sharing good practice with partners.",
        validators=[InputRequired(message="Choose whether partners can read the library")],
    )
    submit = SubmitField("Save settings", widget=GovSubmitInput())


_SECTIONS = {name: (label, hint) for name, label, hint in CASE_STUDY_SECTIONS}


def _section(name: str):
    label, hint = _SECTIONS[name]
    limit = TITLE_LENGTH if name == "title" else MAX_TEXT
    field, widget = (StringField, GovTextInput()) if name == "title" else (TextAreaField,
                                                                              GovTextArea())
    return field(label, widget=widget, description=hint, validators=[
        InputRequired(message=REQUIRED[name]),
        Length(max=limit, message=f"{label} must be {limit:,} characters or fewer"),
    ])


class CaseStudyForm(BaseForm):
    """The case study: its own text, written for publication. `version` is empty until one
    exists, so two officers writing the first one at once cannot overwrite each other."""

    version = HiddenField()
    title = _section("title")
    problem = _section("problem")
    analysis = _section("analysis")
    response = _section("response")
    assessment = _section("assessment")
    lessons = _section("lessons")
    submit = SubmitField("Save the case study", widget=GovSubmitInput())
    # For a supervisor who may publish it: one button saves what was typed, then publishes it,
    # so nothing typed is lost to a publish button of its own.
    save_and_publish = SubmitField("Save and publish in the library", widget=GovSubmitInput())

    def values(self) -> dict[str, str]:
        return {name: self[name].data or "" for name in CASE_STUDY_FIELDS}


class PublicationForm(BaseForm):
    """A supervisor publishing or withdrawing the case study: the version they read."""

    version = HiddenField()
