"""What the match pages share: one admin decision as its own transaction, and the emails that
follow a confirmation."""

from ..models import Match, TransitionError
from ..web import commit_change
from .decisions import DecisionError
from .notify import notify_match


def notify(matches: list[Match]) -> None:
    """Email both people of each new match (call after the commit)."""
    for match in matches:
        notify_match(match)


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
