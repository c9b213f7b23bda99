"""Large matching runs as background jobs on RQ (Redis), with a worker command.

A run above ``MATCHING_INLINE_LIMIT`` trainees is committed as "running" and its id queued.
The worker executes it in one transaction: proposals appear all at once or not at all. A job
that raises marks the run failed with the reason; a worker killed mid-run leaves the run
"running" with no proposals, which :func:`is_stalled` detects so an admin can retry it.
"""

from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from redis import Redis
from rq import Queue, SimpleWorker, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from ..extensions import db
from ..models import MatchRun, User, utcnow
from . import runs

QUEUE = "matching"


def redis_connection() -> Redis:
    return Redis.from_url(current_app.config["REDIS_URL"])


def queue() -> Queue:
    return Queue(current_app.config["MATCHING_QUEUE"], connection=redis_connection())


def needs_background(cycle, settings: dict) -> bool:
    return (
        len(runs.load_trainees(cycle, settings["role"]))
        > current_app.config["MATCHING_INLINE_LIMIT"]
    )


def enqueue_run(cycle, settings: dict, *, actor) -> MatchRun:
    """Commit a running run and queue its execution."""
    run = runs.start_run(cycle, settings, actor=actor)
    run.summary = {"stage": "queued"}
    db.session.commit()
    job = queue().enqueue_call(
        execute_job,
        args=(run.id, actor.id),
        job_id=f"match-run-{run.id}",
        timeout=current_app.config["MATCHING_JOB_TIMEOUT"],
        result_ttl=86_400,
        failure_ttl=7 * 86_400,
    )
    run.summary = {"stage": "queued", "job_id": job.id}
    db.session.commit()
    return run


def execute_job(run_id: int, actor_id: int) -> dict:
    """The worker's entry point."""
    return in_app(_execute, run_id, actor_id)


def in_app(fn, *args):
    """Call ``fn(*args)`` in the active app, or in an app of its own when none is (a job)."""
    if _has_app():
        return fn(*args)
    from .. import create_app

    with create_app().app_context():
        return fn(*args)


def _has_app() -> bool:
    try:
        current_app._get_current_object()
    except RuntimeError:
        return False
    return True


def _execute(run_id: int, actor_id: int) -> dict:
    run = db.session.get(MatchRun, run_id)
    actor = db.session.get(User, actor_id)
    if run is None or run.status != "running":
        return {"skipped": run_id}
    job_id = (run.summary or {}).get("job_id")
    run.summary = {"stage": "matching", "job_id": job_id}
    db.session.commit()
    try:
        runs.execute_run(run, actor=actor)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        run = db.session.get(MatchRun, run_id)
        run.finish("failed", actor=actor, error=f"{type(exc).__name__}: {exc}"[:500])
        db.session.commit()
        raise
    return run.summary


def is_stalled(run: MatchRun) -> bool:
    """Running, but its job is gone, failed, stopped, or past its time limit."""
    if run.status != "running":
        return False
    limit = timedelta(seconds=current_app.config["MATCHING_JOB_TIMEOUT"] + 60)
    if utcnow() - run.created_at > limit:
        return True
    job_id = (run.summary or {}).get("job_id")
    if job_id is None:
        return utcnow() - run.created_at > timedelta(minutes=2)
    try:
        status = Job.fetch(job_id, connection=redis_connection()).get_status()
    except NoSuchJobError:
        return True
    return status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED)


def retry_stalled(run: MatchRun, *, actor) -> MatchRun:
    """Close a stalled run as failed and queue a fresh one with the same settings."""
    if not is_stalled(run):
        raise runs.RunError("This run is not stalled.")
    run.finish("failed", actor=actor, error="The worker stopped before finishing; retried.")
    db.session.commit()
    return enqueue_run(run.cycle, dict(run.settings), actor=actor)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option(
    "--simple",
    is_flag=True,
    help="Run jobs in this process instead of a forked one (for debugging).",
)
@with_appcontext
def worker_command(burst: bool, simple: bool) -> None:
    """Run a worker (RQ on REDIS_URL): publication fetches first, then matching runs."""
    from ..publications.jobs import queue as publications_queue

    worker_class = SimpleWorker if simple else Worker
    worker = worker_class([publications_queue(), queue()], connection=redis_connection())
    worker.work(burst=burst)
