"""The demo's awards: the later past cycle's tracks get the default award, and its research
pairs a history of milestones handed in and signed off, files to download and payments
released. A few pairs are still under way (a completed cycle's active matches go on), with a
milestone overdue and a payment held back, so the admins' overview has something to flag.

Built from ``random.Random`` like the rest of the demo, in the caller's transaction.
"""

import hashlib
import random
from datetime import UTC, datetime, time, timedelta

from ..awards import service
from ..awards.storage import file_store
from ..awards.uploads import PDF
from ..extensions import db
from ..models import Match, Milestone, MilestoneDocument, Payment, User, utcnow

STILL_UNDER_WAY = 3  # pairs of the cycle whose award runs on, with something overdue


def _pdf(title: str, name: str) -> bytes:
    text = f"{title} by {name} (demo)".encode()
    return b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n% " + text + b"\ntrailer<<>>\n%%EOF\n"


def _at(day) -> datetime:
    return datetime.combine(day, time(15, 0), tzinfo=UTC)


def _done(milestone: Milestone, match: Match, rng: random.Random, by: dict[str, int]) -> None:
    """``milestone`` handed in a few days early and, when needed, signed off soon after."""
    handed = _at(milestone.due_on - timedelta(days=rng.randint(1, 12)))
    if milestone.needs_upload:
        data = _pdf(milestone.title, match.application.full_name)
        milestone.document = MilestoneDocument(
            storage_key=file_store().put(data),
            filename=f"{milestone.title.lower().replace(' ', '-')}.pdf",
            content_type=PDF,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by_id=by["trainee"],
            uploaded_at=handed,
        )
    milestone.submitted_at = handed
    milestone.status = "done"
    milestone.completed_at = handed + timedelta(
        days=rng.randint(1, 5) if milestone.needs_signoff else 0
    )
    milestone.done_by_id = by["mentor" if milestone.needs_signoff else milestone.completed_by]


def write_awards(cycle, seed: int) -> int:
    """Fill ``cycle`` (completed, with ended matches) with awards; how many pairs have one."""
    rng = random.Random(seed + 2)
    admin_id = db.session.scalar(db.select(User.id).where(User.role == "admin").limit(1))
    templates = {
        track: service.create_template(cycle, track, actor=None, defaults=True)
        for track in cycle.tracks
    }
    matches = db.session.scalars(
        db.select(Match)
        .where(Match.cycle_id == cycle.id, Match.role == "research")
        .order_by(Match.id)
    ).all()
    today = utcnow().date()
    for n, match in enumerate(matches):
        template = templates.get(match.application.track)
        if template is None:
            continue
        under_way = n < STILL_UNDER_WAY
        if under_way:  # the award runs on after the cycle: a year from a later acceptance
            match.status, match.ended_at, match.end_reason = "active", None, None
            match.accepted_at = _at(today - timedelta(days=rng.randint(200, 300)))
        service.copy_award(match, template)
        db.session.flush()
        by = {
            "trainee": match.application.trainee_id,
            "mentor": match.mentor.user_id,
            "admin": admin_id,
        }
        milestones = db.session.scalars(
            db.select(Milestone).filter_by(match_id=match.id).order_by(Milestone.due_on)
        ).all()
        for milestone in milestones:
            if milestone.due_on < today and (
                not under_way or milestone.title != "Abstract submitted"
            ):
                _done(milestone, match, rng, by)
        if under_way:
            waiting = next((m for m in milestones if m.title == "Abstract submitted"), None)
            if waiting is not None and waiting.due_on < today and n == 0:
                waiting.status = "submitted"  # handed in late, waiting for the mentor
                waiting.submitted_at = _at(today - timedelta(days=2))
        else:
            service.close_milestones(match)
        db.session.flush()
        for payment in db.session.scalars(db.select(Payment).filter_by(match_id=match.id)):
            if payment.blockers or (under_way and payment.title != "Stipend at the start"):
                continue
            last = max(m.completed_at for m in payment.milestones)
            payment.status = "released"
            payment.released_at = last + timedelta(days=rng.randint(3, 14))
            payment.released_by_id = admin_id
    return len(matches)
