"""Structured criteria, hard-constraint eligibility and the weighted score, vectorised.

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
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from functools import cache

import numpy as np

from .inputs import (
    ALWAYS_RULES,
    CAREER_STAGES,
    CRITERIA,
    CRITERION_NAMES,
    MEETING_FORMATS,
    MENTORING_NEEDS,
    MUST_HAVE_RULES,
    MatchSettings,
    MentorInput,
    TraineeInput,
    topics,
)
from .text import TextModel

#: Upper bound on |block score - exact score| (float32 accumulation of at most a few hundred
#: non-negative terms whose sum is at most 1, plus rounding of the inputs).
BLOCK_ERROR = 1e-4

_LABEL = {c.name: c.label for c in CRITERIA}
_TZ_ZERO_HOURS = 8.0  # time-zone criterion reaches 0 at this distance
#: Trainees whose text scores are computed together (see Scorer._add_text).
_TEXT_ROWS = 16
#: Set bits in each byte value (NumPy's bitwise_count needs NumPy 2).
_POPCOUNT = np.array([bin(b).count("1") for b in range(256)], np.uint8)


def _key(s: str) -> str:
    return " ".join((s or "").lower().split())


def _multi_hot(items: list[tuple[str, ...]], vocab: dict[str, int]) -> np.ndarray:
    out = np.zeros((len(items), len(vocab)), np.float64)
    for r, its in enumerate(items):
        for it in its:
            k = vocab.get(it)
            if k is not None:
                out[r, k] = 1.0
    return out


def _ids(values: list[str], table: dict[str, int]) -> np.ndarray:
    """Integer id per value; empty (unknown) values get distinct negative ids (never equal)."""
    out = np.empty(len(values), np.int64)
    unknown = -1
    for r, v in enumerate(values):
        if v:
            out[r] = table.setdefault(v, len(table))
        else:
            out[r] = unknown
            unknown -= 1
    return out


@cache
def _utc_offset_hours(tz: str, reference: str | None) -> float | None:
    if not tz:
        return None
    try:
        zone = zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    if reference:
        day = dt.date.fromisoformat(reference)
        moments = [dt.datetime(day.year, day.month, day.day, 12, tzinfo=zone)]
    else:
        moments = [
            dt.datetime(2025, 1, 1, 12, tzinfo=zone),
            dt.datetime(2025, 7, 1, 12, tzinfo=zone),
        ]
    return float(np.mean([m.utcoffset().total_seconds() / 3600 for m in moments]))


def _consented(background: frozenset[str] | None) -> frozenset[str]:
    if not background:
        return frozenset()
    return frozenset(b for b in background if b and not b.endswith("prefer_not"))


@dataclass
class PairParts:
    """Exact per-criterion values for explicit pairs."""

    values: np.ndarray  #: pairs x criteria, f_c in [0, 1]
    points: np.ndarray  #: pairs x criteria, contribution to the score
    score: np.ndarray  #: pairs


class Scorer:
    """Encodes one cycle's profiles and settings for vectorised scoring and eligibility."""

    def __init__(
        self,
        trainees: list[TraineeInput],
        mentors: list[MentorInput],
        settings: MatchSettings,
        text: TextModel | None = None,
    ):
        settings.validate()
        self.trainees = trainees
        self.mentors = mentors
        self.settings = settings
        n_t, n_m = len(trainees), len(mentors)
        self.n_t, self.n_m = n_t, n_m
        if text is None:
            text = TextModel.fit(
                [t.statement for t in trainees],
                [f"{m.statement}. {m.publications}" for m in mentors],
            )
        self.text = text
        self.mentor_index = {m.id: j for j, m in enumerate(mentors)}
        self.trainee_index = {t.id: i for i, t in enumerate(trainees)}

        # ---- multi-hot blocks (set overlaps): share of the trainee's items the mentor has
        topic_vocab = {t.code: k for k, t in enumerate(topics())}
        self.topic_labels = {t.code: t.label for t in topics()}
        need_vocab = {n: k for k, n in enumerate(MENTORING_NEEDS)}
        langs = sorted({x for p in [*trainees, *mentors] for x in p.languages})
        lang_vocab = {x: k for k, x in enumerate(langs)}
        t_bg = [_consented(t.background) for t in trainees]
        m_bg = [_consented(m.background) for m in mentors]
        bg_vocab = {x: k for k, x in enumerate(sorted(set().union(*t_bg, *m_bg)))}
        self._sets = {
            "topics": (
                _multi_hot([t.topics for t in trainees], topic_vocab),
                _multi_hot([m.topics for m in mentors], topic_vocab),
            ),
            "needs": (
                _multi_hot([t.needs for t in trainees], need_vocab),
                _multi_hot([m.needs_offered for m in mentors], need_vocab),
            ),
            "languages": (
                _multi_hot([t.languages for t in trainees], lang_vocab),
                _multi_hot([m.languages for m in mentors], lang_vocab),
            ),
            "background": (
                _multi_hot([tuple(b) for b in t_bg], bg_vocab),
                _multi_hot([tuple(b) for b in m_bg], bg_vocab),
            ),
        }
        set_sizes = {k: v[0].sum(axis=1) for k, v in self._sets.items()}
        # Explicit pairs count shared items on bit-packed sets: a few bytes a pair to gather
        # instead of a float row on each side (a third of the exact rescoring's time)
        self._set_bits = {
            k: (np.packbits(lt > 0, axis=1), np.packbits(rt > 0, axis=1), np.maximum(n, 1))
            for (k, (lt, rt)), n in zip(self._sets.items(), set_sizes.values(), strict=True)
        }

        # ---- categorical: meeting format
        fmt_code = {"in_person": 0, "virtual": 1, "either": 2}
        self.t_format = np.array([fmt_code.get(t.meeting_format, 2) for t in trainees])
        m_offers = np.zeros((n_m, 3), bool)
        for j, m in enumerate(mentors):
            offers = set(m.meeting_formats) & set(MEETING_FORMATS) or set(MEETING_FORMATS)
            m_offers[j] = ["in_person" in offers, "virtual" in offers, True]
        self.m_offers = m_offers

        # ---- geography: equality of institution / city / region / country keys
        tables: dict[str, dict[str, int]] = {"inst": {}, "city": {}, "region": {}, "country": {}}

        def geo(p):
            country = _key(p.country)
            region = f"{country}|{_key(p.region)}" if p.region else ""
            city = f"{region}|{_key(p.city)}" if p.city else ""
            return _key(p.institution), city, region, country

        t_geo = list(zip(*[geo(t) for t in trainees], strict=True)) if n_t else [[]] * 4
        m_geo = list(zip(*[geo(m) for m in mentors], strict=True)) if n_m else [[]] * 4
        self.geo_t = {}
        self.geo_m = {}
        for k, name in enumerate(("inst", "city", "region", "country")):
            self.geo_t[name] = _ids(list(t_geo[k]), tables[name])
            self.geo_m[name] = _ids(list(m_geo[k]), tables[name])
        prefer = settings.same_institution == "prefer"
        wants_inst = np.array([t.wants_same_institution for t in trainees], bool) | prefer
        self.inst_share = np.where(wants_inst, 0.5, 0.25)  # rest split over country/region/city

        # ---- time zones: offsets to a small categorical table
        ref = settings.reference_date
        t_off = [_utc_offset_hours(t.timezone, ref) for t in trainees]
        m_off = [_utc_offset_hours(m.timezone, ref) for m in mentors]
        offsets = sorted({o for o in [*t_off, *m_off] if o is not None})
        off_id = {o: k for k, o in enumerate(offsets)}
        n_off = len(offsets)
        self.t_tz = np.array([off_id[o] if o is not None else n_off for o in t_off], np.int64)
        self.m_tz = np.array([off_id[o] if o is not None else n_off for o in m_off], np.int64)
        grid = np.array(offsets + [np.nan])
        diff = np.abs(grid[:, None] - grid[None, :])
        diff = np.minimum(diff, 24 - diff)
        self.tz_hours = diff  # nan where unknown
        tz_value = np.clip(1 - diff / _TZ_ZERO_HOURS, 0, 1)
        tz_value[np.isnan(tz_value)] = 0.5  # unknown mentor zone: neutral
        self.tz_value = tz_value
        self.t_offset = t_off
        self.m_offset = m_off

        # ---- named preferences
        pref_pairs = [
            (i, self.mentor_index[mid])
            for i, t in enumerate(trainees)
            for mid in t.preferred_mentor_ids
            if mid in self.mentor_index
        ]
        self.pref_rows = np.array([p[0] for p in pref_pairs], np.int64)
        self.pref_cols = np.array([p[1] for p in pref_pairs], np.int64)
        self.pref_set = set(pref_pairs)

        # ---- applicability and weights
        w = {c: settings.weight(c) for c in CRITERION_NAMES}
        has_text = np.array([bool(t.statement.strip()) for t in trainees], bool)
        geo_applies = (
            wants_inst
            | np.array([t.wants_same_region for t in trainees], bool)
            | (self.t_format == 0)
        )
        has_pref = np.zeros(n_t, bool)
        has_pref[self.pref_rows] = True
        applies = {
            "text": has_text,
            "topics": set_sizes["topics"] > 0,
            "needs": set_sizes["needs"] > 0,
            "meeting": np.ones(n_t, bool),
            "geography": geo_applies,
            "timezone": self.t_tz < n_off,
            "languages": set_sizes["languages"] > 0,
            "background": set_sizes["background"] > 0,
            "preference": has_pref,
        }
        self.applies = applies
        self.weights = w
        denom = sum(w[c] * applies[c] for c in CRITERION_NAMES)
        self.denom = np.asarray(denom, np.float64)
        safe = np.where(self.denom > 0, self.denom, 1.0)
        # coefficient of criterion c for trainee i: w_c * a_ic / denom_i
        self.coef = {c: np.where(self.denom > 0, w[c] * applies[c] / safe, 0.0) for c in w}

        # left/right factors of one GEMM holding every criterion that is a product of a
        # trainee-side and a mentor-side vector: set overlaps, meeting format, time zone,
        # same country and same region (one-hot keys)
        lefts, rights = [], []
        for name, (lt, rt) in self._sets.items():
            size = np.maximum(set_sizes[name], 1)
            lefts.append(lt * (self.coef[name] / size)[:, None])
            rights.append(rt)
        lefts.append(np.eye(3)[self.t_format] * self.coef["meeting"][:, None])
        rights.append(self.m_offers.astype(np.float64))
        lefts.append(np.eye(n_off + 1)[self.t_tz] * self.coef["timezone"][:, None])
        rights.append(self.tz_value[:, self.m_tz].T)
        geo_rest = (1 - self.inst_share) / 3 * self.coef["geography"]
        for name in ("region", "country"):
            n_keys = len(tables[name])
            lt = np.zeros((n_t, n_keys))
            known = self.geo_t[name] >= 0
            lt[np.flatnonzero(known), self.geo_t[name][known]] = geo_rest[known]
            rt = np.zeros((n_m, n_keys))
            known = self.geo_m[name] >= 0
            rt[np.flatnonzero(known), self.geo_m[name][known]] = 1.0
            lefts.append(lt)
            rights.append(rt)
        self._left = np.hstack(lefts).astype(np.float32)
        self._right_t = np.ascontiguousarray(np.hstack(rights).T.astype(np.float32))
        self._geo_inst = (self.inst_share * self.coef["geography"]).astype(np.float32)
        self._geo_city = geo_rest.astype(np.float32)
        self._text_t = (
            self.text.trainees.multiply(self.coef["text"][:, None]).tocsr().astype(np.float32)
        )
        self._text_m_t = self.text.mentors.T.tocsr()

        # ---- eligibility encodings
        stage_code = {s: k for k, s in enumerate(CAREER_STAGES)}
        self.t_stage = np.array([stage_code.get(t.stage, -1) for t in trainees], np.int64)
        accepts = np.zeros((len(CAREER_STAGES) + 1, n_m), bool)  # last row: unknown stage
        for j, m in enumerate(mentors):
            for s in m.stages:
                if s in stage_code:
                    accepts[stage_code[s], j] = True
        self.m_accepts = accepts
        role = settings.role
        self.t_role_ok = np.array([role in t.roles for t in trainees], bool)
        self.m_role_ok = np.array([role in m.roles for m in mentors], bool)
        self.m_capacity = np.array([max(int(m.capacity), 0) for m in mentors], np.int64)
        self.t_wants_region = np.array([t.wants_same_region for t in trainees], bool)
        self._conflicts = self._conflict_pairs()
        rejected = {
            (self.trainee_index[a], self.mentor_index[b])
            for a, b in settings.rejected_pairs
            if a in self.trainee_index and b in self.mentor_index
        }
        self._rejected = rejected
        self._pair_blocks = {
            "conflict": _pairs_to_rows(self._conflicts, n_t),
            "rejected": _pairs_to_rows(rejected, n_t),
        }

    # ------------------------------------------------------------------ hard constraints

    def _conflict_pairs(self) -> set[tuple[int, int]]:
        """Pairs ruled out by conflicts either side declared (people or institutions).

        Only the names either side declared are looked up: a large cycle has tens of
        thousands of people and few declarations."""
        ts, ms = self.trainees, self.mentors
        out: set[tuple[int, int]] = set()
        for side, other, flip in ((ts, ms, False), (ms, ts, True)):
            people = {_key(p): [] for person in side for p in person.conflict_people if _key(p)}
            places = {
                _key(x): [] for person in side for x in person.conflict_institutions if _key(x)
            }
            if not people and not places:
                continue
            for k, person in enumerate(other):  # the other side's people named there
                for name in {_key(person.email), _key(person.name)} & people.keys():
                    people[name].append(k)
                if places and person.institution:
                    named = places.get(_key(person.institution))
                    if named is not None:
                        named.append(k)
            for k, person in enumerate(side):
                hits = [j for p in person.conflict_people for j in people.get(_key(p), ())]
                hits += [j for x in person.conflict_institutions for j in places.get(_key(x), ())]
                out.update((j, k) if flip else (k, j) for j in hits)
        return out

    def rule_masks(self, rows: np.ndarray, cols: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """For a block of trainees: per hard rule, True where the rule EXCLUDES the pair.

        Includes the always-on rules and the must-have rules selected in the settings (not the
        minimum score, which needs the score). ``cols`` limits the block to those mentors.
        """
        rows = np.asarray(rows, np.int64)
        m = slice(None) if cols is None else np.asarray(cols, np.int64)
        n_cols = self.n_m if cols is None else len(cols)
        shape = (rows.size, n_cols)
        masks: dict[str, np.ndarray] = {}
        masks["role_not_requested"] = np.broadcast_to(~self.t_role_ok[rows, None], shape)
        masks["role_not_offered"] = np.broadcast_to(~self.m_role_ok[None, m], shape)
        masks["no_capacity"] = np.broadcast_to(self.m_capacity[None, m] <= 0, shape)
        masks["stage"] = ~self.m_accepts[self.t_stage[rows]][:, m]
        for name, (r, c) in self._pair_exclusions(rows, cols).items():
            mask = np.zeros(shape, bool)
            mask[r, c] = True
            masks[name] = mask
        masks.update(self._setting_masks(rows, m))
        return masks

    def _pair_exclusions(self, rows: np.ndarray, cols: np.ndarray | None):
        """Per pair rule (conflicts, rejected pairs): the block positions it excludes."""
        position = None
        if cols is not None:  # mentor index -> column of the block (-1: not in it)
            position = np.full(self.n_m, -1, np.int64)
            position[cols] = np.arange(len(cols))
        out = {}
        for name, (by_row, _) in self._pair_blocks.items():
            r_out, c_out = [], []
            for r, i in enumerate(rows.tolist()):
                excluded = by_row.get(i)
                if excluded is not None:
                    if position is not None:
                        excluded = position[excluded]
                        excluded = excluded[excluded >= 0]
                    r_out.append(np.full(excluded.size, r, np.int64))
                    c_out.append(excluded)
            empty = np.zeros(0, np.int64)
            out[name] = (
                np.concatenate(r_out) if r_out else empty,
                np.concatenate(c_out) if c_out else empty,
            )
        return out

    def _setting_masks(self, rows: np.ndarray, m) -> dict[str, np.ndarray]:
        """The rules the cycle's settings switch on (same-institution policy, must-haves)."""
        masks: dict[str, np.ndarray] = {}
        policy = self.settings.same_institution
        if policy in ("require", "avoid"):
            same = self.geo_t["inst"][rows, None] == self.geo_m["inst"][None, m]
            masks["same_institution"] = ~same if policy == "require" else same
        must = self.settings.must_have
        if "shared_topic" in must:
            lt, rt = self._sets["topics"]
            masks["shared_topic"] = (lt[rows] @ rt[m].T) <= 0
        if "shared_language" in must:
            lt, rt = self._sets["languages"]
            masks["shared_language"] = (lt[rows] @ rt[m].T) <= 0
        if "needs_offered" in must:
            lt, rt = self._sets["needs"]
            need = lt[rows].sum(axis=1, keepdims=True)
            masks["needs_offered"] = (lt[rows] @ rt[m].T) < need - 0.5
        if "meeting_format" in must:
            masks["meeting_format"] = ~self.m_offers[m][:, self.t_format[rows]].T
        if "same_region" in must:
            same = self.geo_t["region"][rows, None] == self.geo_m["region"][None, m]
            masks["same_region"] = self.t_wants_region[rows, None] & ~same
        if "timezone_3h" in must:
            hours = self.tz_hours[self.t_tz[rows]][:, self.m_tz[m]]
            masks["timezone_3h"] = ~(hours <= 3.0)  # unknown zones fail the rule
        return masks

    def eligible(self, rows: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
        """Block of trainees x mentors (all, or ``cols``): True where no hard rule (but min
        score) excludes. The same rules as :meth:`rule_masks`, applied in a few passes over
        the block: it is built for every trainee x mentor pair of a large cycle."""
        rows = np.asarray(rows, np.int64)
        m = slice(None) if cols is None else np.asarray(cols, np.int64)
        out = self.m_accepts[self.t_stage[rows]]  # a copy: rows of the stage table
        if cols is not None:
            out = out[:, m]
        out &= (self.m_role_ok & (self.m_capacity > 0))[None, m]
        out[~self.t_role_ok[rows]] = False
        for r, c in self._pair_exclusions(rows, cols).values():
            out[r, c] = False
        for mask in self._setting_masks(rows, m).values():
            out &= ~mask
        return out

    def pair_eligible(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Hard rules (not min score) for explicit pairs."""
        rows = np.asarray(rows, np.int64)
        cols = np.asarray(cols, np.int64)
        ok = self.t_role_ok[rows] & self.m_role_ok[cols] & (self.m_capacity[cols] > 0)
        ok &= self.m_accepts[self.t_stage[rows], cols]
        bad = self._conflicts | self._rejected
        if bad:
            pairs = zip(rows.tolist(), cols.tolist(), strict=True)
            ok &= np.array([(a, b) not in bad for a, b in pairs], bool)
        policy = self.settings.same_institution
        if policy in ("require", "avoid"):
            same = self.geo_t["inst"][rows] == self.geo_m["inst"][cols]
            ok &= same if policy == "require" else ~same
        must = self.settings.must_have
        for name, rule in (("shared_topic", "topics"), ("shared_language", "languages")):
            if name in must:
                lt, rt = self._sets[rule]
                ok &= np.einsum("ij,ij->i", lt[rows], rt[cols]) > 0
        if "needs_offered" in must:
            lt, rt = self._sets["needs"]
            ok &= np.einsum("ij,ij->i", lt[rows], rt[cols]) >= lt[rows].sum(axis=1) - 0.5
        if "meeting_format" in must:
            ok &= self.m_offers[cols, self.t_format[rows]]
        if "same_region" in must:
            same = self.geo_t["region"][rows] == self.geo_m["region"][cols]
            ok &= ~self.t_wants_region[rows] | same
        if "timezone_3h" in must:
            ok &= self.tz_hours[self.t_tz[rows], self.m_tz[cols]] <= 3.0
        return ok

    # ------------------------------------------------------------------ scores

    def block(self, rows: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
        """Scores of a block of trainees against every mentor (or the mentors ``cols``),
        float32 (see BLOCK_ERROR)."""
        rows = np.asarray(rows, np.int64)
        m = slice(None) if cols is None else np.asarray(cols, np.int64)
        s = self._left[rows] @ self._right_t[:, m]
        if self.text.terms.size:
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
            c = self.pref_cols if cols is None else _positions(self.pref_cols, m)
            named = (k >= 0) & (c >= 0)
            s[k[named], c[named]] += self.coef["preference"][self.pref_rows[named]]
        return s

    def text_order(self, rows: np.ndarray) -> np.ndarray:
        """Positions of ``rows`` ordered so that trainees sharing the statement term with the
        most mentors (their costliest term to score) are next to each other (stable; trainees
        without a statement first): blocks taken in this order hold fewer distinct terms, and
        :meth:`_add_text` costs in proportion to the postings of a block's terms."""
        part = self._text_t[np.asarray(rows, np.int64)]
        heaviest = np.full(part.shape[0], -1, np.int64)
        if part.nnz:
            postings = np.diff(self._text_m_t.indptr)[part.indices]
            row_of = np.repeat(np.arange(part.shape[0]), np.diff(part.indptr))
            by_row = np.lexsort((part.indices, -postings, row_of))  # heaviest first per row
            nonempty = np.diff(part.indptr) > 0
            heaviest[nonempty] = part.indices[by_row][part.indptr[:-1][nonempty]]
        return np.argsort(heaviest, kind="stable")

    def _add_text(self, s: np.ndarray, rows: np.ndarray, m) -> None:
        """Add the weighted text similarity of a block to ``s``, a few trainees at a time.

        A few trainees' statements use a few hundred terms between them, so their weights go
        into a small dense (terms x trainees) array and the mentors' postings of those terms
        multiply it (sparse x dense). That is about twice as fast as SciPy's sparse x sparse
        product, whose result is about half full here and is built as a sparse matrix first.
        Every pair's sum runs over its terms in index order, whatever the block holds. Sixteen
        trainees at a time did best (48: a fifth slower; the waste is the terms a trainee
        does not use).
        """
        block = self._text_t[rows]
        if block.nnz == 0:
            return
        # the block's terms and their postings (for the block's mentors) are taken once; the
        # few trainees at a time then index those, not the whole vocabulary
        terms, local = np.unique(block.indices, return_inverse=True)
        postings = self._text_m_t[terms]
        if not isinstance(m, slice):
            postings = postings[:, m]
        for lo in range(0, rows.size, _TEXT_ROWS):
            at, to = block.indptr[lo], block.indptr[min(lo + _TEXT_ROWS, rows.size)]
            n_rows = min(_TEXT_ROWS, rows.size - lo)
            used, used_at = np.unique(local[at:to], return_inverse=True)  # in term order
            weights = np.zeros((used.size, n_rows), np.float32)
            per_row = np.diff(block.indptr[lo : lo + n_rows + 1])
            weights[used_at, np.repeat(np.arange(n_rows), per_row)] = block.data[at:to]
            s[lo : lo + n_rows] += (postings[used].T @ weights).T

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
        vals[:, col["meeting"]] = self.m_offers[cols, self.t_format[rows]]
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
        points = vals * coef
        return PairParts(values=vals, points=points, score=np.clip(points.sum(axis=1), 0, 1))

    # ------------------------------------------------------------------ explanations

    def explain(self, i: int, j: int, n_terms: int = 3) -> dict:
        """Plain-words explanation of one pair's score."""
        return self.explain_many(np.array([i]), np.array([j]), n_terms)[i]

    def explain_many(self, rows, cols, n_terms: int = 3) -> dict[int, dict]:
        """Explanations of (trainee, mentor) pairs, keyed by trainee index (one pair each).

        Each criterion's value, weight and contribution ("points", which add up to the score),
        a sentence per criterion and the statement terms that contribute most. Sentences are
        written criterion by criterion over all pairs (a run explains tens of thousands).
        """
        rows = np.asarray(rows, np.int64)
        cols = np.asarray(cols, np.int64)
        parts = self.pairs(rows, cols)
        terms_all = self.text.shared_terms_many(rows, cols, n_terms)
        # rounded as shown; whole columns at once (a run explains tens of thousands of pairs)
        values = np.round(parts.values, 4)
        points = np.round(parts.points, 4)
        rows_l, cols_l = rows.tolist(), cols.tolist()
        columns = []  # per criterion: name, label, weight, then per pair: applies, value,
        # points and the sentence (or why the criterion does not apply)
        for c_idx, c in enumerate(CRITERION_NAMES):
            applies = (self.applies[c][rows] & (self.weights[c] > 0)).tolist()
            details = self._details(c, rows_l, cols_l, parts.values[:, c_idx].tolist(), terms_all)
            shown = [d if a else _NOT_APPLIED[c] for d, a in zip(details, applies, strict=True)]
            columns.append(
                (c, _LABEL[c], self.weights[c], applies)
                + (values[:, c_idx].tolist(), points[:, c_idx].tolist(), shown)
            )
        # the summary names the (up to) three largest contributions, ties in criterion order
        best = np.argsort(-points, axis=1, kind="stable")[:, :3]
        best_points = np.take_along_axis(points, best, axis=1)
        labels = [_LABEL[c].lower() for c in CRITERION_NAMES]
        scores = parts.score.tolist()
        out: dict[int, dict] = {}
        for k, (i, j) in enumerate(zip(rows_l, cols_l, strict=True)):
            lines = [
                {
                    "criterion": c,
                    "label": label,
                    "applies": applies[k],
                    "weight": weight,
                    "value": value[k],
                    "points": pts[k],
                    "detail": detail[k],
                }
                for c, label, weight, applies, value, pts, detail in columns
            ]
            top = [
                f"{labels[b]} +{x:.2f}"
                for b, x in zip(best[k].tolist(), best_points[k].tolist(), strict=True)
                if x > 0
            ]
            out[i] = {
                "trainee_id": self.trainees[i].id,
                "mentor_id": self.mentors[j].id,
                "score": round(scores[k], 4),
                "summary": f"Score {scores[k]:.2f}: "
                + ("; ".join(top) if top else "no criterion contributes"),
                "criteria": lines,
                "shared_terms": [w for w, _ in terms_all[k]],
            }
        return out

    def _details(self, c: str, rows: list[int], cols: list[int], values: list[float], terms):
        """The sentence on criterion ``c`` for each pair (used where the criterion applies)."""
        ts, ms = self.trainees, self.mentors
        pairs = zip(rows, cols, strict=True)
        if c == "text":
            return [
                f"statement similarity {v:.2f}; most shared terms: "
                + ", ".join(f"“{w}”" for w, _ in shared)
                if shared
                else f"statements share no distinctive terms (similarity {v:.2f})"
                for v, shared in zip(values, terms, strict=True)
            ]
        if c == "topics":
            labels = self.topic_labels
            m_sets = _per_person(ms, cols, lambda m: set(m.topics))
            out = []
            for i, j in pairs:
                t_topics = ts[i].topics
                shared = [labels.get(x, x) for x in t_topics if x in m_sets[j]]
                out.append(
                    f"{len(shared)} of the trainee's {len(t_topics)} topics: " + ", ".join(shared)
                    if shared
                    else f"none of the trainee's {len(t_topics)} topics"
                )
            return out
        if c == "needs":
            m_sets = _per_person(ms, cols, lambda m: set(m.needs_offered))
            out = []
            for i, j in pairs:
                needs, offered = ts[i].needs, m_sets[j]
                got = [n.replace("_", " ") for n in needs if n in offered]
                miss = [n.replace("_", " ") for n in needs if n not in offered]
                text = f"offers {len(got)} of {len(needs)} needs"
                if got:
                    text += " (" + ", ".join(got) + ")"
                if miss:
                    text += "; not: " + ", ".join(miss)
                out.append(text)
            return out
        if c == "meeting":
            offers = _per_person(
                ms,
                cols,
                lambda m: (
                    " and ".join(f.replace("_", " ") for f in m.meeting_formats) or "any format"
                ),
            )
            return [
                f"trainee prefers {ts[i].meeting_format.replace('_', ' ')}; mentor offers "
                f"{offers[j]}: {'matches' if v >= 1 else 'does not match'}"
                for (i, j), v in zip(pairs, values, strict=True)
            ]
        if c == "geography":
            r, m = np.asarray(rows, np.int64), np.asarray(cols, np.int64)
            same = np.zeros(r.size, np.int64)
            for bit, name in enumerate(_GEO_LEVELS):
                t_geo = self.geo_t[name][r]
                same |= ((t_geo == self.geo_m[name][m]) & (t_geo >= 0)).astype(np.int64) << bit
            return [_GEO_TEXT[k] for k in same.tolist()]
        if c == "timezone":
            out = []
            for i, j in pairs:
                a, b = self.t_offset[i], self.m_offset[j]
                if a is None:  # the criterion does not apply: this sentence is not shown
                    out.append(_NOT_APPLIED[c])
                    continue
                if b is None:
                    out.append("mentor's time zone unknown (neutral)")
                    continue
                hours = abs(a - b)
                hours = min(hours, 24 - hours)
                out.append("same time zone" if hours == 0 else f"{hours:g} hours apart")
            return out
        if c == "languages":
            m_sets = _per_person(ms, cols, lambda m: set(m.languages))
            return [
                "shared: " + ", ".join(shared) if shared else "no shared language"
                for shared in (sorted(m_sets[j].intersection(ts[i].languages)) for i, j in pairs)
            ]
        if c == "background":
            t_bg = _per_person(ts, rows, lambda t: _consented(t.background))
            m_bg = _per_person(ms, cols, lambda m: _consented(m.background))
            return [
                f"{n} shared self-identification attribute{'s' if n != 1 else ''}"
                for n in (len(t_bg[i] & m_bg[j]) for i, j in pairs)
            ]
        if c == "preference":
            return [
                "named by the trainee" if v >= 1 else "not the trainee's named mentor"
                for v in values
            ]
        return [""] * len(rows)


def _positions(values: np.ndarray, within: np.ndarray) -> np.ndarray:
    """Where each of ``values`` stands in ``within`` (distinct values), -1 where absent."""
    if within.size == 0:
        return np.full(values.shape, -1, np.int64)
    order = np.argsort(within, kind="stable")
    at = np.minimum(np.searchsorted(within[order], values), within.size - 1)
    return np.where(within[order][at] == values, order[at], -1)


def _per_person(people, indices: list[int], fn) -> dict[int, object]:
    """``fn`` of each person named in ``indices``, computed once per person."""
    return {k: fn(people[k]) for k in set(indices)}


_GEO_LEVELS = ("inst", "city", "region", "country")
_GEO_LABELS = ("same institution", "same city", "same region", "same country")
#: The geography sentence for each set of shared levels (bit k: _GEO_LEVELS[k] is shared).
_GEO_TEXT = [
    ", ".join(label for bit, label in enumerate(_GEO_LABELS) if code >> bit & 1)
    or "different country"
    for code in range(1 << len(_GEO_LEVELS))
]


_NOT_APPLIED = {
    "text": "trainee wrote no statement",
    "topics": "trainee chose no topics",
    "needs": "trainee listed no mentoring needs",
    "meeting": "",
    "geography": "trainee did not ask for a nearby mentor or in-person meetings",
    "timezone": "trainee's time zone unknown",
    "languages": "trainee listed no languages",
    "background": "not used: the trainee did not consent (or gave no answers)",
    "preference": "trainee named no preferred mentor",
}

#: Why a rule excludes a pair, in words (diagnoses of unmatched trainees use these).
RULE_TEXT: dict[str, str] = {
    **ALWAYS_RULES,
    "shared_topic": "no shared topic (must-have rule)",
    "meeting_format": "does not offer the trainee's meeting format (must-have rule)",
    "shared_language": "no shared language (must-have rule)",
    "needs_offered": "does not offer every mentoring need the trainee listed (must-have rule)",
    "same_region": "not in the trainee's region, which the trainee asked for (must-have rule)",
    "timezone_3h": "more than 3 hours apart (must-have rule)",
    "min_score": "the score is below the minimum acceptable score",
}
assert set(MUST_HAVE_RULES) <= set(RULE_TEXT)


def _pairs_to_rows(pairs: set[tuple[int, int]], n_t: int) -> tuple[dict[int, np.ndarray], int]:
    by_row: dict[int, list[int]] = {}
    for i, j in pairs:
        by_row.setdefault(i, []).append(j)
    return {i: np.array(sorted(js), np.int64) for i, js in by_row.items()}, n_t
