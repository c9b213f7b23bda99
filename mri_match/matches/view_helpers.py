"""What the match pages share: one admin decision as its own transaction, and the emails that
follow a confirmation."""

from flask import flash

from ..models import Match, TransitionError
from ..web import commit_change
from .decisions import DecisionError
from .notify import notify_match


def notify(matches: list[Match]) -> None:
    """Email both people of each new match (call after the commit); the admin is told which
    addresses could not be emailed, so they can tell those people another way."""
    unsent = [address for match in matches for address in notify_match(match)]
    if unsent:
        flash(
            "The match is saved, but the email to "
            + ", ".join(unsent[:10])
            + (f" and {len(unsent) - 10} more" if len(unsent) > 10 else "")
            + " could not be sent. Please let them know another way.",
            "warning",
        )


def decide(action, success: str, *, notify_people: bool = True) -> bool:
    """Run one decision in its own transaction and say how it went; a refused one changes
    nothing. ``notify_people``: a confirmed match is emailed to both people after the commit."""
    made = []
    done = commit_change(
        lambda: made.append(action()), success, errors=(DecisionError, TransitionError)
    )
    if done and notify_people:
        notify([m for m in made if isinstance(m, Match)])
    return done
