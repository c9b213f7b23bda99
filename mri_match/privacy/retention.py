"""The retention purge: free text and self-identification from long-completed cycles.

A cycle is past retention when it was completed more than RETENTION_DAYS ago (``completed_at``,
or for older rows the time its audit history says it was completed). From its applications the
research statements and decision reasons go, and the text of re-match requests on its matches.
A mentor's profile statements, fetched publications and a person's self-identification span
cycles, so they go only when every cycle the person took part in is past retention. Stored
statement vectors go with the statements they were made from.

Free-text survey answers given about the cycle's matches go too; the ratings and choices of
the surveys stay, tied to no text (see docs/surveys.md). Files handed in for award milestones
of such a cycle go too; the milestones' states and the payments stay, for the program's figures
(see docs/awards.md).

Alumni records and their follow-up answers are not touched: the person asked for them to be
kept, and withdrawing that consent (or deleting the account) deletes them at once.

Separately, registrations whose emailed confirmation link was never followed are deleted once
they are older than UNCONFIRMED_ACCOUNT_DAYS: they hold nothing but an address and a role.
"""

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, or_

from ..awards.service import delete_documents
from ..extensions import db
from ..models import (
    Application,
    AuditEvent,
    Cycle,
    Match,
    MentorOffer,
    MentorProfile,
    Milestone,
    MilestoneDocument,
    Publication,
    PublicationSource,
    RematchRequest,
    SelfIdentification,
    StatementEmbedding,
    SurveyAnswer,
    User,
    awaiting_confirmation,
    record,
    utcnow,
)

KINDS = (
    "research statements",
    "eligibility decision reasons",
    "re-match request texts",
    "expertise statements",
    "publication lists",
    "declared conflicts",
    "fetched publications",
    "self-identification records",
    "survey comments",
    "award documents",
    "statement vectors",
)
PURGED = "(removed under the retention policy)"


def completion_times() -> dict[int, datetime | None]:
    """When each completed cycle was completed."""
    from_audit = dict(
        db.session.execute(
            db.select(AuditEvent.entity_id, func.max(AuditEvent.created_at))
            .where(AuditEvent.entity_type == "cycle", AuditEvent.to_state == "completed")
            .group_by(AuditEvent.entity_id)
        ).all()
    )
    cycles = db.session.execute(
        db.select(Cycle.id, Cycle.completed_at).where(Cycle.status == "completed")
    ).all()
    return {cid: completed_at or from_audit.get(cid) for cid, completed_at in cycles}


def expired_cycle_ids(retention_days: int, now: datetime | None = None) -> set[int]:
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    times = completion_times()
    # A completed cycle with no completion time recorded anywhere is left alone.
    return {cid for cid, at in times.items() if at is not None and at <= cutoff}


def _people_only_in(expired: set[int]) -> tuple[set[int], set[int]]:
    """(user ids, mentor profile ids) whose every application and offer is in ``expired``."""
    trainee_cycles = db.session.execute(db.select(Application.trainee_id, Application.cycle_id))
    offer_cycles = db.session.execute(
        db.select(MentorProfile.user_id, MentorProfile.id, MentorOffer.cycle_id).join(
            MentorOffer, MentorOffer.mentor_id == MentorProfile.id
        )
    )
    cycles_of: dict[int, set[int]] = {}
    for user_id, cycle_id in trainee_cycles:
        cycles_of.setdefault(user_id, set()).add(cycle_id)
    profile_of: dict[int, int] = {}
    for user_id, profile_id, cycle_id in offer_cycles:
        cycles_of.setdefault(user_id, set()).add(cycle_id)
        profile_of[user_id] = profile_id
    users = {uid for uid, cycles in cycles_of.items() if cycles and cycles <= expired}
    return users, {profile_of[uid] for uid in users if uid in profile_of}


def _blank(column):
    return or_(column.is_(None), column == "")


def purge(retention_days: int, *, now: datetime | None = None, dry_run: bool = False) -> Counter:
    """Remove what is past retention; returns counts per kind. The caller commits (or, for a
    dry run, nothing is changed and there is nothing to commit)."""
    counts: Counter = Counter({kind: 0 for kind in KINDS})
    expired = expired_cycle_ids(retention_days, now)
    if not expired:
        return counts
    users, profiles = _people_only_in(expired)

    in_expired = Application.cycle_id.in_(expired)
    steps = [
        ("research statements", Application, Application.research_statement, in_expired, None),
        ("eligibility decision reasons", Application, Application.status_reason, in_expired, None),
        (
            "re-match request texts",
            RematchRequest,
            RematchRequest.reason,
            RematchRequest.match_id.in_(db.select(Match.id).where(Match.cycle_id.in_(expired))),
            PURGED,
        ),
        (
            "expertise statements",
            MentorProfile,
            MentorProfile.expertise_statement,
            MentorProfile.id.in_(profiles),
            "",
        ),
        (
            "publication lists",
            MentorProfile,
            MentorProfile.publications,
            MentorProfile.id.in_(profiles),
            None,
        ),
        (
            "declared conflicts",
            MentorProfile,
            MentorProfile.conflicts,
            MentorProfile.id.in_(profiles),
            None,
        ),
    ]
    for kind, model, column, where, empty in steps:
        condition = where & ~_blank(column)
        if empty:
            condition = condition & (column != empty)
        counts[kind] = db.session.scalar(
            db.select(func.count()).select_from(model).where(condition)
        )
        if counts[kind] and not dry_run:
            db.session.execute(
                db.update(model).where(condition).values({column.key: empty}),
                execution_options={"synchronize_session": False},
            )
    # Re-match resolutions are the program team's words about the person: they go with them.
    if not dry_run:
        db.session.execute(
            db.update(RematchRequest)
            .where(
                RematchRequest.match_id.in_(db.select(Match.id).where(Match.cycle_id.in_(expired))),
                RematchRequest.resolution.is_not(None),
            )
            .values(resolution=None),
            execution_options={"synchronize_session": False},
        )

    # Fetched publications and where they came from (an ORCID iD, identifiers) go with the
    # profile's statements.
    fetched = Publication.mentor_id.in_(profiles)
    counts["fetched publications"] = db.session.scalar(
        db.select(func.count()).select_from(Publication).where(fetched)
    )
    if not dry_run:
        for model in (Publication, PublicationSource):
            db.session.execute(
                db.delete(model).where(model.mentor_id.in_(profiles)),
                execution_options={"synchronize_session": False},
            )
    # Files handed in for award milestones, and the mentors' notes on them; the milestones'
    # states and the payments stay for the program's figures.
    award_matches = Milestone.match_id.in_(db.select(Match.id).where(Match.cycle_id.in_(expired)))
    counts["award documents"] = db.session.scalar(
        db.select(func.count()).select_from(MilestoneDocument).join(Milestone).where(award_matches)
    )
    if not dry_run:
        delete_documents(award_matches)
        db.session.execute(
            db.update(Milestone)
            .where(award_matches, Milestone.returned_note.is_not(None))
            .values(returned_note=None),
            execution_options={"synchronize_session": False},
        )

    identity = SelfIdentification.user_id.in_(users)
    counts["self-identification records"] = db.session.scalar(
        db.select(func.count()).select_from(SelfIdentification).where(identity)
    )
    if counts["self-identification records"] and not dry_run:
        db.session.execute(
            db.delete(SelfIdentification).where(identity),
            execution_options={"synchronize_session": False},
        )

    from ..surveys.answers import free_text_in

    comments = free_text_in(expired)
    counts["survey comments"] = db.session.scalar(
        db.select(func.count()).select_from(SurveyAnswer).where(comments)
    )
    if counts["survey comments"] and not dry_run:
        db.session.execute(
            db.delete(SurveyAnswer).where(comments),
            execution_options={"synchronize_session": False},
        )

    # Vectors made from the statements purged above (the semantic model's) go with them.
    vectors = (
        StatementEmbedding.application_id.in_(db.select(Application.id).where(in_expired))
    ) | (StatementEmbedding.mentor_id.in_(profiles))
    counts["statement vectors"] = db.session.scalar(
        db.select(func.count()).select_from(StatementEmbedding).where(vectors)
    )
    if counts["statement vectors"] and not dry_run:
        db.session.execute(
            db.delete(StatementEmbedding).where(vectors),
            execution_options={"synchronize_session": False},
        )

    if dry_run:
        return counts
    db.session.expire_all()  # the bulk updates bypassed the objects already loaded
    if sum(counts.values()):
        summary = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)
        for cycle in db.session.scalars(db.select(Cycle).where(Cycle.id.in_(expired))):
            record(cycle, "retention_purge", reason=f"Purged across expired cycles: {summary}")
    return counts


def purge_unconfirmed_accounts(
    days: int, *, now: datetime | None = None, dry_run: bool = False
) -> int:
    """Delete registrations never confirmed within ``days``; returns how many. The caller
    commits. Imported people waiting to set their password are kept: they hold data."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    stale = awaiting_confirmation() & (User.created_at <= cutoff)
    count = db.session.scalar(db.select(func.count()).select_from(User).where(stale))
    if count and not dry_run:
        db.session.execute(
            db.delete(User).where(stale), execution_options={"synchronize_session": False}
        )
        db.session.expire_all()
    return count
