"""The codes the engine compares, defined once for the whole project.

Career stages, mentoring needs, mentor roles, meeting formats, run objectives, same-institution
policies and the topic list (``mri_match/data/topics.csv``, read once). They are the values the
app stores and the importer accepts; the app gives them their labels in
``mri_match/vocabulary.py``, which builds its choices from these tuples and fails at import if a
code has no label there.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

CAREER_STAGES = (
    "undergraduate",
    "medical_student",
    "graduate_student",
    "resident",
    "fellow",
    "postdoc_early_faculty",
)
MENTORING_NEEDS = (
    "research",
    "career_development",
    "clinical",
    "grant_writing",
    "work_life",
    "identity",
)
#: Kinds of mentor a trainee asks for and a mentor offers; each run matches one kind.
MENTOR_ROLES = ("research", "career")
MEETING_PREFERENCES = ("in_person", "virtual", "either")  # the trainee's one preference
MEETING_FORMATS = ("in_person", "virtual")  # what a mentor can offer
SAME_INSTITUTION_POLICIES = ("require", "prefer", "avoid", "ignore")
#: "total": most matched trainees, then the best total score; "fair": most matched, then the
#: best lowest score, then the best total (see :mod:`.assign`).
OBJECTIVES = ("total", "fair")


@dataclass(frozen=True)
class Topic:
    code: str
    label: str
    area: str


@cache
def topics() -> tuple[Topic, ...]:
    """The controlled topic vocabulary (``mri_match/data/topics.csv``), in file order."""
    with resources.files("mri_match.data").joinpath("topics.csv").open(encoding="utf-8") as fh:
        return tuple(Topic(**row) for row in csv.DictReader(fh))
