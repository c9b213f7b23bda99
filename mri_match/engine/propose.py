"""End to end: profiles and settings in, proposed pairs with explanations and diagnoses out.

Small cycles (``trainees x mentors <= DENSE_LIMIT``) use every eligible pair as a candidate, so
the assignment is exact by construction. Larger cycles never build the trainees x mentors
matrix: blocks of trainees are scored against all mentors, each trainee keeps its best ``k``
candidates, the assignment is solved on those, and a *pricing* pass uses the dual prices to find
any pair outside the candidates that could still improve the result (only trainees whose
candidate list could hide such a pair are rescored). Such pairs are added and the problem solved
again, until none is left: the result is then certified optimal for the full implicit matrix.

Scoring is the cost that grows with trainees x mentors, so blocks are scored in worker threads,
and when the cycle's float32 scores fit in ``SCORE_CACHE_BYTES`` the candidate pass keeps them
for the pricing rounds instead of scoring again (the cache is the one trainees x mentors array).
Larger cycles keep instead each trainee's best pairs, three bytes each, in ``RESERVE_BYTES`` (a
:class:`_Reserve`): pricing reads those first and rescores a trainee only when a pair beyond them
could matter, and then only against the mentors priced low enough for that.
"""

from __future__ import annotations

import functools
import gc
import os
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from threadpoolctl import ThreadpoolController

from .assign import _max_flow, solve_candidates
from .explanations import explain_pairs
from .inputs import MODEL_VERSION, MatchSettings, MentorInput, TraineeInput
from .rules import RULE_TEXT
from .scorer import BLOCK_ERROR, Scorer

#: Up to this many trainee x mentor pairs, every eligible pair is a candidate.
DENSE_LIMIT = 100_000
#: Candidates kept per trainee in the sparse path.
K_CANDIDATES = 10
#: Mentor-side candidates: each mentor's best trainees, this many per place.
RECIPROCAL = 3
#: Pricing also adds pairs within this many score units of being profitable.
PRICING_SLACK = 0.01
#: Pricing adds up to this many pairs per trainee and round for each candidate it started
#: with. With as many as the candidates (10 each) the first rounds could move most of the
#: cardinality bonus onto the mentors' prices, and then rescore most trainees twice more:
#: at 50,000 x 20,000, seeds 1-4 took 17-22 s to assign and price, against 12-13 s with twice
#: as many (seed 0: 12.6 s against 13.4 s).
PRICING_PER_CANDIDATE = 2
#: Pricing rescans every trainee several times; when the cycle's (approximate, float32) score
#: matrix fits in this many bytes it is kept from the candidate pass instead of recomputed.
SCORE_CACHE_BYTES = 256 * 2**20
#: Larger cycles keep, per trainee, the best pairs of the candidate pass (score and mentor) in
#: up to this many bytes: pricing checks those first and rescores a trainee against every
#: mentor only when a pair beyond them could still be among the ones it would add.
RESERVE_BYTES = 320 * 2**20
#: ... and for at most this share of the mentors: every pricing round reads the whole reserve,
#: and a trainee's pairs beyond its best quarter are seldom near the prices (rescored instead).
RESERVE_SHARE = 0.25
#: When a pricing round adds at most this share of the candidates, the next solve runs first
#: on the pairs within NEAR_SLACK score units of their old prices (the certificate decides).
NEAR_SHARE = 0.01
NEAR_SLACK = 0.05
#: Score grid: 1e-7.
SCALE = 1e7
_BLOCK_ELEMENTS = 1 << 21
#: Exact scores are computed this many pairs at a time, spread over the worker threads: each
#: pair gathers both sides' statement vectors (about 1 kB while it is scored). 568,000 pairs
#: in two chunks peaked at 432 MB and took 0.89 s; in chunks of 25,000, 78 MB and 0.45 s.
_EXACT_CHUNK = 25_000
#: Blocks are scored in this many threads (NumPy and SciPy release the GIL in their loops);
#: BLAS is held to one thread meanwhile so that the two do not compete for the cores.
WORKERS = max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1))
_ROLE_LABEL = {"research": "research mentor", "career": "career-development mentor"}


@dataclass
class Alternative:
    mentor_id: int
    score: float
    full: bool  #: the mentor's places are all taken in this proposal


@dataclass
class TraineeResult:
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
            (r.trainee_id, r.mentor_id, r.score) for r in self.results if r.mentor_id is not None
        ]

    def by_trainee(self) -> dict[int, TraineeResult]:
        return {r.trainee_id: r for r in self.results}


def _blocks(rows: np.ndarray, n_m: int):
    step = max(1, _BLOCK_ELEMENTS // max(n_m, 1))
    for lo in range(0, rows.size, step):
        yield rows[lo : lo + step]


@functools.cache
def _blas_threads() -> ThreadpoolController:
    """The process's BLAS and OpenMP pools, found once: looking them up takes about 10 ms,
    and a run maps blocks over the worker threads a few dozen times."""
    return ThreadpoolController()


def _map_blocks(fn, blocks, ahead: int | None = None):
    """Yield ``fn(b)`` for each block, in order, computed in WORKERS threads; with ``ahead``,
    at most that many blocks beyond the one being consumed (so that large results, such as
    the diagnoses' rule masks, never pile up; small ones had better not wait on the consumer).
    """
    blocks = list(blocks)
    if WORKERS == 1 or len(blocks) < 2:
        yield from map(fn, blocks)
        return
    with _blas_threads().limit(limits=1), ThreadPoolExecutor(WORKERS) as pool:
        if ahead is None:
            yield from pool.map(fn, blocks)
            return
        pending: deque = deque()
        for block in blocks:
            pending.append(pool.submit(fn, block))
            if len(pending) > ahead:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _exact_scores(scorer: Scorer, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Exact scores of explicit pairs, in chunks spread over the worker threads."""
    n_chunks = max(1, -(-rows.size // _EXACT_CHUNK))
    bounds = np.linspace(0, rows.size, n_chunks + 1).astype(np.int64)
    chunks = [(rows[lo:hi], cols[lo:hi]) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
    parts = list(_map_blocks(lambda rc: scorer.pairs(*rc).score, chunks))
    return np.concatenate(parts) if parts else np.zeros(0)


def _best_first_per_row(rows: np.ndarray, margins: np.ndarray):
    """Order pairs by row, best margin first within a row; return that order and each pair's
    rank within its row (0 = best)."""
    order = np.lexsort((-margins, rows))
    sorted_rows = rows[order]
    rank = np.arange(order.size) - np.searchsorted(sorted_rows, sorted_rows, side="left")
    return order, rank


def _row_tops(a: np.ndarray, k: int, above: float):
    """Per row of ``a``, the (row, column) positions of its entries above ``above``, at most
    its ``k`` largest (ties: the lower column first).

    Rows with more than ``k`` such entries are first cut at the k-th largest of a strided
    sample of their columns (at most their k-th largest, so their k largest all pass): a
    few dozen entries per row are then ranked, not the whole row partitioned."""
    hit = a > above
    cut = np.full(a.shape[0], -np.inf)
    many = np.flatnonzero(np.count_nonzero(hit, axis=1) > k)
    stride = a.shape[1] // (32 * k)
    if many.size and stride > 1:
        sample = a[many[:, None], np.arange(0, a.shape[1], stride)[None, :]]
        cut[many] = np.partition(sample, sample.shape[1] - k, axis=1)[:, sample.shape[1] - k]
        hit &= a >= cut[:, None]
    r, c = _nonzero_2d(hit)
    if not many.size:
        return r, c
    order, rank = _best_first_per_row(r, a[r, c])
    take = order[rank < k]
    return r[take], c[take]


class _ColumnTops:
    """Each mentor's ``keep`` best trainees over a stream of score blocks (ties: lower row).

    A block entry can only enter when it reaches its column's current floor (the last kept
    score), so once the floors settle a single comparison pass per block finds the few that do.
    Blocks may be offered from worker threads with a stale floor: floors only rise, so a stale
    one lets more entries through, never fewer.
    """

    def __init__(self, n_m: int, keep: int):
        self.keep = keep
        self.val = np.full((n_m, keep), -np.inf, np.float32)
        self.row = np.full((n_m, keep), -1, np.int64)
        self.floor = np.full(n_m, np.finfo(np.float32).min, np.float32)
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._pending_size = 0

    def entries(self, s: np.ndarray, rows: np.ndarray):
        """The block entries (value, row, column) that may enter, ``rows`` naming the block's
        rows; called in worker threads. (A floor is never below the lowest float32, so -inf,
        a pair that is not eligible, never passes.)"""
        hit = s >= self.floor[None, :]
        if np.count_nonzero(hit) > 2 * self.val.size:  # early blocks: the block's own tops
            take = min(self.keep, s.shape[0])
            kth = np.partition(s.T, s.shape[0] - take, axis=1)[:, s.shape[0] - take]
            hit &= s >= kth[None, :]  # ties at the cut all pass: the merge picks lower rows
        r, c = _nonzero_2d(hit)
        return s[r, c], rows[r], c

    def add(self, entries) -> None:
        vals, rows, cols = entries
        live = vals >= self.floor[cols]  # floors rose since the block was offered
        entries = vals[live], rows[live], cols[live]
        self._pending.append(entries)
        self._pending_size += entries[0].size
        if self._pending_size > 4 * self.val.size:  # each merge sorts the kept ones again
            self.merge()

    def merge(self) -> None:
        if not self._pending:
            return
        n_m, keep = self.val.shape
        vals = np.concatenate([self.val.ravel()] + [e[0] for e in self._pending])
        rows = np.concatenate([self.row.ravel()] + [e[1] for e in self._pending])
        cols = np.concatenate([np.repeat(np.arange(n_m), keep)] + [e[2] for e in self._pending])
        self._pending, self._pending_size = [], 0
        order = np.lexsort((rows, -vals, cols))
        vals, rows, cols = vals[order], rows[order], cols[order]
        rank = np.arange(cols.size) - np.searchsorted(cols, cols)
        first = (rank < keep) & (vals > -np.inf)
        self.val.fill(-np.inf)
        self.row.fill(-1)
        self.val[cols[first], rank[first]] = vals[first]
        self.row[cols[first], rank[first]] = rows[first]
        full = self.val[:, -1] > -np.inf
        self.floor[full] = self.val[full, -1]


_F32_LOWEST = np.finfo(np.float32).min


#: The reserve's sampled cut aims at this share of a row's places: the count it lets through
#: varies by a few per cent (the sample is a few hundred values, and scores tie), and a row
#: that overflows is cut again among the entries it let through, which costs a little more.
_RESERVE_FILL = 0.97


def _best_packed(s: np.ndarray, size: int, least: int):
    """Each row's best entries, at most ``size`` of them, without sorting or partitioning
    whole rows (the candidate pass's costliest step when it did).

    A cut taken from a sample of the columns lets through about ``_RESERVE_FILL * size``
    entries per row. A row where it lets through more (the sample misled, or ties at the cut)
    is cut again among those entries at its ``size``-th largest value, ties to the lower
    column; a row where it lets through fewer than ``least`` while some are left out keeps
    every eligible entry instead (and is cut again if those are too many).

    Returns the kept values and columns packed to the left of (rows, size) arrays in column
    order, padded with -inf (and column 0), and per row a bound on every entry left out: at
    most every kept value, -inf when nothing eligible is left out.
    """
    n_rows, n = s.shape
    s = np.ascontiguousarray(s)
    stride = max(1, size // 256)  # about 220 of a row's kept entries fall in the sample
    sample = s[:, ::stride]
    n_sample = sample.shape[1]
    rank = min(n_sample, max(1, int(_RESERVE_FILL * size / stride)))
    cut = np.partition(sample, n_sample - rank, axis=1)[:, n_sample - rank]
    np.maximum(cut, _F32_LOWEST, out=cut)  # -inf marks a pair that is not eligible
    hit = s >= cut[:, None]
    row_ends = np.arange(n_rows + 1, dtype=np.int64) * n
    at = np.flatnonzero(hit)
    first = np.searchsorted(at, row_ends)  # each row's entries: at[first[i] : first[i + 1]]
    counts = np.diff(first)
    short = np.flatnonzero((counts < least) & (cut > _F32_LOWEST))
    if short.size:  # keep all their eligible entries
        cut[short] = _F32_LOWEST
        hit[short] = s[short] >= _F32_LOWEST
        at = np.flatnonzero(hit)
        first = np.searchsorted(at, row_ends)
        counts = np.diff(first)
    bound = np.where(cut > _F32_LOWEST, cut, -np.inf).astype(np.float64)  # cut: all entries
    flat = s.ravel()
    val = np.full((n_rows, size), -np.inf, np.float32)
    col = np.zeros((n_rows, size), np.int32 if n < 2**31 else np.int64)
    for i in np.flatnonzero(counts).tolist():  # rows are few and a row's entries contiguous
        where = at[first[i] : first[i + 1]]
        seg = flat[where]
        if seg.size > size:  # cut again at the size-th largest, ties to the lower column
            kth = np.partition(seg, seg.size - size)[seg.size - size]
            take = seg > kth
            room = size - int(np.count_nonzero(take))
            if room:
                take[np.flatnonzero(seg == kth)[:room]] = True
            where, seg = where[take], seg[take]
            bound[i] = kth  # the ties left out equal it, the rest are below
        val[i, : seg.size] = seg
        col[i, : seg.size] = where - i * n
    return val, col, bound


def _mask_out(a: np.ndarray, ok: np.ndarray) -> None:
    """Set ``a`` (float32 or float64) to -inf where ``ok`` is False, in place.

    On the bits: a pass of integer AND and OR is branch-free, where ``np.putmask`` with a
    mask that changes every few entries (eligibility) costs about three times as much."""
    bits = a.view(np.int32 if a.dtype == np.float32 else np.int64)
    keep = ok.view(np.uint8).astype(bits.dtype)
    np.negative(keep, out=keep)  # all ones where ok, zero elsewhere
    bits &= keep
    np.invert(keep, out=keep)
    keep &= np.array([-np.inf], a.dtype).view(bits.dtype)[0]
    bits |= keep


def _nonzero_2d(mask: np.ndarray):
    """``np.nonzero`` of a 2-D mask, several times faster for wide ones: flat positions,
    divided in int32 when they fit."""
    at = np.flatnonzero(mask)
    if mask.size < 2**31:
        at = at.astype(np.int32)
    return np.divmod(at, mask.shape[1])


def _take_best(val: np.ndarray, col: np.ndarray, cut: np.ndarray, m: int):
    """Per row, the ``m`` entries above ``cut`` or tied with it (the leftmost ties), as (rows,
    m) arrays of columns and values; ``cut`` is each row's m-th largest value."""
    n_rows, width = val.shape
    at = np.flatnonzero(val >= cut[:, None])
    first = np.searchsorted(at, np.arange(n_rows + 1, dtype=np.int64) * width)
    counts = np.diff(first)
    if (counts > m).any():  # ties at the cut: those above it, then the leftmost ties
        keep = np.ones(at.size, bool)
        for i in np.flatnonzero(counts > m).tolist():
            tied = np.flatnonzero(val.ravel()[at[first[i] : first[i + 1]]] == cut[i])
            keep[first[i] + tied[m - (counts[i] - tied.size) :]] = False
        at = at[keep]
    return col.ravel()[at].reshape(-1, m), val.ravel()[at].reshape(-1, m)


class _Reserve:
    """Each trainee's best pairs of the candidate pass, up to ``size`` of them (see
    :func:`_best_packed`), and a bound on every pair left out. Unused places have level 0.

    A pair takes three bytes: the mentor, and its approximate score rounded *up* to one of 254
    levels between the trainee's lowest and highest kept score (0 marks an ineligible pair).
    Rounding up keeps every test pricing makes on the reserve safe: it can only see a pair as
    more profitable than it is, and pairs it adds are scored exactly before they count.
    """

    _LEVELS = 254

    def __init__(self, n_rows: int, n_m: int, size: int):
        self.size = size
        self.level = np.empty((n_rows, size), np.uint8)
        self.col = np.empty((n_rows, size), np.uint16 if n_m <= 1 << 16 else np.int32)
        self.low = np.empty(n_rows, np.float64)
        self.step = np.empty(n_rows, np.float64)
        self.bound = np.empty(n_rows, np.float64)

    @classmethod
    def sized(cls, n_rows: int, n_m: int, k: int) -> _Reserve | None:
        per_pair = 1 + (2 if n_m <= 1 << 16 else 4)
        size = min(int(n_m * RESERVE_SHARE), RESERVE_BYTES // max(n_rows * per_pair, 1))
        return cls(n_rows, n_m, size) if size > 2 * (k + 1) else None

    def keep(self, s: np.ndarray, rows: np.ndarray, top: int):
        """Store a block's best pairs (``rows`` naming its rows); return the ``top`` best of
        each row (mentor indices and unrounded scores, in no order). Called from worker
        threads: blocks never share rows."""
        size = self.size
        val, col, bound = _best_packed(s, size, top)
        self.bound[rows] = bound
        kth = np.partition(val, size - top, axis=1)[:, size - top]  # each row's top-th best
        best, best_vals = _take_best(val, col, kth, top)
        # levels between the lowest kept score and the best
        low = np.where(np.isfinite(val), val, np.inf).min(axis=1).astype(np.float64)
        low[~np.isfinite(low)] = 0.0  # no eligible pair at all
        high = best_vals.max(axis=1).astype(np.float64)
        step = np.where(high > low, (high - low) / self._LEVELS, 1.0)
        # in float32: one more 1e-6 of a score (far above its rounding error for scores in
        # [0, 1]) keeps every level an upper bound, and rounding up further is always safe
        inv = (1.0 / step).astype(np.float32)[:, None]
        level = (val - low.astype(np.float32)[:, None]) * inv + (1e-6 * inv + 1e-3)
        level = np.ceil(level) + 1  # -inf (not eligible) stays -inf ...
        self.level[rows] = np.clip(level, 0, self._LEVELS + 1)  # ... and becomes level 0
        self.low[rows], self.step[rows] = low, step
        self.col[rows] = col
        return best, best_vals

    def scores(self, rows: np.ndarray) -> np.ndarray:
        """Upper bounds of the kept pairs' scores (-inf where not eligible)."""
        level = self.level[rows]
        vals = self.low[rows, None] + (level - 1.0) * self.step[rows, None]
        vals[level == 0] = -np.inf
        return vals


@dataclass
class _Rescore:
    """Trainees the reserve could not settle: for each, how many profitable pairs its reserve
    holds (k + 1 standing for "more than k"), and its reserve's k best pairs with margins."""

    rows: np.ndarray
    positive: np.ndarray
    hit_rows: np.ndarray
    hit_cols: np.ndarray
    hit_margin: np.ndarray

    @staticmethod
    def join(parts: list[_Rescore]) -> _Rescore:
        if not parts:
            empty = np.zeros(0, np.int64)
            return _Rescore(empty, empty, empty, empty, np.zeros(0))
        return _Rescore(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in _Rescore.__dataclass_fields__)
        )


class _Engine:
    def __init__(self, trainees, mentors, settings: MatchSettings, k: int, dense_limit: int):
        self.timings: dict[str, float] = {}
        self.priced_rows: list[int] = []  # trainees rescanned in each pricing round
        self.progress = None  # optional callable(str) for long runs (the benchmark sets it)
        t0 = time.perf_counter()
        self.sc = Scorer(trainees, mentors, settings)
        self.timings["vectorise"] = time.perf_counter() - t0
        self.settings = settings
        self.n_t, self.n_m = len(trainees), len(mentors)
        self.k = k
        self.price_k = PRICING_PER_CANDIDATE * k  # pairs a pricing round adds per trainee
        self.dense_limit = dense_limit
        sc = self.sc
        self.locked: dict[int, int] = {}
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

    # -------------------------------------------------------------- block scoring helpers

    def _block(self, rows, cols=None):
        """Approximate scores and candidate eligibility (rules, places left, min score), against
        every mentor or the mentors ``cols``."""
        s = self.sc.block(rows, cols)
        places = self.cap > 0 if cols is None else self.cap[cols] > 0
        ok = self.sc.eligible(rows, cols) & places[None, :]
        if s.size and s.min() + BLOCK_ERROR < self.settings.min_score:  # one pass when none is
            ok &= s + BLOCK_ERROR >= self.settings.min_score
        return s, ok

    def candidates(self):
        t0 = time.perf_counter()
        act = self.active
        self.dense = act.size * self.n_m <= self.dense_limit
        rows_out, cols_out = [], []
        # Upper bounds on the score of any pair outside the candidates, per trainee (row) and
        # per mentor (column): pricing only rescans trainees for whom some mentor could still
        # offer a profitable pair under both bounds.
        self.bound = np.full(act.size, -np.inf)
        self.col_bound = np.full(self.n_m, -np.inf)
        kk = self.k
        # mentor side: each mentor's best RECIPROCAL x capacity trainees, kept across blocks
        # (one more is tracked: the first left out bounds the column)
        n_rec = int(min(RECIPROCAL * self.cap.max(initial=0), 12))
        keep_rec = n_rec + 1
        tops = _ColumnTops(self.n_m, keep_rec)
        all_pairs = self.dense or self.n_m <= kk
        self.cache = None
        self.reserve = None
        if not all_pairs and act.size * self.n_m * 4 <= SCORE_CACHE_BYTES:
            self.cache = np.empty((act.size, self.n_m), np.float32)
        elif not all_pairs:
            self.reserve = _Reserve.sized(act.size, self.n_m, kk)

        def one_block(local):
            rows = act[local]
            s, ok = self._block(rows)
            if all_pairs:
                r, c = _nonzero_2d(ok)
                return local[r], c, None
            _mask_out(s, ok)  # in place: blocks are large
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
        for r, c, entries in _map_blocks(one_block, _blocks(order, self.n_m)):
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
        self.timings["candidates"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        self._set_candidates(r.astype(np.int64), c.astype(np.int64))
        self.timings["rescoring"] = time.perf_counter() - t1

    def _set_candidates(self, r_local, c):
        """Exact rescoring; r_local indexes self.active."""
        key = np.unique(r_local * self.n_m + c)
        r_local, c = key // self.n_m, key % self.n_m
        score = _exact_scores(self.sc, self.active[r_local], c)
        keep = score >= self.settings.min_score
        r_local, c, score = r_local[keep], c[keep], score[keep]
        order = np.lexsort((c, r_local))
        self.c_rows, self.c_cols, self.c_score = r_local[order], c[order], score[order]

    def _add_candidates(self, r_local, c, score=None):
        """Add pairs (exact ``score`` if already known) to the candidates; return how many
        were new."""
        if r_local.size == 0:
            return 0
        if score is None:
            score = _exact_scores(self.sc, self.active[r_local], c)
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

    def _solve(self, objective, warm=None, near=None):
        return solve_candidates(
            self.active.size,
            self.n_m,
            self.c_rows,
            self.c_cols,
            self.c_score,
            self.cap,
            objective,
            scale=SCALE,
            score_bounds=(0.0, 1.0),
            warm=warm,
            near=near,
        )

    def _scan(self, rows_local, predicate, per_row=5, slack=0.0):
        """Rescore the given active rows against all mentors; return (rows, cols) where
        ``predicate(local_rows, scores)`` (a margin, -inf where the pair is not eligible) is
        above ``-slack``, at most ``per_row`` per row (the largest margins), leaving out
        existing candidates.

        Each scanned row's bound is tightened to its best pair left outside the candidates. The
        third value counts rows that had more possible violators (margin > 0) than they could
        add: pricing is not finished while there are any."""
        out_r, out_c = [], []
        cand = sp.csr_array(
            (np.ones(self.c_rows.size, bool), (self.c_rows, self.c_cols)),
            shape=(self.active.size, self.n_m),
        )

        def one_block(rows):
            if self.cache is not None:
                s = self.cache[rows]  # a copy: fancy indexing
            else:
                s, ok = self._block(self.active[rows])
                _mask_out(s, ok)
            taken = cand[rows]  # existing candidates are no longer "outside"
            s[np.repeat(np.arange(rows.size), np.diff(taken.indptr)), taken.indices] = -np.inf
            margin = predicate(rows, s)
            # a row with more possible violators (margin > 0) than it may add is not done: the
            # ones left out are still candidates for improvement next round
            unresolved = int((np.count_nonzero(margin > 0, axis=1) > per_row).sum())
            fr, fc = _row_tops(margin, per_row, -slack)
            s[fr, fc] = -np.inf  # found: no longer outside
            self.bound[rows] = s.max(axis=1, initial=-np.inf)
            return rows[fr], fc, unresolved

        blocks = _blocks(np.asarray(rows_local, np.int64), self.n_m)
        unresolved = 0
        for found_r, found_c, left in _map_blocks(one_block, blocks):
            out_r.append(found_r)
            out_c.append(found_c)
            unresolved += left
        if not out_r:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), unresolved
        return np.concatenate(out_r), np.concatenate(out_c), unresolved

    def _rows_to_price(self, t_row: np.ndarray, w_col: np.ndarray, bound=None) -> np.ndarray:
        """Trainees for whom a pair outside the candidates could have a positive margin.

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

    # -------------------------------------------------------------- assignment + pricing

    def assign(self):
        objective = self.settings.objective
        rounds = []
        t_assign = 0.0
        t_price = 0.0
        certified = True
        # the total objective first: it certifies the maximum number of matched trainees
        phases = ["total"] if objective == "total" else ["total", "fair"]
        for phase in phases:
            warm, added = None, None
            for _ in range(50):
                t0 = time.perf_counter()
                # once pricing adds few pairs, prices move little: solve first near them
                settled = added is not None and added <= NEAR_SHARE * self.c_rows.size
                res = self._solve(phase, warm, NEAR_SLACK if settled else None)
                if res.certified:
                    warm = (res.mentor, res.trainee_price, res.mentor_price)
                t_assign += time.perf_counter() - t0
                if self.dense:
                    break
                t1 = time.perf_counter()
                added, priced_before = 0, len(self.priced_rows)
                if phase == "fair" and res.threshold is not None:
                    added += self._price_threshold(res)
                if not added:
                    added += self._price(res)
                t_price += time.perf_counter() - t1
                rounds.append({"phase": phase, "added": added, "certified": res.certified})
                if self.progress is not None:
                    self.progress(
                        f"round {len(rounds)} ({phase}): {added} improving pairs added, "
                        f"{sum(self.priced_rows[priced_before:])} trainees rescored"
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

    def _price(self, res) -> int:
        """Add pairs whose value exceeds the sum of the two dual prices (they could improve)."""
        u = res.trainee_price.astype(np.float64)
        v = res.mentor_price.astype(np.float64)
        bonus = float(res.bonus)
        floor = res.threshold if res.threshold is not None else -np.inf
        # a pair outside the candidates scores at most its row's and its column's bound; only
        # rows where that could beat the two prices need a rescoring pass
        t_row = (u - bonus) / SCALE - BLOCK_ERROR
        w_col = v / SCALE
        w_live = np.where(self.cap > 0, w_col, np.inf)  # mentors without places are no option
        if self.reserve is not None:
            r, c, unresolved, job = self._scan_reserve(t_row, w_col, w_live, floor)
            self.priced_rows.append(int(job.rows.size))
            if job.rows.size:
                r2, c2, left = self._scan_beyond_reserve(job, t_row, w_col, w_live, floor)
                r, c = np.concatenate([r, r2]), np.concatenate([c, c2])
                unresolved += left
            return self._add_violators(r, c, res, floor) + unresolved

        def predicate(r, s):
            margin = np.subtract(s, t_row[r, None], dtype=np.float64)
            margin -= w_col[None, :]
            if floor > -np.inf:
                margin[s + BLOCK_ERROR < floor] = -np.inf
            return margin

        found_r, found_c, unresolved = [], [], 0
        need = self._rows_to_price(t_row, w_live) + PRICING_SLACK > 0
        rows = np.flatnonzero(need & (self.bound + BLOCK_ERROR >= floor))
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

    def _scan_reserve(self, t_row, w_col, w_live, floor):
        """Pricing from the reserve: the same pairs a full rescan would add (the ``price_k``
        largest margins above ``-PRICING_SLACK`` per trainee, candidates left out), found among
        each trainee's reserve where that is enough to know them.

        A trainee is rescored (see :meth:`_scan_beyond_reserve`) only when a pair beyond its
        reserve could beat the ``price_k``-th best margin the reserve offers. Returns the pairs
        found, the count of trainees that may hold more violators than were added, and the
        trainees to rescore with what their reserve offered (a :class:`_Rescore`).
        """
        res, per_row, slack, n_m = self.reserve, self.price_k, PRICING_SLACK, self.n_m
        outside = self._rows_to_price(t_row, w_live, bound=res.bound)
        outside[res.bound + BLOCK_ERROR < floor] = -np.inf
        cand_keys = self.c_rows * n_m + self.c_cols  # sorted: candidates are kept in row order
        cand_count = np.bincount(self.c_rows, minlength=self.active.size)

        # margin = score - t_row - w_col, with the score rounded up from its level:
        # low + (level - 1) * step; the per-row constant part is folded in once
        offset = res.low - res.step - t_row
        # A first test in float32 finds the pairs that may be within the slack: every pass
        # over the reserve (the whole of it, every round) moves half the bytes it would in
        # float64. Its threshold is lowered by far more than its rounding error (1e-6 of the
        # magnitudes involved), so it misses none; the margins of what it finds are then
        # computed in float64, exactly as before, and the slack applied to those.
        # Prices carry the cardinality bonus (about 5e4 score units at 50,000 trainees) on one
        # side or the other, so both sides are first moved by a typical mentor price, in
        # float64: float32 then sees numbers near the scores. (w - offset is unchanged.)
        shift = float(np.median(w_col)) if w_col.size else 0.0
        w_moved, offset_moved = w_col - shift, offset - shift
        step32 = res.step.astype(np.float32)
        w32 = (w_moved - 1e-6 * np.abs(w_moved)).astype(np.float32)
        loose = (offset_moved + slack + 1e-6 * (1.0 + np.abs(offset_moved))).astype(np.float32)

        def margins(rows, level, cols):
            """Float64 margins of reserve pairs: trainees ``rows`` (broadcast against the
            others), their levels and mentors ``cols``."""
            m = level * res.step[rows]
            m += offset[rows]
            m -= w_col[cols]
            m[level == 0] = -np.inf  # not an eligible pair
            if floor > -np.inf:
                rounded_up = res.low[rows] + (level - 1.0) * res.step[rows]
                m[rounded_up + BLOCK_ERROR < floor] = -np.inf
            return m

        def one_block(rows):
            level = res.level[rows]
            col = res.col[rows]
            threshold = np.take(w32, col)  # hit: level * step > w_col - offset - slack
            threshold -= loose[rows, None]
            hit = level.astype(np.float32)
            hit *= step32[rows, None]
            hit = (hit > threshold) & (level > 0)
            # Rows with many hits (early rounds: trainees nobody has taken yet) keep only their
            # best k + c margins, c their most candidates: at most c of those are candidates
            # already, so the k best of the rest are among them. If all of them are profitable,
            # more may lie beyond: the row is not done.
            dense = np.count_nonzero(hit, axis=1) > 4 * per_row
            saturated = np.zeros(rows.size, bool)
            if dense.any():
                hit[dense] = False
            hr, hc = _nonzero_2d(hit)
            hm = margins(rows[hr], level[hr, hc], col[hr, hc])
            if dense.any():
                d = np.flatnonzero(dense)
                take = min(per_row + int(cand_count[rows[d]].max()), res.size)
                margin = margins(rows[d, None], level[d], col[d])
                top = np.argpartition(margin, -take, axis=1)[:, -take:]
                top_margin = np.take_along_axis(margin, top, axis=1)
                # (unless they are all its reserve holds: pairs beyond it are rescored)
                saturated[d] = (top_margin.min(axis=1) > 0) & (take < (level[d] > 0).sum(axis=1))
                hr = np.concatenate([hr, np.repeat(d, take)])
                hc = np.concatenate([hc, top.ravel()])
                hm = np.concatenate([hm, top_margin.ravel()])
            cols = col[hr, hc].astype(np.int64)
            keys = rows[hr] * n_m + cols
            at = np.minimum(np.searchsorted(cand_keys, keys), max(cand_keys.size - 1, 0))
            new = cand_keys[at] != keys if cand_keys.size else np.ones(keys.size, bool)
            new &= hm > -slack
            hr, hm, cols = hr[new], hm[new], cols[new]  # existing candidates are not "outside"
            # each row's hits, best margin first; rank within the row
            order, rank = _best_first_per_row(hr, hm)
            hr, hm, cols = hr[order], hm[order], cols[order]
            counts = np.bincount(hr, minlength=rows.size)
            first = np.concatenate([[0], np.cumsum(counts)[:-1]])
            kth = np.full(rows.size, -np.inf)
            many = counts >= per_row
            kth[many] = hm[first[many] + per_row - 1]
            out = outside[rows]
            full = out > np.maximum(kth, -slack)
            positive = np.bincount(hr[hm > 0], minlength=rows.size)
            unresolved = int((((positive > per_row) | saturated | (out > 0)) & ~full).sum())
            take = (rank < per_row) & ~full[hr]
            # rows to rescore: their k best reserve pairs, and how many profitable ones it holds
            # (more than k when saturated), go with them to the rescoring beyond the reserve
            kept = (rank < per_row) & full[hr]
            rescore = _Rescore(
                rows[full],
                np.where(saturated, per_row + 1, positive)[full],
                rows[hr[kept]],
                cols[kept],
                hm[kept],
            )
            return rows[hr[take]], cols[take], unresolved, rescore

        out_r, out_c, unresolved, rescore = [], [], 0, []
        blocks = _blocks(np.arange(self.active.size), res.size)
        for found_r, found_c, left, part in _map_blocks(one_block, blocks):
            out_r.append(found_r)
            out_c.append(found_c)
            unresolved += left
            rescore.append(part)
        return np.concatenate(out_r), np.concatenate(out_c), unresolved, _Rescore.join(rescore)

    def _scan_beyond_reserve(self, job: _Rescore, t_row, w_col, w_live, floor):
        """Rescore trainees against the mentors beyond their reserve that could still offer a
        pair within the slack, and pick each trainee's ``price_k`` best margins from those and
        the reserve's. Such a pair scores at most the reserve's bound, so only mentors priced below
        bound - t_row + slack are scored: the cheapest mentors, a prefix in price order.

        Returns the pairs found and the count of trainees that may hold more violators than
        were added."""
        res, per_row, slack, n_m = self.reserve, self.price_k, PRICING_SLACK, self.n_m
        rows = job.rows
        by_price = np.argsort(w_live, kind="stable")  # mentors without places (inf) last
        room = res.bound[rows] + BLOCK_ERROR - t_row[rows] + slack
        width = np.searchsorted(w_live[by_price], room, side="left")
        order = np.argsort(width, kind="stable")
        rows, width = rows[order], width[order]
        blocks, lo = [], 0
        while lo < rows.size:  # the most rows whose block stays within _BLOCK_ELEMENTS
            cost = np.arange(1, rows.size - lo + 1) * np.maximum(width[lo:], 1)  # increasing
            hi = lo + max(1, int(np.searchsorted(cost, _BLOCK_ELEMENTS, side="right")))
            blocks.append((rows[lo:hi], int(width[hi - 1])))
            lo = hi
        cand = sp.csr_array(
            (np.ones(self.c_rows.size, bool), (self.c_rows, self.c_cols)),
            shape=(self.active.size, n_m),
        )

        def one_block(block):
            rb, n_cols = block
            empty = np.zeros(0, np.int64)
            positive = np.zeros(rb.size, np.int64)
            if n_cols == 0:
                return empty, empty, np.zeros(0), rb, positive
            cols = by_price[:n_cols]
            # The rules first: only the rows and mentors with an eligible pair that neither
            # the candidates nor the reserve hold are scored (in late rounds, few)
            ok = self.sc.eligible(self.active[rb], cols) & (self.cap[cols] > 0)[None, :]
            at = np.full(n_m, -1, np.int64)
            at[cols] = np.arange(n_cols)
            taken = cand[rb]  # candidates and the reserve's pairs were looked at already
            tr = np.repeat(np.arange(rb.size), np.diff(taken.indptr))
            tc = at[taken.indices]
            ok[tr[tc >= 0], tc[tc >= 0]] = False
            rc = np.where(res.level[rb] > 0, at[res.col[rb]], -1)  # level 0: an empty place
            rr = np.broadcast_to(np.arange(rb.size)[:, None], rc.shape)
            ok[rr[rc >= 0], rc[rc >= 0]] = False
            live_r = np.flatnonzero(ok.any(axis=1))
            live_c = np.flatnonzero(ok.any(axis=0))
            if live_r.size == 0 or live_c.size == 0:
                return empty, empty, np.zeros(0), rb, positive
            if live_r.size < rb.size or live_c.size < n_cols:
                ok = ok[np.ix_(live_r, live_c)]
            rows, cols = rb[live_r], cols[live_c]
            s = self.sc.block(self.active[rows], cols)
            low = max(self.settings.min_score, floor)
            if s.min() + BLOCK_ERROR < low:  # one pass when no score is below it
                ok &= s + BLOCK_ERROR >= low
            _mask_out(s, ok)  # in float32, before the margins widen it
            margin = np.subtract(s, t_row[rows, None], dtype=np.float64)
            margin -= w_col[cols][None, :]
            positive[live_r] = np.count_nonzero(margin > 0, axis=1)
            hr, hc = _row_tops(margin, per_row, -slack)
            return rows[hr], cols[hc], margin[hr, hc], rb, positive

        out = list(_map_blocks(one_block, blocks))
        # each trainee's k best margins among the reserve's and the rescored pairs
        r = np.concatenate([job.hit_rows] + [o[0] for o in out])
        c = np.concatenate([job.hit_cols] + [o[1] for o in out])
        m = np.concatenate([job.hit_margin] + [o[2] for o in out])
        order, rank = _best_first_per_row(r, m)
        r, c = r[order], c[order]
        take = rank < per_row
        positive = np.zeros(self.active.size, np.int64)
        positive[job.rows] = job.positive
        for o in out:
            positive[o[3]] += o[4]
        unresolved = int((positive[job.rows] > per_row).sum())
        return r[take], c[take], unresolved

    def _add_violators(self, r, c, res, floor) -> int:
        if r.size == 0:
            return 0
        exact = _exact_scores(self.sc, self.active[r], c)
        q = np.rint(exact * SCALE)
        viol = (res.bonus + q > res.trainee_price[r] + res.mentor_price[c]) & (exact >= floor)
        self._add_candidates(r, c, exact)
        return int(viol.sum())

    def _price_threshold(self, res) -> int:
        """Fair objective: could pairs outside the candidates raise the bottleneck?

        With only pairs scoring above the current threshold the candidates cannot match
        everybody; the minimum cut of that flow (Koenig cover) proves it for the full matrix
        unless some pair leaves a reachable trainee for an unreachable mentor.
        """
        tau_q = round(res.threshold * SCALE)
        q = np.rint(self.c_score * SCALE)
        keep = q > tau_q
        _, reach_t, reach_m = _max_flow(
            self.active.size, self.n_m, self.c_rows[keep], self.c_cols[keep], self.cap
        )
        rows = np.flatnonzero(reach_t & (self.bound + BLOCK_ERROR > res.threshold))
        if rows.size == 0:
            return 0

        def predicate(r, s):
            margin = s.astype(np.float64) + BLOCK_ERROR - res.threshold
            return np.where(reach_m[None, :], -np.inf, margin)

        r, c, unresolved = self._scan(rows, predicate)
        if r.size == 0:
            return unresolved
        exact = _exact_scores(self.sc, self.active[r], c)
        useful = int((np.rint(exact * SCALE) > tau_q).sum())
        self._add_candidates(r, c, exact)
        return useful + unresolved


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
        eng = _Engine(trainees, mentors, settings, max(k, settings.alternatives + 1), dense_limit)
        eng.candidates()
        eng.assign()
        t0 = time.perf_counter()
        result = _report(eng, explain)
        eng.timings["report"] = time.perf_counter() - t0
    return result


@contextmanager
def cyclic_gc_paused():
    """Pause Python's cyclic garbage collector for a run.

    A large run allocates millions of small objects (vocabulary strings, explanations, one
    result per trainee) and frees almost none before it ends. Each allocation burst makes the
    collector traverse every live object, the cohort's profiles included: at 50,000 x 20,000
    that was about a third of the report's time. Reference counting still frees what a run
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


def _report(eng: _Engine, explain: bool) -> MatchResult:
    sc, settings = eng.sc, eng.settings
    n_t, n_m = eng.n_t, eng.n_m
    mentor = np.full(n_t, -1, np.int64)
    mentor[eng.active] = eng.result.mentor
    for i, j in eng.locked.items():
        mentor[i] = j
    matched = np.flatnonzero(mentor >= 0)
    scores = np.full(n_t, np.nan)
    if matched.size:
        scores[matched] = _exact_scores(sc, matched, mentor[matched])
    load = np.bincount(mentor[matched], minlength=n_m)
    full = load >= sc.m_capacity

    explanations = explain_pairs(sc, matched, mentor[matched]) if explain else {}
    mentor_ids = [m.id for m in sc.mentors]
    results = [
        TraineeResult(
            trainee_id=t.id,
            mentor_id=mentor_ids[j] if j >= 0 else None,
            score=round(x, 6) if j >= 0 else None,
            locked=i in eng.locked,
            explanation=explanations.get(i),
        )
        for i, (t, j, x) in enumerate(
            zip(sc.trainees, mentor.tolist(), scores.tolist(), strict=True)
        )
    ]

    # alternatives: best other candidates (active trainees), block scores for locked ones
    a = settings.alternatives
    # every trainee's candidates by score (ties: lower mentor index), the proposed one left out
    # (two stable sorts: the candidates are kept by trainee, then mentor)
    by_score = np.argsort(-eng.c_score, kind="stable")
    order = by_score[np.argsort(eng.c_rows[by_score], kind="stable")]
    a_rows, a_cols, a_score = eng.c_rows[order], eng.c_cols[order], eng.c_score[order]
    other = a_cols != mentor[eng.active[a_rows]]
    a_rows, a_cols, a_score = a_rows[other], a_cols[other], a_score[other]
    start = np.searchsorted(a_rows, np.arange(eng.active.size + 1))
    # only each trainee's first a go to Python
    shown = np.arange(a_rows.size) < np.repeat(start[:-1] + a, np.diff(start))
    start = np.searchsorted(a_rows[shown], np.arange(eng.active.size + 1)).tolist()
    full_l = full.tolist()
    alts = [
        Alternative(mentor_ids[j], round(x, 6), full_l[j])
        for j, x in zip(a_cols[shown].tolist(), a_score[shown].tolist(), strict=True)
    ]
    for li, i in enumerate(eng.active.tolist()):
        results[i].alternatives = alts[start[li] : start[li + 1]]
    if eng.locked:
        rows = np.array(sorted(eng.locked), np.int64)
        s = sc.block(rows)
        ok = sc.eligible(rows) & (s + BLOCK_ERROR >= settings.min_score)
        for r, i in enumerate(rows.tolist()):
            cols = np.flatnonzero(ok[r] & (np.arange(n_m) != mentor[i]))
            if cols.size:
                exact = sc.pairs(np.full(cols.size, i), cols).score
                order = np.lexsort((cols, -exact))[:a]
                results[i].alternatives = [
                    Alternative(
                        sc.mentors[cols[o]].id, round(float(exact[o]), 6), bool(full[cols[o]])
                    )
                    for o in order
                ]

    _diagnose(eng, mentor, scores, results)

    m_scores = scores[matched]
    return MatchResult(
        model_version=MODEL_VERSION,
        role=settings.role,
        objective=settings.objective,
        results=results,
        matched=int(matched.size),
        unmatched=int(n_t - matched.size),
        total_score=float(m_scores.sum()) if matched.size else 0.0,
        min_score=float(m_scores.min()) if matched.size else None,
        certified=bool(eng.certified),
        mentor_load={sc.mentors[j].id: int(load[j]) for j in range(n_m)},
        stats={
            "trainees": n_t,
            "mentors": n_m,
            "candidate_pairs": int(eng.c_rows.size),
            "all_pairs_candidates": bool(eng.dense),
            "pricing_rounds": eng.rounds,
            "timings": dict(eng.timings),
            "locked": len(eng.locked),
        },
    )


def _diagnose(eng: _Engine, mentor, scores, results) -> None:
    sc, settings = eng.sc, eng.settings
    unmatched = np.flatnonzero(mentor < 0)
    if unmatched.size == 0:
        return
    role = _ROLE_LABEL.get(settings.role, settings.role)
    holders: dict[int, list[int]] = {}
    for i, j in enumerate(mentor.tolist()):
        if j >= 0:
            holders.setdefault(j, []).append(i)

    def score_block(rows):  # in the worker threads; the sentences below are Python
        masks = sc.rule_masks(rows)
        s = sc.block(rows)
        masks["min_score"] = s + BLOCK_ERROR < settings.min_score
        excluded = np.zeros((rows.size, eng.n_m), bool)
        for m in masks.values():
            excluded |= m
        return rows, masks, s, excluded

    blocks = _blocks(unmatched, eng.n_m)
    for rows, masks, s, excluded in _map_blocks(score_block, blocks, ahead=WORKERS):
        full_rows: list[tuple[int, np.ndarray, int]] = []
        for r, i in enumerate(rows.tolist()):
            res = results[i]
            if not sc.t_role_ok[i]:
                res.reason = "no_eligible_mentor"
                res.excluded_by = {"role_not_requested": eng.n_m}
                res.diagnosis = f"No eligible mentor: the trainee did not ask for a {role}."
                continue
            elig = np.flatnonzero(~excluded[r])
            if elig.size == 0:
                counts = {name: int(m[r].sum()) for name, m in masks.items() if m[r].any()}
                res.reason = "no_eligible_mentor"
                res.excluded_by = counts
                parts = [
                    f"{n} {'mentor' if n == 1 else 'mentors'}: {RULE_TEXT[name]}"
                    for name, n in sorted(counts.items(), key=lambda x: (-x[1], x[0]))
                ]
                res.diagnosis = (
                    f"No eligible mentor among {eng.n_m}. Excluded because "
                    + "; ".join(parts)
                    + "."
                    if eng.n_m
                    else "No mentors in this cycle."
                )
                continue
            # the best few by block score, rescored exactly below (block error is below 1e-4)
            approx = s[r, elig]
            if elig.size > 20:
                top = np.argpartition(-approx, 19)[:20]
                elig = elig[top]
            full_rows.append((i, elig, int((~excluded[r]).sum())))
        if not full_rows:
            continue
        # one exact rescoring for the whole block, not one per trainee
        exact_all = _exact_scores(
            sc,
            np.concatenate([np.full(elig.size, i) for i, elig, _ in full_rows]),
            np.concatenate([elig for _, elig, _ in full_rows]),
        )
        pos = 0
        for i, elig, n in full_rows:
            res = results[i]
            exact = exact_all[pos : pos + elig.size]
            pos += elig.size
            order = np.lexsort((elig, -exact))
            res.reason = "all_eligible_full"
            lines = []
            for o in order[:5]:
                j = int(elig[o])
                taken = sorted(holders.get(j, []), key=lambda x: -scores[x])
                res.full_mentors.append(
                    {
                        "mentor_id": sc.mentors[j].id,
                        "score": round(float(exact[o]), 6),
                        "taken_by": [
                            (sc.trainees[x].id, round(float(scores[x]), 6)) for x in taken
                        ],
                    }
                )
                who = ", ".join(
                    f"{sc.trainees[x].name or sc.trainees[x].id} ({scores[x]:.2f}"
                    + (", locked" if x in eng.locked else "")
                    + ")"
                    for x in taken
                )
                lines.append(
                    f"{sc.mentors[j].name or sc.mentors[j].id} (score {exact[o]:.2f}) "
                    + (f"took {who}" if who else "has no places")
                )
            res.diagnosis = (
                f"Every eligible mentor is full ({n} eligible). "
                "Giving this trainee a place would leave another trainee without a mentor "
                "or lower the total score. Best eligible: " + "; ".join(lines) + "."
            )
