"""The reminder rules of awards: a milestone due soon, and one overdue, each sent once per
milestone and due date (the ledger's period is the due date, so a changed date reminds again).

Due soon goes to the person who completes the milestone while it is still to do; overdue goes
to them too, or to the mentor when the milestone waits for their sign-off. Milestones the
program team completes are on the admins' overview instead.
"""

from datetime import datetime

from ..email import email_url
from ..extensions import db
from ..models import Milestone, SentReminder
from ..reminders import Due, Notice, reminder_rule
from . import queries

DUE_SOON = "milestone_due_soon"
OVERDUE = "milestone_overdue"


def _subject(milestone: Milestone) -> str:
    return f"milestone:{milestone.id}"


def _recipient(milestone: Milestone, people: dict[int, tuple[int, int]]) -> int | None:
    """Who is waited for: the person who completes it, or the mentor who signs it off."""
    trainee, mentor = people[milestone.match_id]
    if milestone.status == "submitted":
        return mentor
    return {"trainee": trainee, "mentor": mentor}.get(milestone.completed_by)


def _dues(kind: str, milestones: list[Milestone]):
    people = queries.people_of({m.match_id for m in milestones})
    for milestone in milestones:
        user_id = _recipient(milestone, people)
        if user_id is not None:
            yield Due(user_id, kind, _subject(milestone), milestone.due_on.isoformat())


def _still_waiting(row: SentReminder) -> Milestone | None:
    """The milestone, when this reminder still applies: the pair is under way, the milestone
    is not done, its due date is the one reminded of, and it still waits for this person."""
    milestone = db.session.get(Milestone, int(row.subject.split(":", 1)[1]))
    if milestone is None or milestone.done or milestone.match.status != "active":
        return None
    if milestone.due_on.isoformat() != row.period:
        return None
    people = queries.people_of([milestone.match_id])
    return milestone if _recipient(milestone, people) == row.user_id else None


def _url(milestone: Milestone) -> str:
    return email_url("awards.milestone", match_id=milestone.match_id, milestone_id=milestone.id)


def _describe_due_soon(row: SentReminder) -> Notice | None:
    milestone = _still_waiting(row)
    if milestone is None or milestone.status != "open":
        return None
    file = " It needs a file (PDF or Word)." if milestone.needs_upload else ""
    return Notice(
        subject=f"Due on {milestone.due_on:%d %B %Y}: {milestone.title}",
        lines=[
            f"{milestone.title}, a milestone of your award, is due on "
            f"{milestone.due_on:%d %B %Y}.{file}",
            "Hand it in, or mark it done, on the milestone's page.",
        ],
        url=_url(milestone),
    )


def _describe_overdue(row: SentReminder) -> Notice | None:
    milestone = _still_waiting(row)
    if milestone is None:
        return None
    if milestone.status == "submitted":
        lines = [
            f"{milestone.match.application.full_name} handed in {milestone.title}, which was due "
            f"on {milestone.due_on:%d %B %Y}, and it waits for your sign-off.",
            "Sign it off, or send it back saying what to change.",
        ]
    else:
        lines = [
            f"{milestone.title}, a milestone of your award, was due on "
            f"{milestone.due_on:%d %B %Y} and is not done yet.",
            "Hand it in as soon as you can; if something is in the way, tell the program team.",
        ]
    return Notice(subject=f"Overdue: {milestone.title}", lines=lines, url=_url(milestone))


@reminder_rule(
    DUE_SOON,
    describe=_describe_due_soon,
    title=f"An award milestone due within {queries.DUE_SOON_DAYS} days and still to do",
)
def milestone_due_soon(now: datetime):
    return _dues(DUE_SOON, queries.due_soon(now.date()))


@reminder_rule(
    OVERDUE,
    describe=_describe_overdue,
    title="An award milestone past its due date (to the mentor when it waits for sign-off)",
)
def milestone_overdue(now: datetime):
    return _dues(OVERDUE, queries.overdue(now.date()))
