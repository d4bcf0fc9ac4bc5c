"""Filters for the library pages (GET forms: no CSRF token), and the admin's library switch."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import RadioField, SelectField, StringField, SubmitField, ValidationError
from wtforms.validators import InputRequired, Length

from sara.cases.taxonomy import PROBLEM_TYPES, TACTIC_CATEGORIES, TRIANGLE_SIDES
from sara.core.forms import BaseForm
from sara.evaluation.models import OUTCOMES


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
        description="Words from the title, description, scanning summary, lessons or good practice",
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
        description="Case studies are published without personal details. HMIC recommends "
                    "sharing good practice with partners.",
        validators=[InputRequired(message="Choose whether partners can read the library")],
    )
    submit = SubmitField("Save settings", widget=GovSubmitInput())
