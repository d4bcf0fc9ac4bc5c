"""`flask --app wsgi sara <command>`: the command-line interface other scripts rely on."""

from __future__ import annotations

import functools
import os
import sys

import click
from flask.cli import AppGroup

from sara.api import tokens
from sara.auth import service as auth_service
from sara.core import unit_of_work
from sara.core.rules import RuleError
from sara.extensions import db
from sara.flags.jobs import JOBS
from sara.incidents import service as incident_service
from sara.incidents.importer import ImportRefused, count_rows
from sara.orgs import service as org_service
from sara.orgs.models import ORG_KINDS
from sara.roles import ROLES
from sara.search.indexing import refresh_all


class Mistake(click.ClickException):
    """What the command was asked cannot be done (an unknown name, a refused value): one line
    on stderr and exit code 2, as for a wrong option."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True, file=file)


class SaraGroup(AppGroup):
    """The `sara` commands, whose mistakes all end the same way, in this one place: a rule the
    domain refuses (RuleError), a file that cannot be opened, a wrong option or argument become
    one line and exit code 2, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except Mistake:
            raise
        except RuleError as error:
            raise Mistake(error.message) from error
        except click.UsageError as error:
            # click's own usage text is three lines; one is enough, with where to look.
            where = f"'{error.ctx.command_path} --help'" if error.ctx else "--help"
            raise Mistake(f"{error.format_message()} (see {where})") from error
        except OSError as error:
            if error.filename is None:
                raise
            raise Mistake(f"{error.filename}: {error.strerror}") from error


sara_cli = SaraGroup("sara", help="SARA casebook administration commands.")


def _unit_of_work(command):
    """The command as one unit of work: committed when it returns, rolled back if it fails; what
    it returns (a line, or lines) is printed once committed, so success is never claimed for
    something that was not saved."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        said = unit_of_work.command(command)(*args, **kwargs)
        for line in [said] if isinstance(said, str) else (said or ()):
            click.echo(line)

    return run


@sara_cli.command("create-org")
@click.argument("name")
@click.option("--kind", required=True, type=click.Choice(list(ORG_KINDS)))
@click.option("--neighbourhood", "neighbourhoods", multiple=True,
              help="A neighbourhood team (police only); repeat for several.")
@_unit_of_work
def create_org(name: str, kind: str, neighbourhoods: tuple[str, ...]) -> str:
    """Create an organisation."""
    organisation = org_service.create_organisation(name, kind)
    for neighbourhood in neighbourhoods:
        org_service.add_neighbourhood(organisation, neighbourhood)
    return f"Created organisation {organisation.name} ({organisation.kind_label})."


@sara_cli.command("create-user")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--org", "org_name", required=True, help="The organisation's name.")
@click.option("--role", required=True, type=click.Choice(list(ROLES)))
@click.option("--system", "is_system_admin", is_flag=True,
              help="Also make this admin a system administrator (creates organisations and "
                   "manages users across them).")
@_unit_of_work
def create_user(email: str, name: str, org_name: str, role: str, is_system_admin: bool) -> str:
    """Create a user. The password comes from SARA_PASSWORD, or a prompt."""
    organisation = org_service.find_organisation(org_name)
    if organisation is None:
        raise Mistake(f"No organisation called {org_name!r}")
    if is_system_admin and role != "admin":
        raise Mistake("--system needs --role admin")
    # Check what can be checked before asking for a password nobody will use.
    auth_service.check_role_fits_organisation(role, organisation)
    password = os.environ.get("SARA_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    user = auth_service.create_user(
        email=email, name=name, organisation=organisation, role=role, password=password
    )
    if is_system_admin:
        auth_service.set_system_admin(user, True)
    return (f"Created {user.role_label.lower()} {user.email} in {organisation.name}"
            f"{' (system administrator)' if is_system_admin else ''}.")


@sara_cli.command("grant-system-admin")
@click.argument("email")
@_unit_of_work
def grant_system_admin(email: str) -> str:
    """Make an existing admin a system administrator. Only ever done here, never from the web."""
    user = auth_service.find_user_by_email(email)
    if user is None:
        raise Mistake(f"No user with the email {email}")
    changed = auth_service.set_system_admin(user, True)
    return f"{user.email} is {'now' if changed else 'already'} a system administrator."


@sara_cli.command("revoke-system-admin")
@click.argument("email")
@_unit_of_work
def revoke_system_admin(email: str) -> str:
    """Take the system administrator capability away; they stay their organisation's admin."""
    user = auth_service.find_user_by_email(email)
    if user is None:
        raise Mistake(f"No user with the email {email}")
    changed = auth_service.set_system_admin(user, False)
    return f"{user.email} is {'no longer' if changed else 'not'} a system administrator."


@sara_cli.command("seed-demo")
def seed_demo() -> None:
    """Load demo organisations, users and cases, once: a database with data is left alone. The
    passwords are printed, and kept in a file in instance/ that only this user can read."""
    # Here, not at the top: the demo data (3,000 lines, 60 ms to import) is for the demo
    # commands alone, and the web app and the worker, which import this module, never need it.
    from sara.demo.seed import already_seeded, keep_passwords, password_file, seed

    if unit_of_work.command(already_seeded)():
        kept = password_file()
        click.echo("Demo data already present: nothing to do."
                   + (f" The demo passwords are in {kept}." if kept.exists() else ""))
        return
    passwords = unit_of_work.command(seed)()
    path = keep_passwords(passwords)  # once committed: never passwords of users not saved
    width = max(len(email) for email in passwords)
    click.echo("Demo data loaded. Demo users and their passwords:")
    for email, (role, password) in passwords.items():
        click.echo(f"  {role:<13} {email:<{width}}  {password}")
    click.echo(f"They are also in {path} (readable only by you); "
               "`flask --app wsgi sara reset-demo-password EMAIL` gives a user a new one.")


@sara_cli.command("reset-demo-password")
@click.argument("email")
def reset_demo_password(email: str) -> None:
    """Give a demo user a new password and print it, once (it is also kept with the others)."""
    from sara.demo.seed import keep_passwords, reset_password

    role, password = unit_of_work.command(reset_password)(email)
    email = auth_service.normalise_email(email)
    path = keep_passwords({email: (role, password)})
    click.echo(f"New password for {email}: {password}")
    click.echo(f"Shown only this once here; also kept in {path}.", err=True)


@sara_cli.command("scan")
@click.argument("name", default="all", type=click.Choice(["all", *JOBS]))
def scan(name: str) -> None:
    """Run the flag scans now (the same code as the scheduled Celery jobs)."""
    for job_name in JOBS if name == "all" else [name]:
        # Each scan is a unit of work of its own, as the scheduled jobs are.
        results = unit_of_work.command(JOBS[job_name])()
        for result in results:
            click.echo(str(result))


@sara_cli.command("reindex")
@_unit_of_work
def reindex() -> str:
    """Rebuild the search index from every case (it is kept up to date by itself; this is for
    after a restore or a change to what is indexed)."""
    cases = refresh_all(db.session())
    return f"Search index rebuilt: {cases} cases."


@sara_cli.command("import-incidents")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", required=True, type=click.Choice(["cad", "police-uk"]))
@click.option("--org", "org_name", help="The police organisation the incidents belong to "
              "(needed when there is more than one).")
@click.option("--skip-invalid", is_flag=True, help="Import the good rows and report the bad ones.")
def import_incidents(paths: tuple[str, ...], fmt: str, org_name: str | None,
                     skip_invalid: bool) -> None:
    """Import incidents from CSV files, each file in one transaction (or not at all)."""
    organisation = incident_service.importing_organisation(org_name)
    failed = False
    for path in paths:
        total = count_rows(path)
        with click.progressbar(length=total, label=path, show_pos=True, file=sys.stderr) as bar:
            seen = [0]

            def advance(done: int, bar=bar, seen=seen) -> None:
                bar.update(done - seen[0])
                seen[0] = done

            try:
                result = incident_service.import_incidents(
                    path, fmt, organisation, skip_invalid=skip_invalid, progress=advance)
            except ImportRefused as refused:
                unit_of_work.rollback()  # nothing of a refused file is kept
                failed = True
                result = refused.result
                click.echo(f"{path}: not imported: {result.invalid} invalid rows "
                           "(use --skip-invalid to import the others)", err=True)
            else:
                unit_of_work.commit()  # each file in a transaction of its own
                click.echo(f"{path}: {result.imported} imported, {result.duplicates} already "
                           f"there, {result.reclassified} reclassified, {result.invalid} invalid, "
                           f"{result.possible_duplicates} possible duplicate callers to decide, "
                           f"{result.possible_same_incidents} possible reports of the same "
                           "incident to decide")
        for error in result.errors:
            click.echo(f"  {path}: {error}", err=True)
    if failed:
        raise SystemExit(1)


@sara_cli.command("create-token")
@click.argument("email")
@click.option("--name", default="API token", help="What the token is for.")
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 366),
              help="How long it lasts.")
def create_token(email: str, name: str, days: int) -> None:
    """Create a personal API token for a user and print it, once."""
    user = auth_service.find_user_by_email(email)
    if user is None or not user.is_enabled:
        raise Mistake(f"No active user with the email {email}")
    row, token = tokens.create_token(user, name, days)
    unit_of_work.commit()
    click.echo(token)
    click.echo(f"Token {row.prefix}… for {user.email}, valid until "
               f"{row.expires_dt:%d %B %Y}. It is shown only this once.", err=True)
