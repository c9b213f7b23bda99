"""Exact capacity-constrained assignment of trainees to mentors.

One algorithm in one module (longer than most for that reason): the solve, its certificate and
the tie-break share the score grid, the weights and the dual prices.

The problem: each trainee gets at most one mentor, mentor ``j`` takes at most ``capacities[j]``
trainees, and only candidate pairs may be used. Among all such assignments we want

1. the largest number of matched trainees (maximum cardinality), then
2. the largest total score, and
3. a deterministic choice among the remaining ties: the assignment whose vector of mentor
   indices (read trainee by trainee, "unmatched" counting as worse than any mentor) is
   lexicographically smallest.

``objective="fair"`` inserts one level between 1 and 2: among maximum-cardinality assignments,
first make the lowest matched score as high as possible (the bottleneck), then maximise the total.

How it is solved, and why the result is exact
---------------------------------------------
* Scores are put on a fixed decimal grid (``resolution``: 1e-7 for scores in [-1, 1]); equal
  scores stay equal and every comparison after that is integer arithmetic. The result is exact
  for the scores on that grid.
* The assignment is a min-cost flow on the candidate graph (source -> trainee -> mentor ->
  sink, mentor arcs with the mentor's capacity), solved by OR-tools' ``SimpleMinCostFlow``
  (cost-scaling push-relabel in C++): ``solve_max_flow_with_min_cost`` finds a maximum flow
  (most matched trainees) of least cost (largest total score) in one call, natively with
  capacities and integer costs.
* For the certificate each matched pair is worth ``bonus + (score - min score)`` grid units with
  ``bonus > min(T, slots) * range``, so that one weighted problem encodes "cardinality first".
* Optimality is then *certified independently*: exact integer dual prices (one per trainee,
  one per mentor) are computed by Bellman-Ford over the residual graph and every complementary-
  slackness condition is checked. The duals also drive pricing in :mod:`.pricing` (a pair
  outside the candidate set can improve the result only if its value exceeds the sum of the two
  prices) and the tie-breaking pass.
* Tie-breaking: with optimal duals, the optimal assignments are exactly the assignments that use
  only "tight" pairs and respect the slackness conditions. Pairs that lie on no exchange cycle
  (strongly connected components of the exchange graph) are fixed; a short search over the
  remaining ones then moves each trainee, in index order, to the lowest-indexed mentor any optimal
  assignment allows. This is a proof-carrying post-pass, not a perturbation.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from ortools.graph.python import min_cost_flow
from scipy.sparse.csgraph import breadth_first_order, connected_components, maximum_flow

from .codes import OBJECTIVES

__all__ = [
    "AssignmentResult",
    "assign",
    "solve",
    "solve_all_pairs",
    "solve_candidates",
    "OBJECTIVES",
]

_INF = np.int64(1 << 62)
#: Largest integer score magnitude on the grid (scores are scaled by a power of ten to fit).
_GRID_MAX = 2**23


@dataclass
class AssignmentResult:
    """Everything :func:`solve` knows about the assignment it returns."""

    mentor: np.ndarray  #: mentor index per trainee, -1 when unmatched
    objective: str
    matched: int
    max_matchable: int  #: maximum-flow bound on the number of matched trainees (candidate graph)
    total_score: float
    min_score: float | None  #: lowest matched score (None if nobody is matched)
    certified: bool  #: optimality proven by the dual certificate (candidate graph)
    threshold: float | None  #: fair objective: the bottleneck floor used, else None
    resolution: float  #: score grid step
    bonus: int  #: per-match bonus, in grid units, that made cardinality come first
    trainee_price: np.ndarray  #: integer dual per trainee (grid units, includes the bonus)
    mentor_price: np.ndarray  #: integer dual per mentor (grid units, includes the bonus)
    timings: dict[str, float] = field(default_factory=dict)

    def pair_value(self, scores: np.ndarray) -> np.ndarray:
        """Grid value (bonus + shifted score) of arbitrary scores, comparable with the prices."""
        q = np.rint(np.asarray(scores, dtype=np.float64) / self.resolution).astype(np.int64)
        return self.bonus + q - self.value_floor

    value_floor: int = 0  #: grid value of the lowest score (the zero point of pair values)


# --------------------------------------------------------------------------- input handling


def _candidates(scores, allowed) -> tuple[int, int, np.ndarray, np.ndarray, np.ndarray]:
    """Candidate pairs as sorted (row, col, value) arrays."""
    if sp.issparse(scores):
        coo = sp.coo_array(scores)
        coo.sum_duplicates()
        n_t, n_m = coo.shape
        rows = coo.row.astype(np.int64)
        cols = coo.col.astype(np.int64)
        vals = coo.data.astype(np.float64)
    else:
        dense = np.asarray(scores, dtype=np.float64)
        if dense.ndim != 2:
            raise ValueError("scores must be a 2-D array")
        n_t, n_m = dense.shape
        rows, cols = np.nonzero(np.isfinite(dense))
        rows = rows.astype(np.int64)
        cols = cols.astype(np.int64)
        vals = dense[rows, cols]
    keep = np.isfinite(vals)
    if allowed is not None:
        allowed = np.asarray(allowed, dtype=bool)
        if allowed.shape != (n_t, n_m):
            raise ValueError(f"allowed has shape {allowed.shape}, expected {(n_t, n_m)}")
        keep &= allowed[rows, cols]
    rows, cols, vals = rows[keep], cols[keep], vals[keep]
    order = np.lexsort((cols, rows))
    return n_t, n_m, rows[order], cols[order], vals[order]


def _capacities(capacities, n_m: int) -> np.ndarray:
    cap = np.asarray(capacities)
    if cap.shape != (n_m,):
        raise ValueError(f"capacities has shape {cap.shape}, expected ({n_m},)")
    if cap.size and (cap < 0).any():
        raise ValueError("capacities must be non-negative")
    if cap.size and not np.all(np.equal(np.mod(cap, 1), 0)):
        raise ValueError("capacities must be integers")
    return cap.astype(np.int64)


def grid_scale(max_abs: float) -> float:
    """Power of ten that maps scores of magnitude ``max_abs`` onto an integer grid."""
    if max_abs <= 0 or not math.isfinite(max_abs):
        return 1.0
    return 10.0 ** math.floor(math.log10(_GRID_MAX / max_abs))


# --------------------------------------------------------------------------- building blocks


def _max_flow(n_t, n_m, rows, cols, cap) -> tuple[int, np.ndarray, np.ndarray]:
    """Maximum number of matchable trainees, and residual reachability from the source.

    The reachable trainees and mentors describe a minimum cut (Koenig cover): an allowed pair
    (i, j) with trainee i reachable and mentor j not reachable would enlarge the matching.
    """
    if n_t == 0:
        return 0, np.zeros(0, bool), np.zeros(n_m, bool)
    n = n_t + n_m + 2
    src, sink = n_t + n_m, n_t + n_m + 1
    used = np.flatnonzero(cap > 0)
    e_tail = np.concatenate([np.full(n_t, src), rows, n_t + used])
    e_head = np.concatenate([np.arange(n_t), n_t + cols, np.full(used.size, sink)])
    e_cap = np.concatenate([np.ones(n_t + rows.size), cap[used]]).astype(np.int32)
    graph = sp.csr_array((e_cap, (e_tail, e_head)), shape=(n, n))
    res = maximum_flow(graph, src, sink)
    residual = (graph - res.flow).tocsr()
    residual.data[residual.data < 0] = 0
    residual.eliminate_zeros()
    reached = breadth_first_order(residual, src, directed=True, return_predecessors=False)
    reach = np.zeros(n, bool)
    reach[reached] = True
    return int(res.flow_value), reach[:n_t], reach[n_t : n_t + n_m]


def _min_cost_flow(n_t, n_m, rows, cols, w, cap) -> np.ndarray:
    """Maximum-cardinality b-matching of largest total weight, by min-cost flow (OR-tools).

    ``solve_max_flow_with_min_cost`` sends as many trainees as possible from the source to the
    sink and, among maximum flows, finds one of least cost: with pair cost ``w.max() - w`` that is
    the largest total weight, so cardinality comes first without any bonus. Costs are integers,
    which is why scores live on a grid.
    """
    mentor = np.full(n_t, -1, np.int64)
    if rows.size == 0:
        return mentor
    source, sink = n_t + n_m, n_t + n_m + 1
    used = np.flatnonzero(cap > 0)
    tails = np.concatenate([np.full(n_t, source), rows, n_t + used])
    heads = np.concatenate([np.arange(n_t), n_t + cols, np.full(used.size, sink)])
    capacity = np.concatenate([np.ones(n_t + rows.size, np.int64), cap[used]])
    cost = np.concatenate(
        [np.zeros(n_t, np.int64), int(w.max()) - w, np.zeros(used.size, np.int64)]
    )
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacity, cost)
    flow.set_node_supply(source, n_t)
    flow.set_node_supply(sink, -n_t)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    pair_arcs = np.arange(n_t, n_t + rows.size)
    on = flow.flows(pair_arcs) > 0
    mentor[rows[on]] = cols[on]
    return mentor


def _pair_index(n_t, rows, cols, mentor) -> np.ndarray:
    """Position of each trainee's matched pair in the sorted candidate arrays (-1 if none)."""
    idx = np.full(n_t, -1, np.int64)
    matched = np.flatnonzero(mentor >= 0)
    if matched.size == 0:
        return idx
    width = int(cols.max(initial=0)) + 1 + int(mentor.max(initial=0)) + 1
    key = rows * width + cols
    want = matched * width + mentor[matched]
    pos = np.searchsorted(key, want)
    ok = (pos < key.size) & (key[np.minimum(pos, key.size - 1)] == want)
    if not ok.all():
        raise AssertionError("assignment uses a pair that is not a candidate")
    idx[matched] = pos
    return idx


def _duals(n_t, n_m, rows, cols, w, cap, mentor, load) -> tuple[np.ndarray, np.ndarray] | None:
    """Exact optimal duals (u >= 0 per trainee, v >= 0 per mentor) for the given assignment.

    Solves the difference constraints of complementary slackness by Bellman-Ford from a root
    node; returns None when they are infeasible, i.e. when the assignment is not optimal.
    """
    root = n_t + n_m
    n = root + 1
    matched = np.flatnonzero(mentor >= 0)
    unmatched = np.flatnonzero(mentor < 0)
    not_full = np.flatnonzero(load < cap)
    tails = [rows, n_t + mentor[matched], np.arange(n_t), np.full(unmatched.size, root)]
    heads = [n_t + cols, matched, np.full(n_t, root), unmatched]
    pidx = _pair_index(n_t, rows, cols, mentor)
    weights = [-w, w[pidx[matched]], np.zeros(n_t, np.int64), np.zeros(unmatched.size, np.int64)]
    tails += [np.full(n_m, root), n_t + not_full]
    heads += [n_t + np.arange(n_m), np.full(not_full.size, root)]
    weights += [np.zeros(n_m, np.int64), np.zeros(not_full.size, np.int64)]
    tail = np.concatenate(tails).astype(np.int64)
    head = np.concatenate(heads).astype(np.int64)
    wt = np.concatenate(weights).astype(np.int64)
    dist = _shortest_distances(n, root, tail, head, wt)
    if dist is None:
        return None
    u = dist[:n_t]
    v = -dist[n_t:root]
    return u, v


def _shortest_distances(n, source, tail, head, wt) -> np.ndarray | None:
    """Distances from ``source`` (Bellman-Ford); None if a negative cycle is reachable.

    Each pass relaxes only the edges leaving nodes whose distance changed in the pass before
    (the queue-based variant, a whole frontier at a time): near the optimum few distances
    move, so most passes touch a small part of the graph.
    """
    order = np.argsort(tail, kind="stable")
    tail, head, wt = tail[order], head[order], wt[order]
    indptr = np.searchsorted(tail, np.arange(n + 1))
    out_degree = np.diff(indptr)
    dist = np.full(n, _INF, np.int64)
    dist[source] = 0
    frontier = np.array([source], np.int64)
    moved = np.zeros(n, bool)
    for _ in range(n + 1):
        starts, lens = indptr[frontier], out_degree[frontier]
        edges = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(lens.sum())
        to = head[edges]
        via = np.repeat(dist[frontier], lens)  # the edges leave the frontier in its order
        via += wt[edges]
        better = via < dist[to]
        if not better.any():
            return dist
        to, via = to[better], via[better]
        np.minimum.at(dist, to, via)
        if dist[source] < 0:
            return None
        moved[to] = True  # next frontier, in node order (a mark is cheaper than np.unique)
        frontier = np.flatnonzero(moved)
        moved[frontier] = False
    return None


def _check_certificate(rows, cols, w, cap, mentor, load, u, v) -> bool:
    """Verify dual feasibility and complementary slackness in exact integer arithmetic."""
    if (u < 0).any() or (v < 0).any():
        return False
    if (u[rows] + v[cols] < w).any():
        return False
    matched = np.flatnonzero(mentor >= 0)
    pidx = _pair_index(len(mentor), rows, cols, mentor)
    if (u[matched] + v[mentor[matched]] != w[pidx[matched]]).any():
        return False
    if (u[mentor < 0] != 0).any():
        return False
    return not (v[load < cap] != 0).any()


def _prune(n_t, rows, cols, w, cap, q, warm):
    """Reduced-cost fixing with an earlier optimum: drop pairs in no optimal assignment."""
    mentor, u_old, v = (np.asarray(a, np.int64) for a in warm)
    if mentor.shape != (n_t,) or v.shape != cap.shape:
        return rows, cols, q
    u = u_old.copy()
    reduced = w - v[cols]
    np.maximum.at(u, rows, reduced)  # lift trainee prices so that every pair is covered
    pidx_ok = mentor >= 0
    try:
        pidx = _pair_index(n_t, rows, cols, np.where(pidx_ok, mentor, -1))
    except AssertionError:
        return rows, cols, q
    primal = int(w[pidx[pidx_ok]].sum())
    dual = int(u.sum()) + int((cap * v).sum())
    gap = dual - primal
    keep = u[rows] + v[cols] - w <= gap
    return rows[keep], cols[keep], q[keep]


def _near_old_prices(n_t, rows, cols, w, cap, warm, slack) -> np.ndarray:
    """The pairs whose reduced cost under an earlier optimum's prices is at most ``slack`` grid
    units (all of them when those prices do not fit the problem, as in :func:`_prune`)."""
    _, u, v = (np.asarray(a, np.int64) for a in warm)
    if u.shape != (n_t,) or v.shape != cap.shape:
        return np.ones(rows.size, bool)
    return u[rows] + v[cols] - w <= round(slack)


#: A state of the tie-break's exchange search: ("m", mentor, flag), ("t", trainee, flag), or
#: ("R", -1, 0) for the root.
_State = tuple[str, int, int]


def _tie_break(n_t, n_m, rows, cols, w, cap, mentor, u, v) -> np.ndarray:
    """Lexicographically smallest optimal assignment (unmatched counts as worst).

    ``u, v`` must be optimal duals for weights ``w`` whose optimal assignments all have the
    same cardinality. Every optimal assignment uses only tight pairs and satisfies slackness, and
    two of them differ by exchange cycles in the exchange graph (a root node R stands for "free
    capacity / unmatched"). Only tight pairs inside one strongly connected component of that graph
    can change; each trainee, in index order, is moved to the lowest mentor an exchange cycle
    avoiding already-settled trainees allows.
    """
    mentor = mentor.copy()
    tight = u[rows] + v[cols] == w
    trows, tcols = rows[tight], cols[tight]
    is_match = mentor[trows] == tcols
    load = np.bincount(mentor[mentor >= 0], minlength=n_m)
    root = n_t + n_m
    matched = mentor >= 0
    free = np.flatnonzero(load < cap)
    v_zero = np.flatnonzero((v == 0) & (load > 0))
    u_zero = np.flatnonzero(matched & (u == 0))
    unmatched = np.flatnonzero(~matched)
    ex_tail = np.concatenate(
        [trows[~is_match], n_t + tcols[is_match], n_t + free, np.full(v_zero.size, root)]
        + [u_zero, np.full(unmatched.size, root)]
    )
    ex_head = np.concatenate(
        [n_t + tcols[~is_match], trows[is_match], np.full(free.size, root), n_t + v_zero]
        + [np.full(u_zero.size, root), unmatched]
    )
    graph = sp.csr_array(
        (np.ones(ex_tail.size, np.int8), (ex_tail, ex_head)), shape=(root + 1, root + 1)
    )
    _, label = connected_components(graph, directed=True, connection="strong")
    flex = label[trows] == label[n_t + tcols]
    frows, fcols = trows[flex], tcols[flex]
    if not (mentor[frows] != fcols).any():
        return mentor

    adj: dict[int, list[int]] = {}
    holders: dict[int, set[int]] = {}
    for a, b in zip(frows.tolist(), fcols.tolist(), strict=True):
        adj.setdefault(a, []).append(b)
        if mentor[a] == b:
            holders.setdefault(b, set()).add(a)
    ment = mentor.tolist()
    load_l = load.tolist()
    cap_l = cap.tolist()
    u_l = u.tolist()
    v_l = v.tolist()

    def search(i: int, start: int, m0: int, dead: set[_State]) -> list[tuple[int, int]] | None:
        r_closes = m0 < 0 or v_l[m0] == 0
        first: _State = ("m", start, 0)
        parent: dict[_State, _State | None] = {first: None}
        queue = deque([first])
        found: _State | None = None
        while queue and found is None:
            state = queue.popleft()
            kind, x, flag = state
            nxt: list[_State] = []
            if kind == "m":
                if x == m0:
                    found = state
                    break
                if load_l[x] < cap_l[x] and not flag:
                    nxt.append(("R", -1, 0))
                nxt += [("t", a, flag) for a in sorted(holders.get(x, ())) if a > i]
            elif kind == "t":
                if u_l[x] == 0 and ment[x] >= 0 and not flag:
                    nxt.append(("R", -1, 0))
                nxt += [("m", b, flag) for b in adj.get(x, ()) if b != ment[x]]
            else:  # the root
                if r_closes:
                    found = state
                    break
                nxt += [("t", a, 1) for a in r_unmatched if a > i]
                nxt += [("t", a, 1) for b in r_vzero for a in sorted(holders.get(b, ())) if a > i]
            for child in nxt:
                if child not in parent and child not in dead:
                    parent[child] = state
                    queue.append(child)
        if found is None:
            dead.update(parent)
            return None
        moves = [(i, start)]
        node = found
        prev = parent[node]
        while prev is not None:
            if prev[0] == "t" and node[0] == "m":
                moves.append((prev[1], node[1]))
            elif prev[0] == "t" and node[0] == "R":
                moves.append((prev[1], -1))
            node = prev
            prev = parent[node]
        return moves

    r_unmatched = sorted({a for a in adj if ment[a] < 0})
    r_vzero = sorted({b for b in holders if v_l[b] == 0})
    for i in sorted(adj):
        m0 = ment[i]
        options = sorted({b for b in adj[i] if b != m0 and (m0 < 0 or b < m0)})
        dead: set[_State] = set()
        for b in options:
            if ("m", b, 0) in dead:
                continue
            moves = search(i, b, m0, dead)
            if moves is None:
                continue
            trial = list(ment)
            trial_load = list(load_l)
            for a, nb in moves:
                if trial[a] >= 0:
                    trial_load[trial[a]] -= 1
                if nb >= 0:
                    trial_load[nb] += 1
                trial[a] = nb
            touched = {nb for _, nb in moves if nb >= 0}
            if any(trial_load[x] > cap_l[x] for x in touched):
                continue  # not a valid exchange (a degenerate walk); try the next option
            for a, nb in moves:
                old = ment[a]
                if old >= 0:
                    holders.setdefault(old, set()).discard(a)
                if nb >= 0:
                    holders.setdefault(nb, set()).add(a)
            ment, load_l = trial, trial_load
            r_unmatched = sorted({a for a in adj if ment[a] < 0})
            r_vzero = sorted({b for b in holders if v_l[b] == 0 and holders[b]})
            break
    return np.asarray(ment, dtype=np.int64)


# --------------------------------------------------------------------------- public solvers


def solve_candidates(
    n_t: int,
    n_m: int,
    rows: np.ndarray,
    cols: np.ndarray,
    vals: np.ndarray,
    capacities,
    objective: str = "total",
    scale: float | None = None,
    tie_break: bool = True,
    score_bounds: tuple[float, float] | None = None,
    warm: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    near: float | None = None,
) -> AssignmentResult:
    """Solve on explicit candidate pairs (rows, cols sorted by row then column, no duplicates).

    ``scale`` fixes the score grid (grid units per score unit); by default it is chosen from the
    largest score magnitude. ``score_bounds`` (low, high) bounds every score that may ever be
    priced; by default the range of the candidate scores. :mod:`.rounds` fixes both so that
    the prices also certify pairs outside the candidate set (any score in [0, 1]).

    ``warm`` = (mentor, trainee_price, mentor_price) of an earlier optimum on a subset of these
    candidates, with the same grid and bounds (as returned in an :class:`AssignmentResult`).
    Lifting those prices to feasibility gives a duality gap; a pair whose reduced cost exceeds
    the gap is in no optimal assignment and is left out of the solve (the certificate and the
    tie-breaking still use every candidate).

    ``near`` (score units, with ``warm``): solve first on only the pairs whose reduced cost
    under the earlier prices is at most ``near``; when prices have moved little, the optimum
    lies among them, and the certificate over every candidate proves it. When it does not,
    the solve runs again on all of them.
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    cap = _capacities(capacities, n_m)
    rows = np.asarray(rows, np.int64)
    cols = np.asarray(cols, np.int64)
    vals = np.asarray(vals, np.float64)
    # pairs with zero-capacity mentors can never be used
    live = cap[cols] > 0
    rows, cols, vals = rows[live], cols[live], vals[live]
    if scale is None:
        scale = grid_scale(float(np.abs(vals).max(initial=0.0)))
    q = np.rint(vals * scale).astype(np.int64)
    if score_bounds is None:
        qmin, qmax = int(q.min(initial=0)), int(q.max(initial=0))
    else:
        qmin, qmax = round(score_bounds[0] * scale), round(score_bounds[1] * scale)
        if q.size and (q.min() < qmin or q.max() > qmax):
            raise ValueError("scores outside score_bounds")
    # The most trainees that can be matched: the fair objective's bisection needs it first;
    # for the total objective the certificate below proves it (its weights put cardinality
    # first), so a separate maximum flow runs only when there is no certificate.
    k_max = _max_flow(n_t, n_m, rows, cols, cap)[0] if objective == "fair" else None
    timings["max_flow"] = time.perf_counter() - t0

    threshold = None
    if k_max is not None and k_max > 0:  # the fair objective (k_max is None otherwise)
        t1 = time.perf_counter()
        levels = np.unique(q)
        lo, hi = 0, levels.size - 1  # levels[lo] always achieves k_max
        while lo < hi:
            mid = (lo + hi + 1) // 2
            keep = q >= levels[mid]
            k, _, _ = _max_flow(n_t, n_m, rows[keep], cols[keep], cap)
            if k == k_max:
                lo = mid
            else:
                hi = mid - 1
        keep = q >= levels[lo]
        rows, cols, q = rows[keep], cols[keep], q[keep]
        threshold = float(levels[lo]) / scale
        timings["bottleneck"] = time.perf_counter() - t1

    value_range = qmax - qmin
    # with this bonus every optimal assignment has maximum cardinality (an augmenting path of
    # length 2l+1 loses at most l * value_range); the duals below are for these weights
    bonus_max = min(n_t, int(cap.sum())) * value_range + 1
    t2 = time.perf_counter()
    s_rows, s_cols, s_q = rows, cols, q
    if warm is not None and objective == "total":
        s_rows, s_cols, s_q = _prune(n_t, rows, cols, bonus_max + (q - qmin), cap, q, warm)
        timings["pruned_pairs"] = float(rows.size - s_rows.size)
    restricted = False
    if warm is not None and objective == "total" and near is not None:
        close = _near_old_prices(
            n_t, s_rows, s_cols, bonus_max + (s_q - qmin), cap, warm, near * scale
        )
        restricted = not close.all()
        s_rows, s_cols, s_q = s_rows[close], s_cols[close], s_q[close]
        timings["near_pairs"] = float(s_rows.size)
    mentor = _min_cost_flow(n_t, n_m, s_rows, s_cols, s_q - qmin, cap)
    timings["solve"] = time.perf_counter() - t2

    # certificate: exact duals for the lexicographic weights (bonus_max) exist iff the
    # assignment is optimal for them, i.e. maximum cardinality and then maximum total
    t3 = time.perf_counter()
    w = bonus_max + (q - qmin)
    load = np.bincount(mentor[mentor >= 0], minlength=n_m)
    duals = _duals(n_t, n_m, rows, cols, w, cap, mentor, load)
    if duals is None and restricted:  # the pairs near the old prices were not enough
        timings["near_missed"] = 1.0
        mentor = _min_cost_flow(n_t, n_m, rows, cols, q - qmin, cap)
        load = np.bincount(mentor[mentor >= 0], minlength=n_m)
        duals = _duals(n_t, n_m, rows, cols, w, cap, mentor, load)
    certified = False
    matched_now = int((mentor >= 0).sum())
    if duals is not None:
        u, v = duals
        certified = k_max in (None, matched_now) and _check_certificate(
            rows, cols, w, cap, mentor, load, u, v
        )
    else:
        u = np.zeros(n_t, np.int64)
        v = np.zeros(n_m, np.int64)
    if k_max is None:
        k_max = matched_now if certified else _max_flow(n_t, n_m, rows, cols, cap)[0]
    timings["certificate"] = time.perf_counter() - t3
    if tie_break and certified:
        t4 = time.perf_counter()
        mentor = _tie_break(n_t, n_m, rows, cols, w, cap, mentor, u, v)
        timings["tie_break"] = time.perf_counter() - t4

    pidx = _pair_index(n_t, rows, cols, mentor)
    matched_q = q[pidx[mentor >= 0]]
    result = AssignmentResult(
        mentor=mentor,
        objective=objective,
        matched=int((mentor >= 0).sum()),
        max_matchable=k_max,
        total_score=float(matched_q.sum()) / scale,
        min_score=float(matched_q.min()) / scale if matched_q.size else None,
        certified=certified,
        threshold=threshold,
        resolution=1.0 / scale,
        bonus=int(bonus_max),
        trainee_price=u,
        mentor_price=v,
        timings=timings,
        value_floor=qmin,
    )
    return result


def solve(scores, capacities, allowed=None, objective: str = "total") -> AssignmentResult:
    """Like :func:`assign`, but returns an :class:`AssignmentResult` with the certificate."""
    from .dense import DENSE_LIMIT, solve_dense  # dense.py builds on this module

    if not sp.issparse(scores) and np.ndim(scores) == 2 and np.size(scores) > DENSE_LIMIT:
        return solve_dense(scores, capacities, allowed, objective)
    return solve_all_pairs(scores, capacities, allowed, objective)


def solve_all_pairs(scores, capacities, allowed=None, objective: str = "total") -> AssignmentResult:
    """:func:`solve` with every allowed pair handed to one min-cost flow (sparse inputs, and
    dense ones up to :data:`.dense.DENSE_LIMIT` pairs)."""
    n_t, n_m, rows, cols, vals = _candidates(scores, allowed)
    return solve_candidates(n_t, n_m, rows, cols, vals, capacities, objective)


def assign(scores, capacities, allowed=None, objective: str = "total") -> np.ndarray:
    """Assign trainees (rows) to mentors (columns).

    Parameters
    ----------
    scores:
        Dense float array (trainees x mentors; non-finite entries are not candidates), or a SciPy
        sparse matrix whose stored entries (explicit zeros included) are the candidate pairs.
    capacities:
        Non-negative int per mentor.
    allowed:
        Optional boolean array of the dense shape; False forbids a pair.
    objective:
        ``"total"``: most matched trainees, then the largest total score. ``"fair"``: most
        matched trainees, then the largest lowest matched score, then the largest total.

    Returns
    -------
    numpy.ndarray of int, one per trainee: the mentor's column index, or -1 when unmatched.
    Ties are broken towards the lexicographically smallest vector of mentor indices.
    """
    return solve(scores, capacities, allowed, objective).mentor
