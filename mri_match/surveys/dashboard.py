"""The dashboards' next step for surveys."""

from flask import url_for

from ..models.surveys import SURVEYS
from .schedule import OpenSurvey


def survey_step(found: OpenSurvey) -> tuple[str, str]:
    """The dashboards' next step for a survey due: the line, and the survey's address."""
    return (
        f"A survey is due: the {SURVEYS[found.survey].lower()} about your mentorship "
        f"with {found.other_name} (open until {found.window.closes_at:%d %b %Y}).",
        url_for("surveys.take", match_id=found.match_id, survey=found.survey),
    )
