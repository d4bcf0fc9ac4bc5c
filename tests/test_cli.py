"""The `flask --app wsgi sara ...` commands that scripts rely on."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from sara.audit.models import AuditEvent
from sara.auth.models import User
from sara.demo.seed import CALL_HANDLER, SUPERVISOR
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


# --- mistakes: one clear line and exit code 2, never a traceback --------------------------------

def _refused(result, words: str) -> None:
    """The command was refused as a mistake: exit code 2, one line saying so, no traceback."""
    assert result.exit_code == 2, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception  # not an uncaught error
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], result.output
    assert "Traceback" not in result.output


def _csv(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text("incident_ref,occurred_at,category,is_asb,location\n")
    return str(path)


def test_import_incidents_mistakes_are_one_line(app, tmp_path, police, make_org):
    make_org("Other Constabulary")
    db.session.commit()
    _refused(_run(app, "import-incidents", _csv(tmp_path), "--format", "cad"),
             "Name the police organisation with --org")
    _refused(_run(app, "import-incidents", _csv(tmp_path), "--format", "cad", "--org", "Nowhere"),
             "No police organisation called 'Nowhere'")
    _refused(_run(app, "import-incidents", str(tmp_path / "missing.csv"), "--format", "cad"),
             "does not exist")
    _refused(_run(app, "import-incidents", _csv(tmp_path), "--format", "xml"),
             "Invalid value for '--format'")


def test_import_incidents_of_a_file_that_is_not_text_is_refused_in_one_line(app, tmp_path,
                                                                            police):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\xff\xd8\xff\xe0 not a csv \x00\x9f")
    result = _run(app, "import-incidents", str(path), "--format", "cad")
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert "not a readable CSV file" in result.output


def test_other_commands_mistakes_are_one_line(app, police, officer):
    db.session.commit()
    env = {"SARA_PASSWORD": "a very long passphrase"}
    _refused(_run(app, "create-user", "a@example.org", "--name", "A", "--org", "Nowhere",
                  "--role", "officer", env=env), "No organisation called 'Nowhere'")
    _refused(_run(app, "create-user", "b@example.org", "--name", "B", "--org",
                  "Test Constabulary", "--role", "officer", env={"SARA_PASSWORD": "short"}),
             "at least 12")
    _refused(_run(app, "create-org", "Test Constabulary", "--kind", "police"), "already exists")
    _refused(_run(app, "create-org", "Somewhere", "--kind", "bakery"), "Invalid value")
    _refused(_run(app, "grant-system-admin", officer.email), "Only an admin")
    _refused(_run(app, "grant-system-admin", "nobody@example.org"), "No user with the email")
    _refused(_run(app, "create-token", "nobody@example.org"), "No active user")
    _refused(_run(app, "scan", "everything"), "Invalid value")
    _refused(_run(app, "no-such-command"), "No such command")


def test_reset_demo_password_prints_a_new_one_once_audited_and_kept(app, client, make_user):
    path = Path(app.instance_path) / "demo-passwords.txt"
    path.unlink(missing_ok=True)
    user = make_user("supervisor", email=SUPERVISOR)
    db.session.commit()

    result = _run(app, "reset-demo-password", SUPERVISOR.upper())
    assert result.exit_code == 0, result.output
    said = next(line for line in result.output.splitlines() if line.startswith("New password"))
    password = said.split()[-1]
    assert login(client, SUPERVISOR, password).status_code == 302
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.record_ref == SUPERVISOR, AuditEvent.action == "alteration")).one()
    assert "command line" in event.summary and event.user_id is None
    assert password not in str(event.details)
    # Kept with the others, for whoever loses the output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ["supervisor", SUPERVISOR, password] in [
        line.split() for line in path.read_text().splitlines()]
    assert user.must_change_password is False


def test_reset_demo_password_refuses_other_users(app, officer):
    db.session.commit()
    _refused(_run(app, "reset-demo-password", officer.email), "not a demo user")
    _refused(_run(app, "reset-demo-password", CALL_HANDLER), "No demo user")


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
