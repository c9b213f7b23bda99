"""List pages issue a number of SQL statements that does not grow with the number of rows."""

import contextlib

import pytest
from sqlalchemy import event

from mri_match.demo import (
    ADMIN_EMAIL,
    DEMO_PASSWORD,
    make_plan,
    write_plan,
)
from mri_match.engine.inputs import DEFAULT_WEIGHTS
from mri_match.extensions import db
from mri_match.matches import runs
from mri_match.models import Application, Match, MatchRun, MentorProfile, Proposal, User

SETTINGS = {
    "role": "research",
    "objective": "total",
    "same_institution": "ignore",
    "must_have": [],
    "min_score": 0.0,
    "weights": dict(DEFAULT_WEIGHTS),
}


@contextlib.contextmanager
def count_statements():
    seen = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def _world(trainees: int, mentors: int):
    """A demo cohort, matched, with some confirmed pairs so dashboards have content."""
    cycle = write_plan(make_plan(trainees, mentors, seed=7))
    cycle.status = "closed"
    db.session.commit()
    admin = db.session.scalar(db.select(User).filter_by(email=ADMIN_EMAIL))
    run = runs.run_matching(cycle, SETTINGS, actor=admin)
    from mri_match.matches.decisions import confirm_many

    open_proposals = db.session.scalars(
        db.select(Proposal).where(Proposal.run_id == run.id, Proposal.mentor_id.is_not(None))
    ).all()
    confirm_many(open_proposals, actor=admin)
    db.session.commit()
    return cycle, run


def _statements(client, url: str, email: str) -> int:
    client.post("/auth/login", data={"email": email, "password": DEMO_PASSWORD})
    with count_statements() as seen:
        response = client.get(url)
    client.post("/auth/logout")
    assert response.status_code == 200, url
    return len(seen)


def _people_with_matches() -> tuple[str, str]:
    """A matched trainee and the mentor with the most trainees: the dashboards' fullest."""
    trainee = db.session.scalar(
        db.select(User.email)
        .join(Application, Application.trainee_id == User.id)
        .join(Match, Match.application_id == Application.id)
        .order_by(Match.id)
        .limit(1)
    )
    mentor = db.session.scalar(
        db.select(User.email)
        .join(MentorProfile, MentorProfile.user_id == User.id)
        .join(Match, Match.mentor_id == MentorProfile.id)
        .group_by(User.email)
        .order_by(db.func.count(Match.id).desc(), User.email)
        .limit(1)
    )
    return trainee, mentor


def _pages(cycle, run):
    trainee, mentor = _people_with_matches()
    return [
        (f"/admin/cycles/{cycle.slug}/applications", ADMIN_EMAIL),
        (f"/admin/cycles/{cycle.slug}/mentors", ADMIN_EMAIL),
        (f"/admin/runs/{run.id}", ADMIN_EMAIL),
        (f"/admin/runs/{run.id}?sort=score_asc", ADMIN_EMAIL),
        (f"/admin/cycles/{cycle.slug}/matches", ADMIN_EMAIL),
        (f"/admin/cycles/{cycle.slug}/health", ADMIN_EMAIL),
        ("/admin/", ADMIN_EMAIL),
        ("/admin/audit", ADMIN_EMAIL),
        ("/trainee/", trainee),
        ("/mentor/", mentor),
    ]


@pytest.mark.slow
def test_list_pages_do_not_grow_with_rows(make_app):
    counts = {}
    for size, (trainees, mentors) in {"small": (12, 6), "large": (1000, 400)}.items():
        app = make_app()
        with app.app_context():
            cycle, run = _world(trainees, mentors)
            assert db.session.get(MatchRun, run.id).summary["trainees"] > 0
            client = app.test_client()
            counts[size] = {url: _statements(client, url, who) for url, who in _pages(cycle, run)}
            if size == "large":
                assert (
                    db.session.scalar(
                        db.select(db.func.count(Proposal.id)).where(Proposal.run_id == run.id)
                    )
                    >= 700
                )  # a proposal set of about a thousand rows
            db.session.remove()
            db.drop_all()
    for url, small in counts["small"].items():
        assert counts["large"][url] <= small, (url, small, counts["large"][url])
    # The page every trainee opens first: applications, cycles and matches with all that each
    # match's next step needs, in one statement.
    assert counts["large"]["/trainee/"] == 1, counts["large"]["/trainee/"]
