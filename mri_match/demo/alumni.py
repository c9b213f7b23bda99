"""The demo's past: two completed cycles whose trainees had the demo's mentors, most of them
alumni who answered the yearly follow-up, and one who went on to mentor in the program, so the
outcomes report and the mentorship family tree have something to show.

Built from ``random.Random`` like the rest of the demo (the same seed gives the same past), in
the caller's transaction.
"""

import random
from datetime import datetime, timedelta

from ..alumni.service import anniversary, current_round
from ..extensions import db
from ..models import (
    AlumniRecord,
    Application,
    Cycle,
    FollowUpResponse,
    FormerTraineeLink,
    Match,
    MentorProfile,
    User,
    utcnow,
)
from ..vocabulary import DEFAULT_TRACKS
from .accounts import DEMO_DOMAIN, demo_accounts
from .plan import make_plan

#: (name, slug, completed how many days ago); each cohort's follow-ups fall on its anniversaries.
PAST_CYCLES = (("MRI 2023–24", "demo-2023", 760), ("MRI 2024–25", "demo-2024", 395))
CONSENT_RATE = 0.8
ANSWER_RATE = 0.85


def alumnus_email(n: int) -> str:
    return f"alumnus{n}@{DEMO_DOMAIN}"


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _answers(rng: random.Random, stage: str | None) -> dict:
    """Plausible follow-up answers for someone who joined at ``stage``."""
    if stage == "medical_student":
        degree = _weighted(rng, {"completed": 55, "in_progress": 38, "left": 7})
        training = "residency" if degree == "completed" else "medical_school"
        specialty = _weighted(
            rng,
            {
                "hematology_oncology": 35,
                "hematology": 10,
                "pediatric_hematology_oncology": 8,
                "oncology": 7,
                "internal_medicine": 15,
                "pediatrics": 5,
                "other": 8,
                "undecided": 12,
            },
        )
    elif stage in ("undergraduate", "graduate_student"):
        degree = _weighted(rng, {"completed": 50, "in_progress": 45, "left": 5})
        training = "graduate_school" if degree == "in_progress" else "postdoc"
        specialty = _weighted(rng, {"research_hematology": 35, "undecided": 40, "other": 25})
    else:  # residents, fellows, early faculty
        degree = "not_applicable"
        training = _weighted(rng, {"fellowship": 50, "faculty": 35, "practice": 15})
        specialty = _weighted(
            rng,
            {
                "hematology": 45,
                "hematology_oncology": 30,
                "pediatric_hematology_oncology": 8,
                "oncology": 7,
                "other": 10,
            },
        )
    return dict(
        training_stage=training,
        degree_status=degree,
        degree_completed="MD" if degree == "completed" and stage == "medical_student" else None,
        specialty=specialty,
        fellowship="Hematology/oncology fellowship" if training == "fellowship" else None,
        faculty_post="Assistant Professor of Medicine" if training == "faculty" else None,
        grants=rng.choices(range(4), [60, 25, 10, 5])[0],
        abstracts=rng.choices(range(5), [35, 30, 20, 10, 5])[0],
        papers=rng.choices(range(4), [45, 30, 15, 10])[0],
        ash_member=rng.random() < 0.6,
        attended_annual_meeting=rng.random() < 0.45,
        mentors_now=rng.random() < 0.25,
    )


def _rounds(completed_at: datetime, now: datetime) -> list[int]:
    """The follow-up years open so far for a cohort completed at ``completed_at``."""
    latest = current_round(completed_at, now)
    return list(range(completed_at.year + 1, latest + 1)) if latest else []


def write_past_cycles(count: int, seed: int, password_hash: str) -> list[Cycle]:
    """``count`` past trainees over :data:`PAST_CYCLES`, mentored by the demo's mentors."""
    mentor_ids = list(
        db.session.scalars(
            db.select(MentorProfile.id)
            .join(User, User.id == MentorProfile.user_id)
            .where(demo_accounts("mentor"))
            .order_by(MentorProfile.id)
        )
    )
    if not count or not mentor_ids:
        return []
    rng = random.Random(seed + 1)
    now = utcnow()
    people = make_plan(count, 0, seed + 1)["trainees"]
    cycles = []
    for name, slug, days_ago in PAST_CYCLES:
        completed = now - timedelta(days=days_ago)
        cycles.append(
            Cycle(
                name=name,
                slug=slug,
                tracks=list(DEFAULT_TRACKS),
                opens_at=completed - timedelta(days=330),
                closes_at=completed - timedelta(days=270),
                status="completed",
                completed_at=completed,
            )
        )
    db.session.add_all(cycles)
    db.session.flush()

    split = round(count * 0.55)
    first_mentor: dict[int, int] = {}  # cycle index → mentor of its first trainee
    for n, person in enumerate(people, start=1):
        index = 0 if n <= split else 1
        cycle = cycles[index]
        user = User(
            email=alumnus_email(n),
            role="trainee",
            password_hash=password_hash,
            email_confirmed_at=cycle.opens_at,
            created_at=cycle.opens_at,
        )
        submitted = cycle.opens_at + timedelta(days=rng.randint(5, 50))
        application = Application(
            **person["application"],
            cycle=cycle,
            trainee=user,
            status="eligible",
            submitted_at=submitted,
            created_at=submitted - timedelta(days=2),
            updated_at=submitted,
        )
        application.topics = person["topics"]
        mentor_id = rng.choice(mentor_ids)
        first_mentor.setdefault(index, mentor_id)
        confirmed = cycle.closes_at + timedelta(days=20)
        match = Match(
            cycle=cycle,
            application=application,
            mentor_id=mentor_id,
            role=person["application"]["requested_roles"][0],
            status="ended",
            confirmed_at=confirmed,
            accepted_at=confirmed + timedelta(days=3),
            ended_at=cycle.completed_at,
            end_reason="The cycle ended.",
        )
        db.session.add_all([user, application, match])
        if rng.random() < CONSENT_RATE:
            alumni = AlumniRecord(user=user, consented_at=cycle.completed_at)
            db.session.add(alumni)
            for year in _rounds(cycle.completed_at, now):
                if rng.random() < ANSWER_RATE:
                    alumni.responses.append(
                        FollowUpResponse(
                            year=year,
                            answered_at=anniversary(cycle.completed_at, year) + timedelta(days=9),
                            **_answers(rng, person["application"]["career_stage"]),
                        )
                    )
        if n == 1:
            pioneer = (user, application)
    db.session.flush()
    _went_on_to_mentor(*pioneer, mentor_ids, first_mentor)
    return cycles


def _went_on_to_mentor(user, application, mentor_ids, first_mentor) -> None:
    """The first alumnus went on to mentor: a demo mentor who took someone on in the later
    cycle is them (linked to their trainee account), for the family tree."""
    later = first_mentor.get(1)
    if later is None or later == first_mentor.get(0):
        later = next((m for m in mentor_ids if m != first_mentor.get(0)), None)
    if later is None:
        return
    profile = db.session.get(MentorProfile, later)
    profile.full_name = f"Dr {application.full_name}"
    db.session.add(FormerTraineeLink(mentor_id=profile.id, trainee_id=user.id))
