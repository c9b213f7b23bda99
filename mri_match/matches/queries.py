"""What the match pages read: runs, proposals filtered and sorted for review, mentors with room,
confirmed matches, re-match requests and the audit log; and each person's own matches."""

from sqlalchemy.orm import defer, joinedload, selectinload

from .. import vocabulary
from ..extensions import db
from ..models import (
    PROPOSAL_REVIEW_ORDER,
    Application,
    ApplicationTopic,
    AuditEvent,
    Match,
    MatchRun,
    MentorOffer,
    MentorProfile,
    Proposal,
    RematchRequest,
    UnmatchedOutcome,
)
from ..search import contains_text

#: The review list's filters that narrow it (the sort only orders it).
PROPOSAL_FILTERS = ("q", "stage", "topic", "status")
PROPOSAL_SORTS = {
    "score_desc": (Proposal.score.desc().nulls_last(), Proposal.id),
    "score_asc": (Proposal.score.asc().nulls_first(), Proposal.id),
    "name": (Application.full_name, Proposal.id),
}
#: Mentor search on a proposal: this many matching names are read, this many with room shown.
MENTOR_SEARCH_READ = 200
MENTOR_SEARCH_SHOWN = 20


# --- runs and proposals -------------------------------------------------------------------------


def runs_of(cycle) -> list[MatchRun]:
    """The cycle's runs, newest first."""
    return list(
        db.session.scalars(
            db.select(MatchRun).filter_by(cycle_id=cycle.id).order_by(MatchRun.created_at.desc())
        )
    )


def get_proposal(proposal_id: int) -> Proposal:
    """One proposal with its run, trainee and mentor, or 404."""
    return db.first_or_404(
        db.select(Proposal)
        .where(Proposal.id == proposal_id)
        .options(
            joinedload(Proposal.run),
            joinedload(Proposal.application).joinedload(Application.trainee),
            joinedload(Proposal.mentor).joinedload(MentorProfile.user),
        )
    )


def status_counts(run: MatchRun) -> dict[str, int]:
    """How many of the run's proposals are open, confirmed, rejected or swapped."""
    return dict(
        db.session.execute(
            db.select(Proposal.status, db.func.count())
            .where(Proposal.run_id == run.id)
            .group_by(Proposal.status)
        ).all()
    )


def locked_count(run: MatchRun) -> int:
    """How many of the run's pairs are locked (a re-solve keeps them)."""
    return db.session.scalar(
        db.select(db.func.count()).where(Proposal.run_id == run.id, Proposal.locked)
    )


def is_filtered(filters: dict) -> bool:
    return any(filters.get(name) for name in PROPOSAL_FILTERS)


def filtered_proposals(run: MatchRun, filters: dict):
    """The run's proposals, filtered and sorted as asked, without the wide JSON columns.

    Trainee and mentor rows are joined only when a filter or the sort needs them, so the default
    list is read from ix_proposal_run_review_order a page at a time; the people on the page come
    in separate IN queries (benchmarks/load.py measures the joined sort of a 10,000-row run).
    """
    stmt = (
        db.select(Proposal)
        .where(Proposal.run_id == run.id)
        .options(
            defer(Proposal.explanation),
            defer(Proposal.alternatives),
            selectinload(Proposal.application).joinedload(Application.trainee),
            selectinload(Proposal.mentor),
        )
    )
    q, stage, topic, status = (filters.get(name) for name in PROPOSAL_FILTERS)
    if q or stage or topic or filters.get("sort") == "name":
        stmt = stmt.join(Application, Proposal.application_id == Application.id)
    if q:
        stmt = stmt.outerjoin(MentorProfile, Proposal.mentor_id == MentorProfile.id).where(
            contains_text(q, Application.full_name, MentorProfile.full_name)
        )
    if stage in dict(vocabulary.CAREER_STAGES):
        stmt = stmt.where(Application.career_stage == stage)
    if topic in vocabulary.topic_labels():
        stmt = stmt.where(
            db.select(ApplicationTopic.application_id)
            .where(
                ApplicationTopic.application_id == Application.id,
                ApplicationTopic.topic == topic,
            )
            .exists()
        )
    if status == "unmatched":
        stmt = stmt.where(Proposal.mentor_id.is_(None))
    elif status in ("open", "confirmed", "rejected", "swapped"):
        stmt = stmt.where(Proposal.status == status)
    return stmt.order_by(*PROPOSAL_SORTS.get(filters.get("sort"), PROPOSAL_REVIEW_ORDER))


def confirmable(run: MatchRun, *, min_score: float | None = None, ids=None):
    """The run's open proposals that have a mentor, best first: those scoring ``min_score``
    (0–1) or more, or those with the given ids."""
    stmt = (
        db.select(Proposal)
        .where(
            Proposal.run_id == run.id,
            Proposal.status == "open",
            Proposal.mentor_id.is_not(None),
        )
        .options(joinedload(Proposal.application), joinedload(Proposal.mentor))
        .order_by(Proposal.score.desc(), Proposal.id)
    )
    if min_score is not None:
        stmt = stmt.where(Proposal.score >= min_score - 1e-9)
    else:
        stmt = stmt.where(Proposal.id.in_(ids or ()))
    return db.session.scalars(stmt).unique().all()


def mentors_by_id(ids) -> dict[int, MentorProfile]:
    return {
        m.id: m
        for m in db.session.scalars(db.select(MentorProfile).where(MentorProfile.id.in_(ids)))
    }


def mentors_with_room(
    cycle_id: int, role: str, query: str | None, places: dict[int, int]
) -> list[MentorProfile]:
    """Mentors volunteering in the cycle for ``role`` with a place left, by name, optionally
    those whose name or institution contains ``query``."""
    stmt = (
        db.select(MentorProfile)
        .join(MentorOffer, MentorOffer.mentor_id == MentorProfile.id)
        .where(MentorOffer.cycle_id == cycle_id, MentorOffer.status == "active")
        .order_by(MentorProfile.full_name)
    )
    if query:
        stmt = stmt.where(contains_text(query, MentorProfile.full_name, MentorProfile.institution))
    offers = {
        o.mentor_id: o
        for o in db.session.scalars(db.select(MentorOffer).filter_by(cycle_id=cycle_id))
    }
    found = db.session.scalars(stmt.limit(MENTOR_SEARCH_READ)).all()
    with_room = [m for m in found if places.get(m.id, 0) > 0 and role in (offers[m.id].roles or [])]
    return with_room[:MENTOR_SEARCH_SHOWN]


def unmatched_outcome(proposal: Proposal) -> UnmatchedOutcome | None:
    """What an admin decided for a trainee the run left without a mentor, if anything."""
    return db.session.scalar(
        db.select(UnmatchedOutcome).filter_by(
            application_id=proposal.application_id, role=proposal.run.role
        )
    )


# --- confirmed matches --------------------------------------------------------------------------


def matches_in(cycle):
    """The cycle's matches, active first, newest confirmed first (a statement to paginate)."""
    return (
        db.select(Match)
        .where(Match.cycle_id == cycle.id)
        .options(joinedload(Match.application), joinedload(Match.mentor))
        .order_by(Match.status, Match.confirmed_at.desc(), Match.id)
    )


def rematch_requests(limit: int = 200) -> list[RematchRequest]:
    """Open requests first, then the rest, newest first."""
    return (
        db.session.scalars(
            db.select(RematchRequest)
            .options(joinedload(RematchRequest.match))
            .order_by(RematchRequest.status != "open", RematchRequest.created_at.desc())
            .limit(limit)
        )
        .unique()
        .all()
    )


def open_rematch_request(match: Match) -> RematchRequest | None:
    return db.session.scalar(db.select(RematchRequest).filter_by(match_id=match.id, status="open"))


def audit_events(entity_type: str | None = None):
    """The audit log, newest first, optionally of one kind of record (a statement to paginate)."""
    stmt = db.select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if entity_type:
        stmt = stmt.where(AuditEvent.entity_type == entity_type)
    return stmt
