"""`flask --app wsgi sara <command>`: the command-line interface other scripts rely on."""

from __future__ import annotations

import os

import click
from flask.cli import AppGroup

from sara.auth import service as auth_service
from sara.auth.models import ROLES
from sara.extensions import db
from sara.orgs import service as org_service
from sara.orgs.models import ORG_KINDS

sara_cli = AppGroup("sara", help="SARA casebook administration commands.")


def _scan_names() -> list[str]:
    from sara.flags.jobs import JOBS

    return list(JOBS)


@sara_cli.command("create-org")
@click.argument("name")
@click.option("--kind", required=True, type=click.Choice(list(ORG_KINDS)))
@click.option("--neighbourhood", "neighbourhoods", multiple=True,
              help="A neighbourhood team (police only); repeat for several.")
def create_org(name: str, kind: str, neighbourhoods: tuple[str, ...]) -> None:
    """Create an organisation."""
    try:
        organisation = org_service.create_organisation(name, kind)
        for neighbourhood in neighbourhoods:
            org_service.add_neighbourhood(organisation, neighbourhood)
    except org_service.OrganisationError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created organisation {organisation.name} ({organisation.kind_label}).")


@sara_cli.command("create-user")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--org", "org_name", required=True, help="The organisation's name.")
@click.option("--role", required=True, type=click.Choice(list(ROLES)))
def create_user(email: str, name: str, org_name: str, role: str) -> None:
    """Create a user. The password comes from SARA_PASSWORD, or a prompt."""
    organisation = org_service.find_organisation(org_name)
    if organisation is None:
        raise click.ClickException(f"No organisation called {org_name!r}")
    try:
        # Check what can be checked before asking for a password nobody will use.
        auth_service.check_role_fits_organisation(role, organisation)
        password = os.environ.get("SARA_PASSWORD") or click.prompt(
            "Password", hide_input=True, confirmation_prompt=True
        )
        user = auth_service.create_user(
            email=email, name=name, organisation=organisation, role=role, password=password
        )
    except auth_service.UserError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {user.role_label.lower()} {user.email} in {organisation.name}.")


@sara_cli.command("seed-demo")
def seed_demo() -> None:
    """Load demo organisations, users and cases, once: a database with data is left alone."""
    from sara.demo.seed import already_seeded, seed

    if already_seeded():
        click.echo("Demo data already present: nothing to do.")
        return
    passwords = seed()
    db.session.commit()
    click.echo("Demo data loaded. Demo users and their passwords (shown only this once):")
    width = max(len(email) for email in passwords)
    for email, (role, password) in passwords.items():
        click.echo(f"  {role:<13} {email:<{width}}  {password}")


@sara_cli.command("scan")
@click.argument("name", default="all", type=click.Choice(["all", *_scan_names()]))
def scan(name: str) -> None:
    """Run the flag scans now (the same code as the scheduled Celery jobs)."""
    from sara.flags.jobs import JOBS

    for job_name in JOBS if name == "all" else [name]:
        results = JOBS[job_name]()
        db.session.commit()
        for result in results:
            click.echo(str(result))
