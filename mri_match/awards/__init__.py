"""Awards: each track's milestones and payments per cycle, a pair's deliverables (files handed
in, the mentor's sign-off), the admins' overview, payments released, exports and reminders.

Domain rules live in :mod:`.service` (state changes) and :mod:`.queries` (reading); uploaded
files are checked in :mod:`.uploads` and kept behind :mod:`.storage`; :mod:`.rules` registers
the reminders.
"""

from flask import Blueprint

bp = Blueprint("awards", __name__)

from . import admin_views, views  # noqa: E402  (they add their routes to bp)

__all__ = ["bp", "admin_views", "views"]
