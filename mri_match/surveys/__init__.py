"""Feedback surveys: midpoint and end-of-match surveys for both people of a match.

:mod:`.schedule` says when each survey is open, :mod:`.questions` holds a cycle's questions and
their default set, :mod:`.answers` saves answers (a "not a good fit" answer opens a re-match
request), :mod:`.report` is the admins' report and :mod:`.rules` registers the reminders.
"""

from flask import Blueprint

bp = Blueprint("surveys", __name__)

from . import views  # noqa: E402  (adds its routes to bp)

__all__ = ["bp", "views"]
