"""MRI Match matching engine: plain Python (numpy, SciPy, scikit-learn, OR-tools), no Flask,
no database. The app's one adapter is ``mri_match/matches/runs.py``; docs/matching.md describes
the score, the rules, the assignment and the scale design.

Public API::

    from mri_match.engine import (
        TraineeInput, MentorInput, MatchSettings,       # inputs
        propose, MatchResult, TraineeResult,            # end to end
        assign, solve, AssignmentResult,                # the exact assignment alone
        text_similarity,                                # the text model alone
        CRITERIA, MUST_HAVE_RULES, MODEL_VERSION,       # for the admin UI and run records
        CAREER_STAGES, MENTORING_NEEDS, topics, ...     # the codes the app stores
    )

Modules, in the order a run uses them:

* inputs: profiles and settings (dataclasses), the criteria and must-have rule tables;
  codes: career stages, needs, roles, meeting formats, objectives, policies, the topic list;
* text: the hematology lexicon and TF-IDF statement similarity, calibrated per trainee;
* encoding: profiles to arrays; rules: hard rules (eligibility); scorer: the weighted score
  (float32 blocks, exact float64 pairs); explanations: the score in plain words;
* propose: ``propose()`` and its result types; rounds: locks, candidate pass, assignment and
  pricing rounds; candidates: the candidate pass; pricing and reserve_pricing: dual-price scans
  for pairs outside the candidates; reserve: each trainee's best pairs kept for pricing;
  assign: exact min-cost-flow assignment, certificate and tie-break; dense: the same for a
  caller's dense score matrix, by candidates and pricing; report: results,
  alternatives and diagnoses; parallel: worker threads; kernels: NumPy top-k and masking;
* synth: synthetic cohorts; bench: the benchmark; evaluate and eval_data: the text model's
  offline evaluation.
"""

from .assign import AssignmentResult, assign, solve
from .codes import (
    CAREER_STAGES,
    MEETING_FORMATS,
    MEETING_PREFERENCES,
    MENTOR_ROLES,
    MENTORING_NEEDS,
    OBJECTIVES,
    SAME_INSTITUTION_POLICIES,
    Topic,
    topics,
)
from .inputs import (
    ALWAYS_RULES,
    CRITERIA,
    CRITERION_NAMES,
    DEFAULT_WEIGHTS,
    MODEL_VERSION,
    MUST_HAVE_RULES,
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
    "Topic",
    "TraineeResult",
    "assign",
    "propose",
    "solve",
    "text_similarity",
    "topics",
]
