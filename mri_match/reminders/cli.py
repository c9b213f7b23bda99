"""``flask remind`` (run by cron) and ``flask reminder-scheduler`` (RQ's cron scheduler)."""

from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from .sending import in_url_context, run_reminders


@click.command("remind")
@click.option(
    "--now",
    "now_text",
    metavar="ISO-DATETIME",
    help="Act as if it were this moment (UTC), e.g. 2026-03-01T09:00. For checks and tests.",
)
@with_appcontext
def remind_command(now_text: str | None) -> None:
    """Send the reminders that are due, once each (safe to run as often as you like)."""
    now = None
    if now_text:
        try:
            now = datetime.fromisoformat(now_text)
        except ValueError as exc:
            raise click.BadParameter("use an ISO date and time, e.g. 2026-03-01T09:00") from exc
        now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    report = in_url_context(run_reminders, now)
    for line in report.lines():
        click.echo(line)


def remind_job() -> list[str]:
    """The RQ job the scheduler queues: one ``remind`` run, in an app of its own if needed."""
    from ..matches.jobs import _has_app

    if _has_app():
        return in_url_context(run_reminders).lines()
    from .. import create_app

    with create_app().app_context():
        return in_url_context(run_reminders).lines()


@click.command("reminder-scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Queue a reminders run every REMINDER_INTERVAL_MINUTES for the worker (RQ cron)."""
    from rq.cron import CronScheduler

    from ..matches.jobs import queue, redis_connection

    scheduler = CronScheduler(connection=redis_connection())
    scheduler.register(
        remind_job,
        queue_name=queue().name,
        interval=int(current_app.config["REMINDER_INTERVAL_MINUTES"]) * 60,
        job_timeout=1800,
    )
    scheduler.start()
