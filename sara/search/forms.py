"""The search form: a GET form (no CSRF token), each filter checked and, if bad, reported and
ignored."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField, ValidationError
from wtforms.validators import Length, Optional

from sara.cases.taxonomy import PROBLEM_TYPES, STAGES, STATUSES
from sara.core.forms import BaseForm, DateFilterField
from sara.library.forms import FilterSelect

MAX_QUERY = 200


class SearchForm(BaseForm):
    class Meta:
        csrf = False

    q = StringField(
        "Search cases", widget=GovTextInput(),
        description="Words from a case's title, description, any SARA stage, its actions and "
                    "their notes, or its evaluation. Put a phrase in quotes; use OR for either "
                    "word and a minus sign to leave a word out.",
        validators=[Optional(), Length(max=MAX_QUERY,
                                       message=f"Search must be {MAX_QUERY} characters or fewer")],
    )
    stage = FilterSelect("Stage", STAGES, "Any stage", invalid="Choose a stage from the list")
    status = FilterSelect("Status", STATUSES, "Any status", invalid="Choose a status from the list")
    # Its choices are the neighbourhoods the user can see (set by the view).
    neighbourhood = FilterSelect("Neighbourhood", {}, "Any neighbourhood",
                                 invalid="Choose a neighbourhood from the list")
    problem_type = FilterSelect("Problem type", PROBLEM_TYPES, "Any type",
                                invalid="Choose a problem type from the list")
    opened_from = DateFilterField("Opened on or after", validators=[Optional()],
                                  description="For example, 27 3 2026")
    opened_to = DateFilterField("Opened on or before", validators=[Optional()],
                                description="For example, 27 3 2026")
    submit = SubmitField("Search", widget=GovSubmitInput())

    def validate_opened_to(self, field):
        start = self.opened_from.data
        if field.data and start and field.data < start and not self.opened_from.errors:
            raise ValidationError("The 'opened on or before' date must be the same as or after "
                                  "the 'opened on or after' date")
