"""propose(): every hard constraint, every diagnosis, explanations, and the sparse path."""

import dataclasses

import numpy as np
import pytest

from mri_match.engine import (
    CRITERIA,
    DEFAULT_WEIGHTS,
    MODEL_VERSION,
    MUST_HAVE_RULES,
    MatchSettings,
    MentorInput,
    TraineeInput,
    candidates,
    kernels,
    parallel,
    propose,
)
from mri_match.engine import reserve as reserve_module
from mri_match.engine.synth import make_cohort


def T(i, **kw):
    base = dict(
        id=i,
        name=f"Trainee {i}",
        email=f"t{i}@uni.edu",
        stage="resident",
        institution="Uni A",
        city="Boston",
        region="MA",
        country="US",
        timezone="America/New_York",
        topics=("aml",),
        statement="acute myeloid leukemia",
        needs=("research",),
        roles=("research",),
        languages=("en",),
    )
    base.update(kw)
    return TraineeInput(**base)


def M(j, **kw):
    base = dict(
        id=100 + j,
        name=f"Mentor {j}",
        email=f"m{j}@hosp.org",
        institution="Hospital B",
        city="Boston",
        region="MA",
        country="US",
        timezone="America/New_York",
        topics=("aml",),
        statement="AML research",
        languages=("en",),
        capacity=1,
    )
    base.update(kw)
    return MentorInput(**base)


def one(trainees, mentors, **settings):
    return propose(trainees, mentors, MatchSettings(**settings)).by_trainee()


def test_admin_constants():
    assert {c.name for c in CRITERIA} == set(DEFAULT_WEIGHTS)
    for c in CRITERIA:
        assert c.label and c.help and 0 <= c.default <= 10
    assert MUST_HAVE_RULES and all(MUST_HAVE_RULES.values())
    assert isinstance(MODEL_VERSION, str) and MODEL_VERSION


def test_settings_validation():
    for bad in (
        dict(role="coach"),
        dict(objective="best"),
        dict(same_institution="sometimes"),
        dict(weights={"text": 11}),
        dict(weights={"height": 1}),
        dict(must_have=frozenset({"telepathy"})),
        dict(min_score=1.5),
    ):
        with pytest.raises(ValueError):
            propose([T(1)], [M(1)], MatchSettings(**bad))
    with pytest.raises(ValueError):
        propose([T(1), T(1)], [M(1)])


@pytest.mark.parametrize(
    "trainee_kw, mentor_kw, settings, rule",
    [
        ({"stage": "undergraduate"}, {"stages": ("fellow",)}, {}, "stage"),
        ({}, {"roles": ("career",)}, {}, "role_not_offered"),
        ({}, {"capacity": 0}, {}, "no_capacity"),
        ({"conflict_people": ("M1@HOSP.ORG",)}, {}, {}, "conflict"),
        ({}, {"conflict_people": ("Trainee 1",)}, {}, "conflict"),
        ({"conflict_institutions": ("hospital b",)}, {}, {}, "conflict"),
        ({}, {"conflict_institutions": ("Uni A",)}, {}, "conflict"),
        ({}, {}, {"same_institution": "require"}, "same_institution"),
        ({}, {"institution": "Uni A"}, {"same_institution": "avoid"}, "same_institution"),
        ({}, {}, {"rejected_pairs": frozenset({(1, 101)})}, "rejected"),
        ({}, {"statement": "hemophilia"}, {"min_score": 0.99}, "min_score"),
        ({"topics": ("cll",)}, {}, {"must_have": frozenset({"shared_topic"})}, "shared_topic"),
        (
            {"meeting_format": "in_person"},
            {"meeting_formats": ("virtual",)},
            {"must_have": frozenset({"meeting_format"})},
            "meeting_format",
        ),
        (
            {"languages": ("es",)},
            {},
            {"must_have": frozenset({"shared_language"})},
            "shared_language",
        ),
        (
            {"needs": ("research", "grant_writing")},
            {"needs_offered": ("research",)},
            {"must_have": frozenset({"needs_offered"})},
            "needs_offered",
        ),
        (
            {"wants_same_region": True},
            {"region": "CA", "city": "LA"},
            {"must_have": frozenset({"same_region"})},
            "same_region",
        ),
        (
            {},
            {"timezone": "Europe/London"},
            {"must_have": frozenset({"timezone_3h"})},
            "timezone_3h",
        ),
    ],
)
def test_each_hard_rule_excludes_and_is_diagnosed(trainee_kw, mentor_kw, settings, rule):
    res = one([T(1, **trainee_kw)], [M(1, **mentor_kw)], **settings)[1]
    assert res.mentor_id is None
    assert res.reason == "no_eligible_mentor"
    assert res.excluded_by.get(rule) == 1
    assert "No eligible mentor" in res.diagnosis
    # and without the rule's trigger the same pair is proposed
    assert one([T(1)], [M(1)])[1].mentor_id == 101


def test_role_not_requested():
    res = one([T(1, roles=("career",))], [M(1)], role="research")[1]
    assert res.mentor_id is None and res.reason == "no_eligible_mentor"
    assert "did not ask for a research mentor" in res.diagnosis
    assert one([T(1, roles=("career",))], [M(1)], role="career")[1].mentor_id == 101


def test_diagnosis_counts_every_rule_per_mentor():
    mentors = [
        M(1, stages=("fellow",)),
        M(2, stages=("fellow",), roles=("career",)),
        M(3, conflict_people=("t1@uni.edu",)),
    ]
    res = one([T(1)], mentors)[1]
    assert res.excluded_by == {"stage": 2, "role_not_offered": 1, "conflict": 1}
    assert "2 mentors: the mentor does not take trainees at this career stage" in res.diagnosis


def test_full_mentors_diagnosis_names_who_took_the_places():
    trainees = [T(1, statement="AML"), T(2, statement="AML venetoclax"), T(3, statement="x")]
    mentors = [M(1, capacity=2, statement="AML venetoclax")]
    out = one(trainees, mentors)
    loser = [r for r in out.values() if r.mentor_id is None]
    assert len(loser) == 1 and loser[0].reason == "all_eligible_full"
    full = loser[0].full_mentors[0]
    assert full["mentor_id"] == 101 and len(full["taken_by"]) == 2
    assert {t for t, _ in full["taken_by"]} == {1, 2, 3} - {loser[0].trainee_id}
    assert "Every eligible mentor is full" in loser[0].diagnosis


def test_locked_pairs_are_fixed_and_use_capacity():
    trainees = [T(1, statement="AML venetoclax"), T(2, statement="cooking")]
    mentors = [M(1, statement="AML venetoclax", capacity=1), M(2, statement="AML")]
    free = one(trainees, mentors)
    assert free[1].mentor_id == 101
    locked = one(trainees, mentors, locked_pairs=frozenset({(2, 101)}))
    assert locked[2].mentor_id == 101 and locked[2].locked
    assert locked[1].mentor_id == 102  # the locked pair took mentor 1's only place
    # a lock overrides eligibility rules (an admin decision)
    res = one([T(1, stage="undergraduate")], [M(1, stages=("fellow",))], locked_pairs={(1, 101)})
    assert res[1].mentor_id == 101 and res[1].locked
    with pytest.raises(ValueError):
        one(trainees, mentors, locked_pairs=frozenset({(1, 999)}))


def test_rejected_pair_moves_trainee_to_next_best():
    trainees = [T(1, statement="AML venetoclax")]
    mentors = [M(1, statement="AML venetoclax"), M(2, statement="AML")]
    assert one(trainees, mentors)[1].mentor_id == 101
    assert one(trainees, mentors, rejected_pairs=frozenset({(1, 101)}))[1].mentor_id == 102


def test_same_institution_require_and_prefer():
    trainees = [T(1, institution="Uni A")]
    mentors = [
        M(1, institution="Hospital B", statement="AML venetoclax"),
        M(2, institution="Uni A"),
    ]
    assert one(trainees, mentors, same_institution="require")[1].mentor_id == 102
    assert one(trainees, mentors, same_institution="avoid")[1].mentor_id == 101
    # "prefer" makes geography count for everyone, with institution weighted up
    only_geo = {c.name: 0.0 for c in CRITERIA} | {"geography": 5.0}
    assert one(trainees, mentors, same_institution="prefer", weights=only_geo)[1].mentor_id == 102


def test_named_preference_and_weights_steer_the_choice():
    trainees = [T(1, preferred_mentor_ids=(102,))]
    mentors = [M(1), M(2)]
    assert one(trainees, mentors)[1].mentor_id == 102
    no_pref = dict(DEFAULT_WEIGHTS, preference=0.0)
    assert one(trainees, mentors, weights=no_pref)[1].mentor_id == 101  # tie -> lower index


def test_explanation_adds_up_and_respects_consent():
    bg = frozenset({"race:black", "first_generation:yes"})
    mentors = [M(1, background=bg, statement="acute myeloid leukemia venetoclax")]
    with_consent = one([T(1, background=bg)], mentors)[1]
    without = one([T(1, background=None)], mentors)[1]
    for res in (with_consent, without):
        exp = res.explanation
        assert sum(c["points"] for c in exp["criteria"]) == pytest.approx(res.score, abs=1e-3)
        assert exp["summary"].startswith(f"Score {res.score:.2f}")
        assert "leukemia" in " ".join(exp["shared_terms"])
    crit = {c["criterion"]: c for c in with_consent.explanation["criteria"]}
    assert crit["background"]["applies"] and crit["background"]["value"] == 1.0
    crit = {c["criterion"]: c for c in without.explanation["criteria"]}
    assert not crit["background"]["applies"] and crit["background"]["points"] == 0
    assert "did not consent" in crit["background"]["detail"]
    assert "1 of the trainee's 1 topics" in crit["topics"]["detail"]


@pytest.mark.parametrize(
    "trainee_zone, mentor_zone, detail",
    [
        ("", "America/New_York", "trainee's time zone unknown"),
        ("", "", "trainee's time zone unknown"),
        (
            "America/New_York",
            "",
            "mentor's time zone unknown, so this counts neither for nor against the pair",
        ),
        ("Not/AZone", "Europe/London", "trainee's time zone unknown"),
    ],
)
def test_a_missing_time_zone_on_either_side_is_explained_not_fatal(
    trainee_zone, mentor_zone, detail
):
    res = one([T(1, timezone=trainee_zone)], [M(1, timezone=mentor_zone)])[1]
    assert res.mentor_id == 101
    crit = {c["criterion"]: c for c in res.explanation["criteria"]}["timezone"]
    assert crit["applies"] == bool(trainee_zone == "America/New_York" and mentor_zone)
    assert crit["detail"] == detail
    assert sum(c["points"] for c in res.explanation["criteria"]) == pytest.approx(
        res.score, abs=1e-3
    )


def test_alternatives_are_the_next_best_mentors():
    trainees = [T(1, statement="AML venetoclax FLT3")]
    mentors = [M(j, statement=s) for j, s in enumerate(["AML", "AML venetoclax", "x", "FLT3"] * 2)]
    res = one(trainees, mentors)[1]
    alts = res.alternatives
    assert len(alts) == 5 and res.mentor_id not in [a.mentor_id for a in alts]
    assert [a.score for a in alts] == sorted([a.score for a in alts], reverse=True)
    assert alts[0].score <= res.score


@pytest.mark.parametrize("objective", ["total", "fair"])
@pytest.mark.parametrize("scores", ["cached", "rescored", "reserve"])
def test_sparse_path_with_pricing_equals_all_pairs(objective, scores, monkeypatch):
    if scores != "cached":  # no score cache; many small blocks spread over two threads
        monkeypatch.setattr(candidates, "SCORE_CACHE_BYTES", 0)
        monkeypatch.setattr(parallel, "BLOCK_ELEMENTS", 110 * 16)
        monkeypatch.setattr(parallel, "WORKERS", 2)
        # "reserve": each trainee keeps its 20 best pairs of the 110 (3 bytes a pair)
        monkeypatch.setattr(
            reserve_module, "RESERVE_BYTES", 299 * 3 * 20 if scores == "reserve" else 0
        )
    trainees, mentors = make_cohort(300, 110, seed=4)
    settings = MatchSettings(
        objective=objective,
        min_score=0.25,
        rejected_pairs=frozenset({(trainees[0].id, mentors[0].id)}),
        locked_pairs=frozenset({(trainees[1].id, mentors[1].id)}),
    )
    dense = propose(trainees, mentors, settings)
    sparse = propose(trainees, mentors, settings, dense_limit=0, k=6)
    assert dense.stats["all_pairs_candidates"] and not sparse.stats["all_pairs_candidates"]
    assert dense.certified and sparse.certified
    assert sparse.stats["candidate_pairs"] < dense.stats["candidate_pairs"]
    assert dense.matched == sparse.matched
    assert dense.total_score == pytest.approx(sparse.total_score, abs=1e-6)
    assert dense.min_score == pytest.approx(sparse.min_score, abs=1e-9)
    assert dense.pairs() == sparse.pairs()  # same tie-breaking rule, same answer
    load = {}
    for _, mid, _ in dense.pairs():
        load[mid] = load.get(mid, 0) + 1
    caps = {m.id: m.capacity for m in mentors}
    assert all(n <= caps[mid] for mid, n in load.items())
    assert all(r.score >= 0.25 for r in dense.results if r.mentor_id and not r.locked)
    for r in dense.results:
        assert (r.mentor_id is None) == (r.diagnosis is not None)


def test_fair_objective_raises_the_minimum():
    trainees, mentors = make_cohort(200, 70, seed=9)
    total = propose(trainees, mentors, MatchSettings(objective="total"))
    fair = propose(trainees, mentors, MatchSettings(objective="fair"))
    assert fair.matched == total.matched
    assert fair.min_score >= total.min_score
    assert fair.total_score <= total.total_score + 1e-9
    assert np.isfinite(fair.total_score)


def test_block_scores_agree_with_exact_pair_scores_and_rules():
    """Pricing relies on block scores being within BLOCK_ERROR of the exact scores."""
    from mri_match.engine.scorer import BLOCK_ERROR, Scorer

    trainees, mentors = make_cohort(120, 50, seed=2)
    settings = MatchSettings(
        same_institution="prefer",
        must_have=frozenset({"shared_topic", "timezone_3h"}),
    )
    sc = Scorer(trainees, mentors, settings)
    rows = np.arange(len(trainees))
    r, c = (a.ravel() for a in np.meshgrid(rows, np.arange(len(mentors)), indexing="ij"))
    exact = sc.pairs(r, c).score.reshape(len(trainees), len(mentors))
    block = sc.block(rows)
    assert np.abs(block - exact).max() < BLOCK_ERROR
    assert (exact >= 0).all() and (exact <= 1).all()
    elig = sc.eligible(rows)
    assert 0 < elig.mean() < 1
    assert np.array_equal(sc.pair_eligible(r, c).reshape(elig.shape), elig)


@pytest.mark.parametrize("seed", [4, 5, 6])
@pytest.mark.parametrize("reserve", [0, 8])
def test_sparse_path_with_one_candidate_per_trainee_equals_all_pairs(seed, reserve, monkeypatch):
    """One candidate per trainee and one addition per row per round: pricing does nearly all
    the work, over many rounds, and must still end at the optimum (with pricing rescoring
    every trainee, or first looking at a reserve of each trainee's 8 best pairs)."""
    monkeypatch.setattr(candidates, "SCORE_CACHE_BYTES", 0)
    monkeypatch.setattr(reserve_module, "RESERVE_BYTES", 300 * 3 * reserve)
    trainees, mentors = make_cohort(300, 110, seed=seed)
    settings = MatchSettings(alternatives=0)
    dense = propose(trainees, mentors, settings)
    sparse = propose(trainees, mentors, settings, dense_limit=0, k=1)
    assert sparse.certified
    assert sparse.matched == dense.matched
    assert sparse.total_score == pytest.approx(dense.total_score, abs=1e-6)


def test_column_tops_keep_each_mentors_best_trainees_with_ties_to_the_lower_row():
    rng = np.random.default_rng(3)
    n_t, n_m, keep = 300, 40, 4
    s = rng.integers(0, 5, size=(n_t, n_m)).astype(np.float32)  # few values: many ties
    s[rng.random(s.shape) < 0.3] = -np.inf
    s[:, 0] = -np.inf  # a mentor nobody can take
    s[:2, 1], s[2:, 1] = 3.0, -np.inf  # one with fewer eligible trainees than kept places
    tops = kernels.ColumnTops(n_m, keep)
    order = rng.permutation(n_t)  # blocks come in any order of trainees (text order)
    for start in range(0, n_t, 37):
        rows = order[start : start + 37]
        tops.add(tops.entries(s[rows], rows))
    tops.merge()
    for j in range(n_m):
        eligible = [(-float(s[i, j]), i) for i in range(n_t) if s[i, j] > -np.inf]
        want = sorted(eligible)[:keep]
        got = [(-float(tops.val[j, k]), int(tops.row[j, k])) for k in range(keep)]
        assert [g for g in got if g[1] >= 0] == want, j


@pytest.mark.parametrize("n_cols", [7, 2**40])  # one integer key; too wide for one: lexsort
def test_column_order_is_by_column_then_largest_value_then_row(n_cols):
    rng = np.random.default_rng(11)
    special = np.array([0.0, -0.0, -1.5, 2.0, np.finfo(np.float32).min, 1e-40, -1e-40])
    vals = np.concatenate([rng.normal(size=500), rng.choice(special, 500)]).astype(np.float32)
    vals[rng.random(vals.size) < 0.1] = -np.inf
    rows = rng.integers(0, 60, vals.size)
    cols = rng.integers(0, 7, vals.size)
    got = kernels._column_order(vals, rows, cols, n_cols)
    want = np.lexsort((rows, -vals, cols))
    for a in (vals, rows, cols):
        assert np.array_equal(a[got], a[want])


def _assert_best_kept(s_row, kept_cols, bound, size, least):
    """The kept entries are a row's best: all above ``bound``, nothing left out above it, at
    most ``size`` of them and at least ``least`` when the row has that many eligible."""
    eligible = np.flatnonzero(np.isfinite(s_row))
    kept = np.asarray(kept_cols, np.int64)
    assert np.unique(kept).size == kept.size <= size
    assert set(kept.tolist()) <= set(eligible.tolist())
    assert kept.size >= min(least, eligible.size)
    left_out = np.setdiff1d(eligible, kept)
    assert (s_row[kept] >= bound).all()
    assert (s_row[left_out] <= bound).all()  # the bound covers every pair left out
    if left_out.size == 0:
        assert bound == -np.inf
    return left_out


def test_reserve_keeps_each_rows_best_pairs_with_scores_rounded_up():
    rng = np.random.default_rng(5)
    s = rng.random((40, 90)).astype(np.float32)
    s[rng.random(s.shape) < 0.2] = -np.inf
    s[3] = -np.inf  # a trainee nobody can take
    s[4, :] = 0.5  # all equal
    s[5, 10:] = -np.inf  # fewer eligible than kept places
    s[6] = np.round(s[6] * 4) / 4  # few distinct values: ties at the cut
    reserve = reserve_module.Reserve(40, 90, 30)
    top_cols, top_vals = reserve.keep(s, np.arange(40), 4)
    kept = reserve.scores(np.arange(40))
    for i in range(40):
        live = reserve.level[i] > 0
        cols = reserve.col[i][live].astype(np.int64)
        _assert_best_kept(s[i], cols, reserve.bound[i], 30, 4)
        true = s[i, cols]
        assert (kept[i][live] >= true).all()  # never below the score
        assert (kept[i][live] - true <= reserve.step[i] * 1.001 + 2e-6).all()  # about a level
        assert np.isneginf(kept[i][~live]).all()
        order = np.sort(s[i])[::-1]
        assert sorted(top_vals[i], reverse=True) == list(order[:4])
        assert np.array_equal(s[i, top_cols[i]], top_vals[i])
    assert np.isneginf(reserve.bound[3]) and np.isneginf(reserve.bound[5])
    assert (reserve.level[4] > 0).sum() == 30  # all tied: the 30 lowest mentors
    assert sorted(reserve.col[4].tolist()) == list(range(30))
    assert (reserve.level[0] > 0).sum() >= 20  # most places are used


@pytest.mark.parametrize("size", [1, 7, 300, 1_200])
def test_best_packed_keeps_each_rows_best_without_sorting_rows(size):
    """The sampled cut must not lose a row's best entries: rows where the sample misleads
    (best values on the columns it skips, on the columns it reads, wide ties) are cut again,
    and the best ``least`` are always there for the candidates."""
    rng = np.random.default_rng(size)
    n = 4_000
    least = min(size, 11)
    s = rng.random((12, n)).astype(np.float32)
    s[rng.random(s.shape) < 0.3] = -np.inf
    s[1] = -np.inf  # nobody eligible
    s[2, :] = 0.25  # all tied
    s[3] = np.round(s[3] * 8) / 8  # few distinct values: ties at the cut
    stride = max(1, size // 256)
    if stride > 1:
        s[4, 1::stride] += 1.0  # the best values all on columns the sample skips
        s[5, ::stride] += 1.0  # ... all on the columns it reads
    s[6, : size // 2] = rng.random(size // 2)  # fewer eligible than places
    s[6, size // 2 :] = -np.inf
    s[7, :] = -np.inf
    s[7, 5 * stride : 5 * stride + 3] = 0.9  # a few eligible, all off the sample ...
    s[7, ::stride] = -np.inf  # ... which sees none
    val, col, bound = reserve_module.best_packed(s, size, least)
    assert val.shape == col.shape == (12, size)
    for i in range(s.shape[0]):
        finite = np.isfinite(val[i])
        count = int(finite.sum())
        assert finite[:count].all()  # packed to the left ...
        assert np.all(np.diff(col[i][:count]) > 0)  # ... in column order
        assert np.array_equal(val[i][:count], s[i, col[i][:count]])
        _assert_best_kept(s[i], col[i][:count], bound[i], size, least)
    assert (bound[2] == 0.25) and sorted(col[2].tolist()) == list(range(size))  # lower columns
    top = np.partition(val, size - least, axis=1)[:, size - least]
    cols, vals = kernels.take_best(val, col, top, least)
    for i in range(s.shape[0]):
        order = np.sort(s[i])[::-1][:least]
        assert np.array_equal(np.sort(vals[i])[::-1], order), i
        finite = np.isfinite(vals[i])
        assert np.array_equal(s[i, cols[i][finite]], vals[i][finite])
        assert np.unique(cols[i][finite]).size == finite.sum()
    assert sorted(cols[2].tolist()) == list(range(least))  # ties: the leftmost


def test_text_order_groups_trainees_by_their_costliest_term():
    from mri_match.engine.scorer import Scorer

    trainees, mentors = make_cohort(300, 80, seed=8)
    trainees[5] = dataclasses.replace(trainees[5], statement="")
    sc = Scorer(trainees, mentors, MatchSettings())
    rows = np.arange(3, 300)
    order = sc.text_order(rows)
    assert sorted(order.tolist()) == list(range(rows.size))
    postings = np.diff(sc.text.postings.indptr)
    part = sc.text.trainees32[rows[order]]
    key = [
        -1 if lo == hi else int(max(part.indices[lo:hi], key=lambda t: (postings[t], -t)))
        for lo, hi in zip(part.indptr[:-1], part.indptr[1:], strict=True)
    ]
    assert key == sorted(key)  # each term's trainees together, no statement first
    assert key[0] == -1


@pytest.mark.parametrize("policy", ["prefer", "require", "avoid"])
def test_block_and_rules_for_some_mentors_equal_those_columns_of_the_full_block(policy):
    """Pricing rescores a trainee against only the mentors whose price leaves room: the scores
    and the rules for a subset of mentors must be those columns of the full block."""
    from mri_match.engine.scorer import Scorer

    trainees, mentors = make_cohort(80, 40, seed=7)
    trainees[0] = dataclasses.replace(trainees[0], preferred_mentor_ids=(mentors[3].id,))
    settings = MatchSettings(
        same_institution=policy,
        must_have=frozenset(
            {"shared_topic", "shared_language", "needs_offered", "meeting_format", "timezone_3h"}
        ),
        rejected_pairs=frozenset(
            {(trainees[0].id, mentors[5].id), (trainees[1].id, mentors[3].id)}
        ),
    )
    sc = Scorer(trainees, mentors, settings)
    rows = np.arange(len(trainees))
    cols = np.array([3, 5, 0, 17, 39, 21])  # any order, not contiguous
    # float32 sums in another order: equal to far below BLOCK_ERROR
    assert np.abs(sc.block(rows, cols) - sc.block(rows)[:, cols]).max() < 1e-6
    assert np.array_equal(sc.eligible(rows, cols), sc.eligible(rows)[:, cols])
    full, part = sc.rule_masks(rows), sc.rule_masks(rows, cols)
    assert full.keys() == part.keys()
    for name in full:
        assert np.array_equal(part[name], full[name][:, cols]), name
    assert not sc.eligible(rows[:2], cols)[0, 1] and not sc.eligible(rows[:2], cols)[1, 0]
    # eligible() applies the same rules as the masks the diagnoses read, in fewer passes
    for masks, elig in ((full, sc.eligible(rows)), (part, sc.eligible(rows, cols))):
        assert np.array_equal(elig, ~np.logical_or.reduce(list(masks.values())))


@pytest.mark.parametrize(
    "rules",
    [
        {"min_score": 0.3},
        {"same_institution": "avoid", "must_have": frozenset({"shared_topic"})},
        {"same_institution": "require"},
        {"objective": "fair", "must_have": frozenset({"timezone_3h", "meeting_format"})},
    ],
)
def test_pricing_from_a_small_reserve_ends_at_the_optimum_under_every_rule(rules, monkeypatch):
    """The reserve's rounding, its partial rows and the rescoring beyond it, with hard rules
    that leave some trainees few or no mentors: the same answer as all pairs."""
    monkeypatch.setattr(candidates, "SCORE_CACHE_BYTES", 0)
    # 12 of 110 mentors a trainee
    monkeypatch.setattr(reserve_module, "RESERVE_BYTES", 300 * 3 * 12)
    monkeypatch.setattr(parallel, "BLOCK_ELEMENTS", 110 * 32)
    for seed in (11, 12):
        trainees, mentors = make_cohort(300, 110, seed=seed)
        settings = MatchSettings(alternatives=0, **rules)
        dense = propose(trainees, mentors, settings)
        sparse = propose(trainees, mentors, settings, dense_limit=0, k=2)
        assert sparse.certified and not sparse.stats["all_pairs_candidates"]
        assert sparse.matched == dense.matched
        assert sparse.total_score == pytest.approx(dense.total_score, abs=1e-6)
        assert sparse.min_score == pytest.approx(dense.min_score, abs=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mask_out_sets_minus_infinity_where_not_ok_and_leaves_the_rest(dtype):
    rng = np.random.default_rng(9)
    a = (rng.random((7, 300)) * 4 - 2).astype(dtype)  # negative and positive values
    a[0, :5] = [0.0, -0.0, np.inf, -np.inf, 1e-30]
    ok = rng.random(a.shape) < 0.7
    ok[0, :5] = True
    want = np.where(ok, a, -np.inf).astype(dtype)
    kernels.mask_out(a, ok)
    assert a.dtype == dtype
    assert np.array_equal(a, want)
    assert np.signbit(a[0, 1])  # bits kept exactly where ok (-0.0 stays -0.0)


@pytest.mark.parametrize("ahead", [None, 1, 3])
def test_map_blocks_yields_every_result_in_order_and_runs_at_most_ahead(ahead, monkeypatch):
    monkeypatch.setattr(parallel, "WORKERS", 2)
    started: list[int] = []

    def fn(block):
        started.append(block)
        return block * block

    out = []
    for value in parallel.map_blocks(fn, range(20), ahead=ahead):
        out.append(value)
        if ahead is not None:  # never more than `ahead` blocks beyond the one consumed
            assert len(started) <= len(out) + ahead
    assert out == [b * b for b in range(20)]


@pytest.mark.parametrize("k", [1, 3, 10])
def test_row_tops_are_each_rows_k_largest_above_the_threshold(k):
    """Against a sort of every row: rows with no, few and many entries above the threshold,
    ties (the lower column first) and -inf, wide enough for the sampled cut to be used."""
    rng = np.random.default_rng(k)
    a = rng.integers(-20, 40, size=(60, 32 * k * 5)).astype(np.float64) / 4  # many ties
    a[rng.random(a.shape) < 0.6] = -np.inf
    a[0] = -np.inf  # nothing eligible
    a[1, :] = -1.0  # nothing above the threshold
    a[2] = np.minimum(a[2], 4.0)
    a[2, : k + 3] = 5.0  # ties at the top
    a[3, :] = -np.inf
    a[3, -k:] = 1.0  # exactly k, at the end (none of them in the sample)
    r, c = kernels.row_tops(a, k, -0.5)
    got: dict[int, list[int]] = {}
    for i, j in zip(r.tolist(), c.tolist(), strict=True):
        got.setdefault(i, []).append(j)
    for i in range(a.shape[0]):
        above = [j for j in range(a.shape[1]) if a[i, j] > -0.5]
        want = sorted(above, key=lambda j: (-a[i, j], j))[:k]
        assert sorted(got.get(i, [])) == sorted(want), i
    assert 0 not in got and 1 not in got
    assert sorted(got[2]) == list(range(k))


def test_pair_set_criteria_from_packed_bits_equal_the_multi_hot_overlap():
    """Shared topics, needs, languages and background of explicit pairs are counted on
    bit-packed sets: exactly the overlap of the multi-hot rows over the trainee's count."""
    from mri_match.engine.inputs import CRITERION_NAMES
    from mri_match.engine.scorer import Scorer

    trainees, mentors = make_cohort(400, 150, seed=8)
    sc = Scorer(trainees, mentors, MatchSettings())
    rng = np.random.default_rng(8)
    rows, cols = rng.integers(0, 400, 5000), rng.integers(0, 150, 5000)
    values = sc.pairs(rows, cols).values
    column = {name: k for k, name in enumerate(CRITERION_NAMES)}
    assert len(sc._sets) == 4 and max(lt.shape[1] for lt, _ in sc._sets.values()) > 8
    for name, (lt, rt) in sc._sets.items():
        want = np.einsum("ij,ij->i", lt[rows], rt[cols]) / np.maximum(lt[rows].sum(axis=1), 1)
        assert np.array_equal(values[:, column[name]], want), name
        assert 0 < want.mean() < 1, name  # neither empty nor trivial


def test_exact_scores_in_many_chunks_equal_one_pass(monkeypatch):
    from mri_match.engine.scorer import Scorer

    trainees, mentors = make_cohort(120, 50, seed=5)
    sc = Scorer(trainees, mentors, MatchSettings())
    rng = np.random.default_rng(5)
    rows, cols = rng.integers(0, 120, 1001), rng.integers(0, 50, 1001)
    monkeypatch.setattr(parallel, "WORKERS", 2)
    monkeypatch.setattr(parallel, "EXACT_CHUNK", 64)  # 16 chunks, the last one shorter
    assert np.array_equal(parallel.exact_scores(sc, rows, cols), sc.pairs(rows, cols).score)
