"""One run's solving state: the locked pairs, the candidates, and the assignment rounds.

:class:`Engine` encodes the cycle (a :class:`~.scorer.Scorer`), fixes the locked pairs (they
use their mentor's places and are left out of the assignment), runs the candidate pass
(:mod:`.candidates`), then alternates the exact assignment on the candidates (:mod:`.assign`)
with pricing (:mod:`.pricing`) until no pair outside the candidates can improve the result: the
assignment is then certified optimal for the full trainees x mentors matrix. Small cycles take
every eligible pair as a candidate and need one round.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .assign import AssignmentResult, solve_candidates
from .candidates import CandidatePool
from .inputs import MatchSettings, MentorInput, TraineeInput
from .pricing import SCALE, Pricing
from .scorer import Scorer

#: When a pricing round adds at most this share of the candidates, the next solve runs first
#: on the pairs within NEAR_SLACK score units of their old prices (the certificate decides).
NEAR_SHARE = 0.01
NEAR_SLACK = 0.05
#: Rounds of assignment and pricing per phase before giving up the certificate.
MAX_ROUNDS = 50


class Engine:
    """Locks, candidates and assignment rounds of one run (``k`` candidates a trainee)."""

    def __init__(
        self,
        trainees: list[TraineeInput],
        mentors: list[MentorInput],
        settings: MatchSettings,
        k: int,
        dense_limit: int,
    ):
        self.timings: dict[str, float] = {}
        #: optional callable(str) for long runs (the benchmark sets it)
        self.progress: Callable[[str], None] | None = None
        t0 = time.perf_counter()
        self.sc = Scorer(trainees, mentors, settings)
        self.timings["vectorise"] = time.perf_counter() - t0
        self.settings = settings
        self.n_t, self.n_m = len(trainees), len(mentors)
        sc = self.sc
        self.locked: dict[int, int] = {}  # trainee index -> mentor index
        for tid, mid in sorted(settings.locked_pairs):
            if tid not in sc.trainee_index or mid not in sc.mentor_index:
                raise ValueError(f"locked pair ({tid}, {mid}) names an unknown trainee or mentor")
            i = sc.trainee_index[tid]
            if i in self.locked:
                raise ValueError(f"trainee {tid} is locked to two mentors")
            self.locked[i] = sc.mentor_index[mid]
        self.locked_load = np.bincount(
            np.array(list(self.locked.values()), np.int64), minlength=self.n_m
        )
        self.cap = np.maximum(sc.m_capacity - self.locked_load, 0)
        self.active = np.array([i for i in range(self.n_t) if i not in self.locked], np.int64)
        self.pool = CandidatePool(sc, settings, self.active, self.cap, k, dense_limit)
        self.pricing = Pricing(self.pool, k)
        self.rounds: list[dict[str, Any]] = []
        self.certified = False

    def candidates(self) -> None:
        """The candidate pass."""
        self.pool.build(self.timings)

    def assign(self) -> None:
        """Assignment and pricing rounds until certified (or MAX_ROUNDS per phase)."""
        objective = self.settings.objective
        rounds = []
        t_assign = 0.0
        t_price = 0.0
        certified = True
        priced_rows = self.pricing.priced_rows
        # the total objective first: it certifies the maximum number of matched trainees
        phases = ["total"] if objective == "total" else ["total", "fair"]
        for phase in phases:
            warm: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
            added: int | None = None
            for _ in range(MAX_ROUNDS):
                t0 = time.perf_counter()
                # once pricing adds few pairs, prices move little: solve first near them
                settled = added is not None and added <= NEAR_SHARE * self.pool.c_rows.size
                res = self._solve(phase, warm, NEAR_SLACK if settled else None)
                if res.certified:
                    warm = (res.mentor, res.trainee_price, res.mentor_price)
                t_assign += time.perf_counter() - t0
                if self.pool.dense:
                    break
                t1 = time.perf_counter()
                added, priced_before = 0, len(priced_rows)
                if phase == "fair" and res.threshold is not None:
                    added += self.pricing.price_threshold(res)
                if not added:
                    added += self.pricing.price(res)
                t_price += time.perf_counter() - t1
                rounds.append({"phase": phase, "added": added, "certified": res.certified})
                if self.progress is not None:
                    self.progress(
                        f"round {len(rounds)} ({phase}): {added} improving pairs added, "
                        f"{sum(priced_rows[priced_before:])} trainees rescored"
                    )
                if not added:
                    break
            else:
                certified = False
            certified &= res.certified
        self.result = res
        self.certified = certified
        self.rounds = rounds
        self.timings["assign"] = t_assign
        self.timings["pricing"] = t_price

    def _solve(
        self,
        objective: str,
        warm: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
        near: float | None = None,
    ) -> AssignmentResult:
        pool = self.pool
        return solve_candidates(
            self.active.size,
            self.n_m,
            pool.c_rows,
            pool.c_cols,
            pool.c_score,
            self.cap,
            objective,
            scale=SCALE,
            score_bounds=(0.0, 1.0),
            warm=warm,
            near=near,
        )
