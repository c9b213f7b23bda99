"""Awards: each track's milestones and payments per cycle, a pair's deliverables (files handed
in, the mentor's sign-off), the admins' overview, payments released, exports and reminders.

Domain rules live in :mod:`.service` (state changes) and :mod:`.queries` (reading); uploaded
files are checked in :mod:`.uploads` and kept behind :mod:`.storage`; :mod:`.rules` registers
the reminders.
"""

from flask import Blueprint, current_app, request

bp = Blueprint("awards", __name__)

#: A request carrying a file may be this many times AWARD_UPLOAD_MAX_BYTES: a file a little or
#: a lot too large is still read far enough to say so next to the field.
UPLOAD_REQUEST_FACTOR = 4


def accepts_upload(view):
    """Mark a view whose POST carries a milestone's file: its request may be larger than
    MAX_CONTENT_LENGTH (see :func:`raise_upload_limit`)."""
    view.accepts_upload = True
    return view


def raise_upload_limit() -> None:
    """Before each request, before anything reads the form: a view marked
    :func:`accepts_upload` takes bodies up to ``UPLOAD_REQUEST_FACTOR`` times the file limit."""
    if request.method != "POST" or not request.endpoint:
        return
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "accepts_upload", False):
        limit = current_app.config["AWARD_UPLOAD_MAX_BYTES"] * UPLOAD_REQUEST_FACTOR
        request.max_content_length = max(limit, current_app.config["MAX_CONTENT_LENGTH"] or 0)


def init_app(app) -> None:
    app.register_blueprint(bp)
    # first of all the hooks: CSRF protection reads the form in its own
    app.before_request_funcs.setdefault(None, []).insert(0, raise_upload_limit)


from . import admin_views, views  # noqa: E402  (they add their routes to bp)
from .queries import milestone_lines  # noqa: E402

bp.add_app_template_global(milestone_lines)

__all__ = ["bp", "admin_views", "init_app", "views"]
