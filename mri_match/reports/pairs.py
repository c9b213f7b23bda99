"""Confirmed pairs of a cycle as shares: by the trainee's meeting format, and by how close
trainee and mentor are."""

from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_

from .. import vocabulary
from ..extensions import db
from ..models import Application, Match, MentorProfile
from .selections import confirmed_in


@dataclass(frozen=True)
class Share:
    key: str
    label: str
    count: int
    total: int

    @property
    def percent(self) -> float:
        return round(100 * self.count / self.total, 1) if self.total else 0.0


def _shares(counts: dict, categories: list[tuple[str, str]]) -> list[Share]:
    total = sum(counts.values())
    return [Share(key, label, int(counts.get(key, 0)), total) for key, label in categories]


MEETING_CATEGORIES = [*vocabulary.MEETING_PREFERENCES, ("not_stated", "Not stated")]


def meeting_formats(cycle) -> list[Share]:
    """The trainee's meeting preference across confirmed pairs (one query)."""
    known = {code for code, _ in vocabulary.MEETING_PREFERENCES}
    counts: dict[str, int] = {}
    for fmt, n in db.session.execute(
        db.select(Application.meeting_format, func.count(Match.id))
        .join(Application, Application.id == Match.application_id)
        .where(confirmed_in(cycle.id))
        .group_by(Application.meeting_format)
    ):
        key = fmt if fmt in known else "not_stated"
        counts[key] = counts.get(key, 0) + n
    return _shares(counts, MEETING_CATEGORIES)


GEOGRAPHY_CATEGORIES = [
    ("institution", "Same institution"),
    ("city", "Same city"),
    ("region", "Same region (state or province)"),
    ("country", "Same country"),
    ("abroad", "Different countries"),
    ("unknown", "Location not given"),
]


def _same(a, b):
    return func.lower(func.trim(a)) == func.lower(func.trim(b))


def geography(cycle) -> list[Share]:
    """How close each confirmed pair is, the closest level that applies (one query).

    Same city needs the same region and country too, same region the same country; places
    compare without case or surrounding spaces.
    """
    trainee, mentor = Application, MentorProfile
    same_country = _same(trainee.country, mentor.country)
    same_region = and_(same_country, _same(trainee.region, mentor.region))
    kind = case(
        (_same(trainee.institution, mentor.institution), "institution"),
        (
            or_(
                func.coalesce(func.trim(trainee.country), "") == "",
                func.coalesce(func.trim(mentor.country), "") == "",
            ),
            "unknown",
        ),
        (and_(same_region, _same(trainee.city, mentor.city)), "city"),
        (same_region, "region"),
        (same_country, "country"),
        else_="abroad",
    )
    pairs = (
        db.select(kind.label("kind"))
        .select_from(Match)
        .join(trainee, trainee.id == Match.application_id)
        .join(mentor, mentor.id == Match.mentor_id)
        .where(confirmed_in(cycle.id))
        .subquery()
    )
    counts = dict(
        db.session.execute(db.select(pairs.c.kind, func.count()).group_by(pairs.c.kind)).all()
    )
    return _shares(counts, GEOGRAPHY_CATEGORIES)
