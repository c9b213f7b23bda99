"""Fetching publications on the RQ worker (the ``publications`` queue of ``flask worker``).

A request commits the fetch as *queued* and queues its number; the worker runs it with
:func:`.service.run_fetch`. With ``PUBLICATIONS_INLINE`` the request runs it itself. Redis
out of reach marks the fetch failed with a message, the publications as they were.
"""

from flask import current_app
from redis.exceptions import RedisError
from rq import Queue

from ..extensions import db
from ..matches.jobs import _has_app, redis_connection
from ..models import PublicationSource
from .service import fail, run_fetch

WORKER_UNREACHABLE = (
    "Fetching could not start: the background worker cannot be reached. Try again later."
)


def queue() -> Queue:
    return Queue(current_app.config["PUBLICATIONS_QUEUE"], connection=redis_connection())


def start_fetch(source: PublicationSource) -> None:
    """Run or queue the committed fetch request of ``source``."""
    mentor_id, number = source.mentor_id, source.request_number
    if current_app.config["PUBLICATIONS_INLINE"]:
        run_fetch(mentor_id, number)
        return
    try:
        queue().enqueue_call(
            fetch_job,
            args=(mentor_id, number),
            job_id=f"publications-{mentor_id}-{number}",
            timeout=current_app.config["PUBLICATIONS_JOB_TIMEOUT"],
            result_ttl=3600,
            failure_ttl=7 * 86_400,
        )
    except RedisError:
        current_app.logger.exception("queueing a publications fetch failed")
        fail(source, WORKER_UNREACHABLE)
        db.session.commit()


def fetch_job(mentor_id: int, number: int) -> str:
    """The worker's entry point: creates its own app when none is active."""
    if _has_app():
        return run_fetch(mentor_id, number)
    from .. import create_app

    with create_app().app_context():
        return run_fetch(mentor_id, number)
