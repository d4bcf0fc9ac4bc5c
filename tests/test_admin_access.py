"""Who may administer what: every /admin and /audit route × method × eight users.

The routes come from app.url_map, so a new administration route is checked without editing this
file. An organisation's admin manages only their own organisation; what crosses organisations
belongs to a system administrator (granted on the command line); nobody else administers at all.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import url_for

from sara.auth.models import User
from sara.extensions import db
from sara.flags.models import FlagRule
from sara.orgs.models import Neighbourhood, Organisation

ACTORS = ("system_admin", "force_admin", "council_admin", "other_force_admin", "supervisor",
          "officer", "partner", "call_handler")
ADMINS = {"system_admin", "force_admin", "council_admin", "other_force_admin"}
#: Those who may act on the force's own records (its users and the force itself).
FORCE_MANAGERS = {"system_admin", "force_admin"}

#: endpoint -> who gets through (everyone else: 404 when the route names a record of the force
#: they may not see, otherwise 403).
ALLOWED = {
    "admin.organisations": ADMINS,
    "admin.new_organisation": {"system_admin"},
    "admin.organisation": FORCE_MANAGERS,
    "admin.add_neighbourhood": FORCE_MANAGERS,
    "admin.users": ADMINS,
    "admin.new_user": ADMINS,
    "admin.user": FORCE_MANAGERS,
    "admin.deactivate_user": FORCE_MANAGERS,
    "admin.reactivate_user": FORCE_MANAGERS,
    "auth.issue_password_reset": FORCE_MANAGERS,
    # A partner organisation has no flag rules; another force's admin sets their own force's.
    "admin.flag_rules": {"system_admin", "force_admin", "other_force_admin"},
    # A force's own settings: a partner organisation has none.
    "admin.settings": {"system_admin", "force_admin", "other_force_admin"},
    "audit.staff": ADMINS | {"supervisor"},
    "audit.user_activity": FORCE_MANAGERS | {"supervisor"},
    "audit.user_activity_csv": FORCE_MANAGERS | {"supervisor"},
}
#: Routes that name one of the force's records: those who may not see it get 404 (except the
#: non-admins on /admin, who are stopped at the door with 403 before any record is looked up).
NAMES_A_RECORD = {"admin.organisation", "admin.add_neighbourhood", "admin.user",
                  "admin.deactivate_user", "admin.reactivate_user", "auth.issue_password_reset",
                  "audit.user_activity", "audit.user_activity_csv"}


@pytest.fixture
def admin_world(police, make_org, make_user):
    council = make_org("Borough Council", kind="local_authority")
    other_force = make_org("Other Constabulary")
    system_admin = make_user("admin", name="Sys Admin")
    system_admin.is_system_admin = True
    users = {
        "system_admin": system_admin,
        "force_admin": make_user("admin", name="Force Admin"),
        "council_admin": make_user("admin", org=council, name="Council Admin"),
        "other_force_admin": make_user("admin", org=other_force, name="Other Admin"),
        "supervisor": make_user("supervisor"),
        "officer": make_user("officer"),
        "partner": make_user("partner", org=council),
        "call_handler": make_user("call_handler"),
    }
    subject = make_user("officer", name="Subject Officer")
    db.session.commit()
    return users, subject, police


def _admin_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/admin", "/audit")):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def _url(app, rule, subject, force) -> str:
    values = {"user_id": subject.id, "org_id": force.id}
    values = {k: v for k, v in values.items() if k in rule.arguments}
    missing = set(rule.arguments) - set(values)
    assert not missing, f"add an example value for {missing} in {rule.rule}"
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def _snapshot(subject_id: int) -> tuple:
    db.session.expire_all()
    count = lambda model: db.session.scalar(  # noqa: E731
        sa.select(sa.func.count()).select_from(model))
    subject = db.session.get(User, subject_id)
    return (count(User), count(Organisation), count(Neighbourhood), count(FlagRule),
            subject.name, subject.role, subject.organisation_id, subject.is_enabled,
            subject.password_hash)


def test_every_admin_route_has_an_expectation(app):
    endpoints = {rule.endpoint for rule, _ in _admin_rules(app)}
    assert endpoints == set(ALLOWED), "an /admin or /audit route was added or removed"


def test_admin_access_matrix(app, admin_world, browser):
    """Refused requests carry a valid CSRF token, so only the policy can stop them, and change
    nothing. Allowed POSTs are sent without one: they get past the policy (400, not 403/404)."""
    users, subject, force = admin_world
    browsers = {name: browser(user) for name, user in users.items()}
    failures = []
    for rule, method in _admin_rules(app):
        url = _url(app, rule, subject, force)
        for actor in ACTORS:
            allowed = actor in ALLOWED[rule.endpoint]
            before = _snapshot(subject.id)
            signed_in = browsers[actor]
            if method == "GET":
                status = signed_in.get(url).status_code
            else:
                status = signed_in.post(url, data={}, csrf=not allowed).status_code
            if allowed:
                expected = 200 if method == "GET" else 400
            elif rule.endpoint in NAMES_A_RECORD and (
                    actor in ADMINS or rule.endpoint.startswith("audit.")):
                expected = 404
            else:
                expected = 403
            if status != expected:
                failures.append(f"{actor:>18} {method:4} {rule.rule}: {status}, expected "
                                f"{expected}")
            if _snapshot(subject.id) != before:
                failures.append(f"{actor:>18} {method:4} {rule.rule}: changed something")
    assert not failures, "\n".join(failures)
