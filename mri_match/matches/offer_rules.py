"""The offer rules of the reminder run (``flask remind``): the mentor is reminded once, half-way
through the time to answer, and offers not answered in time expire.

Expiry is a change of state, not a reminder: it frees the place and puts the trainee back in
review (:func:`.lifecycle.expire_due_offers`), and its notices go out with that change. Running
it from the reminder run means one schedule drives both.
"""

from datetime import datetime

from ..extensions import db
from ..models import Match, SentReminder
from ..reminders import Due, Notice, reminder_rule
from . import lifecycle
from .calendar import local_time
from .offer_links import offer_link


def _describe_offer_expiring(row: SentReminder) -> Notice | None:
    match = db.session.get(Match, int(row.subject.split(":", 1)[1]))
    if match is None or lifecycle.answer_error(match) is not None:
        return None  # answered, withdrawn or expired since
    name = match.application.full_name
    return Notice(
        subject=f"Reminder: would you mentor {name}?",
        lines=[
            f"We asked whether you would mentor {name}, and have not heard from you yet.",
            f"Please accept or decline by {local_time(match.respond_by, match.mentor.timezone)};"
            " after that the offer lapses and we find the trainee another mentor.",
        ],
        url=offer_link(match),
    )


@reminder_rule(
    "offer_expiring",
    describe=_describe_offer_expiring,
    title="An offer not answered half-way through the days to answer (a cycle setting, 7)",
)
def offer_expiring(now: datetime):
    for match in lifecycle.offer_reminders_due(now):
        yield Due(match.mentor.user_id, "offer_expiring", f"match:{match.id}")


def _nothing_to_say(row: SentReminder) -> Notice | None:
    return None


@reminder_rule(
    "offer_expired",
    describe=_nothing_to_say,
    title="Offers not answered in time expire: the place is freed, the trainee back in review",
)
def offer_expired(now: datetime):
    lifecycle.expire_due_offers(now)  # commits each expiry with its notices
    return ()
