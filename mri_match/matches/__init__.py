"""Matching in the app: running the engine, reviewing proposals, confirmed matches.

One blueprint, ``matches``; its pages are in three modules by job: :mod:`.run_views` (starting
runs), :mod:`.proposal_views` (reviewing and deciding proposals) and :mod:`.match_views`
(confirmed matches, re-match requests, the audit log).
"""

from flask import Blueprint

bp = Blueprint("matches", __name__)

from . import match_views, offer_views, proposal_views, run_views  # noqa: E402  (routes)
from .calendar import local_time  # noqa: E402
from .scores import score_rows, score_summary  # noqa: E402
from .why import reasons_for  # noqa: E402

bp.add_app_template_global(score_rows)
bp.add_app_template_global(score_summary)
bp.add_app_template_global(reasons_for, "why_matched")
bp.add_app_template_global(local_time)

__all__ = ["bp", "match_views", "offer_views", "proposal_views", "run_views"]
