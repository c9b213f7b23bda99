"""Command-line tools: ``flask --app mri_match <command> --help``."""

import click
from flask import Flask
from flask.cli import with_appcontext

from .extensions import db
from .models import User, utcnow


def _check_email(email: str) -> str:
    from .email import BadAddress, checked_address

    try:
        return checked_address(email)
    except BadAddress as exc:
        raise click.BadParameter(str(exc), param_hint="EMAIL") from exc


@click.command("create-admin")
@click.argument("email")
@click.password_option(
    "--password",
    prompt="Password for the new admin",
    help="Prompted and never echoed if not given (at least 12 characters).",
)
@with_appcontext
def create_admin(email: str, password: str) -> None:
    """Create a program admin account with EMAIL (password prompted, not echoed)."""
    from .auth.forms import MIN_PASSWORD

    email = _check_email(email)
    if len(password) < MIN_PASSWORD:
        raise click.BadParameter(f"use at least {MIN_PASSWORD} characters.", param_hint="password")
    if User.by_email(email) is not None:
        raise click.ClickException(f"An account with {email} already exists.")
    user = User(email=email, role="admin", email_confirmed_at=utcnow())  # typed in by the operator
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Admin {email} created.")


def register(app: Flask) -> None:
    app.cli.add_command(create_admin)
    from .demo import demo_logins, seed_demo
    from .matches.cli import match_command
    from .matches.jobs import worker_command

    app.cli.add_command(seed_demo)
    app.cli.add_command(demo_logins)
    app.cli.add_command(match_command)
    app.cli.add_command(worker_command)
    from .embeddings.cli import embeddings_cli

    app.cli.add_command(embeddings_cli)
    from .privacy.cli import grant_permission, purge_command, revoke_permission

    app.cli.add_command(grant_permission)
    app.cli.add_command(revoke_permission)
    app.cli.add_command(purge_command)
    from .reminders.cli import remind_command, scheduler_command

    app.cli.add_command(remind_command)
    from .demo.pairs import seed_demo_pairs

    app.cli.add_command(seed_demo_pairs)
    app.cli.add_command(scheduler_command)
