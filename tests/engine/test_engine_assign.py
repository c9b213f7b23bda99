"""assign(): compared with independent exact solvers (HiGHS MILP, networkx min-cost flow) and
with brute-force enumeration for the tie-breaking rule."""

import itertools

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from mri_match.engine import assign, solve


def _milp(scores, cap, allowed, objective):
    """Lexicographic optimum by HiGHS MILP: (matched, [bottleneck], total)."""
    n_t, n_m = scores.shape
    r, c = np.nonzero(allowed & (cap[None, :] > 0))
    if r.size == 0:
        return 0, None, 0.0
    n = r.size
    a_t = sp.csr_array((np.ones(n), (r, np.arange(n))), shape=(n_t, n))
    a_m = sp.csr_array((np.ones(n), (c, np.arange(n))), shape=(n_m, n))
    base = [LinearConstraint(a_t, 0, 1), LinearConstraint(a_m, 0, cap)]
    opts = {"integrality": np.ones(n), "bounds": Bounds(0, 1)}
    k = round(-milp(-np.ones(n), constraints=base, **opts).fun)
    card = LinearConstraint(np.ones((1, n)), k, k)
    w = scores[r, c]
    ub = np.ones(n)
    tau = None
    if objective == "fair" and k > 0:
        for level in sorted(set(w.tolist()), reverse=True):
            ub = (w >= level).astype(float)
            res = milp(
                np.zeros(n), constraints=[*base, card], integrality=np.ones(n), bounds=Bounds(0, ub)
            )
            if res.status == 0:
                tau = level
                break
    res = milp(-w, constraints=[*base, card], integrality=np.ones(n), bounds=Bounds(0, ub))
    return k, tau, float(-res.fun)


def _check_feasible(m, cap, allowed):
    used = m[m >= 0]
    assert (np.bincount(used, minlength=cap.size) <= cap).all()
    assert all(allowed[i, j] for i, j in enumerate(m) if j >= 0)


def _instance(rng, n_t, n_m, decimals):
    scores = np.round(rng.random((n_t, n_m)), decimals)
    cap = rng.integers(0, 4, n_m)
    allowed = rng.random((n_t, n_m)) < rng.uniform(0.15, 1.0)
    allowed[rng.random(n_t) < 0.15] = False  # trainees nobody can take
    return scores, cap, allowed


@pytest.mark.parametrize("objective", ["total", "fair"])
def test_matches_milp_on_random_instances(objective):
    rng = np.random.default_rng(7 if objective == "total" else 8)
    for trial in range(45 if objective == "total" else 25):
        n_t, n_m = int(rng.integers(1, 16)), int(rng.integers(1, 9))
        scores, cap, allowed = _instance(rng, n_t, n_m, int(rng.choice([1, 2, 6])))
        if trial % 5 == 0:  # many more trainees than places
            cap = np.minimum(cap, 1)
        res = solve(scores, cap, allowed, objective)
        m = res.mentor
        _check_feasible(m, cap, allowed)
        k, tau, total = _milp(scores, cap, allowed, objective)
        got = scores[np.flatnonzero(m >= 0), m[m >= 0]]
        assert (m >= 0).sum() == k, trial
        assert got.sum() == pytest.approx(total, abs=1e-6), trial
        if objective == "fair" and k:
            assert got.min() == pytest.approx(tau, abs=1e-9)
        assert res.certified
        assert np.array_equal(assign(scores, cap, allowed, objective), m)


def test_matches_networkx_min_cost_flow():
    rng = np.random.default_rng(3)
    for _ in range(5):
        n_t, n_m = 60, 25
        scores = rng.random((n_t, n_m))
        cap = rng.integers(0, 4, n_m)
        allowed = rng.random((n_t, n_m)) < 0.3
        m = assign(scores, cap, allowed)
        _check_feasible(m, cap, allowed)
        # max matched first, then max score: integer costs with a per-match bonus
        g = nx.DiGraph()
        big = 10**9
        for i in range(n_t):
            g.add_edge("s", ("t", i), capacity=1, weight=0)
            g.add_edge(("t", i), "z", capacity=1, weight=0)  # unmatched
        for j in range(n_m):
            g.add_edge(("m", j), "z", capacity=int(cap[j]), weight=0)
        for i, j in zip(*np.nonzero(allowed), strict=True):
            g.add_edge(("t", i), ("m", j), capacity=1, weight=-(big + round(scores[i, j] * 1e6)))
        g.add_node("s", demand=-n_t)
        g.add_node("z", demand=n_t)
        flow = nx.min_cost_flow(g)
        pairs = [
            (i, j)
            for (_, i), out in ((k, v) for k, v in flow.items() if k not in ("s", "z"))
            if isinstance(i, int)
            for (kind, j), f in ((k2, f) for k2, f in out.items() if k2 != "z")
            if kind == "m" and f
        ]
        assert (m >= 0).sum() == len(pairs)
        ref = sum(round(scores[i, j] * 1e6) for i, j in pairs)
        got = sum(round(scores[i, j] * 1e6) for i, j in enumerate(m) if j >= 0)
        assert got == ref


def _brute_force(scores, cap, allowed, objective):
    n_t, n_m = scores.shape
    options = [[-1] + [j for j in range(n_m) if allowed[i, j] and cap[j] > 0] for i in range(n_t)]
    best = None
    for combo in itertools.product(*options):
        c = np.array(combo)
        if (np.bincount(c[c >= 0], minlength=n_m) > cap).any():
            continue
        q = np.rint(scores[np.flatnonzero(c >= 0), c[c >= 0]] * 10).astype(int)
        key = (
            q.size,
            (q.min() if q.size else 0) if objective == "fair" else 0,
            q.sum(),
            tuple(-(x if x >= 0 else n_m) for x in c),  # lexicographically smallest
        )
        if best is None or key > best[0]:
            best = (key, c)
    return best[1]


@pytest.mark.parametrize("objective", ["total", "fair"])
def test_ties_broken_towards_lexicographically_smallest(objective):
    """Scores on a 0.1 grid tie a lot; the rule is exact, checked by enumeration."""
    rng = np.random.default_rng(11)
    for _ in range(120):
        n_t, n_m = int(rng.integers(1, 7)), int(rng.integers(1, 5))
        scores = np.round(rng.random((n_t, n_m)) * rng.choice([1, 3]), 1)
        cap = rng.integers(0, 3, n_m)
        allowed = rng.random((n_t, n_m)) < rng.uniform(0.3, 1.0)
        got = assign(scores, cap, allowed, objective)
        assert np.array_equal(got, _brute_force(scores, cap, allowed, objective))


def test_all_equal_scores_fill_in_index_order():
    scores = np.ones((5, 3))
    got = assign(scores, np.array([1, 1, 1]))
    assert got.tolist() == [0, 1, 2, -1, -1]


def test_sparse_input_stored_entries_are_candidates():
    rng = np.random.default_rng(5)
    scores = np.round(rng.random((30, 12)), 2)
    mask = rng.random((30, 12)) < 0.3
    mask[0, 0] = True
    scores[0, 0] = 0.0  # an explicit zero is still a candidate
    cap = rng.integers(0, 3, 12)
    coo = sp.coo_array((scores[mask], np.nonzero(mask)), shape=scores.shape)
    for objective in ("total", "fair"):
        a = assign(coo, cap, objective=objective)
        b = assign(sp.csr_matrix(coo), cap, objective=objective)
        c = assign(scores, cap, allowed=mask, objective=objective)
        assert np.array_equal(a, c) and np.array_equal(b, c)
    # allowed applies to sparse input too
    allowed = np.ones((30, 12), bool)
    allowed[:, 0] = False
    assert (assign(coo, cap, allowed=allowed) != 0).all()


def test_cardinality_beats_score():
    # trainee 0 prefers mentor 0 strongly, but only then can trainee 1 be matched too
    scores = np.array([[1.0, 0.01], [0.9, np.nan]])
    assert assign(scores, np.array([1, 1])).tolist() == [1, 0]


def test_fair_raises_the_worst_match():
    scores = np.array([[0.9, 0.8], [0.85, 0.1]])
    assert assign(scores, np.array([1, 1]), objective="total").tolist() == [1, 0]  # 1.65
    assert assign(scores, np.array([1, 1]), objective="fair").tolist() == [1, 0]  # min .8
    scores = np.array([[1.0, 0.5], [0.55, 0.1]])
    assert assign(scores, np.array([1, 1]), objective="total").tolist() == [0, 1]  # 1.1, min .1
    assert assign(scores, np.array([1, 1]), objective="fair").tolist() == [1, 0]  # 1.05, min .5


def test_zero_capacity_mentors_and_empty_inputs():
    scores = np.random.default_rng(0).random((4, 3))
    assert (assign(scores, np.array([0, 0, 0])) == -1).all()
    assert assign(np.zeros((0, 3)), np.array([1, 1, 1])).shape == (0,)
    assert (assign(np.zeros((3, 0)), np.zeros(0, int)) == -1).all()
    got = assign(scores, np.array([0, 2, 0]))
    assert sorted(got.tolist()) == [-1, -1, 1, 1]


def test_negative_scores_and_determinism():
    rng = np.random.default_rng(1)
    scores = rng.normal(size=(40, 10))
    cap = rng.integers(1, 4, 10)
    first = assign(scores, cap)
    for _ in range(3):
        assert np.array_equal(assign(scores.copy(), cap.copy()), first)
    assert (first >= 0).sum() == min(40, cap.sum())


def test_input_validation():
    with pytest.raises(ValueError):
        assign(np.zeros((2, 2)), np.array([1]))
    with pytest.raises(ValueError):
        assign(np.zeros((2, 2)), np.array([1, -1]))
    with pytest.raises(ValueError):
        assign(np.zeros((2, 2)), np.array([1, 1]), allowed=np.ones((3, 2), bool))
    with pytest.raises(ValueError):
        assign(np.zeros((2, 2)), np.array([1, 1]), objective="best")


def test_solve_reports_certificate_and_prices():
    rng = np.random.default_rng(2)
    scores = rng.random((50, 10))
    cap = np.full(10, 2)
    res = solve(scores, cap)
    assert res.certified and res.matched == 20 == res.max_matchable
    m = res.mentor
    # prices certify optimality: value <= trainee price + mentor price, equality on matched
    value = res.pair_value(scores)
    assert (value <= res.trainee_price[:, None] + res.mentor_price[None, :]).all()
    matched = np.flatnonzero(m >= 0)
    assert (
        value[matched, m[matched]] == res.trainee_price[matched] + res.mentor_price[m[matched]]
    ).all()
    assert res.total_score == pytest.approx(scores[matched, m[matched]].sum(), abs=1e-5)


def test_certificate_distances_equal_networkx_and_find_negative_cycles():
    """The duals are shortest distances over a graph with negative edges: the frontier
    Bellman-Ford must give networkx's distances, and report a reachable negative cycle."""
    from mri_match.engine.assign import _shortest_distances

    rng = np.random.default_rng(11)
    for _ in range(40):
        n = int(rng.integers(2, 40))
        m = int(rng.integers(1, 5 * n))
        tail, head = rng.integers(0, n, m), rng.integers(0, n, m)
        # potentials give negative edges without negative cycles: w = p[head] - p[tail] + c
        pot = rng.integers(-50, 50, n)
        wt = pot[head] - pot[tail] + rng.integers(0, 20, m)
        graph = nx.DiGraph()
        graph.add_nodes_from(range(n))
        for a, b, c in zip(tail.tolist(), head.tolist(), wt.tolist(), strict=True):
            if a != b and (not graph.has_edge(a, b) or graph[a][b]["weight"] > c):
                graph.add_edge(a, b, weight=c)  # parallel edges: the lightest counts
        expected = nx.single_source_bellman_ford_path_length(graph, 0)
        got = _shortest_distances(n, 0, tail, head, wt)
        assert got is not None
        reached = {int(x): int(d) for x, d in enumerate(got) if d < (1 << 62)}
        assert reached == expected
    # a negative cycle reachable from the source: 0 -> 1 -> 2 -> 1
    tail, head, wt = np.array([0, 1, 2]), np.array([1, 2, 1]), np.array([1, -3, 1])
    assert _shortest_distances(3, 0, tail, head, wt) is None


@pytest.mark.parametrize("near", [0.0, 0.2, 2.0])
def test_warm_solve_near_the_old_prices_equals_a_cold_solve(near):
    """Pricing's later rounds solve first on the pairs near the earlier prices: whether those
    suffice (the certificate proves it) or not (it solves again on all), the answer is the
    cold solve's."""
    from mri_match.engine.assign import solve_candidates

    rng = np.random.default_rng(17)
    missed = spared = 0
    for _ in range(12):
        scores, cap, allowed = _instance(rng, 40, 15, 3)
        rows, cols = np.nonzero(allowed)
        vals = scores[rows, cols]
        first = rng.random(rows.size) < 0.5  # an earlier round's candidates
        kw = {"scale": 1e3, "score_bounds": (0.0, 1.0)}
        old = solve_candidates(40, 15, rows[first], cols[first], vals[first], cap, **kw)
        assert old.certified
        warm = (old.mentor, old.trainee_price, old.mentor_price)
        cold = solve_candidates(40, 15, rows, cols, vals, cap, **kw)
        hot = solve_candidates(40, 15, rows, cols, vals, cap, warm=warm, near=near, **kw)
        assert hot.certified and cold.certified
        assert np.array_equal(hot.mentor, cold.mentor)
        assert hot.total_score == pytest.approx(cold.total_score, abs=1e-9)
        missed += int(hot.timings.get("near_missed", 0))
        spared += int(hot.timings["near_pairs"] < rows.size and "near_missed" not in hot.timings)
    if near == 0.0:
        assert missed > 0  # the fallback ran: only the tight pairs were not enough
    if near == 0.2:
        assert spared > 0  # ... and some solves left pairs out and were still proven optimal
