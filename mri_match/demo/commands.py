"""The demo's commands: ``seed-demo`` (refused in production and when the demo exists) and
``demo-logins``."""

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..models import User
from ..models.accounts import hash_password
from .accounts import (
    ADMIN_EMAIL,
    DEMO_DOMAIN,
    DEMO_PASSWORD,
    DEMO_SLUG,
    demo_accounts,
    mentor_email,
    trainee_email,
)
from .alumni import write_past_cycles
from .awards import write_awards
from .plan import make_plan
from .store import demo_exists, write_plan
from .surveys import write_past_surveys

MAX_PEOPLE = 20_000


def _logins_text(trainees: int, mentors: int) -> str:
    lines = [
        f"Demo logins (password for every account: {DEMO_PASSWORD})",
        f"  admin:    {ADMIN_EMAIL}",
    ]
    if trainees:
        last = f" … {trainee_email(trainees)}" if trainees > 1 else ""
        lines.append(f"  trainees: {trainee_email(1)}{last}")
    if mentors:
        last = f" … {mentor_email(mentors)}" if mentors > 1 else ""
        lines.append(f"  mentors:  {mentor_email(1)}{last}")
    return "\n".join(lines)


def _count_demo(role: str) -> int:
    return db.session.scalar(db.select(db.func.count(User.id)).where(demo_accounts(role)))


def _require_tables() -> None:
    if not db.inspect(db.engine).has_table("mentor_offer"):
        raise click.ClickException(
            "The database has no tables yet: run `flask --app mri_match db upgrade` first."
        )


def _refuse_in_production() -> None:
    if current_app.config.get("APP_ENV") == "production":
        raise click.ClickException(
            "Demo accounts share a published password, so seed-demo does not run when "
            "APP_ENV=production."
        )


def _how_many(name: str, default: int, who: str):
    return click.option(
        f"--{name}",
        type=click.IntRange(min=0, max=MAX_PEOPLE),
        default=default,
        show_default=True,
        help=f"How many {who} (0 to {MAX_PEOPLE:,}).",
    )


@click.command("seed-demo")
@_how_many("trainees", 60, "trainees with submitted applications")
@_how_many("mentors", 30, "volunteer mentors with profiles and offers")
@_how_many("alumni", 40, "past trainees in two completed cycles, most answering follow-ups")
@click.option(
    "--seed",
    type=int,
    default=2024,
    show_default=True,
    help="Random seed: the same seed gives the same people.",
)
@click.option(
    "--if-empty",
    is_flag=True,
    help="Do nothing, successfully and quietly, if the demo already exists (for `make run`).",
)
@with_appcontext
def seed_demo(trainees: int, mentors: int, alumni: int, seed: int, if_empty: bool) -> None:
    """Create a realistic demo cycle with trainees, mentors and demo logins.

    Adds the open cycle "MRI 2026–27 Demo" (slug demo-2026), an admin, trainees with
    submitted applications (some naming a research mentor, some with self-identification)
    and mentors with profiles and offers, and two completed past cycles whose trainees had
    those mentors (alumni with follow-up answers, for the outcomes report and the family
    tree; survey answers, for the survey report), all in one transaction. Every account uses the
    password printed at the end. Refuses to run twice, and in production.
    """
    _refuse_in_production()
    _require_tables()
    if demo_exists():
        if if_empty:
            return
        raise click.ClickException(
            f"The demo data already exists (cycle {DEMO_SLUG} or accounts @{DEMO_DOMAIN}); "
            "nothing was changed. Use a fresh database to seed it again, or "
            "`demo-logins` to see the accounts."
        )
    plan = make_plan(trainees, mentors, seed)
    try:
        cycle = write_plan(plan)
        past = write_past_cycles(alumni, seed, hash_password(DEMO_PASSWORD))
        write_past_surveys(past, seed)
        awarded = write_awards(past[-1], seed) if past else 0
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(
        f"Created “{cycle.name}” ({cycle.slug}) with {trainees} trainees, {mentors} mentors "
        f"and an admin (seed {seed})."
    )
    if past:
        click.echo(f"Added {alumni} past trainees in {', '.join(c.name for c in past)}.")
        click.echo(f"Gave {awarded} research pairs of {past[-1].name} award milestones.")
    if not if_empty:
        click.echo(_logins_text(trainees, mentors))


@click.command("demo-logins")
@with_appcontext
def demo_logins() -> None:
    """Print the demo accounts and their shared password."""
    _require_tables()
    if db.session.scalar(db.select(User.id).filter_by(email=ADMIN_EMAIL)) is None:
        click.echo("There is no demo data yet: run `flask --app mri_match seed-demo`.")
        return
    click.echo(_logins_text(_count_demo("trainee"), _count_demo("mentor")))
