"""Text similarity: a hematology lexicon, then TF-IDF fitted on the cycle's own corpus.

The lexicon (``mri_match/data/lexicon.csv``) rewrites abbreviations and spelling variants to one
canonical phrase, so that "AML" in a trainee's statement meets "acute myeloid leukemia" in a
mentor's. Abbreviations are matched case-sensitively as whole tokens: "ALL" (acute lymphoblastic
leukemia) is expanded, the word "all" is not. Synonyms are matched case-insensitively as phrases.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = ["Lexicon", "TextModel", "expand", "load_lexicon", "text_similarity"]


@dataclass(frozen=True)
class Lexicon:
    abbreviations: dict[str, str]  #: case-sensitive token -> expansion
    synonyms: dict[str, str]  #: lower-case phrase -> canonical phrase

    @cached_property  # expand() runs once per statement: sort and compile once per lexicon
    def _abbr_re(self) -> re.Pattern:
        return _compile(tuple(sorted(self.abbreviations, key=len, reverse=True)), False)

    @cached_property
    def _syn_re(self) -> re.Pattern:
        return _compile(tuple(sorted(self.synonyms, key=len, reverse=True)), True)


def _trie_alternation(terms) -> str:
    """One regular expression matching any of ``terms``, longest first, as a prefix tree.

    ``re`` tries a flat alternation term by term at every position of the text; sharing
    prefixes ("A(?:ML|LL|PL)") lets it give up after one character at most positions, which
    makes expanding a cycle's statements several times faster. Greedy optional tails keep the
    flat alternation's longest-first preference.
    """
    trie: dict = {}
    for term in terms:
        node = trie
        for ch in term:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:  # a term ends here: the longer ones are tried first
            return "(?:" + body + ")?" if len(branches) == 1 else body + "?"
        return body

    return build(trie)


@cache
def _compile(terms: tuple[str, ...], lower: bool) -> re.Pattern:
    alternation = _trie_alternation(terms) or "(?!x)x"
    if lower:  # synonyms run on lower-cased text; plain word boundaries keep re fast
        return re.compile(rf"\b(?:{alternation})\b")
    return re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])")


@cache
def load_lexicon() -> Lexicon:
    """The shipped lexicon; synonym chains are resolved to their final canonical phrase."""
    abbreviations: dict[str, str] = {}
    synonyms: dict[str, str] = {}
    path = resources.files("mri_match.data").joinpath("lexicon.csv")
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            term, expansion, kind = row["term"].strip(), row["expansion"].strip(), row["kind"]
            if kind == "abbreviation":
                abbreviations[term] = expansion
            elif kind == "synonym":
                synonyms[term.lower()] = expansion.lower()
            else:
                raise ValueError(f"lexicon.csv: unknown kind {kind!r} for {term!r}")

    def resolve(phrase: str) -> str:
        seen = {phrase}
        while phrase in synonyms and synonyms[phrase] not in seen:  # whole-phrase chains
            phrase = synonyms[phrase]
            seen.add(phrase)
        return phrase

    synonyms = {k: resolve(v) for k, v in synonyms.items()}
    abbreviations = {k: resolve(v.lower()) for k, v in abbreviations.items()}
    # canonical phrases map to themselves, so that a canonical phrase is consumed whole and a
    # shorter synonym inside it ("stem cell transplantation") is not rewritten again
    for canonical in set(synonyms.values()):
        synonyms.setdefault(canonical, canonical)
    return Lexicon(abbreviations, synonyms)


def expand(text: str, lexicon: Lexicon | None = None) -> str:
    """Rewrite abbreviations and synonyms to canonical phrases; the result is lower case."""
    lex = lexicon or load_lexicon()
    text = lex._abbr_re.sub(lambda m: lex.abbreviations[m.group(0)], text or "").lower()
    return lex._syn_re.sub(lambda m: lex.synonyms[m.group(0)], text)


def _vectorizer(n_docs: int) -> TfidfVectorizer:
    return TfidfVectorizer(
        ngram_range=(1, 2),
        sublinear_tf=True,
        stop_words="english",
        min_df=2 if n_docs >= 2000 else 1,
        max_df=0.5 if n_docs >= 200 else 1.0,
        dtype=np.float32,
    )


@dataclass
class TextModel:
    """TF-IDF vectors of one cycle: L2-normalised rows, so a dot product is a cosine."""

    trainees: sp.csr_array  #: trainees x terms
    mentors: sp.csr_array  #: mentors x terms
    terms: np.ndarray  #: term of each column

    @classmethod
    def fit(cls, trainee_texts: list[str], mentor_texts: list[str]) -> TextModel:
        lex = load_lexicon()
        docs = [expand(t, lex) for t in trainee_texts] + [expand(t, lex) for t in mentor_texts]
        n_t = len(trainee_texts)
        vec = _vectorizer(len(docs))
        try:
            x = sp.csr_array(vec.fit_transform(docs))
            x.sort_indices()  # rows taken from it stay sorted: pair products need not sort
            terms = vec.get_feature_names_out()
        except ValueError:  # empty vocabulary: no usable text at all
            x = sp.csr_array((len(docs), 0), dtype=np.float32)
            terms = np.array([], dtype=object)
        return cls(trainees=x[:n_t], mentors=x[n_t:], terms=terms)

    def similarity(self) -> np.ndarray:
        """Dense cosine matrix (trainees x mentors); for small cohorts and evaluation."""
        sim = (self.trainees @ self.mentors.T).toarray().astype(np.float64)
        return np.clip(sim, 0.0, 1.0)

    def pair_similarity(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Cosine of the given (trainee, mentor) pairs, in float64."""
        rows = np.asarray(rows, np.int64)
        cols = np.asarray(cols, np.int64)
        out = np.zeros(rows.size, np.float64)
        if rows.size == 0 or self.terms.size == 0:
            return out
        step = 200_000
        for lo in range(0, rows.size, step):
            a = self.trainees[rows[lo : lo + step]].astype(np.float64)
            b = self.mentors[cols[lo : lo + step]].astype(np.float64)
            out[lo : lo + step] = np.asarray(a.multiply(b).sum(axis=1)).ravel()
        return np.clip(out, 0.0, 1.0)

    def shared_terms_many(
        self, rows: np.ndarray, cols: np.ndarray, n: int = 3
    ) -> list[list[tuple[str, float]]]:
        """For each pair, the ``n`` terms contributing most to its cosine."""
        out: list[list[tuple[str, float]]] = [[] for _ in range(len(rows))]
        if len(rows) == 0 or self.terms.size == 0:
            return out
        prod = sp.coo_array(
            self.trainees[np.asarray(rows)].multiply(self.mentors[np.asarray(cols)])
        )
        order = np.lexsort((prod.col, -prod.data, prod.row))
        r, c, d = prod.row[order], prod.col[order], prod.data[order]
        first = np.r_[True, r[1:] != r[:-1]]
        start = np.maximum.accumulate(np.where(first, np.arange(r.size), 0))
        keep = np.arange(r.size) - start < n
        for a, b, x in zip(r[keep].tolist(), c[keep].tolist(), d[keep].tolist(), strict=True):
            out[a].append((str(self.terms[b]), float(x)))
        return out

    def shared_terms(self, i: int, j: int, n: int = 3) -> list[tuple[str, float]]:
        """The terms contributing most to the cosine of trainee i and mentor j."""
        if self.terms.size == 0:
            return []
        prod = self.trainees[[i]].multiply(self.mentors[[j]])
        prod = sp.coo_array(prod)
        if prod.nnz == 0:
            return []
        order = np.lexsort((prod.col, -prod.data))[:n]
        return [(str(self.terms[prod.col[k]]), float(prod.data[k])) for k in order]


def text_similarity(trainee_texts: list[str], mentor_texts: list[str]) -> np.ndarray:
    """Cosine similarity of TF-IDF vectors, in [0, 1], shape (trainees, mentors).

    The vectoriser is fitted on these texts (the cycle's own corpus) after lexicon expansion.
    """
    if not trainee_texts or not mentor_texts:
        return np.zeros((len(trainee_texts), len(mentor_texts)))
    return TextModel.fit(list(trainee_texts), list(mentor_texts)).similarity()
