"""Text similarity: a hematology lexicon, TF-IDF fitted on the cycle's own corpus, and a
calibration of the cosine against the trainee's cohort of mentors.

The lexicon (``mri_match/data/lexicon.csv``) rewrites abbreviations and spelling variants to one
canonical phrase, so that "AML" in a trainee's statement meets "acute myeloid leukemia" in a
mentor's. Abbreviations are matched case-sensitively as whole tokens: "ALL" (acute lymphoblastic
leukemia) is expanded, the word "all" is not. Synonyms are matched case-insensitively as phrases.
Trainees' statements are then spell-corrected against the words of the run's mentor texts
(:mod:`.spelling`). The TF-IDF vectors hold the words (1-2 grams) and, beside them, the words'
first five letters, so that "myelofibrotic" still meets "myelofibrosis" (see :meth:`TextModel.fit`).

Raw cosines between a short statement and a mentor's text are small (the right mentor often
scores 0.1 to 0.3), so the criterion's value is the cosine divided by the trainee's *reference*:
the highest cosine the trainee reaches with any mentor of the run, or :data:`FLOOR` when that is
lower. The closest mentor gets 1, a mentor half as close 0.5; a statement that shares little
with every mentor (best cosine under the floor) keeps small values. Dividing a trainee's row by
one number keeps the order of its mentors and keeps the score a sum of products, so the
vectorised scoring stays as it is (see :meth:`TextModel.products`).

Over 400 lines: the lexicon, the vectors, their blocked products and the calibration of both
the TF-IDF and the semantic parts share one model's state, read by every pass of the scorer.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from .spelling import _WORD, correct_spelling

__all__ = [
    "FLOOR",
    "Lexicon",
    "TextModel",
    "calibrate",
    "expand",
    "load_lexicon",
    "text_similarity",
]

#: The smallest reference cosine: a trainee whose best cosine with any mentor is lower than this
#: shares too little with all of them for the best one to count as a full match.
FLOOR = 0.1
#: Trainees whose cosines are computed together (see TextModel.products).
TEXT_ROWS = 16
#: Share of the word prefixes' cosine in the TF-IDF cosine (the words' is the rest), and the
#: prefixes' length: chosen on the development and hand-written sets with 500 distractors.
PREFIX_WEIGHT = 0.4
PREFIX = 5


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


def _prefix_vectorizer(n_docs: int) -> TfidfVectorizer:
    """The :data:`PREFIX` first letters of each word (see :func:`_prefixes`), with the word
    vectoriser's weighting and document frequency limits."""
    return TfidfVectorizer(
        token_pattern=r"\S+",
        lowercase=False,
        sublinear_tf=True,
        min_df=2 if n_docs >= 2000 else 1,
        max_df=0.5 if n_docs >= 200 else 1.0,
        dtype=np.float32,
    )


def _prefixes(doc: str) -> str:
    """The first :data:`PREFIX` letters of each word of ``doc`` the word vectoriser reads (stop
    words and one-letter words left out): "myelofibrotic" and "myelofibrosis" share "myelo",
    "transplanted" and "transplantation" "trans", which the words alone do not."""
    return " ".join(w[:PREFIX] for w in _WORD.findall(doc) if w not in ENGLISH_STOP_WORDS)


def _tfidf(vec: TfidfVectorizer, docs: list[str]) -> tuple[sp.csr_array, np.ndarray]:
    """L2-normalised TF-IDF rows of ``docs`` and the term of each column (none when the
    documents hold no usable term)."""
    try:
        x = sp.csr_array(vec.fit_transform(docs))
        return x, vec.get_feature_names_out()
    except ValueError:  # empty vocabulary: no usable text at all
        return sp.csr_array((len(docs), 0), dtype=np.float32), np.array([], dtype=object)


@dataclass
class TextModel:
    """TF-IDF vectors of one cycle: L2-normalised rows, so a dot product is a cosine.

    :meth:`similarity` and :meth:`pair_similarity` give the calibrated value (see the module
    docstring); :meth:`cosine` and :meth:`pair_cosine` the raw cosine.
    """

    trainees: sp.csr_array  #: trainees x terms
    mentors: sp.csr_array  #: mentors x terms
    terms: np.ndarray  #: term of each column: the words, then the word prefixes
    n_words: int | None = None  #: columns that are words (None: all of them)
    floor: float = FLOOR
    #: sentence embeddings (L2-normalised rows), for the "semantic" and "hybrid" modes
    trainee_vectors: np.ndarray | None = None
    mentor_vectors: np.ndarray | None = None
    mode: str = "tfidf"  #: one of inputs.TEXT_MODELS

    def __post_init__(self) -> None:
        #: weights of the TF-IDF part and of the semantic part in the value
        self.tfidf_weight, self.semantic_weight = _MODE_WEIGHTS[self.mode]
        if self.semantic_weight:
            if self.trainee_vectors is None or self.mentor_vectors is None:
                raise ValueError(f"text model {self.mode!r} needs the sentence embeddings")
            self.trainee_vectors = np.ascontiguousarray(self.trainee_vectors, np.float32)
            self.mentor_vectors = np.ascontiguousarray(self.mentor_vectors, np.float32)
            self.semantic_low, self.semantic_span = _semantic_bounds(
                self.trainee_vectors, self.mentor_vectors
            )
        #: float32 copies for :meth:`products`: trainees x terms, and terms x mentors
        self.trainees32 = sp.csr_array(self.trainees, dtype=np.float32)
        self.trainees32.sort_indices()
        self.postings = sp.csr_array(self.mentors.T, dtype=np.float32)
        #: each trainee's reference cosine once known (NaN until then; see :meth:`reference`)
        self.ref = np.full(self.trainees.shape[0], np.nan)

    @classmethod
    def fit(
        cls,
        trainee_texts: list[str],
        mentor_texts: list[str],
        mode: str = "tfidf",
        trainee_vectors: np.ndarray | None = None,
        mentor_vectors: np.ndarray | None = None,
    ) -> TextModel:
        lex = load_lexicon()
        mentor_docs = [expand(t, lex) for t in mentor_texts]
        docs = correct_spelling([expand(t, lex) for t in trainee_texts], mentor_docs)
        docs += mentor_docs
        n_t = len(trainee_texts)
        words, terms = _tfidf(_vectorizer(len(docs)), docs)
        x = words
        if PREFIX_WEIGHT:
            prefixes, stems = _tfidf(_prefix_vectorizer(len(docs)), [_prefixes(d) for d in docs])
            # each part's rows are unit vectors: the product of two rows is the weighted mean
            # of the two cosines
            x = sp.csr_array(
                sp.hstack(
                    [words * np.sqrt(1.0 - PREFIX_WEIGHT), prefixes * np.sqrt(PREFIX_WEIGHT)],
                    format="csr",
                    dtype=np.float32,
                )
            )
            terms = np.concatenate([terms, stems])
        x.sort_indices()  # rows taken from it stay sorted: pair products need not sort
        return cls(
            trainees=x[:n_t],
            mentors=x[n_t:],
            terms=terms,
            n_words=words.shape[1],
            trainee_vectors=trainee_vectors,
            mentor_vectors=mentor_vectors,
            mode=mode,
        )

    def products(
        self, rows: np.ndarray, cols: np.ndarray | None = None
    ) -> Iterator[tuple[int, np.ndarray]]:
        """Float32 cosines of the trainees ``rows`` against every mentor (or the mentors
        ``cols``), :data:`TEXT_ROWS` trainees at a time: yields (position in ``rows``, cosines of
        those trainees, trainees x mentors). Groups of trainees without a statement are skipped.

        A few trainees' statements use a few hundred terms between them, so their weights go
        into a small dense (terms x trainees) array and the mentors' postings of those terms
        multiply it (sparse x dense): about twice as fast as SciPy's sparse x sparse product,
        whose result is about half full here and is built as a sparse matrix first. Every
        pair's sum runs over its terms in index order, whatever else the group holds, so a
        pair's cosine is the same number in every grouping.
        """
        rows = np.asarray(rows, np.int64)
        block = self.trainees32[rows]
        if block.nnz == 0:
            return
        # the block's terms and their postings are taken once; each group indexes those
        terms, local = np.unique(block.indices, return_inverse=True)
        postings = self.postings[terms]
        if cols is not None:
            postings = postings[:, np.asarray(cols, np.int64)]
        if postings.shape[1] == 0:
            return
        for lo in range(0, rows.size, TEXT_ROWS):
            at, to = block.indptr[lo], block.indptr[min(lo + TEXT_ROWS, rows.size)]
            if at == to:
                continue
            n_rows = min(TEXT_ROWS, rows.size - lo)
            used, used_at = np.unique(local[at:to], return_inverse=True)  # in term order
            weights = np.zeros((used.size, n_rows), np.float32)
            per_row = np.diff(block.indptr[lo : lo + n_rows + 1])
            weights[used_at, np.repeat(np.arange(n_rows), per_row)] = block.data[at:to]
            # the product comes mentors x trainees: one transposing copy makes each trainee's
            # row contiguous, which its consumers (a max and a scaled add per row) need to run
            # several times faster than on the strided view
            yield lo, np.ascontiguousarray((postings[used].T @ weights).T)

    def note_reference(self, rows: np.ndarray, cosines: np.ndarray) -> None:
        """Record the reference of trainees whose cosines with *every* mentor are given (rows
        of :meth:`products` against all mentors), unless already known."""
        unknown = np.isnan(self.ref[rows])
        if unknown.any():  # every row's max: cheaper than first copying the unknown rows out
            best = cosines.max(axis=1)[unknown] if cosines.shape[1] else 0.0
            self.ref[rows[unknown]] = np.maximum(best, self.floor)

    def reference(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Each trainee's reference cosine: its highest cosine with any mentor, at least the
        floor (computed once per trainee, with :meth:`products`)."""
        rows = np.arange(self.ref.size) if rows is None else np.asarray(rows, np.int64)
        missing = np.unique(rows[np.isnan(self.ref[rows])])
        if missing.size:
            for lo, part in self.products(missing):
                self.note_reference(missing[lo : lo + part.shape[0]], part)
            left = missing[np.isnan(self.ref[missing])]  # no statement: nothing to compare
            self.ref[left] = self.floor
        return self.ref[rows]

    def cosine(self) -> np.ndarray:
        """Dense cosine matrix (trainees x mentors); for small cohorts and evaluation."""
        sim = (self.trainees @ self.mentors.T).toarray().astype(np.float64)
        return np.clip(sim, 0.0, 1.0)

    def similarity(self) -> np.ndarray:
        """Dense matrix of calibrated values (trainees x mentors), in [0, 1]."""
        out = np.zeros((self.trainees.shape[0], self.mentors.shape[0]))
        if self.tfidf_weight:
            out += self.tfidf_weight * np.clip(self.cosine() / self.reference()[:, None], 0, 1)
        if self.semantic_weight:
            assert self.trainee_vectors is not None and self.mentor_vectors is not None
            sem = self.trainee_vectors.astype(np.float64) @ self.mentor_vectors.T.astype(np.float64)
            out += self.semantic_weight * self._semantic_value(sem, np.arange(out.shape[0]))
        return out

    def _semantic_value(self, cosines: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Calibrated semantic values of a block of cosines (rows: the trainees of its rows)."""
        low = self.semantic_low[rows][:, None]
        return np.clip((cosines - low) / self.semantic_span[rows][:, None], 0.0, 1.0)

    def add_semantic(
        self, s: np.ndarray, rows: np.ndarray, cols: np.ndarray | None, coef: np.ndarray
    ) -> None:
        """Add ``coef`` (per trainee) times the semantic part of the value to a float32 block."""
        assert self.trainee_vectors is not None and self.mentor_vectors is not None
        m = self.mentor_vectors if cols is None else self.mentor_vectors[cols]
        sem = self.trainee_vectors[rows] @ m.T
        sem -= self.semantic_low[rows][:, None].astype(np.float32)
        sem *= (self.semantic_weight * coef / self.semantic_span[rows]).astype(np.float32)[:, None]
        np.clip(sem, 0.0, (self.semantic_weight * coef).astype(np.float32)[:, None], out=sem)
        s += sem

    def pair_cosine(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
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

    def pair_similarity(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Calibrated value of the given (trainee, mentor) pairs, in float64."""
        rows = np.asarray(rows, np.int64)
        cols = np.asarray(cols, np.int64)
        out = np.zeros(rows.size)
        if self.tfidf_weight:
            cos = self.pair_cosine(rows, cols)
            if cos.any():
                out += self.tfidf_weight * np.clip(cos / self.reference(rows), 0.0, 1.0)
        if self.semantic_weight and rows.size:
            assert self.trainee_vectors is not None and self.mentor_vectors is not None
            a = self.trainee_vectors[rows].astype(np.float64)
            b = self.mentor_vectors[cols].astype(np.float64)
            sem = np.einsum("ij,ij->i", a, b)[:, None]
            out += self.semantic_weight * self._semantic_value(sem, rows)[:, 0]
        return out

    def shared_terms_many(
        self, rows: np.ndarray, cols: np.ndarray, n: int = 3
    ) -> list[list[tuple[str, float]]]:
        """For each pair, the ``n`` words contributing most to its cosine."""
        out: list[list[tuple[str, float]]] = [[] for _ in range(len(rows))]
        if len(rows) == 0 or self.terms.size == 0:
            return out
        words = slice(None, self.n_words)
        prod = sp.coo_array(
            self.trainees[np.asarray(rows)][:, words].multiply(
                self.mentors[np.asarray(cols)][:, words]
            )
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
        """The words contributing most to the cosine of trainee i and mentor j."""
        if self.terms.size == 0:
            return []
        words = slice(None, self.n_words)
        prod = self.trainees[[i]][:, words].multiply(self.mentors[[j]][:, words])
        prod = sp.coo_array(prod)
        if prod.nnz == 0:
            return []
        order = np.lexsort((prod.col, -prod.data))[:n]
        return [(str(self.terms[prod.col[k]]), float(prod.data[k])) for k in order]


#: Weights of the TF-IDF part and of the semantic part of the value, by text model. The
#: hybrid's were chosen on the development and hand-written sets with 500 distractors and the
#: synthetic set (eval_data), never on the trainee-written set.
HYBRID_TFIDF_WEIGHT = 0.4
_MODE_WEIGHTS = {
    "tfidf": (1.0, 0.0),
    "semantic": (0.0, 1.0),
    "hybrid": (HYBRID_TFIDF_WEIGHT, 1.0 - HYBRID_TFIDF_WEIGHT),
}
#: The smallest span of a trainee's semantic cosines that counts as the full range (see
#: _semantic_bounds).
SEMANTIC_SPAN = 0.2
#: Trainees whose embedding cosines are computed at once for the bounds.
_SEMANTIC_ROWS = 512


def _semantic_bounds(t: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per trainee, the low end and the span of its semantic cosines with the run's mentors.

    Embedding cosines of any two hematology texts are well above 0, so the value is min-max
    scaled: the mean cosine (a typical mentor) maps to 0, the best to 1, and the span is at
    least :data:`SEMANTIC_SPAN` (a trainee whose mentors are all about as close gets no full
    point from the best of them). Computed once for all trainees, so every pass reads the same
    numbers.
    """
    low = np.zeros(t.shape[0])
    high = np.zeros(t.shape[0])
    if m.shape[0] == 0:
        return low, np.full(t.shape[0], SEMANTIC_SPAN)
    for lo in range(0, t.shape[0], _SEMANTIC_ROWS):
        sem = t[lo : lo + _SEMANTIC_ROWS] @ m.T
        low[lo : lo + sem.shape[0]] = sem.mean(axis=1, dtype=np.float64)
        high[lo : lo + sem.shape[0]] = sem.max(axis=1)
    return low, np.maximum(high - low, SEMANTIC_SPAN)


def calibrate(cosine: np.ndarray, floor: float = FLOOR) -> np.ndarray:
    """Each row divided by its reference (its largest value, at least ``floor``), in [0, 1]:
    the transformation :class:`TextModel` applies, for any matrix of similarities."""
    cosine = np.asarray(cosine, np.float64)
    if cosine.size == 0:
        return cosine.copy()
    ref = np.maximum(cosine.max(axis=1), floor)
    ref = np.where(ref > 0, ref, 1.0)
    return np.clip(cosine / ref[:, None], 0.0, 1.0)


def text_similarity(
    trainee_texts: list[str], mentor_texts: list[str], mode: str | None = None
) -> np.ndarray:
    """Statement similarity as the score uses it, in [0, 1], shape (trainees, mentors).

    ``mode`` is one of inputs.TEXT_MODELS; by default the hybrid when the semantic model is
    installed, else TF-IDF (see :func:`.semantic.default_mode`). TF-IDF: the cosine of TF-IDF
    vectors fitted on these texts (the cycle's own corpus) after lexicon expansion, divided by
    the trainee's reference (see the module docstring); the semantic modes embed the texts.
    """
    from . import semantic  # it imports this module

    mode = mode or semantic.default_mode()
    if not trainee_texts or not mentor_texts:
        return np.zeros((len(trainee_texts), len(mentor_texts)))
    t_vec = m_vec = None
    if mode != "tfidf":
        t_vec, m_vec = semantic.encode(list(trainee_texts)), semantic.encode(list(mentor_texts))
    model = TextModel.fit(list(trainee_texts), list(mentor_texts), mode, t_vec, m_vec)
    return model.similarity()
