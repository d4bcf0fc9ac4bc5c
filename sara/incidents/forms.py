"""Forms for recording an incident, uploading an incident file, and finding incidents for a case."""

from __future__ import annotations

import math
import re
from datetime import datetime, time

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    FloatField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from sara.core.forms import MAX_TEXT, BaseForm, GovDateField, no_control_characters
from sara.core.types import local_zone, today
from sara.incidents.models import CALLER_TYPES, COMPLAINANT_ROLES
from sara.incidents.service import IMPORT_FORMATS
from sara.people.models import PERSON_ROLES
from sara.people.service import PersonError, normalise_postcode

_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
_PERSON_REF = re.compile(r"^PN-\d{1,10}$")



class _NumberField(FloatField):
    """A decimal number in a text box, with a message a person can act on. NaN and infinity,
    which float() accepts, are not coordinates."""

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0].strip():
            try:
                value = float(valuelist[0])
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                self.data = None
                raise ValueError(f"{self.label.text.removesuffix(' (optional)')} must be a "
                                 "number, like 53.2307")
            self.data = value
        else:
            self.data = None


class _WholeNumberField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(f"{self.label.text} must be a whole number") from exc




def _optional_id(value) -> int | None:
    """An id, or None for nothing chosen; anything else is 0, which no record has, so the
    service answers it with its own message ("Choose the organisation ...")."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class IncidentForm(BaseForm):
    occurred_date = GovDateField(
        "Date", description="For example, 14 3 2026",
        validators=[InputRequired(message="Enter the date it happened")],
    )
    occurred_time = StringField(
        "Time", widget=GovTextInput(), description="24-hour clock, for example 21:30",
        validators=[InputRequired(message="Enter the time it happened"),
                    Length(max=5, message="Enter a time like 21:30")],
    )
    reported_date = GovDateField(
        "Date it was reported (optional)",
        description="Leave empty if it was reported when it happened. A complaint counts "
                    "towards an ASB case review when it is made within one month of the "
                    "behaviour.",
        validators=[Optional()],
    )
    reported_time = StringField(
        "Time it was reported (optional)", widget=GovTextInput(),
        description="24-hour clock, for example 09:15",
        validators=[Optional(), Length(max=5, message="Enter a time like 09:15")],
    )
    reported_to = SelectField(
        "Who it was reported to", widget=GovSelect(), coerce=_optional_id,
        # Left out (an older page, a script): this force. The service checks the body exists.
        validators=[Optional()], validate_choice=False,
        description="The police, a council, a housing provider or a health body: complaints "
                    "to any of them count.",
    )
    category = StringField(
        "Category", widget=GovTextInput(), description="For example, Rowdy behaviour",
        validators=[InputRequired(message="Enter the category"),
                    Length(max=80, message="Category must be 80 characters or fewer"),
                    no_control_characters],
    )
    is_asb = RadioField(
        "Is it anti-social behaviour?", widget=GovRadioInput(),
        choices=[("yes", "Yes"), ("no", "No")],
        validators=[InputRequired(message="Choose whether it is anti-social behaviour")],
    )
    is_hate = BooleanField(
        "It is a hate incident or crime", widget=GovCheckboxInput(),
        description="The victim or anyone else thinks it was motivated by hostility or "
                    "prejudice (disability, race, religion, sexual orientation, transgender "
                    "identity). Where the area has turned it on, one such complaint meets the "
                    "ASB case review threshold.",
    )
    location_text = StringField(
        "Location", widget=GovTextInput(), description="An address or a place, for example "
        "Ermine parade shops",
        validators=[InputRequired(message="Enter where it happened"),
                    Length(max=300, message="Location must be 300 characters or fewer"),
                    no_control_characters],
    )
    postcode = StringField(
        "Postcode (optional)", widget=GovTextInput(),
        validators=[Optional(), Length(max=10, message="Enter a real UK postcode, like LN1 1AA")],
    )
    latitude = _NumberField(
        "Latitude (optional)", widget=GovTextInput(), description="For example, 53.2307",
        validators=[Optional(),
                    NumberRange(min=-90, max=90, message="Latitude must be between -90 and 90")],
    )
    longitude = _NumberField(
        "Longitude (optional)", widget=GovTextInput(), description="For example, -0.5406",
        validators=[Optional(), NumberRange(min=-180, max=180,
                                            message="Longitude must be between -180 and 180")],
    )
    description = TextAreaField(
        "Description (optional)", widget=GovTextArea(),
        validators=[Optional(), Length(max=MAX_TEXT, message=f"Description must be {MAX_TEXT:,} "
                                                             "characters or fewer")],
    )
    person_reference = StringField(
        "Person's reference (optional)", widget=GovTextInput(),
        description="A person already known to the force, for example PN-000123. Leave empty if "
                    "no one is involved or they are not known yet.",
        validators=[Optional(), Length(max=20, message="Enter a reference like PN-000123")],
    )
    person_role = SelectField(
        "Their part in the incident", widget=GovSelect(),
        choices=[("", "Choose a part"), *PERSON_ROLES.items()], default="",
        validators=[Optional()],
    )
    caller_type = RadioField(
        "Who is the person?", widget=GovRadioInput(), choices=list(CALLER_TYPES.items()),
        default="public", validate_choice=False,
        description="A professional (a warden, a CCTV operator, a housing officer) reports for "
                    "others and is never counted as a victim.",
    )
    submit = SubmitField("Record incident", widget=GovSubmitInput())

    def validate_occurred_time(self, field):
        if field.data and not _TIME.match(field.data):
            raise ValidationError("Enter a real time, like 21:30")

    def validate_reported_time(self, field):
        if field.data and not _TIME.match(field.data):
            raise ValidationError("Enter a real time, like 09:15")
        if field.data and self.reported_date.data is None and not self.reported_date.errors:
            raise ValidationError("Enter the date it was reported, or leave the time empty")

    def validate_postcode(self, field):
        try:
            field.data = normalise_postcode(field.data)
        except PersonError as error:
            raise ValidationError(error.message) from error

    def validate_caller_type(self, field):
        # Unticked (or left out by an older page) is the default: a member of the public.
        field.data = field.data or "public"
        if field.data not in CALLER_TYPES:
            raise ValidationError("Choose whether they are a member of the public or a "
                                  "professional")

    def validate_person_reference(self, field):
        if field.data:
            field.data = field.data.upper()
            if not _PERSON_REF.match(field.data):
                raise ValidationError("Enter a reference like PN-000123")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # Rules across two fields (an empty field's own validators stop at Optional()).
        lat, lon = self.latitude, self.longitude
        if not (lat.errors or lon.errors) and (lat.data is None) != (lon.data is None):
            (lon if lon.data is None else lat).errors.append(
                "Enter both the latitude and the longitude, or neither")
            ok = False
        ref, role = self.person_reference, self.person_role
        if not (ref.errors or role.errors):
            if ref.data and not role.data:
                role.errors.append("Choose the person's part in the incident")
                ok = False
            elif role.data and not ref.data:
                ref.errors.append("Enter the person's reference, or leave their part empty")
                ok = False
        return ok

    def occurred_dt(self) -> datetime | None:
        """The date and time typed, in the service's zone (as an officer reads a clock)."""
        match = _TIME.match(self.occurred_time.data or "")
        if self.occurred_date.data is None or match is None:
            return None
        moment = time(int(match.group(1)), int(match.group(2)))
        return datetime.combine(self.occurred_date.data, moment, tzinfo=local_zone())

    def reported_dt(self) -> datetime | None:
        """When it was reported, in the service's zone: None (when it happened) without a
        date; a date without a time is the moment it happened, if that was on the same day,
        or else the start of that day."""
        if self.reported_date.data is None:
            return None
        match = _TIME.match(self.reported_time.data or "")
        if match:
            moment = time(int(match.group(1)), int(match.group(2)))
            return datetime.combine(self.reported_date.data, moment, tzinfo=local_zone())
        occurred = self.occurred_dt()
        start = datetime.combine(self.reported_date.data, time(0, 0), tzinfo=local_zone())
        return max(start, occurred) if occurred and occurred.date() == start.date() else start

    def incident_values(self) -> dict:
        return {
            "occurred_dt": self.occurred_dt(),
            "reported_dt": self.reported_dt(),
            "reported_to_id": self.reported_to.data,
            "category": self.category.data,
            "is_asb": self.is_asb.data == "yes",
            "is_hate": bool(self.is_hate.data),
            "location_text": self.location_text.data,
            "postcode": self.postcode.data or None,
            "latitude": self.latitude.data,
            "longitude": self.longitude.data,
            "description": self.description.data or "",
        }


class ImportForm(BaseForm):
    format = RadioField(
        "What kind of file is it?", widget=GovRadioInput(), choices=list(IMPORT_FORMATS.items()),
        validators=[InputRequired(message="Choose what kind of file it is")],
    )
    file = FileField(
        "Upload a file", widget=GovFileInput(),
        description="A CSV file, saved as CSV UTF-8. Importing the same file again adds nothing.",
    )
    skip_invalid = BooleanField(
        "Import the good rows even if some rows have problems", widget=GovCheckboxInput(),
        description="Otherwise a file with any bad row imports nothing. Either way, every bad "
                    "row is listed with its line, column and reason.",
    )
    submit = SubmitField("Upload and import", widget=GovSubmitInput())


class SuggestionFilterForm(BaseForm):
    """Where and when to look for incidents to link (a GET form: it only filters)."""

    class Meta:
        csrf = False

    radius = _WholeNumberField(
        "Distance from the case location, in metres", widget=GovTextInput(), default=250,
        validators=[Optional(), NumberRange(
            min=1, max=10_000, message="Distance must be between 1 and 10,000 metres")],
    )
    date_from = GovDateField("From", validators=[Optional()])
    date_to = GovDateField("To", validators=[Optional()])
    asb_only = BooleanField("Anti-social behaviour only", widget=GovCheckboxInput())
    #: Not "submit": the page has another form whose button has that id
    find = SubmitField("Find incidents", widget=GovSubmitInput())

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end of the period must be on or after its start")


class LinkIncidentForm(BaseForm):
    incident = StringField(
        "Incident reference or number", widget=GovTextInput(),
        description="Its reference in the source, for example a command and control "
                    "reference, or the number shown on the incident's page",
        validators=[InputRequired(message="Enter the incident's reference or number"),
                    Length(max=80, message="A reference is 80 characters or fewer"),
                    no_control_characters],
    )
    submit = SubmitField("Link incident", widget=GovSubmitInput())


class SameIncidentForm(BaseForm):
    """Record by hand that an incident is another report of the same episode as another."""

    #: "reference": the field sara.incidents.episodes names in its errors
    reference = StringField(
        "Incident reference or number", widget=GovTextInput(),
        description="The other report's reference in its source, or the number shown on its "
                    "page",
        validators=[InputRequired(message="Enter the other incident's reference or number"),
                    Length(max=80, message="A reference is 80 characters or fewer"),
                    no_control_characters],
    )
    #: Not "submit": a page with this form may have others whose button has that id
    record_same = SubmitField("Record as the same incident", widget=GovSubmitInput())


class ComplaintForm(BaseForm):
    """A complaint made to a partner body: where and when the behaviour happened, when the
    complaint was made, and who made it (sara.incidents.complaints)."""

    force = SelectField(
        "Police force area", widget=GovSelect(), coerce=_optional_id,
        description="The force whose area the behaviour happened in: the complaint counts "
                    "towards an ASB case review there.",
        validators=[InputRequired(message="Choose the police force area it happened in")],
        validate_choice=False,
    )
    occurred_date = GovDateField(
        "Date", description="For example, 14 3 2026",
        validators=[InputRequired(message="Enter the date the behaviour happened")],
    )
    occurred_time = StringField(
        "Time", widget=GovTextInput(), description="24-hour clock, for example 21:30",
        validators=[InputRequired(message="Enter the time the behaviour happened"),
                    Length(max=5, message="Enter a time like 21:30")],
    )
    reported_date = GovDateField(
        "Date the complaint was made", description="For example, 16 3 2026. A complaint counts "
        "towards an ASB case review when it is made within one month of the behaviour.",
        validators=[InputRequired(message="Enter the date the complaint was made")],
    )
    category = IncidentForm.category
    location_text = IncidentForm.location_text
    postcode = IncidentForm.postcode
    description = TextAreaField(
        "What happened", widget=GovTextArea(),
        validators=[InputRequired(message="Enter what happened"),
                    Length(max=MAX_TEXT, message=f"What happened must be {MAX_TEXT:,} "
                                                 "characters or fewer")],
    )
    complainant_name = StringField(
        "Full name", widget=GovTextInput(),
        validators=[InputRequired(message="Enter the complainant's name"),
                    Length(max=200, message="Name must be 200 characters or fewer"),
                    no_control_characters],
    )
    complainant_dob = GovDateField(
        "Date of birth (optional)", description="For example, 27 3 1987",
        validators=[Optional()],
    )
    complainant_address = StringField(
        "Address (optional)", widget=GovTextInput(),
        validators=[Optional(), Length(max=300, message="Address must be 300 characters or "
                                                        "fewer"), no_control_characters],
    )
    complainant_postcode = StringField(
        "Their postcode (optional)", widget=GovTextInput(),
        validators=[Optional(), Length(max=10, message="Enter a real UK postcode, like LN1 1AA")],
    )
    complainant_phone = StringField(
        "Phone number (optional)", widget=GovTextInput(),
        validators=[Optional(), Length(max=40, message="Phone number must be 40 characters or "
                                                       "fewer"), no_control_characters],
    )
    complainant_role = RadioField(
        "Is the complainant the victim?", widget=GovRadioInput(),
        choices=list(COMPLAINANT_ROLES.items()),
        validators=[InputRequired(message="Choose whether the complainant is the victim or "
                                          "reporting it for someone else")],
    )
    submit = SubmitField("Record complaint", widget=GovSubmitInput())

    validate_occurred_time = IncidentForm.validate_occurred_time
    validate_postcode = IncidentForm.validate_postcode
    occurred_dt = IncidentForm.occurred_dt

    def validate_occurred_date(self, field):
        if field.data and field.data > today():
            raise ValidationError("The date the behaviour happened must be today or in the past")

    def validate_reported_date(self, field):
        if field.data is None:
            return
        if field.data > today():
            raise ValidationError("The date the complaint was made must be today or in the past")
        if self.occurred_date.data and field.data < self.occurred_date.data:
            raise ValidationError("The date the complaint was made must be the same as or after "
                                  "the date the behaviour happened")

    def validate_complainant_dob(self, field):
        if field.data and field.data > today():
            raise ValidationError("Date of birth must be in the past")
        if field.data and field.data.year < 1900:
            raise ValidationError("Date of birth must be after 1900")

    def validate_complainant_postcode(self, field):
        try:
            field.data = normalise_postcode(field.data)
        except PersonError as error:
            raise ValidationError(error.message) from error

    def complaint_values(self) -> dict:
        return {
            "force_id": self.force.data,
            "occurred_dt": self.occurred_dt(),
            "reported_date": self.reported_date.data,
            "category": self.category.data,
            "location_text": self.location_text.data,
            "postcode": self.postcode.data or None,
            "description": self.description.data or "",
            "complainant_name": self.complainant_name.data,
            "complainant_dob": self.complainant_dob.data,
            "complainant_address": self.complainant_address.data,
            "complainant_postcode": self.complainant_postcode.data or None,
            "complainant_phone": self.complainant_phone.data,
            "complainant_role": self.complainant_role.data,
        }
