"""The weighted score of (trainee, mentor) pairs, vectorised.

Every soft criterion is a number in [0, 1] for a (trainee, mentor) pair. A criterion *applies* to
a trainee when it can say something about them (a trainee with no named preference gets no
"named preference" criterion); the score is the weighted mean over the criteria that apply:

    score(i, j) = sum_c w_c * a_ic * f_c(i, j) / sum_c w_c * a_ic        (0 if the sum is 0)

so it lies in [0, 1] and each criterion's contribution ``w_c * a_ic * f_c / sum`` adds up to it.

Two evaluation paths give the same numbers:

* :meth:`Scorer.block` scores a block of trainees against every mentor (float32, for candidate
  generation and pricing; error below :data:`BLOCK_ERROR`);
* :meth:`Scorer.pairs` scores explicit pairs in float64 (the canonical score, used for the
  assignment, the explanations and the report).

A :class:`Scorer` is the whole encoded cycle: its arrays (:mod:`.encoding`), its hard rules
(:mod:`.rules`) and these scores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .encoding import unanswered
from .inputs import CRITERION_NAMES
from .rules import HardRules

#: Upper bound on |block score - exact score| (float32 accumulation of at most a few hundred
#: non-negative terms whose sum is at most 1, plus rounding of the inputs).
BLOCK_ERROR = 1e-4

#: Set bits in each byte value (NumPy's bitwise_count needs NumPy 2).
_POPCOUNT = np.array([bin(b).count("1") for b in range(256)], np.uint8)


@dataclass
class PairParts:
    """Exact per-criterion values for explicit pairs."""

    values: np.ndarray  #: pairs x criteria, f_c in [0, 1]
    points: np.ndarray  #: pairs x criteria, contribution to the score
    score: np.ndarray  #: pairs


def _positions(values: np.ndarray, within: np.ndarray) -> np.ndarray:
    """Where each of ``values`` stands in ``within`` (distinct values), -1 where absent."""
    if within.size == 0:
        return np.full(values.shape, -1, np.int64)
    order = np.argsort(within, kind="stable")
    at = np.minimum(np.searchsorted(within[order], values), within.size - 1)
    return np.where(within[order][at] == values, order[at], -1)


class Scorer(HardRules):
    """One cycle encoded for vectorised scoring and eligibility."""

    def block(self, rows: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
        """Scores of a block of trainees against every mentor (or the mentors ``cols``),
        float32 (see BLOCK_ERROR)."""
        rows = np.asarray(rows, np.int64)
        m = slice(None) if cols is None else np.asarray(cols, np.int64)
        s = self._left[rows] @ self._right_t[:, m]
        if self.weights["text"] > 0:
            self._add_text(s, rows, m)
        # same institution / same city: only for trainees the geography criterion applies to,
        # and only the few pairs that share one are touched
        sub = np.flatnonzero(self._geo_inst[rows] > 0)
        if sub.size:
            r = rows[sub]
            for name, coef in (("inst", self._geo_inst), ("city", self._geo_city)):
                same = self.geo_t[name][r, None] == self.geo_m[name][None, m]
                hit_r, hit_c = np.divmod(np.flatnonzero(same), same.shape[1])
                s[sub[hit_r], hit_c] += coef[r[hit_r]]
        if self.pref_rows.size:
            k = _positions(self.pref_rows, rows)
            c = self.pref_cols if cols is None else _positions(self.pref_cols, np.asarray(m))
            named = (k >= 0) & (c >= 0)
            s[k[named], c[named]] += self.coef["preference"][self.pref_rows[named]]
        if self.pattern_factor:  # mentors with unanswered questions: renormalise their columns
            pattern = self.m_pattern[m]
            for p, factor in self.pattern_factor.items():
                at = np.flatnonzero(pattern == p)
                if at.size:
                    s[:, at] *= factor[rows][:, None]
        return s

    def text_order(self, rows: np.ndarray) -> np.ndarray:
        """Positions of ``rows`` ordered so that trainees sharing the statement term with the
        most mentors (their costliest term to score) are next to each other (stable; trainees
        without a statement first): blocks taken in this order hold fewer distinct terms, and
        :meth:`_add_text` costs in proportion to the postings of a block's terms."""
        part = self.text.trainees32[np.asarray(rows, np.int64)]
        heaviest = np.full(part.shape[0], -1, np.int64)
        if part.nnz:
            postings = np.diff(self.text.postings.indptr)[part.indices]
            row_of = np.repeat(np.arange(part.shape[0]), np.diff(part.indptr))
            by_row = np.lexsort((part.indices, -postings, row_of))  # heaviest first per row
            nonempty = np.diff(part.indptr) > 0
            heaviest[nonempty] = part.indices[by_row][part.indptr[:-1][nonempty]]
        return np.argsort(heaviest, kind="stable")

    def _add_text(self, s: np.ndarray, rows: np.ndarray, m: slice | np.ndarray) -> None:
        """Add the weighted, calibrated text similarity of a block to ``s``.

        The cosines come a few trainees at a time (:meth:`TextModel.products`); each trainee's
        row is divided by its reference cosine and multiplied by its text coefficient. A block
        against every mentor records the references of its trainees on the way (the candidate
        pass does, so later blocks and exact pairs find them known).
        """
        text = self.text
        cols = None if isinstance(m, slice) else m
        coef = self.coef["text"]
        if text.semantic_weight:
            text.add_semantic(s, rows, cols, coef[rows])
        if not text.tfidf_weight or not text.terms.size:
            return
        every = cols is None
        if not every:
            text.reference(rows)
        coef = coef * text.tfidf_weight
        for lo, part in text.products(rows, cols):
            r = rows[lo : lo + part.shape[0]]
            if every:
                text.note_reference(r, part)
            scale = (coef[r] / text.ref[r]).astype(np.float32)  # known: noted or computed
            part *= scale[:, None]  # in place: the part is this loop's own
            s[lo : lo + r.size] += part

    def pairs(self, rows: np.ndarray, cols: np.ndarray) -> PairParts:
        """Exact (float64) criterion values, contributions and scores of explicit pairs."""
        rows = np.asarray(rows, np.int64)
        cols = np.asarray(cols, np.int64)
        n = rows.size
        vals = np.zeros((n, len(CRITERION_NAMES)))
        col = {c: k for k, c in enumerate(CRITERION_NAMES)}
        vals[:, col["text"]] = self.text.pair_similarity(rows, cols)
        for name, (t_bits, m_bits, t_size) in self._set_bits.items():
            shared = _POPCOUNT[t_bits[rows] & m_bits[cols]].sum(axis=1, dtype=np.int64)
            vals[:, col[name]] = shared / t_size[rows]
        vals[:, col["meeting"]] = self.m_offers[cols, self.t_format[rows]] & (
            self.t_format[rows] >= 0
        )
        share = self.inst_share[rows]
        g = (self.geo_t["inst"][rows] == self.geo_m["inst"][cols]) * share
        for name in ("city", "region", "country"):
            g = g + (self.geo_t[name][rows] == self.geo_m[name][cols]) * (1 - share) / 3
        vals[:, col["geography"]] = g
        vals[:, col["timezone"]] = self.tz_value[self.t_tz[rows], self.m_tz[cols]]
        if self.pref_set:
            vals[:, col["preference"]] = [
                (a, b) in self.pref_set for a, b in zip(rows.tolist(), cols.tolist(), strict=True)
            ]
        coef = np.stack([self.coef[c][rows] for c in CRITERION_NAMES], axis=1)
        if self.pattern_denom:
            self._renormalise(rows, cols, vals, coef)
        points = vals * coef
        return PairParts(values=vals, points=points, score=np.clip(points.sum(axis=1), 0, 1))

    def _renormalise(
        self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, coef: np.ndarray
    ) -> None:
        """Pairs whose mentor left questions unanswered: those criteria's values and
        coefficients are 0, and the others' weights are over the sum that still applies."""
        pattern = self.m_pattern[cols]
        for p, denom in self.pattern_denom.items():
            k = np.flatnonzero(pattern == p)
            if not k.size:
                continue
            i = rows[k]
            d = denom[i]
            safe = np.where(d > 0, d, 1.0)
            missing = unanswered(p)
            for c_idx, c in enumerate(CRITERION_NAMES):
                if c in missing:
                    vals[k, c_idx] = 0.0
                    coef[k, c_idx] = 0.0
                else:
                    coef[k, c_idx] = np.where(d > 0, self.weights[c] * self.applies[c][i] / safe, 0)
