"""The one base class of the domain's rule errors, and how a form shows them.

A service raises `RuleError(message, field=...)` when what it was asked breaks a rule; the view
puts the message on that field of its form (or on the form as a whole) with `show_on_form`. No
error is ever routed by the words of its message.
"""

from __future__ import annotations


class RuleError(ValueError):
    """Something the rules do not allow; the message says why, in words for the user."""

    #: The form field the error concerns when the raiser does not say
    default_field: str | None = None

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field or self.default_field


def show_on_form(form, error: RuleError, fallback: str | None = None) -> None:
    """Add the error to its field of `form` (or `fallback`, or the form as a whole)."""
    name = error.field if error.field in form._fields else fallback
    if name in form._fields:
        form[name].errors = [*form[name].errors, str(error)]
    else:
        form.form_errors.append(str(error))
