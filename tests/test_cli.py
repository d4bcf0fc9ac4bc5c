"""The `flask --app wsgi sara ...` commands that scripts rely on."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from sara.auth.models import User
from sara.extensions import db
from sara.orgs.models import Neighbourhood, Organisation
from tests.conftest import login


def _run(app, *args, env=None):
    return app.test_cli_runner().invoke(args=["sara", *args], env=env)


def test_create_org_with_neighbourhoods(app):
    result = _run(app, "create-org", "Midshire Police", "--kind", "police",
                  "--neighbourhood", "Northgate", "--neighbourhood", "Southgate")
    assert result.exit_code == 0, result.output
    org = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Midshire Police"))
    assert org.kind == "police"
    names = db.session.scalars(sa.select(Neighbourhood.name).where(Neighbourhood.organisation_id == org.id))
    assert sorted(names) == ["Northgate", "Southgate"]


def test_create_org_refuses_bad_kind_and_duplicates(app, make_org):
    make_org("Existing Council", kind="local_authority")
    result = _run(app, "create-org", "Existing Council", "--kind", "local_authority")
    assert result.exit_code != 0 and "already exists" in result.output
    result = _run(app, "create-org", "Somewhere", "--kind", "bakery")
    assert result.exit_code != 0 and "Invalid value" in result.output


def test_create_user_reads_password_from_environment_and_can_sign_in(app, client, police):
    result = _run(app, "create-user", "New.Officer@Example.org", "--name", "New Officer",
                  "--org", "Test Constabulary", "--role", "officer",
                  env={"SARA_PASSWORD": "a very long passphrase"})
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "new.officer@example.org"))
    assert user.role == "officer" and user.organisation_id == police.id
    assert user.password_hash.startswith("$argon2id$")
    assert login(client, "new.officer@example.org", "a very long passphrase").status_code == 302


def test_create_user_refuses_unknown_org_short_password_and_wrong_role(app, police, make_org):
    make_org("District Council", kind="local_authority")
    db.session.commit()  # each refused command rolls back its own work, and only that
    env = {"SARA_PASSWORD": "a very long passphrase"}
    result = _run(app, "create-user", "a@example.org", "--name", "A", "--org", "Nowhere",
                  "--role", "officer", env=env)
    assert result.exit_code != 0 and "No organisation" in result.output
    result = _run(app, "create-user", "b@example.org", "--name", "B", "--org", "Test Constabulary",
                  "--role", "officer", env={"SARA_PASSWORD": "short"})
    assert result.exit_code != 0 and "at least 12" in result.output
    result = _run(app, "create-user", "c@example.org", "--name", "C", "--org", "District Council",
                  "--role", "officer", env=env)
    assert result.exit_code != 0 and "police organisation" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


@pytest.mark.parametrize(("role", "kind", "message"), [
    ("officer", "local_authority", "An officer must belong to a police organisation"),
    ("supervisor", "local_authority", "A supervisor must belong to a police organisation"),
    ("call_handler", "local_authority", "A call handler must belong to a police organisation"),
    ("partner", "police", "A partner must belong to a partner organisation, not a police force"),
])
def test_a_role_that_does_not_fit_is_named_in_good_english(app, make_org, role, kind, message):
    make_org("Somewhere", kind=kind)
    db.session.commit()
    result = _run(app, "create-user", "x@example.org", "--name", "X", "--org", "Somewhere",
                  "--role", role, env={"SARA_PASSWORD": "a very long passphrase"})
    assert result.exit_code != 0 and message in result.output


def test_every_role_has_its_article():
    from sara.roles import ROLES, role_with_article

    assert {role: role_with_article(role) for role in ROLES} == {
        "officer": "an officer", "supervisor": "a supervisor", "partner": "a partner",
        "call_handler": "a call handler", "admin": "an administrator"}


def test_an_unknown_role_is_refused_in_words(police):
    from sara.auth import service as auth_service

    with pytest.raises(auth_service.UserError) as refused:
        auth_service.check_role_fits_organisation("overlord", police)
    assert str(refused.value) == ("Choose a role: officer, supervisor, partner, call handler or "
                                  "administrator")
