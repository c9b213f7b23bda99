"""NumPy kernels on blocks of scores: picking each row's or column's best entries, masking.

* :func:`row_tops`: each row's ``k`` largest entries above a threshold, without ranking whole
  rows; :func:`best_first_per_row` orders pairs by row, best first; :func:`take_best` keeps each
  row's ``m`` best of a packed array.
* :class:`ColumnTops`: each column's best rows over a stream of blocks (each mentor's best
  trainees over the candidate pass).
* :func:`mask_out` sets ineligible entries to -inf in place; :func:`nonzero_2d` is a faster
  ``np.nonzero`` for wide masks.

Ties always go to the lower column (or row), so every result is deterministic.
"""

from __future__ import annotations

import numpy as np

#: Block entries offered to :class:`ColumnTops`: values, rows, columns.
Entries = tuple[np.ndarray, np.ndarray, np.ndarray]


def nonzero_2d(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.nonzero`` of a 2-D mask, several times faster for wide ones: flat positions,
    divided in int32 when they fit."""
    at = np.flatnonzero(mask)
    if mask.size < 2**31:
        at = at.astype(np.int32)
    return np.divmod(at, mask.shape[1])


def mask_out(a: np.ndarray, ok: np.ndarray) -> None:
    """Set ``a`` (float32 or float64) to -inf where ``ok`` is False, in place.

    On the bits: a pass of integer AND and OR is branch-free, where ``np.putmask`` with a
    mask that changes every few entries (eligibility) costs about three times as much."""
    bits = a.view(np.int32 if a.dtype == np.float32 else np.int64)
    keep = ok.view(np.uint8).astype(bits.dtype)
    np.negative(keep, out=keep)  # all ones where ok, zero elsewhere
    np.bitwise_and(bits, keep, out=bits)
    np.invert(keep, out=keep)
    keep &= np.array([-np.inf], a.dtype).view(bits.dtype)[0]
    np.bitwise_or(bits, keep, out=bits)


def best_first_per_row(rows: np.ndarray, margins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order pairs by row, best margin first within a row; return that order and each pair's
    rank within its row (0 = best)."""
    order = np.lexsort((-margins, rows))
    sorted_rows = rows[order]
    rank = np.arange(order.size) - np.searchsorted(sorted_rows, sorted_rows, side="left")
    return order, rank


def row_tops(a: np.ndarray, k: int, above: float) -> tuple[np.ndarray, np.ndarray]:
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
    r, c = nonzero_2d(hit)
    if not many.size:
        return r, c
    order, rank = best_first_per_row(r, a[r, c])
    take = order[rank < k]
    return r[take], c[take]


def take_best(
    val: np.ndarray, col: np.ndarray, cut: np.ndarray, m: int
) -> tuple[np.ndarray, np.ndarray]:
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


class ColumnTops:
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
        self._pending: list[Entries] = []
        self._pending_size = 0

    def entries(self, s: np.ndarray, rows: np.ndarray) -> Entries:
        """The block entries (value, row, column) that may enter, ``rows`` naming the block's
        rows; called in worker threads. (A floor is never below the lowest float32, so -inf,
        a pair that is not eligible, never passes.)"""
        hit = s >= self.floor[None, :]
        if np.count_nonzero(hit) > 2 * self.val.size:  # early blocks: the block's own tops
            take = min(self.keep, s.shape[0])
            kth = np.partition(s.T, s.shape[0] - take, axis=1)[:, s.shape[0] - take]
            hit &= s >= kth[None, :]  # ties at the cut all pass: the merge picks lower rows
        r, c = nonzero_2d(hit)
        return s[r, c], rows[r], c

    def add(self, entries: Entries) -> None:
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
        live = vals > -np.inf  # ineligible or empty: sorted last in their column, never kept
        vals, rows, cols = vals[live], rows[live], cols[live]
        order = _column_order(vals, rows, cols, n_m)
        vals, rows, cols = vals[order], rows[order], cols[order]
        rank = np.arange(cols.size) - np.searchsorted(cols, cols)
        first = rank < keep
        self.val.fill(-np.inf)
        self.row.fill(-1)
        self.val[cols[first], rank[first]] = vals[first]
        self.row[cols[first], rank[first]] = rows[first]
        full = self.val[:, -1] > -np.inf
        self.floor[full] = self.val[full, -1]


def _column_order(vals: np.ndarray, rows: np.ndarray, cols: np.ndarray, n_cols: int) -> np.ndarray:
    """The order of entries by column, then value from the largest, then row (non-negative
    rows, no NaN values): ``np.lexsort((rows, -vals, cols))``.

    When column, value and row fit in 64 bits, as one integer key sorted once: several times
    faster than a three-key lexsort. A float32 value's bits sort from the largest value once
    a non-negative value's are subtracted from 2**31 - 1 (a negative value's bits, sign bit
    set, are above all of those and grow with its magnitude).
    """
    row_bits = int(rows.max(initial=0)).bit_length()
    if vals.dtype != np.float32 or (n_cols - 1).bit_length() + 32 + row_bits > 64:
        return np.lexsort((rows, -vals, cols))
    bits = (vals + np.float32(0)).view(np.uint32)  # + 0: -0.0 becomes 0.0, as it compares
    down = np.where(bits >> 31, bits, np.uint32(0x7FFFFFFF) - bits)
    key = cols.astype(np.uint64) << np.uint64(32 + row_bits)
    key |= down.astype(np.uint64) << np.uint64(row_bits)
    key |= rows.astype(np.uint64)
    return np.argsort(key)
