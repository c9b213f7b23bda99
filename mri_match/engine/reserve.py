"""The reserve: each trainee's best pairs from the candidate pass, kept compactly for pricing.

Cycles too large for the score cache (see :mod:`.candidates`) keep, per trainee, its best pairs
beyond the candidates in at most :data:`RESERVE_BYTES`, three bytes a pair, and a bound on every
pair left out. Pricing (:mod:`.reserve_pricing`) reads the reserve first and rescores a trainee
only when a pair beyond it could matter.

Read the constants through the module (``reserve.RESERVE_BYTES``): the tests lower them to give
trainees small reserves.
"""

from __future__ import annotations

import numpy as np

from .kernels import take_best

#: Larger cycles keep, per trainee, the best pairs of the candidate pass (score and mentor) in
#: up to this many bytes: pricing checks those first and rescores a trainee against every
#: mentor only when a pair beyond them could still be among the ones it would add.
RESERVE_BYTES = 320 * 2**20
#: ... and for at most this share of the mentors: every pricing round reads the whole reserve,
#: and a trainee's pairs beyond its best quarter are seldom near the prices (rescored instead).
RESERVE_SHARE = 0.25
#: The reserve's sampled cut aims at this share of a row's places: the count it lets through
#: varies by a few per cent (the sample is a few hundred values, and scores tie), and a row
#: that overflows is cut again among the entries it let through, which costs a little more.
_RESERVE_FILL = 0.97
_F32_LOWEST = np.finfo(np.float32).min


def best_packed(s: np.ndarray, size: int, least: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's best entries, at most ``size`` of them, without sorting or partitioning
    whole rows: only the entries that pass a cut read off a sample of the row are handled.

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
    # rows within their size (most: the cut aims below it) are packed at once, each entry at
    # its place in its row's run of ``at``; the others are cut again one by one
    row_of = np.repeat(np.arange(n_rows), counts)
    fits = (counts <= size)[row_of]
    r_fit, at_fit = row_of[fits], at[fits]
    place = np.arange(at.size)[fits] - first[r_fit]
    val[r_fit, place] = flat[at_fit]
    col[r_fit, place] = at_fit - r_fit * n
    for i in np.flatnonzero(counts > size).tolist():  # a row's entries are contiguous
        where = at[first[i] : first[i + 1]]
        seg = flat[where]
        # cut again at the size-th largest, ties to the lower column
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


class Reserve:
    """Each trainee's best pairs of the candidate pass, up to ``size`` of them (see
    :func:`best_packed`), and a bound on every pair left out. Unused places have level 0.

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
    def sized(cls, n_rows: int, n_m: int, k: int) -> Reserve | None:
        """A reserve as large as RESERVE_BYTES and RESERVE_SHARE allow, or None when it would
        hold no more than about twice the candidates."""
        per_pair = 1 + (2 if n_m <= 1 << 16 else 4)
        size = min(int(n_m * RESERVE_SHARE), RESERVE_BYTES // max(n_rows * per_pair, 1))
        return cls(n_rows, n_m, size) if size > 2 * (k + 1) else None

    def keep(self, s: np.ndarray, rows: np.ndarray, top: int) -> tuple[np.ndarray, np.ndarray]:
        """Store a block's best pairs (``rows`` naming its rows); return the ``top`` best of
        each row (mentor indices and unrounded scores, in no order). Called from worker
        threads: blocks never share rows."""
        size = self.size
        val, col, bound = best_packed(s, size, top)
        self.bound[rows] = bound
        kth = np.partition(val, size - top, axis=1)[:, size - top]  # each row's top-th best
        best, best_vals = take_best(val, col, kth, top)
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
