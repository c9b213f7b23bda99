"""A pair under way, for the after-match tests: an active match accepted at a given moment;
the summary of its meetings and check-ins as the match row holds it and as the rows give it."""

from datetime import UTC, datetime

from mri_match.extensions import db
from mri_match.mentorship.pairs import summary_columns
from mri_match.models import CheckIn, Match, Meeting


def active_pair(
    factory,
    *,
    accepted_at: datetime,
    cycle=None,
    role="research",
    application=None,
    mentor=None,
    **cycle_kw,
):
    """The match of ``application`` and ``mentor`` (new ones unless given) in ``cycle``."""
    cycle = cycle or factory.cycle(status="matching", **cycle_kw)
    application = application or factory.application(cycle=cycle)
    mentor = mentor or factory.mentor(cycle=cycle)
    match = Match(
        cycle=cycle,
        application=application,
        mentor=mentor,
        role=role,
        status="active",
        score=0.8,
        confirmed_at=accepted_at,
        accepted_at=accepted_at,
    )
    db.session.add(match)
    db.session.commit()
    return match


def stored_summary(match: Match) -> tuple:
    """The summary on ``match``'s row, read afresh: first and last meeting, meetings, each
    side's latest check-in date, the latest rating."""
    return tuple(
        db.session.execute(db.select(*summary_columns()).where(Match.id == match.id)).one()
    )


def summary_from_rows(match: Match) -> tuple:
    """The same summary worked out in Python from the meetings and check-ins themselves: the
    newest check-in is the latest answered, the highest id among equals."""
    held = [m.held_on for m in db.session.scalars(db.select(Meeting).filter_by(match_id=match.id))]
    checkins = db.session.scalars(db.select(CheckIn).filter_by(match_id=match.id)).all()

    def latest_day(side):
        days = [c.answered_at.astimezone(UTC).date() for c in checkins if c.side == side]
        return max(days, default=None)

    newest = max(checkins, key=lambda c: (c.answered_at, c.id), default=None)
    return (
        min(held, default=None),
        max(held, default=None),
        len(held),
        latest_day("trainee"),
        latest_day("mentor"),
        newest.rating if newest else None,
    )
