"""Offline evaluation of the text model: floors well below its figures (docs/matching.md)."""

import numpy as np
import pytest

from mri_match.engine import evaluate, text
from mri_match.engine.eval_data import MENTORS, QUERIES, development_set, trainee_set


def test_ranks_count_ties_against_the_model():
    sim = np.array([[0.2, 0.9, 0.9], [0.5, 0.1, 0.0], [0.3, 0.3, 0.3]])
    assert evaluate.ranks(sim, [{2}, {0}, {1}]).tolist() == [2, 1, 3]
    # with several relevant mentors the best of them counts
    assert evaluate.ranks(sim, [{0, 1}, {1, 2}, {0, 1, 2}]).tolist() == [2, 2, 1]


def test_figures_of_a_small_matrix():
    sim = np.array([[1.0, 0.5, 0.0], [0.2, 1.0, 0.4]])
    ev = evaluate.EvalSet("t", ["a", "b"], ["x", "y", "z"], [0, 2], [{0}, {2}])
    f = evaluate.figures(sim, ev)
    assert (f.recall1, f.recall3) == (0.5, 1.0)
    assert f.mrr == pytest.approx((1 + 1 / 2) / 2)
    assert f.right == pytest.approx(0.7)
    assert f.best_wrong == pytest.approx(0.75)
    assert f.all_wrong == pytest.approx((0.5 + 0.0 + 0.2 + 1.0) / 4)


def test_trainee_written_set_is_large_and_every_statement_names_a_mentor():
    mentors, statements = trainee_set()
    keys = [k for k, _ in mentors]
    assert len(set(keys)) == len(keys) >= 50
    assert len(statements) >= 120
    assert {k for k, _ in statements} <= set(keys)


def test_development_set_is_separate_from_the_trainee_written_set():
    """The model's choices are made on the development set: it has its own mentors and
    statements, at least 30 and 80 of them."""
    mentors, statements = development_set()
    keys = [k for k, _ in mentors]
    assert len(set(keys)) == len(keys) >= 30
    assert len(statements) >= 80
    assert {k for k, _ in statements} <= set(keys)
    test_mentors, test_statements = trainee_set()
    assert not set(keys) & {k for k, _ in test_mentors}
    assert not {t for _, t in statements} & {t for _, t in test_statements}


def test_bm25_ranks_the_document_sharing_the_rare_term_first():
    docs = ["hemophilia emicizumab", "kids leukemia", "kids anemia", "adult lymphoma"]
    sim = evaluate.bm25(["emicizumab for kids"], docs)
    assert sim[0, 0] > sim[0, 1] == sim[0, 2] > sim[0, 3] == 0


def test_project_model_on_the_trainee_written_set():
    """Ranking and calibration: the right mentor's value is high, a typical wrong one's low,
    and the calibration changes no rank (figures in docs/matching.md)."""
    ev = evaluate.trainee_written()
    model = evaluate.figures(
        evaluate.models()["lexicon + TF-IDF (this project)"](ev.queries, ev.mentors), ev
    )
    raw = evaluate.figures(evaluate._project_cosine(ev.queries, ev.mentors), ev)
    assert model.recall1 >= 0.85 and model.recall3 >= 0.94 and model.mrr >= 0.9
    assert (model.recall1, model.recall3, model.mrr) == (raw.recall1, raw.recall3, raw.mrr)
    assert model.right >= 0.6 and model.all_wrong <= 0.2
    assert raw.right < 0.4  # the raw cosine reads low


def test_project_model_on_the_development_set():
    ev = evaluate.development()
    f = evaluate.figures(
        evaluate.models()["lexicon + TF-IDF (this project)"](ev.queries, ev.mentors), ev
    )
    assert f.recall1 >= 0.97 and f.recall3 >= 0.98 and f.mrr >= 0.98
    assert f.right >= 0.6 and f.all_wrong <= 0.2


def test_pooled_development_and_hand_written_set():
    """Both sets' mentors in one pool: each statement's right mentor is its own set's."""
    ev = evaluate.development_and_hand_written()
    dev_mentors, dev_statements = development_set()
    assert len(ev.mentors) == len(dev_mentors) + len(MENTORS)
    assert len(ev.queries) == len(dev_statements) + len(QUERIES)
    texts = dict(dev_mentors + MENTORS)
    for (key, statement), q, j in zip(dev_statements + QUERIES, ev.queries, ev.right, strict=True):
        assert q == statement and ev.mentors[j] == texts[key]
    assert len(evaluate.development_and_hand_written(50).mentors) == len(ev.mentors) + 50


def test_word_prefixes_rank_better_among_distractors(monkeypatch):
    """The development set with 500 distractors, where the word prefixes were chosen: the
    project's model ranks better with them than on the words alone (docs/matching.md)."""
    ev = evaluate.development(distractors=500)
    f = evaluate.figures(evaluate._project(ev.queries, ev.mentors), ev)
    monkeypatch.setattr(text, "PREFIX_WEIGHT", 0.0)
    words = evaluate.figures(evaluate._project(ev.queries, ev.mentors), ev)
    assert f.recall1 >= 0.78 and f.recall3 >= 0.83 and f.mrr >= 0.82
    assert f.recall1 > words.recall1 and f.recall3 > words.recall3 and f.mrr > words.mrr
    assert f.right >= 0.6 and f.all_wrong <= 0.2


def test_hand_written_statements_rank_their_mentor_first():
    ev = evaluate.hand_written()
    f = evaluate.figures(
        evaluate.models()["lexicon + TF-IDF (this project)"](ev.queries, ev.mentors), ev
    )
    plain = evaluate.figures(evaluate.models()["plain TF-IDF"](ev.queries, ev.mentors), ev)
    assert f.recall1 >= 0.98 and f.recall3 >= 0.98
    assert f.recall1 >= plain.recall1
    assert f.right >= 0.6 and f.all_wrong <= 0.2


def test_with_distractors_the_mentor_stays_near_the_top():
    ev = evaluate.hand_written(distractors=500)
    f = evaluate.figures(
        evaluate.models()["lexicon + TF-IDF (this project)"](ev.queries, ev.mentors), ev
    )
    assert f.recall3 >= 0.72 and f.recall1 >= 0.6


def test_synthetic_statements_find_a_mentor_of_their_field():
    ev = evaluate.synthetic(n_mentors=200, n_queries=150)
    f = evaluate.figures(
        evaluate.models()["lexicon + TF-IDF (this project)"](ev.queries, ev.mentors), ev
    )
    assert f.recall1 >= 0.85 and f.recall3 >= 0.95


def test_main_prints_every_model_for_every_set(capsys):
    evaluate.main(["--quick"])
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("| set | statements | model | recall@1 | recall@3 | MRR")
    n = len(evaluate.models())
    assert out[2 + 3 * n] == "" and out[3 + 3 * n].startswith("Publications: five mentors")
    assert {row.split(" | ")[0] for row in out[2 : 2 + 3 * n]} == {
        "| trainee-written, 62 mentors",
        "| development, 44 mentors",
        "| hand-written, 28 mentors",
    }
    rows = out[3 + 3 * n + 3 :]
    assert len(rows) == 2 * n
    assert rows[0].startswith("| statement only |")
    assert rows[-1].startswith("| statement and publications |")


def test_publications_find_the_mentor_whose_statement_says_little():
    """A mentor's ticked publications are what tells the right mentor apart here: on the
    statement alone the right mentor is almost never near the top."""
    alone, with_publications = (evaluate.publication_case(w) for w in (False, True))
    assert alone.queries == with_publications.queries and len(alone.queries) >= 10
    before = evaluate.figures(evaluate._project(alone.queries, alone.mentors), alone)
    after = evaluate.figures(
        evaluate._project(with_publications.queries, with_publications.mentors),
        with_publications,
    )
    assert before.recall3 <= 0.2 and before.mrr < 0.2
    assert after.recall1 >= 0.7 and after.recall3 >= 0.9 and after.mrr >= 0.8
    assert after.right >= 0.8 > after.best_wrong
