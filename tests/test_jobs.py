"""Large runs go to a background worker; failures and stopped workers leave nothing half-written."""

import uuid

import pytest
from worker_helpers import work_off

from mri_match.extensions import db
from mri_match.matches import jobs, runs
from mri_match.models import MatchRun, Proposal


@pytest.fixture
def job_app(app, redis_url):
    app.config.update(
        REDIS_URL=redis_url, MATCHING_QUEUE=f"test-{uuid.uuid4().hex}", MATCHING_INLINE_LIMIT=1
    )
    yield app
    jobs.queue().delete(delete_jobs=True)


@pytest.fixture
def closed_cycle(factory):
    cycle = factory.cycle(status="closed", closes_in_days=-1)
    factory.mentor(cycle=cycle, capacity=3)
    for _ in range(3):
        factory.application(cycle=cycle)
    return cycle, factory.user("admin")


def _run_worker():
    work_off(jobs.queue())


def _settings_form():
    form = {
        "role": "research",
        "objective": "total",
        "same_institution": "ignore",
        "min_score": "0",
    }
    form.update({f"weight_{name}": "5" for name in runs.engine.DEFAULT_WEIGHTS})
    return form


def test_large_run_is_queued_and_the_admin_may_leave(job_app, closed_cycle, auth):
    cycle, admin = closed_cycle
    client = job_app.test_client()
    client.post(
        "/auth/login", data={"email": admin.email, "password": "correct horse battery staple"}
    )
    response = client.post(f"/admin/cycles/{cycle.slug}/runs", data=_settings_form())
    run = db.session.scalar(db.select(MatchRun))
    assert response.headers["Location"].endswith(f"/admin/runs/{run.id}")
    assert run.status == "running" and run.summary["stage"] == "queued"
    page = client.get(f"/admin/runs/{run.id}").get_data(as_text=True)
    assert "running in the background" in page and 'http-equiv="refresh"' in page

    _run_worker()
    db.session.expire_all()
    assert run.status == "done" and run.summary["matched"] == 3
    assert db.session.scalar(db.select(db.func.count(Proposal.id))) == 3
    page = client.get(f"/admin/runs/{run.id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page


def test_a_crashing_job_fails_with_the_reason_and_no_proposals(job_app, closed_cycle, monkeypatch):
    cycle, admin = closed_cycle

    def crash(*args, **kwargs):
        raise MemoryError("worker ran out of memory")

    monkeypatch.setattr(runs, "propose", crash)
    run = jobs.enqueue_run(cycle, dict(_engine_settings()), actor=admin)
    _run_worker()
    db.session.expire_all()
    assert run.status == "failed" and "out of memory" in run.error
    assert db.session.scalar(db.select(db.func.count(Proposal.id))) == 0


def test_a_killed_worker_is_detected_and_the_run_can_be_retried(job_app, closed_cycle, auth):
    cycle, admin = closed_cycle
    run = jobs.enqueue_run(cycle, dict(_engine_settings()), actor=admin)
    assert not jobs.is_stalled(run)
    # A worker killed mid-run: its job disappears, the run is left "running".
    jobs.queue().delete(delete_jobs=True)
    assert jobs.is_stalled(run)

    client = job_app.test_client()
    client.post(
        "/auth/login", data={"email": admin.email, "password": "correct horse battery staple"}
    )
    page = client.get(f"/admin/runs/{run.id}").get_data(as_text=True)
    assert "stopped before finishing" in page
    response = client.post(f"/admin/runs/{run.id}/retry")
    retried = db.session.scalar(db.select(MatchRun).order_by(MatchRun.id.desc()))
    assert retried.id != run.id and response.headers["Location"].endswith(f"/runs/{retried.id}")
    db.session.expire_all()
    assert run.status == "failed" and "worker stopped" in run.error
    _run_worker()
    db.session.expire_all()
    assert retried.status == "done"


def test_a_healthy_run_cannot_be_retried(job_app, closed_cycle):
    cycle, admin = closed_cycle
    run = jobs.enqueue_run(cycle, dict(_engine_settings()), actor=admin)
    with pytest.raises(runs.RunError, match="not stalled"):
        jobs.retry_stalled(run, actor=admin)


def _engine_settings():
    return {
        "role": "research",
        "objective": "total",
        "same_institution": "ignore",
        "must_have": [],
        "min_score": 0.0,
        "weights": dict(runs.engine.DEFAULT_WEIGHTS),
    }
