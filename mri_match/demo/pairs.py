"""``seed-demo-pairs``: the demo cycle's proposals confirmed as pairs with a history of meetings
and check-ins, so the program health page and the reminders have something to show (and the
load benchmark 10,000 pairs to measure). Refused in production, like ``seed-demo``."""

import random
from datetime import timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import insert

from ..extensions import db
from ..models import (
    CheckIn,
    Cycle,
    Match,
    MatchRun,
    Meeting,
    Proposal,
    User,
    refresh_pair_summaries,
    utcnow,
)
from .accounts import ADMIN_EMAIL, DEMO_SLUG
from .commands import _refuse_in_production, _require_tables

CHUNK = 2000
FORMATS = ("video", "video", "phone", "in_person")


def _pair_history(rng: random.Random, match_id: int, started, today, cadence: int):
    """A pair's meetings and check-ins: most meet on rhythm, some slip, some never start."""
    meetings, checkins = [], []
    habit = rng.random()
    if habit < 0.15:
        return meetings, checkins  # never met
    day = started.date() + timedelta(days=rng.randint(3, 30))
    rhythm = cadence if habit < 0.8 else cadence * 3  # the last fifth drift apart
    while day <= today:
        meetings.append(
            {
                "match_id": match_id,
                "held_on": day,
                "minutes": rng.choice((30, 45, 60)),
                "format": rng.choice(FORMATS),
                "created_at": utcnow(),
            }
        )
        day += timedelta(days=max(7, int(rng.gauss(rhythm, rhythm / 4))))
    if meetings and rng.random() < 0.7:
        for side in ("trainee", "mentor"):
            checkins.append(
                {
                    "match_id": match_id,
                    "side": side,
                    "rating": rng.choices((1, 2, 3, 4, 5), (1, 2, 5, 10, 8))[0],
                    "not_a_good_fit": False,
                    "answered_at": utcnow() - timedelta(days=rng.randint(0, 50)),
                }
            )
    return meetings, checkins


@click.command("seed-demo-pairs")
@click.option("--role", type=click.Choice(["research", "career"]), default="research")
@click.option("--seed", type=int, default=2024, show_default=True)
@with_appcontext
def seed_demo_pairs(role: str, seed: int) -> None:
    """Confirm the demo cycle's latest run as pairs matched up to 120 days ago, with meetings
    and check-ins. Run ``seed-demo`` and ``match demo-2026`` first."""
    _refuse_in_production()
    _require_tables()
    cycle = db.session.scalar(db.select(Cycle).filter_by(slug=DEMO_SLUG))
    run = cycle and db.session.scalar(
        db.select(MatchRun)
        .filter_by(cycle_id=cycle.id, role=role, status="done")
        .order_by(MatchRun.id.desc())
    )
    if run is None:
        raise click.ClickException(f"No finished {role} run in {DEMO_SLUG}: run `match` first.")
    if db.session.scalar(db.select(Match.id).filter_by(cycle_id=cycle.id, role=role).limit(1)):
        raise click.ClickException("The demo cycle already has pairs in this role.")
    admin_id = db.session.scalar(db.select(User.id).filter_by(email=ADMIN_EMAIL))
    rng = random.Random(seed)
    now = utcnow()
    proposals = db.session.execute(
        db.select(Proposal.id, Proposal.application_id, Proposal.mentor_id, Proposal.score)
        .where(
            Proposal.run_id == run.id, Proposal.status == "open", Proposal.mentor_id.is_not(None)
        )
        .order_by(Proposal.id)
    ).all()
    rows = []
    for p in proposals:
        started = now - timedelta(days=rng.randint(0, 120), hours=rng.randint(0, 23))
        rows.append(
            {
                "cycle_id": cycle.id,
                "application_id": p.application_id,
                "mentor_id": p.mentor_id,
                "role": role,
                "status": "offered" if rng.random() < 0.05 else "active",
                "score": p.score,
                "explanation": {},
                "proposal_id": p.id,
                "confirmed_by_id": admin_id,
                "confirmed_at": started,
                "accepted_at": started,
            }
        )
    for row in rows:
        if row["status"] == "offered":
            row["accepted_at"] = None
            row["respond_by"] = now + timedelta(days=7)
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(Match), rows[start : start + CHUNK])
    db.session.execute(
        db.update(Proposal)
        .where(Proposal.id.in_([p.id for p in proposals]))
        .values(status="confirmed", decided_by_id=admin_id, decided_at=now)
    )
    matches = db.session.execute(
        db.select(Match.id, Match.accepted_at).where(
            Match.cycle_id == cycle.id, Match.role == role, Match.status == "active"
        )
    ).all()
    cadence = cycle.cadence_days(role)
    meetings, checkins = [], []
    for match_id, accepted_at in matches:
        m, c = _pair_history(rng, match_id, accepted_at, now.date(), cadence)
        meetings += m
        checkins += c
    for start in range(0, len(meetings), CHUNK):
        db.session.execute(insert(Meeting), meetings[start : start + CHUNK])
    for start in range(0, len(checkins), CHUNK):
        db.session.execute(insert(CheckIn), checkins[start : start + CHUNK])
    refresh_pair_summaries(Match.cycle_id == cycle.id, Match.role == role)
    db.session.commit()
    click.echo(
        f"{len(rows)} pairs ({len(rows) - len(matches)} waiting for acceptance), "
        f"{len(meetings)} meetings, {len(checkins)} check-ins in {cycle.name}."
    )
