"""After the match: the meetings a pair logs, check-ins, the pair's timeline, and the program
health page for admins. Domain rules live in :mod:`.pairs` (where a pair stands) and
:mod:`.services` (state changes); :mod:`.rules` registers the reminders."""

from flask import Blueprint

bp = Blueprint("mentorship", __name__)

from . import health_views, views  # noqa: E402  (they add their routes to bp)
from .health import cycle_summary  # noqa: E402

bp.add_app_template_global(cycle_summary)

__all__ = ["bp", "health_views", "views"]
