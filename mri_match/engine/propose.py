"""End to end: profiles and settings in, proposed pairs with explanations and diagnoses out.

:func:`propose` is the engine's entry point. A run goes through these steps, each in its own
module:

1. encode the cycle's profiles and settings (:mod:`.encoding`, :mod:`.rules`, :mod:`.scorer`)
   and fix the locked pairs (:mod:`.rounds`);
2. the candidate pass (:mod:`.candidates`): every eligible pair for small cycles (at most
   ``dense_limit`` trainee x mentor pairs), otherwise each trainee's best ``k`` mentors and each
   mentor's best trainees, from blocks scored in worker threads (:mod:`.parallel`);
3. rounds of the exact assignment on the candidates (:mod:`.assign`) and pricing
   (:mod:`.pricing`, :mod:`.reserve_pricing`): the dual prices find any pair outside the
   candidates that could still improve the result; such pairs are added and the problem solved
   again until none is left, and the result is then certified optimal for the full implicit
   trainees x mentors matrix;
4. the report (:mod:`.report`): exact scores, explanations, alternatives and diagnoses.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from .inputs import MatchSettings, MentorInput, TraineeInput
from .report import build_report
from .rounds import Engine

#: Up to this many trainee x mentor pairs, every eligible pair is a candidate.
DENSE_LIMIT = 100_000
#: Candidates kept per trainee in the sparse path.
K_CANDIDATES = 10


@dataclass
class Alternative:
    """Another eligible mentor for a trainee, by exact score."""

    mentor_id: int
    score: float
    full: bool  #: the mentor's places are all taken in this proposal


@dataclass
class TraineeResult:
    """One trainee's outcome: the proposed mentor (or why none), explained."""

    trainee_id: int
    mentor_id: int | None
    score: float | None
    locked: bool = False
    explanation: dict | None = None
    alternatives: list[Alternative] = field(default_factory=list)
    #: for unmatched trainees: why, in words
    diagnosis: str | None = None
    #: "no_eligible_mentor", "all_eligible_full", or None
    reason: str | None = None
    #: no eligible mentor: number of mentors each rule excludes (a mentor may count twice)
    excluded_by: dict[str, int] = field(default_factory=dict)
    #: every eligible mentor full: [{mentor_id, score, taken_by: [(trainee_id, score)]}]
    full_mentors: list[dict] = field(default_factory=list)


@dataclass
class MatchResult:
    """A run's outcome: one :class:`TraineeResult` per trainee, in input order, and totals."""

    model_version: str
    role: str
    objective: str
    results: list[TraineeResult]
    matched: int
    unmatched: int
    total_score: float
    min_score: float | None
    certified: bool  #: optimal for the full (implicit) score matrix, proven by duals
    mentor_load: dict[int, int]
    stats: dict

    def pairs(self) -> list[tuple[int, int, float]]:
        return [
            (r.trainee_id, r.mentor_id, r.score)
            for r in self.results
            if r.mentor_id is not None and r.score is not None  # both set for a matched trainee
        ]

    def by_trainee(self) -> dict[int, TraineeResult]:
        return {r.trainee_id: r for r in self.results}


def propose(
    trainees: list[TraineeInput],
    mentors: list[MentorInput],
    settings: MatchSettings | None = None,
    *,
    k: int = K_CANDIDATES,
    dense_limit: int = DENSE_LIMIT,
    explain: bool = True,
) -> MatchResult:
    """Propose a mentor for every trainee who can have one (see the module docstring)."""
    settings = settings or MatchSettings()
    ids = [t.id for t in trainees]
    if len(set(ids)) != len(ids) or len({m.id for m in mentors}) != len(mentors):
        raise ValueError("trainee and mentor ids must be unique")
    with cyclic_gc_paused():
        eng = Engine(trainees, mentors, settings, max(k, settings.alternatives + 1), dense_limit)
        eng.candidates()
        eng.assign()
        t0 = time.perf_counter()
        result = build_report(eng, explain)
        eng.timings["report"] = time.perf_counter() - t0
    return result


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a run.

    A large run allocates millions of small objects (vocabulary strings, explanations, one
    result per trainee) and frees almost none before it ends. Each allocation burst makes the
    collector traverse every live object, the cohort's profiles included (at 50,000 x 20,000,
    about a third of the report's time). Reference counting still frees what a run
    drops; the collector's previous state is restored afterwards, and then collects whatever
    cycles were made meanwhile (ORM back-references, when the app loads the inputs).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
