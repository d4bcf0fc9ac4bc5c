from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import EqualTo, InputRequired, Length

from sara.auth.service import MIN_PASSWORD_LENGTH
from sara.core.forms import BaseForm

_TOO_LONG = "The password must be 1,024 characters or fewer"


class LoginForm(BaseForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter your email address"), Length(max=254)],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password"), Length(max=1024)],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


def _new_password_field() -> PasswordField:
    return PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description=f"At least {MIN_PASSWORD_LENGTH} characters. A few unrelated words make a "
                    "long password that is easy to remember.",
        validators=[InputRequired(message="Enter a new password"),
                    Length(max=1024, message=_TOO_LONG)],
    )


def _confirm_field() -> PasswordField:
    return PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter the new password again"),
                    EqualTo("new_password", message="The new passwords do not match")],
    )


class ChangePasswordForm(BaseForm):
    # Fields are made here, in page order, so the error summary lists them in that order.
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your current password"),
                    Length(max=1024, message=_TOO_LONG)],
    )
    new_password = _new_password_field()
    confirm_password = _confirm_field()
    submit = SubmitField("Change password", widget=GovSubmitInput())


class ResetPasswordForm(BaseForm):
    new_password = _new_password_field()
    confirm_password = _confirm_field()
    submit = SubmitField("Save new password", widget=GovSubmitInput())


class ConfirmForm(BaseForm):
    """A bare POST with its CSRF token."""
