"""Pricing from the reserve: each trainee's best pairs are read before any is scored again.

For cycles that keep a :class:`~.reserve.Reserve`, :func:`scan_reserve` finds among each
trainee's reserve the pairs a full rescan would add (the ``per_row`` largest margins within the
slack, candidates left out), wherever the reserve is enough to know them: the reserve's scores
are rounded up, so it never misses a profitable pair, and its bound covers every pair it left
out. Trainees it cannot settle go to :func:`scan_beyond_reserve`, which scores them again, but
only against the mentors priced low enough for a pair beyond the reserve to matter, and of those
only the pairs the hard rules allow.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import scipy.sparse as sp

from . import parallel
from .candidates import CandidatePool
from .kernels import best_first_per_row, mask_out, nonzero_2d, row_tops
from .scorer import BLOCK_ERROR


@dataclass
class Rescore:
    """Trainees the reserve could not settle: for each, how many profitable pairs its reserve
    holds (k + 1 standing for "more than k"), and its reserve's k best pairs with margins."""

    rows: np.ndarray
    positive: np.ndarray
    hit_rows: np.ndarray
    hit_cols: np.ndarray
    hit_margin: np.ndarray

    @staticmethod
    def join(parts: list[Rescore]) -> Rescore:
        if not parts:
            empty = np.zeros(0, np.int64)
            return Rescore(empty, empty, empty, empty, np.zeros(0))
        return Rescore(
            *(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Rescore))
        )


def scan_reserve(
    pool: CandidatePool,
    per_row: int,
    slack: float,
    t_row: np.ndarray,
    w_col: np.ndarray,
    w_live: np.ndarray,
    floor: float,
) -> tuple[np.ndarray, np.ndarray, int, Rescore]:
    """Pricing from the reserve: the same pairs a full rescan would add (the ``per_row``
    largest margins above ``-slack`` per trainee, candidates left out), found among
    each trainee's reserve where that is enough to know them.

    A trainee is rescored (see :func:`scan_beyond_reserve`) only when a pair beyond its
    reserve could beat the ``per_row``-th best margin the reserve offers. Returns the pairs
    found, the count of trainees that may hold more violators than were added, and the
    trainees to rescore with what their reserve offered (a :class:`Rescore`).
    """
    res, n_m = pool.reserve, pool.n_m
    assert res is not None
    outside = pool.margin_bound(t_row, w_live, bound=res.bound)
    outside[res.bound + BLOCK_ERROR < floor] = -np.inf
    cand_keys = pool.c_rows * n_m + pool.c_cols  # sorted: candidates are kept in row order
    cand_count = np.bincount(pool.c_rows, minlength=pool.active.size)

    # margin = score - t_row - w_col, with the score rounded up from its level:
    # low + (level - 1) * step; the per-row constant part is folded in once
    offset = res.low - res.step - t_row
    # A first test in float32 finds the pairs that may be within the slack: every pass
    # over the reserve (the whole of it, every round) moves half the bytes it would in
    # float64. Its threshold is lowered by far more than its rounding error (1e-6 of the
    # magnitudes involved), so it misses none; the margins of what it finds are then
    # computed in float64, and the slack applied to those.
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
        hr, hc = nonzero_2d(hit)
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
        order, rank = best_first_per_row(hr, hm)
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
        rescore = Rescore(
            rows[full],
            np.where(saturated, per_row + 1, positive)[full],
            rows[hr[kept]],
            cols[kept],
            hm[kept],
        )
        return rows[hr[take]], cols[take], unresolved, rescore

    out_r, out_c, unresolved, rescore = [], [], 0, []
    blocks = parallel.row_blocks(np.arange(pool.active.size), res.size)
    for found_r, found_c, left, part in parallel.map_blocks(one_block, blocks):
        out_r.append(found_r)
        out_c.append(found_c)
        unresolved += left
        rescore.append(part)
    return np.concatenate(out_r), np.concatenate(out_c), unresolved, Rescore.join(rescore)


def scan_beyond_reserve(
    pool: CandidatePool,
    per_row: int,
    slack: float,
    job: Rescore,
    t_row: np.ndarray,
    w_col: np.ndarray,
    w_live: np.ndarray,
    floor: float,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Rescore trainees against the mentors beyond their reserve that could still offer a
    pair within the slack, and pick each trainee's ``per_row`` best margins from those and
    the reserve's. Such a pair scores at most the reserve's bound, so only mentors priced below
    bound - t_row + slack are scored: the cheapest mentors, a prefix in price order.

    Returns the pairs found and the count of trainees that may hold more violators than
    were added."""
    res, n_m = pool.reserve, pool.n_m
    assert res is not None
    rows = job.rows
    by_price = np.argsort(w_live, kind="stable")  # mentors without places (inf) last
    room = res.bound[rows] + BLOCK_ERROR - t_row[rows] + slack
    width = np.searchsorted(w_live[by_price], room, side="left")
    order = np.argsort(width, kind="stable")
    rows, width = rows[order], width[order]
    blocks, lo = [], 0
    while lo < rows.size:  # the most rows whose block stays within BLOCK_ELEMENTS
        cost = np.arange(1, rows.size - lo + 1) * np.maximum(width[lo:], 1)  # increasing
        hi = lo + max(1, int(np.searchsorted(cost, parallel.BLOCK_ELEMENTS, side="right")))
        blocks.append((rows[lo:hi], int(width[hi - 1])))
        lo = hi
    cand = sp.csr_array(
        (np.ones(pool.c_rows.size, bool), (pool.c_rows, pool.c_cols)),
        shape=(pool.active.size, n_m),
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
        ok = pool.sc.eligible(pool.active[rb], cols) & (pool.cap[cols] > 0)[None, :]
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
        s = pool.sc.block(pool.active[rows], cols)
        low = max(pool.settings.min_score, floor)
        if s.min() + BLOCK_ERROR < low:  # one pass when no score is below it
            ok &= s + BLOCK_ERROR >= low
        mask_out(s, ok)  # in float32, before the margins widen it
        margin = np.subtract(s, t_row[rows, None], dtype=np.float64)
        margin -= w_col[cols][None, :]
        positive[live_r] = np.count_nonzero(margin > 0, axis=1)
        hr, hc = row_tops(margin, per_row, -slack)
        return rows[hr], cols[hc], margin[hr, hc], rb, positive

    out = list(parallel.map_blocks(one_block, blocks))
    # each trainee's k best margins among the reserve's and the rescored pairs
    r = np.concatenate([job.hit_rows] + [o[0] for o in out])
    c = np.concatenate([job.hit_cols] + [o[1] for o in out])
    m = np.concatenate([job.hit_margin] + [o[2] for o in out])
    order, rank = best_first_per_row(r, m)
    r, c = r[order], c[order]
    take = rank < per_row
    positive = np.zeros(pool.active.size, np.int64)
    positive[job.rows] = job.positive
    for o in out:
        positive[o[3]] += o[4]
    unresolved = int((positive[job.rows] > per_row).sum())
    return r[take], c[take], unresolved
