"""The candidate pass: the pairs the exact assignment is solved on, and bounds on the rest.

Small cycles (at most ``dense_limit`` trainee x mentor pairs) take every eligible pair. Larger
ones never build the trainees x mentors matrix: blocks of trainees are scored against every
mentor in the worker threads, and each trainee keeps its best ``k`` mentors and each mentor its
best :data:`RECIPROCAL` trainees per place. The candidates are rescored exactly and kept sorted
by (trainee, mentor); pricing (:mod:`.pricing`) adds more.

The pass also leaves what pricing needs to look beyond the candidates: an upper bound on the
score of every pair outside them, per trainee and per mentor, and either the cycle's whole
float32 score matrix (when it fits in :data:`SCORE_CACHE_BYTES`) or each trainee's best pairs
in a :class:`~.reserve.Reserve`.
"""

from __future__ import annotations

import time

import numpy as np

from . import parallel
from .inputs import MatchSettings
from .kernels import ColumnTops, Entries, mask_out, nonzero_2d
from .reserve import Reserve
from .scorer import BLOCK_ERROR, Scorer

#: Mentor-side candidates: each mentor's best trainees, this many per place.
RECIPROCAL = 3
#: Pricing rescans every trainee several times; when the cycle's (approximate, float32) score
#: matrix fits in this many bytes it is kept from the candidate pass, not computed again.
SCORE_CACHE_BYTES = 256 * 2**20


class CandidatePool:
    """The candidate pairs of one run and the bounds on every pair outside them.

    Trainees are counted in *local* rows: positions in ``active`` (the trainees the assignment
    places, locked ones left out). ``c_rows``, ``c_cols`` and ``c_score`` are the candidates'
    local rows, mentors and exact scores, sorted by (row, mentor).
    """

    def __init__(
        self,
        sc: Scorer,
        settings: MatchSettings,
        active: np.ndarray,
        cap: np.ndarray,
        k: int,
        dense_limit: int,
    ):
        self.sc = sc
        self.settings = settings
        self.active = active
        self.cap = cap  #: places left per mentor
        self.k = k
        self.n_m = sc.n_m
        #: every eligible pair is a candidate (the assignment is exact by construction)
        self.dense = active.size * self.n_m <= dense_limit
        # Upper bounds on the score of any pair outside the candidates, per trainee (row) and
        # per mentor (column): pricing only rescans trainees for whom some mentor could still
        # offer a profitable pair under both bounds.
        self.bound = np.full(active.size, -np.inf)
        self.col_bound = np.full(self.n_m, -np.inf)
        self.cache: np.ndarray | None = None
        self.reserve: Reserve | None = None
        self.c_rows = np.zeros(0, np.int64)
        self.c_cols = np.zeros(0, np.int64)
        self.c_score = np.zeros(0)

    def block(self, rows: np.ndarray, cols: np.ndarray | None = None):
        """Approximate scores and candidate eligibility (rules, places left, min score), against
        every mentor or the mentors ``cols``."""
        s = self.sc.block(rows, cols)
        places = self.cap > 0 if cols is None else self.cap[cols] > 0
        ok = self.sc.eligible(rows, cols) & places[None, :]
        if s.size and s.min() + BLOCK_ERROR < self.settings.min_score:  # one pass when none is
            ok &= s + BLOCK_ERROR >= self.settings.min_score
        return s, ok

    def margin_bound(
        self, t_row: np.ndarray, w_col: np.ndarray, bound: np.ndarray | None = None
    ) -> np.ndarray:
        """Per trainee, an upper bound on the margin (score - t_row - w_col) of any pair outside
        the candidates: pricing rescans only trainees where it could be positive.

        Such a pair (i, j) scores at most min(bound[i], col_bound[j]) (+ BLOCK_ERROR), so its
        margin is at most max_j min(bound[i], col_bound[j]) - w_col[j] - t_row[i]. Sorting the
        mentors by column bound evaluates that maximum for every trainee at once. ``bound``
        replaces the row bounds (the reserve's bound on the pairs it left out).
        """
        row_bound = self.bound if bound is None else bound
        order = np.argsort(self.col_bound, kind="stable")
        c = self.col_bound[order] + BLOCK_ERROR
        w = w_col[order]
        with np.errstate(invalid="ignore"):  # inf - inf: a mentor with no places
            gain = np.where(np.isposinf(w), -np.inf, c - w)
        below = np.concatenate([[-np.inf], np.maximum.accumulate(gain)])  # mentors with c < b
        above = np.concatenate([np.minimum.accumulate(w[::-1])[::-1], [np.inf]])  # c >= b
        b = row_bound + BLOCK_ERROR
        pos = np.searchsorted(c, b, side="left")
        with np.errstate(invalid="ignore"):  # -inf - (-inf) for rows with no pair left
            best = np.maximum(below[pos], b - above[pos])
        best = np.where(np.isfinite(row_bound), best, -np.inf)
        return best - t_row

    def build(self, timings: dict[str, float]) -> None:
        """The candidate pass (see the module docstring); records its time and the exact
        rescoring's in ``timings``."""
        t0 = time.perf_counter()
        act = self.active
        rows_out, cols_out = [], []
        kk = self.k
        # mentor side: each mentor's best RECIPROCAL x capacity trainees, kept across blocks
        # (one more is tracked: the first left out bounds the column)
        n_rec = int(min(RECIPROCAL * self.cap.max(initial=0), 12))
        keep_rec = n_rec + 1
        tops = ColumnTops(self.n_m, keep_rec)
        all_pairs = self.dense or self.n_m <= kk
        if not all_pairs and act.size * self.n_m * 4 <= SCORE_CACHE_BYTES:
            self.cache = np.empty((act.size, self.n_m), np.float32)
        elif not all_pairs:
            self.reserve = Reserve.sized(act.size, self.n_m, kk)

        def one_block(local: np.ndarray) -> tuple[np.ndarray, np.ndarray, Entries | None]:
            rows = act[local]
            s, ok = self.block(rows)
            if all_pairs:
                r, c = nonzero_2d(ok)
                return local[r], c, None
            mask_out(s, ok)  # in place: blocks are large
            if self.cache is not None:
                self.cache[local] = s
            if self.reserve is not None:  # the best pairs of each row, then its k among them
                part, vals = self.reserve.keep(s, local, kk + 1)
            else:
                part = np.argpartition(s, -(kk + 1), axis=1)[:, -(kk + 1) :]
                vals = np.take_along_axis(s, part, axis=1)
            order = np.argsort(-vals, axis=1, kind="stable")
            part = np.take_along_axis(part, order, axis=1)
            vals = np.take_along_axis(vals, order, axis=1)
            self.bound[local] = vals[:, kk]
            keep = np.isfinite(vals[:, :kk])
            r = local[np.repeat(np.arange(rows.size), kk)[keep.ravel()]]
            c = part[:, :kk][keep]
            return r, c, tops.entries(s, local) if n_rec else None

        # trainees sharing their most common statement term are scored together: a block's
        # text part costs in proportion to the mentors' postings of the terms it holds
        order = self.sc.text_order(act)
        blocks = parallel.row_blocks(order, self.n_m)
        for r, c, entries in parallel.map_blocks(one_block, blocks):
            rows_out.append(r)
            cols_out.append(c)
            if entries is not None:
                tops.add(entries)
        tops.merge()
        rec_val, rec_row = tops.val, tops.row
        if n_rec and not all_pairs:
            n_keep = np.minimum(RECIPROCAL * self.cap, n_rec)
            keep = np.isfinite(rec_val) & (np.arange(keep_rec)[None, :] < n_keep[:, None])
            rows_out.append(rec_row[keep])
            cols_out.append(np.broadcast_to(np.arange(self.n_m)[:, None], rec_val.shape)[keep])
            self.col_bound = rec_val[np.arange(self.n_m), n_keep].astype(np.float64)
        elif not all_pairs:
            self.col_bound = np.full(self.n_m, np.inf)
        r = np.concatenate(rows_out) if rows_out else np.zeros(0, np.int64)
        c = np.concatenate(cols_out) if cols_out else np.zeros(0, np.int64)
        timings["candidates"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        self._set(r.astype(np.int64), c.astype(np.int64))
        timings["rescoring"] = time.perf_counter() - t1

    def _set(self, r_local: np.ndarray, c: np.ndarray) -> None:
        """Rescore the pairs exactly and make those that reach the minimum score the
        candidates."""
        key = np.unique(r_local * self.n_m + c)
        r_local, c = key // self.n_m, key % self.n_m
        score = parallel.exact_scores(self.sc, self.active[r_local], c)
        keep = score >= self.settings.min_score
        r_local, c, score = r_local[keep], c[keep], score[keep]
        order = np.lexsort((c, r_local))
        self.c_rows, self.c_cols, self.c_score = r_local[order], c[order], score[order]

    def add(self, r_local: np.ndarray, c: np.ndarray, score: np.ndarray | None = None) -> int:
        """Add pairs (exact ``score`` if already known) to the candidates; return how many
        were new."""
        if r_local.size == 0:
            return 0
        if score is None:
            score = parallel.exact_scores(self.sc, self.active[r_local], c)
        ok = score >= self.settings.min_score
        r_local, c, score = r_local[ok], c[ok], score[ok]
        # candidates are kept sorted by (row, mentor): merge the new ones in by key
        key_old = self.c_rows * self.n_m + self.c_cols
        key_new, first = np.unique(r_local * self.n_m + c, return_index=True)
        at = np.searchsorted(key_old, key_new)
        new = (
            key_old[np.minimum(at, max(key_old.size - 1, 0))] != key_new
            if key_old.size
            else at >= 0
        )
        at, first = at[new], first[new]
        self.c_rows = np.insert(self.c_rows, at, r_local[first])
        self.c_cols = np.insert(self.c_cols, at, c[first])
        self.c_score = np.insert(self.c_score, at, score[first])
        return int(at.size)
