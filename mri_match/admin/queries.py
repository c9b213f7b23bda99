"""What the admin pages read: each list in a fixed number of statements, never one per row."""

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import String, and_, case, cast, func, or_

from ..extensions import db
from ..models import (
    APPLICATION_STATES,
    LIVE_MATCH_STATES,
    Application,
    ApplicationTopic,
    AuditEvent,
    Cycle,
    Match,
    MentorOffer,
    MentorProfile,
    MentorTopic,
    User,
)
from ..models.profiles import APPLICATION_TRANSITIONS
from ..search import contains_text


def cycles_with_counts() -> list[tuple[Cycle, dict[str, int], int]]:
    """Every cycle, newest first, with its applications by status and its active mentor offers.

    Three statements whatever the number of cycles.
    """
    cycles = list(db.session.scalars(db.select(Cycle).order_by(Cycle.opens_at.desc(), Cycle.id)))
    return [(c, *counts) for c, counts in zip(cycles, _counts([c.id for c in cycles]), strict=True)]


def cycle_counts(cycle: Cycle) -> tuple[dict[str, int], int]:
    return _counts([cycle.id])[0]


def _counts(cycle_ids: list[int]) -> list[tuple[dict[str, int], int]]:
    if not cycle_ids:
        return []
    by_status: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(APPLICATION_STATES, 0))
    rows = db.session.execute(
        db.select(Application.cycle_id, Application.status, func.count())
        .where(Application.cycle_id.in_(cycle_ids))
        .group_by(Application.cycle_id, Application.status)
    )
    for cycle_id, status, n in rows:
        by_status[cycle_id][status] = n
    offering = dict(
        db.session.execute(
            db.select(MentorOffer.cycle_id, func.count())
            .where(MentorOffer.cycle_id.in_(cycle_ids), MentorOffer.status == "active")
            .group_by(MentorOffer.cycle_id)
        ).all()
    )
    return [(dict(by_status[i]), offering.get(i, 0)) for i in cycle_ids]


def _json_list_has(column, code: str):
    """A JSON list of codes contains ``code`` (codes are plain words, stored quoted)."""
    return cast(column, String).contains(f'"{code}"', autoescape=True)


#: The applications list's order: by name (no name yet sorts first, on either database), then id.
_name_order = func.coalesce(func.lower(Application.full_name), "")


def applications_select(cycle: Cycle, filters: dict[str, str]):
    """Applications in a cycle matching the admin's filters, trainee loaded in the same query."""
    stmt = (
        db.select(Application)
        .join(Application.trainee)
        .where(Application.cycle_id == cycle.id)
        .order_by(_name_order, Application.id)
    )
    if q := filters.get("q"):
        stmt = stmt.where(
            contains_text(q, Application.full_name, User.email, Application.institution)
        )
    if stage := filters.get("stage"):
        stmt = stmt.where(Application.career_stage == stage)
    if topic := filters.get("topic"):
        stmt = stmt.where(Application.topic_links.any(ApplicationTopic.topic == topic))
    if status := filters.get("status"):
        stmt = stmt.where(Application.status == status)
    if track := filters.get("track"):
        stmt = stmt.where(Application.track == track)
    return stmt


@dataclass(frozen=True)
class Place:
    """Where an application stands in the filtered list: the ones before and after it, and
    its number in the list (None when the filters leave it out, say once it is decided)."""

    previous: tuple[int, str | None] | None  # (id, full name)
    next: tuple[int, str | None] | None
    number: int | None
    total: int


def place_in_list(application: Application, filters: dict[str, str]) -> Place:
    """The application's neighbours in :func:`applications_select`'s order, in four statements
    however long the list."""
    stmt = applications_select(application.cycle, filters)
    key = db.session.scalar(db.select(_name_order).where(Application.id == application.id))
    same = _name_order == key
    before = or_(_name_order < key, and_(same, Application.id < application.id))
    after = or_(_name_order > key, and_(same, Application.id > application.id))
    first = stmt.with_only_columns(Application.id, Application.full_name).limit(1)
    following = db.session.execute(first.where(after)).first()
    preceding = db.session.execute(
        first.where(before).order_by(None).order_by(_name_order.desc(), Application.id.desc())
    ).first()
    total, earlier, listed = db.session.execute(
        stmt.with_only_columns(
            func.count(),
            func.coalesce(func.sum(case((before, 1), else_=0)), 0),
            func.coalesce(func.max(case((Application.id == application.id, 1), else_=0)), 0),
        ).order_by(None)
    ).one()
    return Place(
        tuple(preceding) if preceding else None,
        tuple(following) if following else None,
        earlier + 1 if listed else None,
        total,
    )


def applications_by_id(cycle: Cycle, ids: list[int]) -> list[Application]:
    """The cycle's applications with these ids, in the list's order (others are left out)."""
    return list(
        db.session.scalars(
            db.select(Application)
            .where(Application.cycle_id == cycle.id, Application.id.in_(ids))
            .order_by(_name_order, Application.id)
        )
    )


def offers_select(cycle: Cycle, filters: dict[str, str]):
    """Mentor offers in a cycle joined to the mentor's profile, filtered."""
    stmt = (
        db.select(MentorOffer)
        .join(MentorOffer.mentor)
        .join(MentorProfile.user)
        .where(MentorOffer.cycle_id == cycle.id)
        .order_by(func.lower(MentorProfile.full_name), MentorOffer.id)
    )
    if q := filters.get("q"):
        stmt = stmt.where(
            contains_text(q, MentorProfile.full_name, User.email, MentorProfile.institution)
        )
    if topic := filters.get("topic"):
        stmt = stmt.where(MentorProfile.topic_links.any(MentorTopic.topic == topic))
    if stage := filters.get("stage"):
        stmt = stmt.where(_json_list_has(MentorProfile.stages_accepted, stage))
    if role := filters.get("role"):
        stmt = stmt.where(_json_list_has(MentorOffer.roles, role))
    if status := filters.get("status"):
        stmt = stmt.where(MentorOffer.status == status)
    if verified := filters.get("verified"):
        column = MentorProfile.ash_verified_at
        stmt = stmt.where(column.is_not(None) if verified == "yes" else column.is_(None))
    return stmt


def combined_history(*entities) -> list[AuditEvent]:
    """The audit events of several entities (say an application and its nominee), in order."""
    entities = [e for e in entities if e is not None]
    if not entities:
        return []
    conditions = [
        and_(AuditEvent.entity_type == e.__tablename__, AuditEvent.entity_id == e.id)
        for e in entities
    ]
    return list(
        db.session.scalars(
            db.select(AuditEvent)
            .where(or_(*conditions))
            .order_by(AuditEvent.created_at, AuditEvent.id)
        )
    )


def users_by_id(ids) -> dict[int, User]:
    """Who verified what: the users behind a handful of ``*_by_id`` columns, in one query."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(db.select(User).where(User.id.in_(ids)))}


def allowed_eligibility(application: Application) -> list[str]:
    """The eligibility decisions an admin may take from the application's current status."""
    allowed = APPLICATION_TRANSITIONS.get(application.status, set())
    return [s for s in ("eligible", "ineligible") if s in allowed]


def can_edit(cycle: Cycle) -> bool:
    return cycle.status != "completed"


def with_live_match(applications: list[Application]) -> list[Application]:
    """Those of ``applications`` with a match offered or under way."""
    ids = set(
        db.session.scalars(
            db.select(Match.application_id).where(
                Match.application_id.in_([a.id for a in applications]),
                Match.status.in_(LIVE_MATCH_STATES),
            )
        )
    )
    return [a for a in applications if a.id in ids]
