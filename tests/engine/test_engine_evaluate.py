"""Offline evaluation of the text model: floors well below its figures (docs/matching.md)."""

import numpy as np

from mri_match.engine import evaluate


def test_recall_at_k_counts_ties_by_index():
    sim = np.array([[0.2, 0.9, 0.9], [0.5, 0.1, 0.0]])
    r = evaluate.recall_at(sim, [{2}, {0}], ks=(1, 2))
    assert r == {1: 0.5, 2: 1.0}


def test_hand_written_statements_rank_their_mentor_first():
    with_lexicon = evaluate.hand_written()
    assert with_lexicon[1] >= 0.9 and with_lexicon[5] >= 0.95
    assert with_lexicon[1] >= evaluate.hand_written(lexicon=False)[1]


def test_with_distractors_the_mentor_stays_near_the_top():
    r = evaluate.hand_written(distractors=500)
    assert r[5] >= 0.7 and r[1] >= 0.45


def test_synthetic_statements_find_a_mentor_of_their_field():
    r = evaluate.synthetic(n_mentors=200, n_queries=150)
    assert r[1] >= 0.85 and r[5] >= 0.95
