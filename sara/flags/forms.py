"""The flag queue's filters and acknowledge button, and the admin's forms for the rules' numbers."""

from __future__ import annotations

import re

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import HiddenField, IntegerField, SelectField, SubmitField, ValidationError
from wtforms.validators import InputRequired, NumberRange

from sara.core.forms import BaseForm
from sara.flags.models import FLAG_KINDS
from sara.flags.rules import RULE_LABELS

# --- the queue ---------------------------------------------------------------------------------


class _FilterSelect(SelectField):
    """A filter from a list; "" means any. A value not on the list (a hand-made or stale link) is
    reported by name, then ignored by the view."""

    def __init__(self, label, any_label: str, invalid: str, options=(), **kwargs):
        kwargs.setdefault("widget", GovSelect())
        super().__init__(label, choices=[("", any_label), *options], default="", **kwargs)
        self.invalid_message = invalid

    def pre_validate(self, form):
        if self.data not in {value for value, _label in self.choices}:
            raise ValidationError(self.invalid_message)


class FlagFilterForm(BaseForm):
    class Meta:
        csrf = False

    kind = _FilterSelect("Kind of flag", "Any kind", "Choose a kind of flag from the list",
                         options=FLAG_KINDS.items())
    neighbourhood = _FilterSelect("Neighbourhood", "Any neighbourhood",
                                  "Choose a neighbourhood from the list")

    def set_neighbourhoods(self, neighbourhoods, none_value: str) -> None:
        self.neighbourhood.choices = [
            ("", "Any neighbourhood"), *((str(n.id), n.name) for n in neighbourhoods),
            (none_value, "No neighbourhood"),
        ]


class AcknowledgeForm(BaseForm):
    """A bare POST with its CSRF token."""


# --- the rules' numbers ------------------------------------------------------------------------


class WholeNumberField(IntegerField):
    """A whole number typed into a text box: digits only, with a message in words."""

    def __init__(self, label, *, minimum: int, maximum: int, **kwargs):
        # "Days" -> "days", but "ASB incidents" stays as it is.
        what = label if label[1:2].isupper() else label[0].lower() + label[1:]
        kwargs.setdefault("widget", GovTextInput())
        kwargs.setdefault("validators", [
            InputRequired(message=f"Enter the {what}"),
            NumberRange(minimum, maximum,
                        message=f"{label} must be between {minimum} and {maximum}"),
        ])
        super().__init__(label, **kwargs)
        self.what = what

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = (valuelist[0] or "").strip()
        if not raw:
            self.data = None
            return
        if not re.fullmatch(r"[0-9]{1,9}", raw):
            self.data = None
            raise ValueError(f"The {self.what} must be a whole number, like 14")
        self.data = int(raw)


#: The numbers an admin may choose for each rule, as (minimum, maximum); a test checks that every
#: editable parameter (sara.flags.rules.EDITABLE_RULES) has its range here.
RULE_RANGES = {
    "repeat_victim": {"threshold": (2, 20), "window_days": (7, 730)},
    "repeat_victim_crime": {"threshold": (2, 20), "window_days": (7, 730)},
    "case_review": {"complaints": (2, 20), "people": (2, 50), "window_months": (1, 24),
                    "hate_incident": (0, 1)},
    "review_overdue": {"days": (7, 365)},
    "evaluation_unsigned": {"days": (1, 180)},
    "same_incident": {"window_minutes": (1, 1440)},
    "asb_review_overdue": {"decision_days": (1, 60), "meeting_days": (1, 60),
                            "outcome_days": (1, 60)},
}
#: Field labels where the shared RULE_LABELS would be unclear on their own.
_LABELS = {
    ("repeat_victim_crime", "threshold"): "Crimes that make a repeat victim",
    ("review_overdue", "days"): "Days without a supervisor review",
    ("evaluation_unsigned", "days"): "Days an evaluation may wait for sign-off",
}


def rule_form_class(kind: str) -> type[BaseForm]:
    """A form for one rule's numbers. Every rule's form is on one page, so each field's id
    starts with the rule's name (the names stay plain: the posted `rule` says which form it is)."""
    fields = {
        name: WholeNumberField(_LABELS.get((kind, name), RULE_LABELS[name]),
                               minimum=low, maximum=high, id=f"{kind}-{name}",
                               description=f"A whole number from {low} to {high}")
        for name, (low, high) in RULE_RANGES[kind].items()
    }
    fields["rule"] = HiddenField(default=kind, id=f"{kind}-rule")
    #: The version the admin was looking at, so that a change someone else saved in between is
    #: never silently overwritten
    fields["version"] = HiddenField(id=f"{kind}-version")
    fields["submit"] = SubmitField("Save and rescan", widget=GovSubmitInput(), id=f"{kind}-submit")
    return type(f"{kind.title().replace('_', '')}RuleForm", (BaseForm,), fields)


RULE_FORMS = {kind: rule_form_class(kind) for kind in RULE_RANGES}
