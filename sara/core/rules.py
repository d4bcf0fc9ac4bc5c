"""The one base class of the domain's rule errors, and how a form shows them.

A service raises `RuleError(message, field=...)` when what it was asked breaks a rule; the view
puts the message on that field of its form (or on the form as a whole) with `show_on_form`, which
also discards whatever the request had changed (sara.core.unit_of_work.discard), so a refused
change never leaves half of itself behind. No error is ever routed by the words of its message.
"""

from __future__ import annotations

from flask import flash

from sara.core import unit_of_work


class RuleError(ValueError):
    """Something the rules do not allow; the message says why, in words for the user."""

    #: The form field the error concerns when the raiser does not say
    default_field: str | None = None

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field or self.default_field


def show_on_form(form, error: RuleError, fallback: str | None = None,
                 aliases: dict[str, str] | None = None) -> None:
    """Add the error to its field of `form` (or `fallback`, or the form as a whole), and discard
    the request's changes. `aliases` maps a service's field name to the form's, where they
    differ (the service's `occurred_dt` is the form's `occurred_date`)."""
    unit_of_work.discard()
    field = error.field
    if field is not None and aliases:
        field = aliases.get(field, field)
    name = field if field in form._fields else fallback
    if name in form._fields:
        form[name].errors = [*form[name].errors, str(error)]
    else:
        form.form_errors.append(str(error))


def flash_refusal(error: Exception) -> None:
    """Tell the user why a change on a page without a form of its own was refused (a flash on
    the page it returns to), and discard the request's changes."""
    unit_of_work.discard()
    flash(getattr(error, "message", None) or str(error), "error")
