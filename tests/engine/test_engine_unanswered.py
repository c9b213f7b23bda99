"""Questions left unanswered count neither for nor against a pair.

A criterion that reads an answer the mentor did not give (needs offered not stated, no meeting
format, no known time zone, no languages, no topics) does not apply to the pair: its weight goes
to the criteria that do, as for a trainee who left a question blank. A must-have rule that asks
for the missing answer excludes the pair and says why.
"""

import dataclasses

import numpy as np
import pytest
from test_engine_propose import M, T

from mri_match.engine import DEFAULT_WEIGHTS, MENTORING_NEEDS, MatchSettings, propose
from mri_match.engine.inputs import CRITERION_NAMES
from mri_match.engine.scorer import BLOCK_ERROR, Scorer
from mri_match.engine.synth import make_cohort


def pair(trainee, mentor, **settings):
    """The one pair's result (score, explanation by criterion)."""
    res = propose([trainee], [mentor], MatchSettings(**settings)).results[0]
    assert res.mentor_id == mentor.id, res.diagnosis
    return res, {c["criterion"]: c for c in res.explanation["criteria"]}


def score_without(criterion, trainee, mentor):
    """The pair's score with the criterion's weight set to 0 for everyone."""
    weights = {**DEFAULT_WEIGHTS, criterion: 0.0}
    return pair(trainee, mentor, weights=weights)[0].score


NEEDS = ("research", "grant_writing")


def test_needs_not_stated_neither_gives_full_points_nor_penalises():
    t = T(1, needs=NEEDS, meeting_format="in_person", statement="AML venetoclax")
    base = dict(statement="AML venetoclax trials", meeting_formats=("virtual",))
    all_offered = pair(t, M(1, needs_offered=MENTORING_NEEDS, **base))[0].score
    none_offered = pair(t, M(1, needs_offered=("clinical",), **base))[0].score
    res, crit = pair(t, M(1, needs_offered=None, **base))
    assert none_offered < res.score < all_offered
    # the weights renormalise over the other criteria: the same as weight 0 for needs
    assert res.score == pytest.approx(score_without("needs", t, M(1, **base)), abs=1e-12)
    needs = crit["needs"]
    assert not needs["applies"] and needs["points"] == 0 and needs["value"] == 0
    assert needs["detail"] == (
        "mentor has not said which mentoring needs they offer, "
        "so this counts neither for nor against the pair"
    )
    assert "offers" not in needs["detail"] and "needs offered" not in res.explanation["summary"]
    assert sum(c["points"] for c in crit.values()) == pytest.approx(res.score, abs=1e-3)


def test_needs_stated_are_counted_and_named():
    t = T(1, needs=NEEDS)
    res, crit = pair(t, M(1, needs_offered=("research", "clinical")))
    assert crit["needs"]["applies"] and crit["needs"]["value"] == 0.5
    assert crit["needs"]["detail"] == "offers 1 of 2 needs (research); not: grant writing"


@pytest.mark.parametrize(
    "criterion, unanswered",
    [
        ("meeting", {"meeting_formats": ()}),
        ("timezone", {"timezone": ""}),
        ("timezone", {"timezone": "Not/AZone"}),
        ("languages", {"languages": ()}),
        ("topics", {"topics": ()}),
    ],
)
def test_every_question_a_mentor_left_unanswered_does_not_apply(criterion, unanswered):
    t = T(1, meeting_format="in_person", languages=("en", "es"), topics=("aml", "mds"))
    answered = M(
        1,
        needs_offered=NEEDS,
        meeting_formats=("virtual",),
        languages=("fr",),
        timezone="Asia/Tokyo",
        topics=("cll",),
    )
    left_blank = dataclasses.replace(answered, **unanswered)
    res, crit = pair(t, left_blank)
    assert not crit[criterion]["applies"] and crit[criterion]["points"] == 0
    assert crit[criterion]["detail"].endswith("so this counts neither for nor against the pair")
    assert res.score == pytest.approx(score_without(criterion, t, answered), abs=1e-12)
    # answered and not matching counts against the pair: the blank is not a match
    assert pair(t, answered)[0].score < res.score


def test_a_mentor_who_names_no_meeting_format_does_not_offer_both():
    t = T(1, meeting_format="in_person")
    _, crit = pair(t, M(1, needs_offered=NEEDS, meeting_formats=()))
    assert "offers" not in crit["meeting"]["detail"]
    res = propose(
        [t],
        [M(1, needs_offered=NEEDS, meeting_formats=())],
        MatchSettings(must_have=frozenset({"meeting_format"})),
    ).results[0]
    assert res.mentor_id is None and res.excluded_by == {"meeting_format_unanswered": 1}
    assert "has not said which meeting formats they offer (must-have rule)" in res.diagnosis


def test_a_trainee_with_no_meeting_preference_is_not_scored_as_matching():
    t = T(1, meeting_format="")
    m = M(1, needs_offered=NEEDS)
    res, crit = pair(t, m)
    assert not crit["meeting"]["applies"]
    assert crit["meeting"]["detail"] == "trainee gave no meeting preference"
    assert res.score == pytest.approx(score_without("meeting", t, m), abs=1e-12)
    # nothing to check for the must-have rule either
    assert pair(t, M(1), must_have=frozenset({"meeting_format"}))[0].mentor_id == 101


def test_must_have_needs_offered_excludes_a_mentor_who_does_not_offer_one():
    t = T(1, needs=NEEDS)
    rule = dict(must_have=frozenset({"needs_offered"}))
    mentors = [
        M(1, needs_offered=("research",)),  # does not offer grant writing
        M(2, needs_offered=None),  # has not said
        M(3, needs_offered=("research", "grant_writing", "clinical")),
    ]
    res = propose([t], mentors, MatchSettings(**rule)).results[0]
    assert res.mentor_id == 103
    alone = propose([t], mentors[:2], MatchSettings(**rule)).results[0]
    assert alone.mentor_id is None
    assert alone.excluded_by == {"needs_offered": 1, "needs_offered_unanswered": 1}
    assert "1 mentor: does not offer every mentoring need the trainee listed" in alone.diagnosis
    assert "1 mentor: has not said which mentoring needs they offer" in alone.diagnosis
    # a trainee who listed no needs asks nothing of the rule
    assert propose([T(1, needs=())], mentors[1:2], MatchSettings(**rule)).results[0].mentor_id


def test_a_trainee_whose_career_stage_is_not_given_is_told_so():
    res = propose([T(1, stage="")], [M(1), M(2)], MatchSettings()).results[0]
    assert res.mentor_id is None and res.excluded_by == {"stage": 2}
    assert "career stage is not given" in res.diagnosis


def _with_blanks(seed):
    """A synthetic cohort where some mentors left each question unanswered, some several."""
    trainees, mentors = make_cohort(200, 90, seed=seed)
    rng = np.random.default_rng(seed)
    blanks = [
        {"needs_offered": None},
        {"meeting_formats": ()},
        {"timezone": ""},
        {"languages": ()},
        {"topics": ()},
    ]
    out = []
    for m in mentors:
        change: dict = {}
        for blank in blanks:
            if rng.random() < 0.15:
                change.update(blank)
        out.append(dataclasses.replace(m, **change))
    trainees[3] = dataclasses.replace(trainees[3], meeting_format="")
    return trainees, out


def test_block_scores_equal_exact_pair_scores_with_unanswered_questions():
    trainees, mentors = _with_blanks(4)
    sc = Scorer(trainees, mentors, MatchSettings(same_institution="prefer"))
    assert len(sc.pattern_denom) > 5  # several combinations of blanks
    rows = np.arange(len(trainees))
    r, c = np.repeat(rows, len(mentors)), np.tile(np.arange(len(mentors)), len(trainees))
    parts = sc.pairs(r, c)
    block = sc.block(rows)
    assert np.abs(block.ravel() - parts.score).max() < BLOCK_ERROR
    cols = np.array([5, 0, 77, 12, 40])
    assert np.abs(sc.block(rows, cols) - block[:, cols]).max() < 1e-6
    # each pair's points add up to its score, and its weights to 1 over what applies
    assert np.allclose(parts.points.sum(axis=1), parts.score)
    coef_sum = np.zeros(r.size)
    for k, name in enumerate(CRITERION_NAMES):
        applies = sc.pair_applies(name, r, c)
        coef_sum += applies * sc.weights[name]
        assert not parts.points[~applies, k].any(), name
    has_any = coef_sum > 0
    assert has_any.all()


@pytest.mark.parametrize(
    "settings",
    [{}, {"objective": "fair"}, {"must_have": frozenset({"needs_offered", "timezone_3h"})}],
)
def test_sparse_path_reaches_the_dense_optimum_with_unanswered_questions(settings):
    trainees, mentors = _with_blanks(7)
    s = MatchSettings(alternatives=0, **settings)
    dense = propose(trainees, mentors, s)
    sparse = propose(trainees, mentors, s, dense_limit=0, k=2)
    assert sparse.certified and dense.certified
    assert sparse.matched == dense.matched
    assert sparse.total_score == pytest.approx(dense.total_score, abs=1e-6)
