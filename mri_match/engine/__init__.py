"""MRI Match matching engine: plain Python (numpy, SciPy, scikit-learn), no Flask, no database.

Public API::

    from mri_match.engine import (
        TraineeInput, MentorInput, MatchSettings,   # inputs
        propose, MatchResult, TraineeResult,            # end to end
        assign, solve, AssignmentResult,                # the exact assignment alone
        text_similarity,                                # the text model alone
        CRITERIA, MUST_HAVE_RULES, MODEL_VERSION,       # for the admin UI and run records
    )
"""

from .assign import AssignmentResult, assign, solve
from .inputs import (
    ALWAYS_RULES,
    CAREER_STAGES,
    CRITERIA,
    CRITERION_NAMES,
    DEFAULT_WEIGHTS,
    MEETING_FORMATS,
    MEETING_PREFERENCES,
    MENTOR_ROLES,
    MENTORING_NEEDS,
    MODEL_VERSION,
    MUST_HAVE_RULES,
    OBJECTIVES,
    SAME_INSTITUTION_POLICIES,
    Criterion,
    MatchSettings,
    MentorInput,
    TraineeInput,
)
from .propose import Alternative, MatchResult, TraineeResult, propose
from .text import text_similarity

__all__ = [
    "ALWAYS_RULES",
    "CAREER_STAGES",
    "CRITERIA",
    "CRITERION_NAMES",
    "DEFAULT_WEIGHTS",
    "MEETING_FORMATS",
    "MEETING_PREFERENCES",
    "MENTORING_NEEDS",
    "MENTOR_ROLES",
    "MODEL_VERSION",
    "MUST_HAVE_RULES",
    "OBJECTIVES",
    "SAME_INSTITUTION_POLICIES",
    "Alternative",
    "AssignmentResult",
    "Criterion",
    "MatchResult",
    "MatchSettings",
    "MentorInput",
    "TraineeInput",
    "TraineeResult",
    "assign",
    "propose",
    "solve",
    "text_similarity",
]
