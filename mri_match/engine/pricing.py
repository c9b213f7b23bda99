"""Pricing: the pairs outside the candidates that could still improve the assignment.

The exact assignment on the candidates comes with integer dual prices, one per trainee and one
per mentor (:mod:`.assign`). A pair outside the candidates can improve the result only if its
value (the cardinality bonus plus its score, on the score grid) exceeds the sum of its two
prices. Pricing looks for such pairs, and for pairs within :data:`PRICING_SLACK` of it (the
likeliest to be next once prices move), and adds them to the candidates; when it finds none,
and no trainee has more possible improvements than it could add in one round, the assignment is
optimal for the full trainees x mentors matrix.

Only trainees whose candidate list could hide such a pair are looked at: the pool's bounds on
every pair left out (:meth:`.CandidatePool.margin_bound`) rule out the rest. Those are
rescanned from the score cache, from the reserve (:mod:`.reserve_pricing`), or scored again.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from . import parallel
from .assign import AssignmentResult, _max_flow
from .candidates import CandidatePool
from .kernels import mask_out, row_tops
from .reserve_pricing import scan_beyond_reserve, scan_reserve
from .scorer import BLOCK_ERROR

#: Score grid of the assignment: 1e-7 (the dual prices are in its units).
SCALE = 1e7
#: Pricing also adds pairs within this many score units of being profitable.
PRICING_SLACK = 0.01
#: Pricing adds up to this many pairs per trainee and round for each candidate it started
#: with. With as many as the candidates, the first rounds can move most of the cardinality
#: bonus onto the mentors' prices, and the next ones then rescore most trainees again.
PRICING_PER_CANDIDATE = 2

#: margin(local rows, their scores against every mentor): -inf where a pair cannot help
_Predicate = Callable[[np.ndarray, np.ndarray], np.ndarray]


class Pricing:
    """Pricing rounds over one :class:`~.candidates.CandidatePool` (``k`` candidates a
    trainee)."""

    def __init__(self, pool: CandidatePool, k: int):
        self.pool = pool
        self.price_k = PRICING_PER_CANDIDATE * k  # pairs a pricing round adds per trainee
        self.priced_rows: list[int] = []  # trainees rescanned in each pricing round

    def price(self, res: AssignmentResult) -> int:
        """Add pairs whose value exceeds the sum of the two dual prices (they could improve);
        return how many, plus the trainees that may hold more than they could add."""
        pool = self.pool
        u = res.trainee_price.astype(np.float64)
        v = res.mentor_price.astype(np.float64)
        bonus = float(res.bonus)
        floor = res.threshold if res.threshold is not None else -np.inf
        # a pair outside the candidates scores at most its row's and its column's bound; only
        # rows where that could beat the two prices need a rescoring pass
        t_row = (u - bonus) / SCALE - BLOCK_ERROR
        w_col = v / SCALE
        w_live = np.where(pool.cap > 0, w_col, np.inf)  # mentors without places are no option
        if pool.reserve is not None:
            per_row, slack = self.price_k, PRICING_SLACK
            r, c, unresolved, job = scan_reserve(pool, per_row, slack, t_row, w_col, w_live, floor)
            self.priced_rows.append(int(job.rows.size))
            if job.rows.size:
                r2, c2, left = scan_beyond_reserve(
                    pool, per_row, slack, job, t_row, w_col, w_live, floor
                )
                r, c = np.concatenate([r, r2]), np.concatenate([c, c2])
                unresolved += left
            return self._add_violators(r, c, res, floor) + unresolved

        def predicate(r: np.ndarray, s: np.ndarray) -> np.ndarray:
            margin = np.subtract(s, t_row[r, None], dtype=np.float64)
            margin -= w_col[None, :]
            if floor > -np.inf:
                margin[s + BLOCK_ERROR < floor] = -np.inf
            return margin

        found_r, found_c, unresolved = [], [], 0
        need = pool.margin_bound(t_row, w_live) + PRICING_SLACK > 0
        rows = np.flatnonzero(need & (pool.bound + BLOCK_ERROR >= floor))
        self.priced_rows.append(int(rows.size))
        if rows.size:
            # near-violators (within the slack) are added too: prices move when violators
            # join, and pairs that are almost profitable now are the likeliest to be next
            r, c, left = self._scan(rows, predicate, per_row=self.price_k, slack=PRICING_SLACK)
            found_r.append(r)
            found_c.append(c)
            unresolved += left
        if not found_r:
            return unresolved
        r, c = np.concatenate(found_r), np.concatenate(found_c)
        return self._add_violators(r, c, res, floor) + unresolved

    def price_threshold(self, res: AssignmentResult) -> int:
        """Fair objective: could pairs outside the candidates raise the bottleneck?

        With only pairs scoring above the current threshold the candidates cannot match
        everybody; the minimum cut of that flow (Koenig cover) proves it for the full matrix
        unless some pair leaves a reachable trainee for an unreachable mentor.
        """
        pool = self.pool
        assert res.threshold is not None
        threshold = res.threshold
        tau_q = round(threshold * SCALE)
        q = np.rint(pool.c_score * SCALE)
        keep = q > tau_q
        _, reach_t, reach_m = _max_flow(
            pool.active.size, pool.n_m, pool.c_rows[keep], pool.c_cols[keep], pool.cap
        )
        rows = np.flatnonzero(reach_t & (pool.bound + BLOCK_ERROR > threshold))
        if rows.size == 0:
            return 0

        def predicate(r: np.ndarray, s: np.ndarray) -> np.ndarray:
            margin = s.astype(np.float64) + BLOCK_ERROR - threshold
            return np.where(reach_m[None, :], -np.inf, margin)

        r, c, unresolved = self._scan(rows, predicate)
        if r.size == 0:
            return unresolved
        exact = parallel.exact_scores(pool.sc, pool.active[r], c)
        useful = int((np.rint(exact * SCALE) > tau_q).sum())
        pool.add(r, c, exact)
        return useful + unresolved

    def _scan(
        self, rows_local: np.ndarray, predicate: _Predicate, per_row: int = 5, slack: float = 0.0
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """Rescore the given active rows against all mentors; return (rows, cols) where
        ``predicate(local_rows, scores)`` (a margin, -inf where the pair is not eligible) is
        above ``-slack``, at most ``per_row`` per row (the largest margins), leaving out
        existing candidates.

        Each scanned row's bound is tightened to its best pair left outside the candidates. The
        third value counts rows that had more possible violators (margin > 0) than they could
        add: pricing is not finished while there are any."""
        pool = self.pool
        out_r, out_c = [], []
        cand = sp.csr_array(
            (np.ones(pool.c_rows.size, bool), (pool.c_rows, pool.c_cols)),
            shape=(pool.active.size, pool.n_m),
        )

        def one_block(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
            if pool.cache is not None:
                s = pool.cache[rows]  # a copy: fancy indexing
            else:
                s, ok = pool.block(pool.active[rows])
                mask_out(s, ok)
            taken = cand[rows]  # existing candidates are no longer "outside"
            s[np.repeat(np.arange(rows.size), np.diff(taken.indptr)), taken.indices] = -np.inf
            margin = predicate(rows, s)
            # a row with more possible violators (margin > 0) than it may add is not done: the
            # ones left out are still candidates for improvement next round
            unresolved = int((np.count_nonzero(margin > 0, axis=1) > per_row).sum())
            fr, fc = row_tops(margin, per_row, -slack)
            s[fr, fc] = -np.inf  # found: no longer outside
            pool.bound[rows] = s.max(axis=1, initial=-np.inf)
            return rows[fr], fc, unresolved

        blocks = parallel.row_blocks(np.asarray(rows_local, np.int64), pool.n_m)
        unresolved = 0
        for found_r, found_c, left in parallel.map_blocks(one_block, blocks):
            out_r.append(found_r)
            out_c.append(found_c)
            unresolved += left
        if not out_r:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), unresolved
        return np.concatenate(out_r), np.concatenate(out_c), unresolved

    def _add_violators(
        self, r: np.ndarray, c: np.ndarray, res: AssignmentResult, floor: float
    ) -> int:
        """Score the pairs found exactly and add them to the candidates; return how many
        violate the prices."""
        if r.size == 0:
            return 0
        pool = self.pool
        exact = parallel.exact_scores(pool.sc, pool.active[r], c)
        q = np.rint(exact * SCALE)
        viol = (res.bonus + q > res.trainee_price[r] + res.mentor_price[c]) & (exact >= floor)
        pool.add(r, c, exact)
        return int(viol.sum())
