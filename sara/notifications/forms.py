"""The notification settings form: one choice per kind of notification."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from wtforms import RadioField, SubmitField
from wtforms.validators import Optional

from sara.core.forms import BaseForm
from sara.notifications.models import KINDS

CHANNELS = [("email", "By e-mail and in SARA casebook"), ("in_app", "In SARA casebook only")]


class NotificationSettingsForm(BaseForm):
    submit = SubmitField("Save notification settings", widget=GovSubmitInput())

    def kind_fields(self) -> list[RadioField]:
        return [self[kind] for kind in KINDS]

    def choices(self) -> dict[str, bool]:
        """Kind -> by e-mail too, for the kinds the form was sent with."""
        return {kind: self[kind].data == "email" for kind in KINDS
                if self[kind].raw_data}


for _kind, _label in KINDS.items():
    setattr(NotificationSettingsForm, _kind, RadioField(
        _label, widget=GovRadioInput(), choices=CHANNELS,
        # A kind the form was sent without keeps its choice; a choice not offered is an error.
        validators=[Optional()],
    ))
