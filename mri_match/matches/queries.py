"""Queries about confirmed matches that other features show."""

from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Application, Match, MentorProfile


def matches_of(user) -> list[Match]:
    """A person's confirmed matches, newest first (used by both dashboards)."""
    # The lists show the match's cycle and the other person's name and institution: the
    # application and mentor load without joining their own people, cycles, topics or nominee
    # (each extra join costs planning time on every dashboard view); they load if touched.
    stmt = db.select(Match).options(
        joinedload(Match.cycle),
        joinedload(Match.application).lazyload("*"),
        joinedload(Match.mentor).lazyload("*"),
    )
    if user.role == "trainee":
        stmt = stmt.join(Application, Match.application_id == Application.id).where(
            Application.trainee_id == user.id
        )
    else:
        stmt = stmt.join(MentorProfile, Match.mentor_id == MentorProfile.id).where(
            MentorProfile.user_id == user.id
        )
    return list(db.session.scalars(stmt.order_by(Match.confirmed_at.desc())).unique())
