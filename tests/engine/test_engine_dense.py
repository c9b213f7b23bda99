"""assign() on a dense matrix by candidates and pricing: the same result as one solve on every
pair, optimal against SciPy's Hungarian method, within places and the mask, and when nothing
or nobody can be matched."""

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from mri_match.engine import assign, dense, solve
from mri_match.engine.assign import solve_all_pairs
from mri_match.engine.dense import solve_dense


def _instance(rng, n_t, n_m, decimals=2):
    scores = np.round(rng.random((n_t, n_m)) * rng.choice([1.0, 5.0, -3.0]), decimals)
    cap = rng.integers(0, 4, n_m)
    allowed = rng.random((n_t, n_m)) < rng.uniform(0.1, 1.0)
    if rng.random() < 0.3:
        scores[rng.random(scores.shape) < 0.2] = np.nan  # not candidates either
    return scores, cap, allowed


def _hungarian(scores, cap, allowed):
    """SciPy on the slot-expanded matrix, a bonus per match so that cardinality comes first:
    (matched, total score)."""
    n_t = scores.shape[0]
    slot = np.repeat(np.arange(scores.shape[1]), cap)
    ok = allowed[:, slot] & np.isfinite(scores[:, slot])
    bonus = 2.0 * (np.nanmax(np.abs(scores)) + 1) * (n_t + 1)
    cost = np.zeros((n_t, slot.size + n_t))
    cost[:, : slot.size] = np.where(ok, -(bonus + np.nan_to_num(scores[:, slot])), 1e15)
    r, c = linear_sum_assignment(cost)
    real = (c < slot.size) & (cost[r, c] < 1e14)
    return int(real.sum()), float(scores[r[real], slot[c[real]]].sum())


@pytest.mark.parametrize("objective", ["total", "fair"])
def test_the_same_assignment_as_a_solve_on_every_pair(objective):
    """Few candidates a trainee (k = 1 to 3) so that pricing has work to do; ties, negative
    scores, non-finite entries, mentors without places."""
    rng = np.random.default_rng(21 if objective == "total" else 22)
    rounds = []
    for _ in range(60):
        scores, cap, allowed = _instance(rng, int(rng.integers(1, 40)), int(rng.integers(1, 25)))
        k = int(rng.integers(1, 4))
        want = solve_all_pairs(scores, cap, allowed, objective)
        got = solve_dense(scores, cap, allowed, objective, k=k)
        assert np.array_equal(got.mentor, want.mentor)  # the tie-break included
        assert (got.matched, got.total_score, got.min_score) == (
            want.matched,
            want.total_score,
            want.min_score,
        )
        assert got.certified and got.max_matchable == want.max_matchable
        rounds.append(got.timings.get("rounds", 0))
    assert max(rounds) > 1  # pricing added pairs beyond the first candidates


def test_optimal_against_scipy_hungarian_on_the_slot_expanded_matrix():
    rng = np.random.default_rng(5)
    for _ in range(60):
        scores, cap, allowed = _instance(rng, int(rng.integers(2, 50)), int(rng.integers(2, 30)))
        res = solve_dense(scores, cap, allowed, k=1)
        matched, total = _hungarian(scores, cap, allowed)
        assert res.matched == matched
        assert res.total_score == pytest.approx(total, abs=1e-6)


def test_places_and_the_mask_are_respected_and_prices_hold_for_every_pair():
    rng = np.random.default_rng(9)
    scores = rng.random((300, 80))
    cap = rng.integers(0, 3, 80)
    allowed = rng.random(scores.shape) < 0.3
    res = solve_dense(scores, cap, allowed, k=2)
    m = res.mentor
    assert (np.bincount(m[m >= 0], minlength=80) <= cap).all()
    assert all(allowed[i, j] for i, j in enumerate(m.tolist()) if j >= 0)
    # the prices returned are feasible for every allowed pair, not only the candidates
    value = res.pair_value(scores)
    ok = allowed & (cap > 0)[None, :]
    slack = res.trainee_price[:, None] + res.mentor_price[None, :] - value
    assert (slack[ok] >= 0).all()


def test_one_popular_mentor_needs_pricing_to_find_the_others():
    """Every trainee's best mentor is the same one with one place: the first candidates (one a
    trainee) match one trainee; pricing finds everybody else's second choice."""
    n_t, n_m = 60, 40
    scores = np.tile(np.linspace(0.5, 0.1, n_m), (n_t, 1))
    scores[:, 0] = 1.0
    scores += np.arange(n_t)[:, None] * 1e-4
    cap = np.ones(n_m, np.int64)
    res = solve_dense(scores, cap, k=1)
    assert res.matched == n_m and res.timings["rounds"] > 1
    assert np.array_equal(res.mentor, solve_all_pairs(scores, cap).mentor)


@pytest.mark.parametrize("objective", ["total", "fair"])
def test_nothing_allowed_or_no_places_matches_nobody(objective):
    scores = np.random.default_rng(3).random((30, 12))
    nobody = np.full(30, -1)
    res = solve_dense(scores, np.full(12, 2), np.zeros((30, 12), bool), objective)
    assert np.array_equal(res.mentor, nobody) and res.matched == 0
    res = solve_dense(scores, np.zeros(12, np.int64), None, objective)
    assert np.array_equal(res.mentor, nobody) and res.matched == 0
    res = solve_dense(np.full((30, 12), np.nan), np.ones(12, np.int64), None, objective)
    assert np.array_equal(res.mentor, nobody)
    # more trainees than places: the places fill, the rest stay unmatched
    res = solve_dense(scores, np.ones(12, np.int64), None, objective, k=1)
    assert res.matched == 12 and (res.mentor >= 0).sum() == 12


def test_invalid_input_is_refused():
    scores = np.zeros((3, 2))
    with pytest.raises(ValueError):
        solve_dense(scores, [1, 1, 1])
    with pytest.raises(ValueError):
        solve_dense(scores, [1, -1])
    with pytest.raises(ValueError):
        solve_dense(scores, [1, 1], np.ones((2, 2), bool))
    with pytest.raises(ValueError):
        solve_dense(np.zeros(4), [1])
    with pytest.raises(ValueError):
        solve_dense(scores, [1, 1], objective="best")


def test_assign_takes_the_dense_path_above_the_limit(monkeypatch):
    rng = np.random.default_rng(4)
    scores, cap, allowed = _instance(rng, 50, 30)
    want = solve_all_pairs(scores, cap, allowed).mentor
    monkeypatch.setattr(dense, "DENSE_LIMIT", 100)
    res = solve(scores, cap, allowed)
    assert "rounds" in res.timings
    assert np.array_equal(res.mentor, want)
    assert np.array_equal(assign(scores, cap, allowed), want)


def test_when_pricing_does_not_settle_every_pair_is_solved(monkeypatch):
    rng = np.random.default_rng(6)
    scores, cap, allowed = _instance(rng, 40, 20)
    monkeypatch.setattr(dense, "MAX_ROUNDS", 0)
    res = solve_dense(scores, cap, allowed)
    assert "rounds" not in res.timings
    assert np.array_equal(res.mentor, solve_all_pairs(scores, cap, allowed).mentor)
