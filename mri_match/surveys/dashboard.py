"""The dashboards' next step for surveys."""

from flask import url_for

from ..models.surveys import SURVEYS
from .schedule import open_surveys


def surveys_due(matches, user) -> dict[int, tuple[str, str]]:
    """For each of ``user``'s matches with a survey to answer now: the line for the next step
    and the survey's address (a template global; two statements for the whole list)."""
    ids = [m.id for m in matches if m.status in ("active", "ended")]
    if not ids:
        return {}
    due = {}
    for found in open_surveys(match_ids=ids, user_id=user.id):
        due.setdefault(
            found.match_id,
            (
                f"A survey is due: the {SURVEYS[found.survey].lower()} about your mentorship "
                f"with {found.other_name} (open until {found.window.closes_at:%d %b %Y}).",
                url_for("surveys.take", match_id=found.match_id, survey=found.survey),
            ),
        )
    return due
