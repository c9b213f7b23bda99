"""A cycle's confirmed matches as a spreadsheet-safe CSV."""

from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Application, Cycle, Match, MentorProfile, User
from ..spreadsheet import to_csv
from ..vocabulary import CAREER_STAGES, MENTOR_ROLES, label

HEADER = [
    "Match ID",
    "Role",
    "Status",
    "Trainee",
    "Trainee email",
    "Career stage",
    "Trainee institution",
    "Mentor",
    "Mentor email",
    "Mentor institution",
    "Score (0-100)",
    "Confirmed at (UTC)",
    "Confirmed by",
    "Ended at (UTC)",
    "End reason",
]


def matches_csv(cycle: Cycle) -> str:
    confirmed_by = db.aliased(User)
    rows = db.session.execute(
        db.select(Match, confirmed_by.email)
        .outerjoin(confirmed_by, Match.confirmed_by_id == confirmed_by.id)
        .where(Match.cycle_id == cycle.id)
        .options(
            joinedload(Match.application).joinedload(Application.trainee),
            joinedload(Match.mentor).joinedload(MentorProfile.user),
        )
        .order_by(Match.confirmed_at, Match.id)
    ).all()
    return to_csv(
        HEADER,
        (
            [
                m.id,
                label(MENTOR_ROLES, m.role),
                m.status,
                m.application.full_name,
                m.application.trainee.email,
                label(CAREER_STAGES, m.application.career_stage),
                m.application.institution,
                m.mentor.full_name,
                m.mentor.user.email,
                m.mentor.institution,
                m.percent,
                m.confirmed_at,
                admin_email,
                m.ended_at,
                m.end_reason,
            ]
            for m, admin_email in rows
        ),
    )
