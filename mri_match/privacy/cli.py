"""Privacy commands: grant or revoke the self-identification permission, and the purge."""

from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from ..awards.service import sweep_files
from ..extensions import db
from ..models import User, utcnow
from .retention import purge, purge_unconfirmed_accounts


def _admin(email: str) -> User:
    user = User.by_email(email)
    if user is None or user.is_deleted:
        raise click.ClickException(f"No account with {email}.")
    if not user.is_admin:
        raise click.ClickException(f"{email} is not an admin; only admins can hold it.")
    return user


def _set_permission(email: str, allowed: bool) -> str:
    user = _admin(email)
    user.can_view_self_identification = allowed
    db.session.commit()
    return user.email


@click.command("grant-permission")
@click.argument("email")
@with_appcontext
def grant_permission(email: str) -> None:
    """Let the admin with EMAIL see people's self-identification (each view is logged)."""
    email = _set_permission(email, True)
    click.echo(f"{email} may now see self-identification; every view is logged.")


@click.command("revoke-permission")
@click.argument("email")
@with_appcontext
def revoke_permission(email: str) -> None:
    """Take back the self-identification permission from the admin with EMAIL."""
    click.echo(f"{_set_permission(email, False)} can no longer see self-identification.")


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Say what would be removed; change nothing.")
@with_appcontext
def purge_command(dry_run: bool) -> None:
    """Remove free text and self-identification from cycles completed over RETENTION_DAYS ago,
    and registrations not confirmed within UNCONFIRMED_ACCOUNT_DAYS."""
    days = int(current_app.config["RETENTION_DAYS"])
    unconfirmed_days = int(current_app.config["UNCONFIRMED_ACCOUNT_DAYS"])
    counts = purge(days, dry_run=dry_run)
    unconfirmed = purge_unconfirmed_accounts(unconfirmed_days, dry_run=dry_run)
    # files no milestone names any more (a record deleted outside the app, say)
    stray = sweep_files(utcnow() - timedelta(days=1), dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    verb = "Would remove" if dry_run else "Removed"
    click.echo(f"{verb} (cycles completed more than {days} days ago):")
    for kind, n in counts.items():
        click.echo(f"  {n:6d} {kind}")
    click.echo(f"  {unconfirmed:6d} unconfirmed registrations (older than {unconfirmed_days} days)")
    click.echo(f"  {stray:6d} stored files no award milestone names")
    if not sum(counts.values()) and not unconfirmed and not stray:
        click.echo("Nothing is past the retention period.")
