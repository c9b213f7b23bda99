"""Inputs of the matching engine: profiles, settings, and the tables an admin chooses from.

Everything here is plain data. The app fills :class:`TraineeInput` and :class:`MentorInput` from
its database and :class:`MatchSettings` from the run form; the engine never touches the database
itself. :data:`CRITERIA` (the soft criteria with their default weights) and
:data:`MUST_HAVE_RULES` are what the run form offers. The codes the profiles hold are defined in
:mod:`.codes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .codes import (
    CAREER_STAGES,
    MEETING_FORMATS,
    MENTOR_ROLES,
    OBJECTIVES,
    SAME_INSTITUTION_POLICIES,
)

#: Stored with every matching run; bump when scores or rules change meaning.
MODEL_VERSION = "mri-match-engine/1.0 (tfidf-lexicon-2, criteria-2, exact-bmatching-1)"


@dataclass(frozen=True)
class Criterion:
    """One soft criterion: its weight is set by an admin, 0 to 10."""

    name: str
    label: str
    default: float
    help: str


#: The soft criteria, in display order, with default weights and one line of help each.
CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "text",
        "Research statement similarity",
        5.0,
        "How closely the trainee's statement matches the mentor's expertise and publications "
        "(TF-IDF, with hematology abbreviations expanded).",
    ),
    Criterion(
        "topics",
        "Shared topics",
        4.0,
        "Share of the trainee's chosen topics that the mentor also lists.",
    ),
    Criterion(
        "needs",
        "Mentoring needs offered",
        3.0,
        "Share of the trainee's mentoring needs (research, grant writing, ...) the mentor offers.",
    ),
    Criterion(
        "meeting",
        "Meeting format",
        2.0,
        "Whether the mentor offers the trainee's preferred format (in person, virtual).",
    ),
    Criterion(
        "geography",
        "Same institution or region",
        2.0,
        "Closeness: same institution, then city, region (state/province), country. Counts for "
        "trainees who asked for a nearby mentor or in-person meetings.",
    ),
    Criterion(
        "timezone",
        "Time-zone distance",
        1.0,
        "Full credit in the same time zone, none at 8 hours or more apart.",
    ),
    Criterion(
        "languages",
        "Shared languages",
        1.0,
        "Share of the trainee's languages the mentor speaks.",
    ),
    Criterion(
        "background",
        "Shared background",
        2.0,
        "Share of the trainee's self-identification the mentor shares; used only for trainees "
        "who consented to its use in matching.",
    ),
    Criterion(
        "preference",
        "Named preference",
        3.0,
        "The trainee named this mentor as a preferred mentor.",
    ),
)
CRITERION_NAMES = tuple(c.name for c in CRITERIA)
DEFAULT_WEIGHTS: dict[str, float] = {c.name: c.default for c in CRITERIA}

#: Rules an admin can make hard ("must have"), with help text.
MUST_HAVE_RULES: dict[str, str] = {
    "shared_topic": "Trainee and mentor share at least one topic.",
    "meeting_format": "The mentor offers the trainee's preferred meeting format.",
    "shared_language": "The mentor speaks at least one of the trainee's languages.",
    "needs_offered": "The mentor offers every mentoring need the trainee listed.",
    "same_region": "Trainees who asked for a mentor in their region only get one there.",
    "timezone_3h": "Trainee and mentor are at most 3 hours apart.",
}

#: Hard rules that always apply, in the order a diagnosis reports them.
ALWAYS_RULES: dict[str, str] = {
    "role_not_requested": "the trainee did not ask for this kind of mentor",
    "role_not_offered": "the mentor does not offer this kind of mentoring",
    "no_capacity": "the mentor has no places this cycle",
    "stage": "the mentor does not take trainees at this career stage",
    "conflict": "a conflict of interest was declared",
    "same_institution": "the same-institution policy rules the pair out",
    "rejected": "an admin rejected the pair",
}


@dataclass(frozen=True)
class TraineeInput:
    id: int
    name: str = ""
    email: str = ""
    stage: str = "medical_student"  #: one of CAREER_STAGES; "" if not given (no mentor takes it)
    institution: str = ""
    city: str = ""
    region: str = ""  #: state or province
    country: str = ""
    timezone: str = ""  #: IANA name, e.g. "America/Chicago"
    topics: tuple[str, ...] = ()  #: codes from topics.csv
    statement: str = ""
    needs: tuple[str, ...] = ()
    roles: tuple[str, ...] = ("research",)  #: kinds of mentor requested
    meeting_format: str = "either"  #: one of MEETING_PREFERENCES; "" if not given
    languages: tuple[str, ...] = ()
    wants_same_institution: bool = False
    wants_same_region: bool = False
    #: self-identification attributes, only when the trainee consented to their use in
    #: matching; None otherwise (then shared background is never computed)
    background: frozenset[str] | None = None
    conflict_people: tuple[str, ...] = ()  #: emails or names of people to avoid
    conflict_institutions: tuple[str, ...] = ()
    preferred_mentor_ids: tuple[int, ...] = ()
    #: the statement's sentence embedding (semantic model), when stored; see text_model
    embedding: np.ndarray | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class MentorInput:
    id: int
    name: str = ""
    email: str = ""
    institution: str = ""
    city: str = ""
    region: str = ""
    country: str = ""
    timezone: str = ""
    topics: tuple[str, ...] = ()
    statement: str = ""  #: expertise statement
    publications: str = ""  #: titles / abstracts, free text
    roles: tuple[str, ...] = ("research", "career")  #: kinds of mentoring offered
    stages: tuple[str, ...] = CAREER_STAGES  #: career stages accepted
    #: mentoring needs the mentor offers; None: not stated (the criterion then does not apply
    #: to the mentor's pairs, and the must-have rule "every need offered" excludes them)
    needs_offered: tuple[str, ...] | None = None
    capacity: int = 1
    meeting_formats: tuple[str, ...] = MEETING_FORMATS
    languages: tuple[str, ...] = ()
    background: frozenset[str] | None = None  #: consented attributes, else None
    conflict_people: tuple[str, ...] = ()
    conflict_institutions: tuple[str, ...] = ()
    #: the embedding of statement and publications (semantic model), when stored
    embedding: np.ndarray | None = field(default=None, compare=False, repr=False)


#: How statement similarity is computed: TF-IDF with the lexicon, sentence embeddings, or the
#: mean of the two (each calibrated per trainee; see text.py).
TEXT_MODELS = ("tfidf", "semantic", "hybrid")


@dataclass(frozen=True)
class MatchSettings:
    role: str = "research"  #: which kind of mentor this run assigns
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    must_have: frozenset[str] = frozenset()  #: keys of MUST_HAVE_RULES
    same_institution: str = "ignore"  #: one of SAME_INSTITUTION_POLICIES
    objective: str = "total"  #: one of OBJECTIVES
    min_score: float = 0.0  #: pairs scoring below this are never proposed
    rejected_pairs: frozenset[tuple[int, int]] = frozenset()  #: (trainee id, mentor id)
    locked_pairs: frozenset[tuple[int, int]] = frozenset()  #: (trainee id, mentor id)
    #: ISO date at which time-zone offsets are taken (daylight saving); None means 1 January
    #: and 1 July averaged, which does not depend on when the run happens
    reference_date: str | None = None
    alternatives: int = 5
    #: one of TEXT_MODELS; None: "hybrid" when the semantic model is installed, else "tfidf"
    text_model: str | None = None

    def validate(self) -> None:
        if self.role not in MENTOR_ROLES:
            raise ValueError(f"role must be one of {MENTOR_ROLES}")
        if self.same_institution not in SAME_INSTITUTION_POLICIES:
            raise ValueError(f"same_institution must be one of {SAME_INSTITUTION_POLICIES}")
        if self.objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {OBJECTIVES}")
        unknown = set(self.weights) - set(CRITERION_NAMES)
        if unknown:
            raise ValueError(f"unknown criteria: {sorted(unknown)}")
        for name, w in self.weights.items():
            if not 0 <= float(w) <= 10:
                raise ValueError(f"weight of {name} must be between 0 and 10")
        bad = set(self.must_have) - set(MUST_HAVE_RULES)
        if bad:
            raise ValueError(f"unknown must-have rules: {sorted(bad)}")
        if not 0 <= self.min_score <= 1:
            raise ValueError("min_score must be between 0 and 1")
        if self.text_model is not None and self.text_model not in TEXT_MODELS:
            raise ValueError(f"text_model must be one of {TEXT_MODELS}")

    def weight(self, name: str) -> float:
        return float(self.weights.get(name, DEFAULT_WEIGHTS[name]))
