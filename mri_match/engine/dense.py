"""Exact assignment of a dense score matrix by candidates and pricing, never all pairs at once.

:func:`~.assign.assign` on a dense trainees x mentors matrix comes here when it has more than
:data:`DENSE_LIMIT` pairs. Handing every pair to the min-cost flow would cost gigabytes (tens of
millions of arcs); instead, as :func:`~.propose.propose` does for profiles:

1. **Candidates.** One pass over the matrix in row blocks keeps each trainee's best ``k``
   mentors and each mentor's best :data:`~.candidates.RECIPROCAL` trainees per place (at most
   12), among the allowed pairs (finite, ``allowed``, mentor with places). The same pass finds
   the lowest and highest allowed score, which fix the score grid and the cardinality bonus
   exactly as a solve on every pair would.
2. **Assignment.** :func:`~.assign.solve_candidates` solves the candidates exactly, on that grid
   and with those bounds, so its integer dual prices are comparable with every pair's value.
3. **Pricing.** A pass over the matrix in row blocks computes, in integer grid units, each
   allowed pair's value minus its two prices. A pair outside the candidates can improve the
   result only if that is positive; each trainee's best such pairs (and pairs within 1% of the
   score range of it) join the candidates, and the assignment runs again (warm, as in
   :mod:`.rounds`). When no pair is positive the prices are feasible for the whole matrix: the
   assignment is optimal for every pair, not just the candidates.
4. **Tie-break.** Every optimal assignment uses only pairs whose value equals the sum of the two
   prices (complementary slackness). Those still outside the candidates join them, and one last
   solve applies the tie-break: the result is the assignment a solve on every pair returns.

The fair objective first does the above for the total objective (which fixes the most matched
trainees), then raises the threshold: the candidates' bottleneck is proven for the whole matrix
by the minimum cut of the flow above it (no pair above the threshold may leave a trainee on the
source side for a mentor on the sink side), and the pairs that break the cut are added.

Only the matrix itself, a few row blocks and the candidates are held: at 10,000 x 4,000 a few
hundred megabytes above the caller's matrix.
"""

from __future__ import annotations

import numpy as np

from . import parallel
from .assign import (
    AssignmentResult,
    _capacities,
    _max_flow,
    grid_scale,
    solve_all_pairs,
    solve_candidates,
)
from .candidates import RECIPROCAL
from .codes import OBJECTIVES
from .kernels import ColumnTops, best_first_per_row, row_tops

#: Dense matrices with more pairs than this are solved by candidates and pricing.
DENSE_LIMIT = 100_000
#: Candidates per trainee in the first pass.
K = 10
#: Pricing adds up to this many pairs per trainee and round.
PER_ROW = 2 * K
#: Pricing also adds pairs within this share of the score range of being profitable.
SLACK_SHARE = 0.01
#: Once a round adds at most this share of the candidates, the next solve runs first near the
#: old prices (see solve_candidates' ``near``), within this share of the score range.
NEAR_SHARE, NEAR_SLACK_SHARE = 0.01, 0.05
#: Rounds per phase before giving up the certificate (the caller then gets the full solve).
MAX_ROUNDS = 60


class _Matrix:
    """The caller's matrix and mask, read a block of rows at a time."""

    def __init__(self, scores: np.ndarray, allowed: np.ndarray | None, cap: np.ndarray):
        self.s = scores
        self.allowed = allowed
        self.cap = cap
        self.live = cap > 0
        self.n_t, self.n_m = scores.shape

    def block(self, rows: slice | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scores (float64, a copy) and which pairs may be used, for a block of rows."""
        s = np.array(self.s[rows], dtype=np.float64)
        ok = np.isfinite(s)
        ok &= self.live[None, :]
        if self.allowed is not None:
            ok &= self.allowed[rows]
        return s, ok

    def blocks(self, rows: np.ndarray | None = None) -> list[np.ndarray]:
        """Every row (or ``rows``, sorted) in blocks of about BLOCK_ELEMENTS scores."""
        rows = np.arange(self.n_t) if rows is None else rows
        step = max(1, parallel.BLOCK_ELEMENTS // max(self.n_m, 1))
        return [rows[lo : lo + step] for lo in range(0, rows.size, step)]


class _Candidates:
    """Candidate pairs, kept as a set of keys row * n_m + col and as sorted arrays."""

    def __init__(self, mat: _Matrix, rows: np.ndarray, cols: np.ndarray):
        self.mat = mat
        self.key = np.unique(rows * mat.n_m + cols)
        #: per trainee, an upper bound on the grid score of every pair it leaves out
        self.bound = np.full(mat.n_t, np.inf)

    def add(self, rows: np.ndarray, cols: np.ndarray) -> int:
        """Add pairs (any order, repeats allowed); return how many were new."""
        keys = rows * self.mat.n_m + cols
        at = np.searchsorted(self.key, keys)
        known = self.key[np.minimum(at, self.key.size - 1)] == keys if self.key.size else False
        new = np.unique(keys[~known])
        if new.size:
            self.key = np.insert(self.key, np.searchsorted(self.key, new), new)
        return int(new.size)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows, cols = np.divmod(self.key, self.mat.n_m)
        return rows, cols, np.asarray(self.mat.s[rows, cols], dtype=np.float64)

    def in_block(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The candidates of a block of rows (sorted), as (position in the block, col)."""
        n_m = self.mat.n_m
        start = np.searchsorted(self.key, rows * n_m)
        count = np.searchsorted(self.key, (rows + 1) * n_m) - start
        local = np.repeat(np.arange(rows.size), count)
        at = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        return local, self.key[start[local] + at] % n_m


def _first_pass(mat: _Matrix, cap: np.ndarray, k: int):
    """Each trainee's best ``k`` mentors and each mentor's best trainees per place, and the
    lowest and highest allowed score (None when no pair is allowed)."""
    n_rec = int(min(RECIPROCAL * cap.max(initial=0), 12))
    tops = ColumnTops(mat.n_m, max(n_rec, 1))

    bound = np.full(mat.n_t, -np.inf)

    def one(rows: np.ndarray):
        s, ok = mat.block(rows)
        any_ok = ok.any()
        lo = float(s[ok].min()) if any_ok else np.inf
        hi = float(s[ok].max()) if any_ok else -np.inf
        s[~ok] = -np.inf
        r, c = row_tops(s, k, -np.inf)
        if mat.n_m > k:  # the (k+1)-th best bounds every pair a row leaves out
            bound[rows] = np.partition(s, mat.n_m - k - 1, axis=1)[:, mat.n_m - k - 1]
        entries = None
        if n_rec:
            entries = tops.entries(s.astype(np.float32), rows)
        return rows[r], c, entries, lo, hi

    rows_out, cols_out, low, high = [], [], np.inf, -np.inf
    for r, c, entries, lo, hi in parallel.map_blocks(one, mat.blocks()):
        rows_out.append(r)
        cols_out.append(c)
        if n_rec:
            tops.add(entries)
        low, high = min(low, lo), max(high, hi)
    if n_rec:
        tops.merge()
        n_keep = np.minimum(RECIPROCAL * cap, n_rec)
        keep = (tops.row >= 0) & (np.arange(tops.keep)[None, :] < n_keep[:, None])
        rows_out.append(tops.row[keep])
        cols_out.append(np.broadcast_to(np.arange(mat.n_m)[:, None], tops.row.shape)[keep])
    rows = np.concatenate(rows_out).astype(np.int64)
    cols = np.concatenate(cols_out).astype(np.int64)
    if low > high:
        return rows, cols, None, bound
    return rows, cols, (low, high), bound


def _price(
    mat: _Matrix,
    cand: _Candidates,
    res: AssignmentResult,
    scale: float,
    slack: int,
    floor: int | None,
    tight_only: bool = False,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Pairs outside the candidates whose value exceeds the sum of their prices by more than
    ``-slack`` grid units (the largest first, at most PER_ROW a trainee), and how many trainees
    had more profitable pairs than that. ``floor``: only pairs at or above this grid score.
    ``tight_only``: every pair whose value equals the sum (after a certified round).

    Only trainees whose bound (``cand.bound``: the highest grid score of a pair they left out)
    could beat their price plus the lowest price of a mentor with places are read; each one
    read gets its bound tightened to the best pair it still leaves out."""
    u = res.trainee_price
    v = res.mentor_price
    base = res.bonus - res.value_floor
    v_low = int(v[mat.live].min(initial=0))
    reach = cand.bound - (u - base) - v_low  # bound on each trainee's best margin outside
    rows_read = np.flatnonzero(reach >= 0 if tight_only else reach > -slack)

    def one(rows: np.ndarray):
        s, ok = mat.block(rows)
        q = np.rint(s * scale, out=s)
        if floor is not None:
            ok &= q >= floor
        # margin = bonus + q - floor - u - v: whole numbers below 2^53, exact in float64
        prices = u[rows, None] - base + v[None, :].astype(np.float64)
        r_in, c_in = cand.in_block(rows)
        ok[r_in, c_in] = False
        if tight_only:
            ok &= q == prices
            r, c = np.nonzero(ok)
            return rows[r], c, 0
        left = np.where(ok, q, -np.inf)  # the grid scores left out, for the new bounds
        q -= prices  # the margins
        ok &= q > -slack
        over = np.count_nonzero(ok & (q > 0), axis=1)
        unresolved = int((over > PER_ROW).sum())
        if np.count_nonzero(ok) > 4 * PER_ROW * q.shape[0]:  # early rounds: many per row
            q[~ok] = -np.inf
            r, c = row_tops(q, PER_ROW, -slack)  # ties: the lower mentor first
        else:
            r, c = np.nonzero(ok)
            order, rank = best_first_per_row(r, q[r, c])  # ties: the lower mentor first
            keep = order[rank < PER_ROW]
            r, c = r[keep], c[keep]
        left[r, c] = -np.inf
        cand.bound[rows] = left.max(axis=1, initial=-np.inf)
        return rows[r], c, unresolved

    rows_out, cols_out, unresolved = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], 0
    for r, c, left in parallel.map_blocks(one, mat.blocks(rows_read)):
        rows_out.append(r)
        cols_out.append(c)
        unresolved += left
    return np.concatenate(rows_out), np.concatenate(cols_out), unresolved


def _threshold_cut(
    mat: _Matrix, cand: _Candidates, res: AssignmentResult, scale: float
) -> tuple[np.ndarray, np.ndarray]:
    """Fair objective: pairs scoring above the candidates' threshold that break the minimum
    cut of the flow on the candidates above it (a reachable trainee, an unreachable mentor)."""
    assert res.threshold is not None
    tau = round(res.threshold * scale)
    rows, cols, vals = cand.arrays()
    above = np.rint(vals * scale) > tau
    _, reach_t, reach_m = _max_flow(mat.n_t, mat.n_m, rows[above], cols[above], mat.cap)

    def one(block: np.ndarray):
        s, ok = mat.block(block)
        ok &= np.rint(s * scale) > tau
        ok &= reach_t[block, None]
        ok &= ~reach_m[None, :]
        r_in, c_in = cand.in_block(block)
        ok[r_in, c_in] = False
        s[~ok] = -np.inf
        r, c = row_tops(s, PER_ROW, -np.inf)
        return block[r], c

    out = list(parallel.map_blocks(one, mat.blocks(np.flatnonzero(reach_t))))
    out.append((np.zeros(0, np.int64), np.zeros(0, np.int64)))
    return np.concatenate([r for r, _ in out]), np.concatenate([c for _, c in out])


def solve_dense(
    scores: np.ndarray,
    capacities,
    allowed: np.ndarray | None = None,
    objective: str = "total",
    k: int = K,
) -> AssignmentResult:
    """The exact assignment of a dense score matrix (see the module docstring); the same result
    as :func:`~.assign.solve` on every pair. ``timings`` has the rounds and candidate pairs."""
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")
    s = np.asarray(scores)
    if s.ndim != 2:
        raise ValueError("scores must be a 2-D array")
    n_t, n_m = s.shape
    cap = _capacities(capacities, n_m)
    if allowed is not None:
        allowed = np.asarray(allowed, dtype=bool)
        if allowed.shape != (n_t, n_m):
            raise ValueError(f"allowed has shape {allowed.shape}, expected {(n_t, n_m)}")
    mat = _Matrix(s, allowed, cap)
    rows, cols, bounds, row_bound = _first_pass(mat, cap, k)
    cand = _Candidates(mat, rows, cols)
    if bounds is None:  # nothing allowed: nobody is matched
        return solve_candidates(n_t, n_m, rows[:0], cols[:0], np.zeros(0), cap, objective)
    scale = grid_scale(max(abs(bounds[0]), abs(bounds[1])))
    cand.bound = np.rint(row_bound * scale)  # grid units; -inf: nothing left out
    q_range = round(bounds[1] * scale) - round(bounds[0] * scale)
    slack = round(SLACK_SHARE * q_range)
    near_slack = NEAR_SLACK_SHARE * (bounds[1] - bounds[0])
    rounds: list[int] = []

    def run(phase: str, warm, near, tie_break=False) -> AssignmentResult:
        r, c, vals = cand.arrays()
        return solve_candidates(
            n_t,
            n_m,
            r,
            c,
            vals,
            cap,
            phase,
            scale=scale,
            score_bounds=bounds,
            tie_break=tie_break,
            warm=warm,
            near=near,
        )

    def price_phase(phase: str) -> AssignmentResult | None:
        """Rounds of assignment and pricing until no pair outside the candidates could
        improve it; None when that takes more than MAX_ROUNDS."""
        warm, added = None, None
        for _ in range(MAX_ROUNDS):
            settled = added is not None and added <= NEAR_SHARE * cand.key.size
            res = run(phase, warm if phase == "total" else None, near_slack if settled else None)
            if not res.certified:
                return None
            warm = (res.mentor, res.trainee_price, res.mentor_price)
            added = 0
            if res.threshold is not None:
                r, c = _threshold_cut(mat, cand, res, scale)
                added = cand.add(r, c)
            if not added:
                floor = None if res.threshold is None else round(res.threshold * scale)
                r, c, unresolved = _price(mat, cand, res, scale, slack, floor)
                added = cand.add(r, c) + unresolved
            rounds.append(added)
            if not added:
                return res
        return None

    res = price_phase("total")
    if res is not None and objective == "fair":
        res = price_phase("fair")
    if res is None:  # not proven within MAX_ROUNDS: every pair, as assign always could
        return solve_all_pairs(scores, capacities, allowed, objective)
    # every pair tight under the proven prices may be in some optimal assignment: with them
    # among the candidates, the tie-break picks what a solve on every pair would
    floor = None if res.threshold is None else round(res.threshold * scale)
    r, c, _ = _price(mat, cand, res, scale, 0, floor, tight_only=True)
    cand.add(r, c)
    final = run(
        objective,
        (res.mentor, res.trainee_price, res.mentor_price) if objective == "total" else None,
        0.0 if objective == "total" else None,
        tie_break=True,
    )
    final.trainee_price, final.mentor_price = res.trainee_price, res.mentor_price
    final.timings["rounds"] = float(len(rounds))
    final.timings["candidate_pairs"] = float(cand.key.size)
    return final
