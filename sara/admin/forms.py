from govuk_frontend_wtf.wtforms_widgets import (
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import PasswordField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import Email, InputRequired, Length

from sara.core.forms import BaseForm
from sara.orgs.models import ORG_KINDS
from sara.roles import ROLES


class OrganisationForm(BaseForm):
    name = StringField(
        "Name", widget=GovTextInput(),
        validators=[InputRequired(message="Enter the organisation's name"),
                    Length(max=200, message="Name must be 200 characters or fewer")],
    )
    kind = RadioField(
        "Kind of organisation", widget=GovRadioInput(), choices=list(ORG_KINDS.items()),
        validators=[InputRequired(message="Choose the kind of organisation")],
    )
    submit = SubmitField("Save organisation", widget=GovSubmitInput())


class NeighbourhoodForm(BaseForm):
    neighbourhood = StringField(
        "Neighbourhood name", widget=GovTextInput(),
        validators=[InputRequired(message="Enter the neighbourhood's name"),
                    Length(max=200, message="Name must be 200 characters or fewer")],
    )
    submit = SubmitField("Add neighbourhood", widget=GovSubmitInput())


def _whole_number_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class UserForm(BaseForm):
    name = StringField(
        "Full name", widget=GovTextInput(),
        validators=[InputRequired(message="Enter the user's name"),
                    Length(max=200, message="Name must be 200 characters or fewer")],
    )
    email = StringField(
        "Email address", widget=GovTextInput(),
        validators=[InputRequired(message="Enter the user's email address"),
                    Length(max=254, message="Email address must be 254 characters or fewer"),
                    Email(message="Enter an email address in the correct format, like "
                                  "name@example.org", check_deliverability=False)],
    )
    # The choices offered are those the admin may use; what was posted is checked against the
    # policy by the view, which says what is wrong in words (not "Not a valid choice").
    organisation_id = SelectField(
        "Organisation", widget=GovSelect(), coerce=_whole_number_or_none, validate_choice=False,
        validators=[InputRequired(message="Choose the user's organisation")],
    )
    role = RadioField(
        "Role", widget=GovRadioInput(), choices=list(ROLES.items()), validate_choice=False,
        validators=[InputRequired(message="Choose the user's role")],
    )
    submit = SubmitField("Save user", widget=GovSubmitInput())

    def set_organisations(self, organisations) -> None:
        self.organisation_id.choices = [("", "Choose an organisation")] + [
            (o.id, f"{o.name} ({o.kind_label})") for o in organisations
        ]

    def set_roles(self, roles) -> None:
        """Offer only `roles`, in ROLES' order."""
        self.role.choices = [(key, label) for key, label in ROLES.items() if key in roles]


class NewUserForm(UserForm):
    password = PasswordField(
        "Initial password", widget=GovPasswordInput(),
        description="At least 12 characters. Give it to the user by a separate, secure route.",
        validators=[InputRequired(message="Enter an initial password"),
                    Length(min=12, max=1024,
                           message="The password must be at least 12 characters")],
    )
    submit = SubmitField("Create user", widget=GovSubmitInput())


class ConfirmForm(BaseForm):
    """A bare POST with its CSRF token (deactivate, reactivate, withdraw)."""
