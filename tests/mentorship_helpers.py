"""A pair under way, for the after-match tests: an active match accepted at a given moment."""

from datetime import datetime

from mri_match.extensions import db
from mri_match.models import Match


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
