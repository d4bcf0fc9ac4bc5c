from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import HiddenField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from sara.core.forms import BaseForm
from sara.partners.models import SHARE_LEVELS

_LEVELS = [("view", "View"), ("contribute", "Contribute")]
_LEVEL_HINTS = {
    "view": "See the case at this level only",
    "contribute": "Also add notes, edit the analysis and response, and work actions",
}


class ShareWithOrganisationForm(BaseForm):
    organisation_id = SelectField(
        "Organisation", widget=GovSelect(), coerce=lambda v: int(v) if v else None,
        validators=[InputRequired(message="Choose an organisation")],
    )
    level = RadioField(
        "Access level", widget=GovRadioInput(), choices=_LEVELS,
        validators=[InputRequired(message="Choose view or contribute")],
    )
    submit = SubmitField("Share with organisation", widget=GovSubmitInput())

    def set_organisations(self, organisations) -> None:
        self.organisation_id.choices = [("", "Choose an organisation")] + [
            (o.id, f"{o.name} ({o.kind_label})") for o in organisations
        ]


class ShareWithUserForm(BaseForm):
    email = StringField(
        "Email address of the person", widget=GovTextInput(),
        description="Someone in another organisation who needs this case, for example a named "
                    "caseworker",
        validators=[InputRequired(message="Enter the person's email address"),
                    Length(max=254, message="Email address must be 254 characters or fewer")],
    )
    level = RadioField(
        "Access level", widget=GovRadioInput(), choices=_LEVELS,
        validators=[InputRequired(message="Choose view or contribute")],
    )
    submit = SubmitField("Share with this person", widget=GovSubmitInput())


class PersonalDetailsForm(BaseForm):
    version = HiddenField()
    personal_details_shared = RadioField(
        "Can partners see the personal details on this case?", widget=GovRadioInput(),
        choices=[("no", "No, withhold them (names, dates of birth, phone numbers, addresses)"),
                 ("yes", "Yes, partners with access to this case may see them")],
        validators=[InputRequired(message="Choose whether partners can see personal details")],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


assert set(SHARE_LEVELS) == {value for value, _ in _LEVELS}
