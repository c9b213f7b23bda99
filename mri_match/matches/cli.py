"""``flask --app mri_match match CYCLE_SLUG --role career``: a run from the terminal."""

import click
from flask.cli import with_appcontext

from ..engine.inputs import CRITERIA, DEFAULT_WEIGHTS, MUST_HAVE_RULES
from ..extensions import db
from ..models import Cycle, User
from . import runs


@click.command("match")
@click.argument("cycle_slug")
@click.option(
    "--role", type=click.Choice(["research", "career"]), default="research", show_default=True
)
@click.option(
    "--objective",
    type=click.Choice(["total", "fair"]),
    default="total",
    show_default=True,
    help="total: as many trainees as possible, then best total score; "
    "fair: make the worst match as good as possible.",
)
@click.option(
    "--same-institution",
    type=click.Choice(["ignore", "prefer", "avoid", "require"]),
    default="ignore",
    show_default=True,
)
@click.option("--min-score", type=click.IntRange(0, 100), default=0, show_default=True)
@click.option(
    "--must-have",
    multiple=True,
    type=click.Choice(sorted(MUST_HAVE_RULES)),
    help="A hard rule; repeat for several.",
)
@click.option(
    "--weight",
    "weights",
    multiple=True,
    metavar="NAME=VALUE",
    help="Criterion weight 0-10, e.g. --weight text=8. Criteria: "
    + ", ".join(c.name for c in CRITERIA),
)
@click.option("--as", "admin_email", help="Admin recorded as running it (default: first admin).")
@with_appcontext
def match_command(
    cycle_slug, role, objective, same_institution, min_score, must_have, weights, admin_email
):
    """Run matching for CYCLE_SLUG and one mentor role; print a summary."""
    cycle = db.session.scalar(db.select(Cycle).filter_by(slug=cycle_slug))
    if cycle is None:
        raise click.BadParameter(f"no cycle with slug {cycle_slug!r}.", param_hint="CYCLE_SLUG")
    chosen = dict(DEFAULT_WEIGHTS)
    for item in weights:
        name, _, value = item.partition("=")
        if name not in chosen:
            raise click.BadParameter(f"unknown criterion {name!r}.", param_hint="--weight")
        try:
            chosen[name] = float(value)
        except ValueError:
            raise click.BadParameter(f"{item!r} needs a number.", param_hint="--weight") from None
        if not 0 <= chosen[name] <= 10:
            raise click.BadParameter(f"{name} must be 0 to 10.", param_hint="--weight")
    admins = db.select(User).filter_by(role="admin").order_by(User.id)
    actor = db.session.scalar(admins.filter_by(email=admin_email) if admin_email else admins)
    if actor is None:
        raise click.ClickException("No admin account: create one with create-admin first.")
    settings = {
        "role": role,
        "objective": objective,
        "same_institution": same_institution,
        "must_have": sorted(must_have),
        "min_score": min_score / 100,
        "weights": chosen,
    }
    try:
        run = runs.run_matching(cycle, settings, actor=actor)
    except runs.RunError as exc:
        raise click.ClickException(str(exc)) from exc
    s = run.summary
    click.echo(f"Run {run.id} for {cycle.name}, {role} mentors ({run.model_version})")
    click.echo(f"  trainees   {s['trainees']}")
    click.echo(f"  mentors    {s['mentors']}")
    click.echo(f"  matched    {s['matched']}")
    click.echo(f"  unmatched  {s['unmatched']}")
    click.echo(f"  mean score {s['mean_score'] if s['mean_score'] is not None else '-'}")
    click.echo(f"  lowest     {s['min_score'] if s['min_score'] is not None else '-'}")
    click.echo(f"  optimal    {'certified' if s['certified'] else 'not certified'}")
    click.echo(f"  time       {s['seconds']} s")
