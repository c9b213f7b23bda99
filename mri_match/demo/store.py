"""Writing a demo plan into the database: bulk inserts in the caller's transaction."""

from datetime import timedelta

from ..extensions import db
from ..models import (
    Application,
    ApplicationTopic,
    Cycle,
    MentorOffer,
    MentorProfile,
    MentorTopic,
    NominatedMentor,
    SelfIdentification,
    User,
    utcnow,
)
from ..models.accounts import hash_password
from ..vocabulary import DEFAULT_TRACKS
from .accounts import ADMIN_EMAIL, DEMO_CYCLE_NAME, DEMO_PASSWORD, DEMO_SLUG, demo_accounts


def demo_exists() -> bool:
    if db.session.scalar(db.select(Cycle.id).filter_by(slug=DEMO_SLUG)) is not None:
        return True
    return db.session.scalar(db.select(User.id).where(demo_accounts()).limit(1)) is not None


def _insert(model, rows: list[dict]) -> None:
    """ORM bulk INSERT: a few executemany statements, not one object per row."""
    if rows:
        db.session.execute(db.insert(model), rows)


def _ids(column, key, *where) -> dict:
    """Map ``key`` to ``column`` for freshly inserted rows (cheaper than RETURNING in bulk)."""
    return {k: v for k, v in db.session.execute(db.select(key, column).where(*where))}


def write_plan(plan: dict) -> Cycle:
    """Insert the plan's rows in the current transaction (the caller commits once).

    Bulk inserts keep thousands of people fast; the password is hashed once for everyone.
    """
    now = utcnow()
    password_hash = hash_password(DEMO_PASSWORD)
    cycle = Cycle(
        name=DEMO_CYCLE_NAME,
        slug=DEMO_SLUG,
        tracks=list(DEFAULT_TRACKS),
        opens_at=now - timedelta(days=30),
        closes_at=now + timedelta(days=30),
        status="open",
    )
    admin = User(
        email=ADMIN_EMAIL, role="admin", password_hash=password_hash, email_confirmed_at=now
    )
    db.session.add_all([cycle, admin])
    db.session.flush()

    people = [(p["email"], "trainee") for p in plan["trainees"]]
    people += [(p["email"], "mentor") for p in plan["mentors"]]
    _insert(
        User,
        [
            {"email": e, "role": r, "password_hash": password_hash, "email_confirmed_at": now}
            for e, r in people
        ],
    )
    demo_users = demo_accounts()
    user_ids = _ids(User.id, User.email, demo_users)
    trainee_ids = [user_ids[p["email"]] for p in plan["trainees"]]
    mentor_ids = [user_ids[p["email"]] for p in plan["mentors"]]

    applications = []
    for user_id, seed in zip(trainee_ids, plan["trainees"], strict=True):
        submitted = now - timedelta(days=seed["submitted_days_ago"])
        applications.append(
            dict(
                seed["application"],
                cycle_id=cycle.id,
                trainee_id=user_id,
                status="submitted",
                submitted_at=submitted,
                created_at=submitted - timedelta(days=2),
                updated_at=submitted,
            )
        )
    _insert(Application, applications)
    by_trainee = _ids(Application.id, Application.trainee_id, Application.cycle_id == cycle.id)
    application_ids = [by_trainee[user_id] for user_id in trainee_ids]

    topics, nominated, identities = [], [], []
    for app_id, user_id, seed in zip(application_ids, trainee_ids, plan["trainees"], strict=True):
        topics += [{"application_id": app_id, "topic": code} for code in seed["topics"]]
        if seed["nominated"]:
            row = dict(seed["nominated"], application_id=app_id)
            verified = row.pop("verified")
            row.update(verified_by_id=admin.id if verified else None)
            row.update(verified_at=now if verified else None)
            nominated.append(row)
        if seed["self_identification"]:
            identities.append(dict(seed["self_identification"], user_id=user_id))
    _insert(ApplicationTopic, topics)
    _insert(NominatedMentor, nominated)

    profiles = [
        dict(
            seed["profile"],
            user_id=user_id,
            ash_verified_by_id=admin.id if seed["verified"] else None,
            ash_verified_at=now if seed["verified"] else None,
        )
        for user_id, seed in zip(mentor_ids, plan["mentors"], strict=True)
    ]
    _insert(MentorProfile, profiles)
    mine = MentorProfile.user_id.in_(db.select(User.id).where(demo_users))
    by_user = _ids(MentorProfile.id, MentorProfile.user_id, mine)
    profile_ids = [by_user[user_id] for user_id in mentor_ids]
    topics, offers = [], []
    for profile_id, user_id, seed in zip(profile_ids, mentor_ids, plan["mentors"], strict=True):
        topics += [{"mentor_id": profile_id, "topic": code} for code in seed["topics"]]
        offers.append(dict(seed["offer"], cycle_id=cycle.id, mentor_id=profile_id))
        if seed["self_identification"]:
            identities.append(dict(seed["self_identification"], user_id=user_id))
    _insert(MentorTopic, topics)
    _insert(MentorOffer, offers)
    by_mentor = _ids(MentorOffer.id, MentorOffer.mentor_id, MentorOffer.cycle_id == cycle.id)
    offer_ids = [by_mentor[profile_id] for profile_id in profile_ids]
    _insert(SelfIdentification, identities)

    for offer_id, user_id, seed in zip(offer_ids, mentor_ids, plan["mentors"], strict=True):
        if seed["paused"]:  # through the model, so the history shows who paused and why
            offer = db.session.get(MentorOffer, offer_id)
            offer.pause(actor=db.session.get(User, user_id), reason="On leave this term (demo)")
    return cycle
