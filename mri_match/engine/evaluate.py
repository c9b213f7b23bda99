"""Offline evaluation of the text model: does a statement written for a known mentor's field rank
that mentor near the top?

Run ``python -m mri_match.engine.evaluate``. Two sets:

* ``hand-written``: :mod:`.eval_data`, 28 mentors and 56 trainee statements written in other
  words than their mentor's (abbreviations, lay and British spellings); also with 500 synthetic
  mentors from the same fields added to the pool as distractors;
* ``synthetic``: mentors of a synthetic cohort, and statements generated from a mentor's topics
  with the generator's phrase bank (a mentor counts as relevant when it has the same primary topic).

For each, recall@1 and recall@5 of the full model, and of the same TF-IDF without the lexicon
(ablation), so the lexicon's effect is measured rather than assumed.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np

from . import text as text_mod
from .eval_data import MENTORS, QUERIES
from .synth import make_cohort, trainee_statement


def recall_at(sim: np.ndarray, relevant: list[set[int]], ks=(1, 5)) -> dict[int, float]:
    """Share of queries with a relevant mentor among the top k (ties broken by index)."""
    order = np.argsort(-sim, axis=1, kind="stable")
    out = {}
    for k in ks:
        hits = [bool(set(order[q, :k].tolist()) & rel) for q, rel in enumerate(relevant)]
        out[k] = float(np.mean(hits)) if hits else 0.0
    return out


def _similarity(queries: list[str], mentors: list[str], lexicon: bool) -> np.ndarray:
    if lexicon:
        return text_mod.text_similarity(queries, mentors)
    vec = text_mod._vectorizer(len(queries) + len(mentors))
    x = vec.fit_transform([q.lower() for q in queries] + [m.lower() for m in mentors])
    return (x[: len(queries)] @ x[len(queries) :].T).toarray()


def hand_written(lexicon: bool = True, distractors: int = 0) -> dict[int, float]:
    """``distractors`` synthetic mentors (same fields, generated text) are added to the pool."""
    keys = [k for k, _ in MENTORS]
    texts = [m for _, m in MENTORS]
    if distractors:
        _, extra = make_cohort(0, distractors, seed=123)
        texts += [f"{m.statement}. {m.publications}" for m in extra]
    sim = _similarity([q for _, q in QUERIES], texts, lexicon)
    relevant = [{keys.index(k)} for k, _ in QUERIES]
    return recall_at(sim, relevant)


def synthetic(
    n_mentors: int = 300, n_queries: int = 300, seed: int = 0, lexicon: bool = True
) -> dict[int, float]:
    _, mentors = make_cohort(0, n_mentors, seed=seed)
    rng = np.random.default_rng(seed + 1)
    targets = rng.integers(n_mentors, size=n_queries)
    queries = [trainee_statement(rng, mentors[j].topics[:1]) for j in targets]
    texts = [f"{m.statement}. {m.publications}" for m in mentors]
    sim = _similarity(queries, texts, lexicon)
    primary = np.array([m.topics[0] for m in mentors])
    relevant = [set(np.flatnonzero(primary == primary[j]).tolist()) for j in targets]
    return recall_at(sim, relevant)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    print("| set | queries | model | recall@1 | recall@5 |")
    print("|---|---|---|---|---|")
    sets: tuple[tuple[str, Callable[..., dict[int, float]], dict[str, int], int], ...] = (
        ("hand-written, 28 mentors", hand_written, {}, len(QUERIES)),
        ("hand-written + 500 distractors", hand_written, {"distractors": 500}, len(QUERIES)),
        ("synthetic, 300 mentors", synthetic, {}, 300),
    )
    for name, fn, kw, n in sets:
        for lexicon in (True, False):
            r = fn(lexicon=lexicon, **kw)
            model = "TF-IDF + lexicon" if lexicon else "TF-IDF, no lexicon"
            print(f"| {name} | {n} | {model} | {r[1]:.3f} | {r[5]:.3f} |")


if __name__ == "__main__":
    main()
