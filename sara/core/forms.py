"""The base form every SARA form derives from.

It refuses NUL bytes (PostgreSQL cannot store them) and over-long input on every text field, with
a form error rather than a database error, and strips surrounding white space.
"""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import DateField, Field, ValidationError
from wtforms.validators import Length

#: The largest single text field we accept; a larger paste gets a clear error, not a truncation.
MAX_TEXT = 20_000


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = unbound_field.kwargs.get("filters", [])
            if _strip not in filters:
                unbound_field.kwargs["filters"] = [_strip, *filters]
            return unbound_field.bind(form=form, **options)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for field in self._fields.values():
            if not _check_raw_text(field):
                ok = False
        return ok


def _check_raw_text(field: Field) -> bool:
    raw = field.raw_data or []
    if any(isinstance(value, str) and "\x00" in value for value in raw):
        field.errors = [*_errors(field), f"{field.label.text} must not contain a NUL character"]
        return False
    if any(isinstance(value, str) and len(value) > MAX_TEXT for value in raw):
        has_length = any(isinstance(v, Length) for v in field.validators)
        if not has_length:
            field.errors = [
                *_errors(field),
                f"{field.label.text} must be {MAX_TEXT:,} characters or fewer",
            ]
            return False
    return True


def _errors(field: Field) -> list:
    return list(field.errors) if isinstance(field.errors, list | tuple) else []


def no_control_characters(form, field):
    if isinstance(field.data, str) and any(ord(c) < 32 and c not in "\t\r\n" for c in field.data):
        raise ValidationError(f"{field.label.text} contains characters that are not allowed")


class GovDateField(DateField):
    """A GOV.UK date input (day, month, year boxes sharing one name).

    Any other number of values, as a hand-made URL might send, is treated as a bad date rather than
    breaking the widget.
    """

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", "%d %m %Y")
        kwargs.setdefault("widget", GovDateInput())
        super().__init__(label, validators, **kwargs)

    def process(self, formdata, data=None, extra_filters=None):
        super().process(formdata, data, extra_filters)
        if not self.raw_data:
            # The widget reads raw_data as (day, month, year) whenever it is not None.
            self.raw_data = None

    def process_formdata(self, valuelist):
        if valuelist and len(valuelist) != 3:
            self.raw_data = [*list(valuelist)[:3], "", "", ""][:3]
            self.data = None
            raise ValueError("Enter a real date, with a day, month and year")
        if valuelist and not any(v.strip() for v in valuelist):
            self.data = None
            return
        try:
            super().process_formdata([" ".join(v.strip() for v in valuelist)] if valuelist else [])
        except ValueError as exc:
            raise ValueError("Enter a real date, with a day, month and year") from exc


class DateFilterField(GovDateField):
    """The GOV.UK day, month and year boxes of a GET filter, or one ISO date (2026-01-31), which
    is what a link from elsewhere (a dashboard figure, an old bookmark) can carry. The search and
    the case list both filter with it."""

    def process_formdata(self, valuelist):
        if valuelist and len(valuelist) == 1 and valuelist[0].strip():
            try:
                self.data = date.fromisoformat(valuelist[0].strip())
            except ValueError as exc:
                # The widget reads raw_data as (day, month, year).
                self.raw_data = [valuelist[0], "", ""]
                self.data = None
                raise ValueError("Enter a real date, with a day, month and year") from exc
            parts = self.data
            self.raw_data = [str(parts.day), str(parts.month), str(parts.year)]
            return
        super().process_formdata(valuelist)
