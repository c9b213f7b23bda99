"""Offline evaluation of the statement model: does a statement written for a known mentor rank
that mentor first, and does the criterion's value tell the right mentor from the others?

Run ``python -m mri_match.engine.evaluate``. Sets (:mod:`.eval_data`):

* ``trainee-written``: 62 mentors in overlapping subfields, 189 statements in trainees' words
  (lay wording, abbreviations, typos): the test set, measured only;
* ``development``: 44 other mentors and 141 statements written the same way, on which the
  lexicon, the spelling correction and the hybrid's weight are chosen;
* ``hand-written``: 28 mentors and 56 statements written together with the lexicon;
* ``development + hand-written``: both sets' 72 mentors in one pool, with both sets'
  statements (more close neighbours than either set alone);
* each of those with 500 synthetic mentors from the same fields (:func:`.synth.make_cohort`,
  written from the generator's phrase bank, not from any evaluation set) added to the pool as
  distractors. The development set alone ranks almost every statement's mentor in the top
  three; with the distractors it does not, and the model's choices are made on the
  development, hand-written and pooled sets with distractors and on the synthetic set;
* ``publications case``: five mentors whose short statement says little and whose publications
  say what they know, among the trainee-written set's mentors, ranked on the statement alone
  and with the publications (a second table);
* ``synthetic``: mentors of a synthetic cohort, and statements generated from a mentor's topics
  with the generator's phrase bank (a mentor counts as relevant when it has the same primary
  topic).

Models: plain TF-IDF (no lexicon), plain BM25 (no lexicon), this project's model (lexicon and
TF-IDF, calibrated), and, when the optional semantic model is installed, sentence embeddings
and the hybrid of the two. For each: recall@1, recall@3 and mean reciprocal rank, ties counted
against the model (a mentor scoring the same as the right one ranks above it); and the
calibration: the mean value of the right pair, of each statement's best wrong pair, and of all
wrong pairs. Every model's values go through the same calibration (:func:`.text.calibrate`)
except the project's, which calibrates itself.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from . import semantic
from . import text as text_mod
from .eval_data import (
    MENTORS,
    PUBLICATION_MENTORS,
    PUBLICATION_QUERIES,
    QUERIES,
    development_set,
    trainee_set,
)
from .synth import make_cohort, trainee_statement

#: BM25's usual parameters: term-frequency saturation and length normalisation.
BM25_K1 = 1.2
BM25_B = 0.75


@dataclass(frozen=True)
class EvalSet:
    name: str
    queries: list[str]
    mentors: list[str]
    right: list[int]  #: the mentor each statement was written for
    relevant: list[set[int]]  #: mentors that count as a hit (the right one at least)


@dataclass(frozen=True)
class Figures:
    recall1: float
    recall3: float
    mrr: float
    right: float  #: mean value of the right pair (the best relevant one where several count)
    best_wrong: float  #: mean over statements of the best value among the wrong mentors
    all_wrong: float  #: mean value of all wrong pairs


def _distractors(n: int) -> list[str]:
    _, extra = make_cohort(0, n, seed=123)
    return [f"{m.statement}. {m.publications}" for m in extra]


def _keyed_set(
    name: str, mentors: list[tuple[str, str]], queries: list[tuple[str, str]], distractors: int
) -> EvalSet:
    keys = [k for k, _ in mentors]
    texts = [m for _, m in mentors] + (_distractors(distractors) if distractors else [])
    right = [keys.index(k) for k, _ in queries]
    return EvalSet(name, [q for _, q in queries], texts, right, [{j} for j in right])


def trainee_written(distractors: int = 0) -> EvalSet:
    mentors, queries = trainee_set()
    name = f"trainee-written, {len(mentors)} mentors"
    if distractors:
        name += f" + {distractors} distractors"
    return _keyed_set(name, mentors, queries, distractors)


def development(distractors: int = 0) -> EvalSet:
    mentors, queries = development_set()
    name = f"development, {len(mentors)} mentors"
    if distractors:
        name += f" + {distractors} distractors"
    return _keyed_set(name, mentors, queries, distractors)


def hand_written(distractors: int = 0) -> EvalSet:
    name = f"hand-written, {len(MENTORS)} mentors"
    if distractors:
        name += f" + {distractors} distractors"
    return _keyed_set(name, MENTORS, QUERIES, distractors)


def development_and_hand_written(distractors: int = 0) -> EvalSet:
    """The development and hand-written sets' mentors in one pool, with both sets' statements."""
    mentors, queries = development_set()
    mentors, queries = mentors + MENTORS, queries + QUERIES
    name = f"development + hand-written, {len(mentors)} mentors"
    if distractors:
        name += f" + {distractors} distractors"
    return _keyed_set(name, mentors, queries, distractors)


def publication_case(with_publications: bool) -> EvalSet:
    """The publications case (:data:`.eval_data.PUBLICATION_MENTORS`) among the trainee-written
    set's mentors: each mentor's statement alone, or with their publications, as matching
    reads a mentor's ticked publications."""
    pool, _ = trainee_set()
    mentors = [
        (key, f"{statement}. {publications}" if with_publications else statement)
        for key, statement, publications in PUBLICATION_MENTORS
    ] + pool
    text = "statement and publications" if with_publications else "statement only"
    return _keyed_set(
        f"publications case, {len(mentors)} mentors, {text}", mentors, PUBLICATION_QUERIES, 0
    )


def synthetic(n_mentors: int = 300, n_queries: int = 300, seed: int = 0) -> EvalSet:
    _, mentors = make_cohort(0, n_mentors, seed=seed)
    rng = np.random.default_rng(seed + 1)
    targets = rng.integers(n_mentors, size=n_queries)
    queries = [trainee_statement(rng, mentors[j].topics[:1]) for j in targets]
    texts = [f"{m.statement}. {m.publications}" for m in mentors]
    primary = np.array([m.topics[0] for m in mentors])
    relevant = [set(np.flatnonzero(primary == primary[j]).tolist()) for j in targets]
    return EvalSet(
        f"synthetic, {n_mentors} mentors", queries, texts, [int(j) for j in targets], relevant
    )


def ranks(sim: np.ndarray, relevant: list[set[int]]) -> np.ndarray:
    """Rank of each statement's best relevant mentor, ties counted against the model: one more
    than the number of other mentors scoring at least as much."""
    out = np.zeros(len(relevant), np.int64)
    for q, rel in enumerate(relevant):
        rel_idx = np.fromiter(rel, np.int64)
        best = sim[q, rel_idx].max()
        others = np.ones(sim.shape[1], bool)
        others[rel_idx] = False
        out[q] = 1 + int((sim[q, others] >= best).sum())
    return out


def figures(values: np.ndarray, ev: EvalSet) -> Figures:
    """Ranking and calibration figures of a (statements x mentors) matrix of values."""
    r = ranks(values, ev.relevant)
    wrong = np.ones(values.shape, bool)
    for q, rel in enumerate(ev.relevant):
        wrong[q, list(rel)] = False
    right = np.where(wrong, -np.inf, values).max(axis=1)
    best_wrong = np.where(wrong, values, -np.inf).max(axis=1)
    return Figures(
        recall1=float(np.mean(r <= 1)),
        recall3=float(np.mean(r <= 3)),
        mrr=float(np.mean(1.0 / r)),
        right=float(right.mean()),
        best_wrong=float(best_wrong.mean()),
        all_wrong=float(values[wrong].mean()),
    )


def _plain_tfidf(queries: list[str], mentors: list[str]) -> np.ndarray:
    vec = text_mod._vectorizer(len(queries) + len(mentors))
    x = vec.fit_transform([q.lower() for q in queries] + [m.lower() for m in mentors])
    cos = (x[: len(queries)] @ x[len(queries) :].T).toarray()
    return text_mod.calibrate(cos)


def bm25(queries: list[str], mentors: list[str]) -> np.ndarray:
    """Okapi BM25 of each statement (the query) against each mentor text (the documents), on
    the same word 1-2 grams as the TF-IDF models, without the lexicon."""
    vec = CountVectorizer(ngram_range=(1, 2), stop_words="english", dtype=np.float64)
    tf = vec.fit_transform([m.lower() for m in mentors]).tocsr()
    n_docs = tf.shape[0]
    df = np.bincount(tf.indices, minlength=tf.shape[1])
    idf = np.log(1 + (n_docs - df + 0.5) / (df + 0.5))
    length = np.asarray(tf.sum(axis=1)).ravel()
    norm = BM25_K1 * (1 - BM25_B + BM25_B * length / max(length.mean(), 1e-9))
    w = tf.copy()
    row_norm = np.repeat(norm, np.diff(tf.indptr))
    w.data = idf[tf.indices] * tf.data * (BM25_K1 + 1) / (tf.data + row_norm)
    q = vec.transform([s.lower() for s in queries])
    q.data[:] = 1.0  # each query term once
    return np.asarray((q @ w.T).todense())


def _bm25_calibrated(queries: list[str], mentors: list[str]) -> np.ndarray:
    return text_mod.calibrate(bm25(queries, mentors), floor=0.0)  # no floor on its own scale


def _project(queries: list[str], mentors: list[str]) -> np.ndarray:
    return text_mod.text_similarity(queries, mentors, "tfidf")


def _project_cosine(queries: list[str], mentors: list[str]) -> np.ndarray:
    return text_mod.TextModel.fit(queries, mentors).cosine()


def _embedded(mode: str) -> Callable[[list[str], list[str]], np.ndarray]:
    def values(queries: list[str], mentors: list[str]) -> np.ndarray:
        t_vec, m_vec = semantic.encode(queries), semantic.encode(mentors)
        return text_mod.TextModel.fit(queries, mentors, mode, t_vec, m_vec).similarity()

    return values


def models() -> dict[str, Callable[[list[str], list[str]], np.ndarray]]:
    """Each model's matrix of values, by name (the semantic ones when installed)."""
    out: dict[str, Callable[[list[str], list[str]], np.ndarray]] = {
        "plain TF-IDF": _plain_tfidf,
        "plain BM25": _bm25_calibrated,
        "lexicon + TF-IDF, raw cosine": _project_cosine,
        "lexicon + TF-IDF (this project)": _project,
    }
    if semantic.available():
        out[f"{semantic.MODEL_NAME} (semantic)"] = _embedded("semantic")
        out[f"hybrid: TF-IDF + {semantic.MODEL_NAME}"] = _embedded("hybrid")
    return out


def sets(quick: bool = False) -> list[EvalSet]:
    out = [trainee_written(), development(), hand_written()]
    if not quick:
        out += [
            development_and_hand_written(),
            trainee_written(500),
            development(500),
            hand_written(500),
            development_and_hand_written(500),
            synthetic(),
        ]
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="only the trainee-written, development and hand-written sets",
    )
    args = parser.parse_args(argv)
    print(
        "| set | statements | model | recall@1 | recall@3 | MRR "
        "| right pair | best wrong pair | all wrong pairs |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for ev in sets(args.quick):
        for name, fn in models().items():
            f = figures(fn(ev.queries, ev.mentors), ev)
            print(
                f"| {ev.name} | {len(ev.queries)} | {name} | {f.recall1:.3f} | {f.recall3:.3f} "
                f"| {f.mrr:.3f} | {f.right:.2f} | {f.best_wrong:.2f} | {f.all_wrong:.2f} |"
            )
    print(
        "\nPublications: five mentors whose short statement says little, ranked among "
        f"{len(trainee_set()[0])} others for {len(PUBLICATION_QUERIES)} statements, on the "
        "statement alone and with their publications' titles and abstracts."
    )
    print("| mentor text | model | recall@1 | recall@3 | MRR | right pair | best wrong pair |")
    print("|---|---|---|---|---|---|---|")
    for with_publications in (False, True):
        ev = publication_case(with_publications)
        text = "statement and publications" if with_publications else "statement only"
        for name, fn in models().items():
            f = figures(fn(ev.queries, ev.mentors), ev)
            print(
                f"| {text} | {name} | {f.recall1:.3f} | {f.recall3:.3f} | {f.mrr:.3f} "
                f"| {f.right:.2f} | {f.best_wrong:.2f} |"
            )


if __name__ == "__main__":
    main()
