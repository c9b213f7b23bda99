"""What the match pages share: one admin decision as its own transaction, and the emails that
follow a confirmation."""

from flask import flash

from ..extensions import db
from ..models import Match, TransitionError
from .decisions import DecisionError
from .notify import notify_match


def commit_and_notify(matches: list[Match]) -> None:
    """Commit, then email both people of each new match (never before the commit)."""
    db.session.commit()
    for match in matches:
        notify_match(match)


def decide(action, success: str, *, notify: bool = True) -> bool:
    """Run one decision in its own transaction and say how it went; a refused one changes
    nothing. ``notify``: a confirmed match is emailed to both people."""
    try:
        result = action()
    except (DecisionError, TransitionError) as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return False
    if notify:
        commit_and_notify([result] if isinstance(result, Match) else [])
    else:
        db.session.commit()
    flash(success, "success")
    return True
