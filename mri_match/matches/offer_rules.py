"""The offer rules of the reminder run (``flask remind``): the mentor is reminded once, half-way
through the time to answer, and offers not answered in time expire.

Expiry is a change of state, not a reminder: it frees the place and puts the trainee back in
review (:func:`.lifecycle.expire_due_offers`), and its notices go out with that change. Running
it from the reminder run means one schedule drives both.
"""

from dataclasses import dataclass
from datetime import datetime

from ..extensions import db
from ..models import Application, Match, MentorProfile
from ..reminders import Due, Notice, reminder_rule, run_cached
from ..reminders.registry import Pending
from . import lifecycle
from .calendar import local_time
from .offer_links import offer_link_for


@dataclass(frozen=True)
class _Offer:
    """An offer waiting for its answer, as its reminder reads it (``status`` and
    ``respond_by`` are what :func:`.lifecycle.answer_error` checks)."""

    id: int
    status: str
    respond_by: datetime
    trainee_name: str
    mentor_user_id: int
    mentor_timezone: str | None


def _waiting_offers() -> dict[int, _Offer]:
    """Every offer waiting for its answer, read once per reminder run (one statement)."""
    return run_cached(
        "waiting_offers",
        lambda: {
            row[0]: _Offer(*row)
            for row in db.session.execute(
                db.select(
                    Match.id,
                    Match.status,
                    Match.respond_by,
                    Application.full_name,
                    MentorProfile.user_id,
                    MentorProfile.timezone,
                )
                .join(Application, Application.id == Match.application_id)
                .join(MentorProfile, MentorProfile.id == Match.mentor_id)
                .where(Match.status == "offered")
            )
        },
    )


def _describe_offer_expiring(row: Pending) -> Notice | None:
    offer = _waiting_offers().get(int(row.subject.split(":", 1)[1]))
    if offer is None or lifecycle.answer_error(offer) is not None:
        return None  # answered, withdrawn or expired since
    name = offer.trainee_name
    return Notice(
        subject=f"Reminder: would you mentor {name}?",
        lines=[
            f"We asked whether you would mentor {name}, and have not heard from you yet.",
            f"Please accept or decline by {local_time(offer.respond_by, offer.mentor_timezone)};"
            " after that the offer lapses and we find the trainee another mentor.",
        ],
        url=offer_link_for(offer.id, offer.mentor_user_id),
    )


@reminder_rule(
    "offer_expiring",
    describe=_describe_offer_expiring,
    title="An offer not answered half-way through the days to answer (a cycle setting, 7)",
)
def offer_expiring(now: datetime):
    for match in lifecycle.offer_reminders_due(now):
        yield Due(match.mentor.user_id, "offer_expiring", f"match:{match.id}")


def _nothing_to_say(row: Pending) -> Notice | None:
    return None


@reminder_rule(
    "offer_expired",
    describe=_nothing_to_say,
    title="Offers not answered in time expire: the place is freed, the trainee back in review",
)
def offer_expired(now: datetime):
    lifecycle.expire_due_offers(now)  # commits each expiry with its notices
    return ()
