"""Vectors of a large import, computed by the matching worker (RQ on Redis)."""

from flask import current_app

from ..matches.jobs import in_app, queue


def enqueue(kind: str, ids: list[int]) -> str:
    """Queue the vectors of these owners (``store.APPLICATION`` or ``store.MENTOR``)."""
    job = queue().enqueue_call(
        embed_job,
        args=(kind, ids),
        timeout=current_app.config["MATCHING_JOB_TIMEOUT"],
        result_ttl=86_400,
        failure_ttl=7 * 86_400,
    )
    return job.id


def embed_job(kind: str, ids: list[int]) -> dict:
    """The worker's entry point."""
    return in_app(_embed, kind, ids)


def _embed(kind: str, ids: list[int]) -> dict:
    from .service import compute

    outcome = compute(kind, ids)
    return {"computed": outcome.computed, "current": outcome.current, "removed": outcome.removed}
