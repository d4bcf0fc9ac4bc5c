from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import HiddenField, RadioField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from sara.core.forms import BaseForm, GovDateField
from sara.core.references import clean_person_reference
from sara.core.types import today
from sara.people.models import PERSON_ROLES, VULNERABILITIES


class PersonForm(BaseForm):
    name = StringField(
        "Full name", widget=GovTextInput(),
        validators=[InputRequired(message="Enter the person's name"),
                    Length(max=200, message="Name must be 200 characters or fewer")],
    )
    role = RadioField(
        "Their part in the case", widget=GovRadioInput(), choices=list(PERSON_ROLES.items()),
        validators=[InputRequired(message="Choose the person's part in the case")],
    )
    date_of_birth = GovDateField(
        "Date of birth (optional)", description="For example, 27 3 1987",
        validators=[Optional()],
    )
    phone = StringField(
        "Phone number (optional)", widget=GovTextInput(),
        validators=[Optional(),
                    Length(max=40, message="Phone number must be 40 characters or fewer")],
    )
    address = StringField(
        "Address (optional)", widget=GovTextInput(),
        validators=[Optional(), Length(max=300, message="Address must be 300 characters or fewer")],
    )
    postcode = StringField(
        "Postcode (optional)", widget=GovTextInput(),
        validators=[Optional(), Length(max=10, message="Enter a real UK postcode, like LN1 1AA")],
    )
    vulnerabilities = SelectMultipleField(
        "Vulnerability", widget=GovCheckboxesInput(), choices=list(VULNERABILITIES.items()),
        description="Select all that apply. These are flags, so the next call handler sees them.",
        validators=[Optional()],
    )
    #: "1" once the user has seen the probable duplicates and said this is a different person
    confirmed = HiddenField()
    submit = SubmitField("Add person", widget=GovSubmitInput())

    def validate_date_of_birth(self, field):
        if field.data and field.data > today():
            raise ValidationError("Date of birth must be in the past")
        if field.data and field.data.year < 1900:
            raise ValidationError("Date of birth must be after 1900")

    def person_values(self) -> dict:
        return {
            "name": self.name.data,
            "date_of_birth": self.date_of_birth.data,
            "phone": self.phone.data,
            "address": self.address.data,
            "postcode": self.postcode.data,
        }


def _person_reference(form, field):
    if field.data and clean_person_reference(field.data) is None:
        raise ValidationError("Enter a person reference, like PN-000123")


class LinkPersonForm(BaseForm):
    """Link an existing profile (a probable duplicate) to the case instead of creating one."""

    person_ref = HiddenField(
        "Person reference",
        validators=[InputRequired(message="Choose the profile to link"),
                    Length(max=20, message="Enter a person reference, like PN-000123"),
                    _person_reference],
    )
    role = RadioField(
        "Their part in the case", choices=list(PERSON_ROLES.items()),
        validators=[InputRequired(message="Choose the person's part in the case")],
    )
    vulnerabilities = SelectMultipleField(
        "Vulnerability", choices=list(VULNERABILITIES.items()), validators=[Optional()],
    )


class MergeForm(BaseForm):
    """The other profile to merge into this one. Sent by GET to see the comparison (no CSRF
    token: it changes nothing), then by POST, with the token, to merge."""

    other_reference = StringField(
        "Reference of the profile to merge into this one",
        description="For example, PN-000123. Its cases, incidents and vulnerability flags move "
                    "to this profile; you see both side by side before anything changes.",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the reference of the other profile, like "
                                          "PN-000123"),
                    Length(max=20, message="Enter a person reference, like PN-000123"),
                    _person_reference],
    )
    submit = SubmitField("Compare the two profiles", widget=GovSubmitInput())
