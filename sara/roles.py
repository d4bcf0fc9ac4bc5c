"""The roles a user can hold, and which kind of organisation each fits: one module that the
policy, sign-in, administration and cases all read, so a role is defined once."""

from __future__ import annotations

ROLES = {
    "officer": "Officer",
    "supervisor": "Supervisor",
    "partner": "Partner",
    "call_handler": "Call handler",
    "admin": "Administrator",
}

#: Who owns and works problem cases: a police force's officers and supervisors.
CASE_WORKER_ROLES = frozenset({"officer", "supervisor"})

#: Who can be given an action: the people who work cases, and partners. Call handlers and admins
#: never work an action, so they are neither offered nor notified as one of an organisation's.
ACTION_ROLES = frozenset({*CASE_WORKER_ROLES, "partner"})

#: Roles only a police organisation has.
POLICE_ONLY_ROLES = frozenset({"officer", "supervisor", "call_handler"})

#: Roles only a partner organisation has.
PARTNER_ONLY_ROLES = frozenset({"partner"})


def roles_for_kind(is_police: bool) -> dict[str, str]:
    """The roles an organisation of this kind may give its users, in ROLES' order."""
    excluded = PARTNER_ONLY_ROLES if is_police else POLICE_ONLY_ROLES
    return {role: label for role, label in ROLES.items() if role not in excluded}


def role_with_article(role: str) -> str:
    """'an officer', 'a supervisor', 'an administrator': for messages about a role. Every
    message that names a role in a sentence goes through this or roles_in_words, never the
    role's key ('call_handler') or an "A {role}" of its own."""
    label = ROLES[role].lower()
    return f"{'an' if label[0] in 'aeiou' else 'a'} {label}"


def roles_in_words(roles, conjunction: str = "or") -> str:
    """'officer, supervisor or call handler': role labels in a sentence, in ROLES' order."""
    labels = [label.lower() for role, label in ROLES.items() if role in set(roles)]
    if len(labels) < 2:
        return "".join(labels)
    return f"{', '.join(labels[:-1])} {conjunction} {labels[-1]}"
