"""One cycle's profiles and settings turned into arrays, for the hard rules and the score.

:class:`ProfileEncoding` reads the profiles once and keeps what every later computation needs:
multi-hot sets (topics, needs, languages, consented background) and their bit-packed copies,
meeting formats, geography keys, time-zone offsets, named preferences, each criterion's weight
per trainee, the two factors whose product gives most of a block's score, and the eligibility
tables (career stages, roles, places, declared conflicts, rejected pairs). The hard rules
(:mod:`.rules`) and the scores (:mod:`.scorer`) are computed from these arrays; nothing reads
the profiles again except the explanations' sentences.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Sequence
from functools import cache

import numpy as np

from . import semantic
from .codes import CAREER_STAGES, MEETING_FORMATS, MEETING_PREFERENCES, MENTORING_NEEDS, topics
from .inputs import CRITERION_NAMES, MatchSettings, MentorInput, TraineeInput
from .text import TextModel

#: Criteria that read an answer from the mentor's side. A mentor who left the question
#: unanswered (no topics, needs offered not stated, no meeting format, no known time zone, no
#: languages) makes the criterion not apply to the pair: the pair's score is the weighted mean
#: over the other criteria (see ProfileEncoding._encode_mentor_answers).
MENTOR_ANSWERED = ("topics", "needs", "meeting", "timezone", "languages")
#: Geography levels, from the closest: their keys are compared for equality.
GEO_LEVELS = ("inst", "city", "region", "country")
_TZ_ZERO_HOURS = 8.0  # time-zone criterion reaches 0 at this distance


def unanswered(pattern: int) -> frozenset[str]:
    """The criteria of MENTOR_ANSWERED a mentor's pattern bits name."""
    return frozenset(c for bit, c in enumerate(MENTOR_ANSWERED) if pattern >> bit & 1)


def mentor_text(m: MentorInput) -> str:
    """What a mentor's statement similarity is computed on: statement and publications."""
    return mentor_document(m.statement, m.publications)


def mentor_document(statement: str, publications: str) -> str:
    """A mentor's expertise statement and publications as one text."""
    return f"{statement}. {publications}"


def text_key(s: str) -> str:
    """Free text as compared between profiles: lower case, single spaces."""
    return " ".join((s or "").lower().split())


def consented_background(background: frozenset[str] | None) -> frozenset[str]:
    """The self-identification answers usable in matching ("prefer not to say" is not one)."""
    if not background:
        return frozenset()
    return frozenset(b for b in background if b and not b.endswith("prefer_not"))


def _multi_hot(items: Sequence[Sequence[str]], vocab: dict[str, int]) -> np.ndarray:
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
    hours = []
    for moment in moments:
        offset = moment.utcoffset()
        assert offset is not None  # an aware datetime with a ZoneInfo always has one
        hours.append(offset.total_seconds() / 3600)
    return float(np.mean(hours))


def conflict_pairs(
    trainees: list[TraineeInput], mentors: list[MentorInput]
) -> set[tuple[int, int]]:
    """(trainee, mentor) index pairs ruled out by conflicts either side declared (people by
    email or name, or institutions).

    Only the names either side declared are looked up: a large cycle has tens of thousands of
    people and few declarations."""
    out: set[tuple[int, int]] = set()
    sides: tuple[tuple[list, list, bool], ...] = (
        (trainees, mentors, False),
        (mentors, trainees, True),
    )
    for side, other, flip in sides:
        people: dict[str, list[int]] = {
            text_key(p): [] for person in side for p in person.conflict_people if text_key(p)
        }
        places: dict[str, list[int]] = {
            text_key(x): [] for person in side for x in person.conflict_institutions if text_key(x)
        }
        if not people and not places:
            continue
        for k, person in enumerate(other):  # the other side's people named there
            for name in {text_key(person.email), text_key(person.name)} & people.keys():
                people[name].append(k)
            if places and person.institution:
                named = places.get(text_key(person.institution))
                if named is not None:
                    named.append(k)
        for k, person in enumerate(side):
            hits = [j for p in person.conflict_people for j in people.get(text_key(p), ())]
            hits += [j for x in person.conflict_institutions for j in places.get(text_key(x), ())]
            out.update((j, k) if flip else (k, j) for j in hits)
    return out


def _pairs_to_rows(pairs: Iterable[tuple[int, int]]) -> dict[int, np.ndarray]:
    """Each trainee's excluded mentors, sorted."""
    by_row: dict[int, list[int]] = {}
    for i, j in pairs:
        by_row.setdefault(i, []).append(j)
    return {i: np.array(sorted(js), np.int64) for i, js in by_row.items()}


def _geo_keys(p: TraineeInput | MentorInput) -> tuple[str, str, str, str]:
    """Institution, city, region and country keys; a city or region key names its country."""
    country = text_key(p.country)
    region = f"{country}|{text_key(p.region)}" if p.region else ""
    city = f"{region}|{text_key(p.city)}" if p.city else ""
    return text_key(p.institution), city, region, country


class ProfileEncoding:
    """One cycle's profiles and settings as arrays (trainees are rows, mentors columns)."""

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
        self.n_t, self.n_m = len(trainees), len(mentors)
        if text is None:
            t_texts = [t.statement for t in trainees]
            m_texts = [mentor_text(m) for m in mentors]
            mode = settings.text_model or semantic.default_mode()
            t_vec = m_vec = None
            if mode != "tfidf":
                t_vec = semantic.vectors(t_texts, [t.embedding for t in trainees])
                m_vec = semantic.vectors(m_texts, [m.embedding for m in mentors])
            text = TextModel.fit(t_texts, m_texts, mode, t_vec, m_vec)
        self.text = text
        self.mentor_index = {m.id: j for j, m in enumerate(mentors)}
        self.trainee_index = {t.id: i for i, t in enumerate(trainees)}
        set_sizes = self._encode_sets()
        self._encode_meeting_formats()
        geo_keys, wants_inst = self._encode_geography()
        n_off = self._encode_time_zones()
        self._encode_preferences()
        self._encode_weights(set_sizes, wants_inst, n_off)
        self._encode_mentor_answers()
        self._encode_block_factors(set_sizes, geo_keys, n_off)
        self._encode_eligibility()
        self._encode_excluded_pairs()

    def _encode_sets(self) -> dict[str, np.ndarray]:
        """Multi-hot sets (set overlaps: share of the trainee's items the mentor has); returns
        each trainee's number of items per set."""
        trainees, mentors = self.trainees, self.mentors
        topic_vocab = {t.code: k for k, t in enumerate(topics())}
        self.topic_labels = {t.code: t.label for t in topics()}
        need_vocab = {n: k for k, n in enumerate(MENTORING_NEEDS)}
        people: list[TraineeInput | MentorInput] = [*trainees, *mentors]
        langs = sorted({x for p in people for x in p.languages})
        lang_vocab = {x: k for k, x in enumerate(langs)}
        t_bg = [consented_background(t.background) for t in trainees]
        m_bg = [consented_background(m.background) for m in mentors]
        bg_vocab = {x: k for k, x in enumerate(sorted(frozenset().union(*t_bg, *m_bg)))}
        self._sets = {
            "topics": (
                _multi_hot([t.topics for t in trainees], topic_vocab),
                _multi_hot([m.topics for m in mentors], topic_vocab),
            ),
            "needs": (
                _multi_hot([t.needs for t in trainees], need_vocab),
                _multi_hot([m.needs_offered or () for m in mentors], need_vocab),
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
        self.m_answered = {
            "topics": self._sets["topics"][1].sum(axis=1) > 0,
            "needs": np.array([m.needs_offered is not None for m in mentors], bool),
            "languages": self._sets["languages"][1].sum(axis=1) > 0,
        }
        # Explicit pairs count shared items on bit-packed sets: a few bytes a pair to gather,
        # where a float row on each side would be most of the exact rescoring's time
        self._set_bits = {
            k: (np.packbits(lt > 0, axis=1), np.packbits(rt > 0, axis=1), np.maximum(n, 1))
            for (k, (lt, rt)), n in zip(self._sets.items(), set_sizes.values(), strict=True)
        }
        return set_sizes

    def _encode_meeting_formats(self) -> None:
        """The trainee's preference (a column of MEETING_PREFERENCES, or -1 when not given)
        and what each mentor offers ("either" is always offered; a mentor who names no format
        offers none and has not answered)."""
        fmt_code = {f: k for k, f in enumerate(MEETING_PREFERENCES)}
        self.t_format = np.array(
            [fmt_code.get(t.meeting_format, -1) for t in self.trainees], np.int64
        ).reshape(self.n_t)
        m_offers = np.zeros((self.n_m, len(MEETING_PREFERENCES) + 1), bool)
        for j, m in enumerate(self.mentors):
            offers = set(m.meeting_formats) & set(MEETING_FORMATS)
            if offers:
                m_offers[j, : len(MEETING_PREFERENCES)] = [
                    f in offers or f == "either" for f in MEETING_PREFERENCES
                ]
        self.m_answered["meeting"] = m_offers.any(axis=1)
        # the last column (t_format -1) is a trainee who gave no preference: the must-have
        # rule has nothing to check, and the criterion does not apply to them
        m_offers[:, -1] = True
        self.m_offers = m_offers

    def _encode_geography(self) -> tuple[dict[str, dict[str, int]], np.ndarray]:
        """Equality of institution / city / region / country keys, as integer ids; returns
        the key tables and which trainees the same institution counts for."""
        tables: dict[str, dict[str, int]] = {name: {} for name in GEO_LEVELS}
        n_t, n_m = self.n_t, self.n_m
        t_geo: list[tuple[str, ...]] = [()] * 4  # per level, each trainee's key
        m_geo: list[tuple[str, ...]] = [()] * 4
        if n_t:
            t_geo = list(zip(*[_geo_keys(t) for t in self.trainees], strict=True))
        if n_m:
            m_geo = list(zip(*[_geo_keys(m) for m in self.mentors], strict=True))
        self.geo_t = {}
        self.geo_m = {}
        for k, name in enumerate(GEO_LEVELS):
            self.geo_t[name] = _ids(list(t_geo[k]), tables[name])
            self.geo_m[name] = _ids(list(m_geo[k]), tables[name])
        prefer = self.settings.same_institution == "prefer"
        wants_inst = np.array([t.wants_same_institution for t in self.trainees], bool) | prefer
        self.inst_share = np.where(wants_inst, 0.5, 0.25)  # rest split over country/region/city
        self.t_wants_region = np.array([t.wants_same_region for t in self.trainees], bool)
        return tables, wants_inst

    def _encode_time_zones(self) -> int:
        """UTC offsets to a small categorical table; returns the number of known offsets
        (the table's last row and column stand for an unknown zone)."""
        ref = self.settings.reference_date
        t_off = [_utc_offset_hours(t.timezone, ref) for t in self.trainees]
        m_off = [_utc_offset_hours(m.timezone, ref) for m in self.mentors]
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
        tz_value[np.isnan(tz_value)] = 0.0  # an unknown zone: the criterion does not apply
        self.tz_value = tz_value
        self.m_answered["timezone"] = self.m_tz < n_off
        self.t_offset = t_off
        self.m_offset = m_off
        return n_off

    def _encode_preferences(self) -> None:
        """The (trainee, mentor) pairs a trainee named, by index."""
        pref_pairs = [
            (i, self.mentor_index[mid])
            for i, t in enumerate(self.trainees)
            for mid in t.preferred_mentor_ids
            if mid in self.mentor_index
        ]
        self.pref_rows = np.array([p[0] for p in pref_pairs], np.int64)
        self.pref_cols = np.array([p[1] for p in pref_pairs], np.int64)
        self.pref_set = set(pref_pairs)

    def _encode_weights(
        self, set_sizes: dict[str, np.ndarray], wants_inst: np.ndarray, n_off: int
    ) -> None:
        """Which criteria apply to each trainee, and each criterion's coefficient per trainee:
        its weight over the sum of the weights of the criteria that apply."""
        w = {c: self.settings.weight(c) for c in CRITERION_NAMES}
        has_text = np.array([bool(t.statement.strip()) for t in self.trainees], bool)
        geo_applies = wants_inst | self.t_wants_region | (self.t_format == 0)
        has_pref = np.zeros(self.n_t, bool)
        has_pref[self.pref_rows] = True
        applies = {
            "text": has_text,
            "topics": set_sizes["topics"] > 0,
            "needs": set_sizes["needs"] > 0,
            "meeting": self.t_format >= 0,
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

    def _encode_mentor_answers(self) -> None:
        """Mentors who left questions unanswered: for them a criterion of MENTOR_ANSWERED does
        not apply to the pair, and the pair's weights are renormalised over the rest.

        ``m_pattern`` holds, per mentor, a bit per unanswered criterion (0: all answered).
        For each pattern that occurs, ``pattern_denom[p]`` is each trainee's sum of the weights
        that still apply, and ``pattern_factor[p]`` the float32 factor (full sum over that
        sum, 0 when nothing applies) that turns a block score, whose unanswered criteria add
        nothing, into the renormalised score. Mentors who answered everything keep the
        trainee's own coefficients, untouched."""
        pattern = np.zeros(self.n_m, np.int64)
        for bit, c in enumerate(MENTOR_ANSWERED):
            pattern |= (~self.m_answered[c]).astype(np.int64) << bit
        self.m_pattern = pattern
        self.pattern_denom: dict[int, np.ndarray] = {}
        self.pattern_factor: dict[int, np.ndarray] = {}
        for p in np.unique(pattern[pattern != 0]).tolist():
            missing = unanswered(p)
            denom = sum(
                self.weights[c] * self.applies[c] * (c not in missing) for c in CRITERION_NAMES
            )
            denom = np.asarray(denom, np.float64)
            safe = np.where(denom > 0, denom, 1.0)
            self.pattern_denom[p] = denom
            self.pattern_factor[p] = np.where(denom > 0, self.denom / safe, 0.0).astype(np.float32)

    def pair_applies(self, c: str, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Whether criterion ``c`` applies to explicit pairs (both sides answered)."""
        out = self.applies[c][rows]
        if c in self.m_answered:
            out = out & self.m_answered[c][cols]
        return out

    def _encode_block_factors(
        self, set_sizes: dict[str, np.ndarray], tables: dict[str, dict[str, int]], n_off: int
    ) -> None:
        """Left and right factors of one GEMM holding every criterion that is a product of a
        trainee-side and a mentor-side vector: set overlaps, meeting format, time zone, same
        country and same region (one-hot keys). Text is added by Scorer._add_text."""
        n_t, n_m = self.n_t, self.n_m
        lefts, rights = [], []
        for name, (lt, rt) in self._sets.items():
            size = np.maximum(set_sizes[name], 1)
            lefts.append(lt * (self.coef[name] / size)[:, None])
            rights.append(rt)
        lefts.append(np.eye(3)[self.t_format] * self.coef["meeting"][:, None])
        rights.append(self.m_offers[:, :3].astype(np.float64))
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

    def _encode_eligibility(self) -> None:
        """Career stages each mentor accepts, kinds of mentoring asked for and offered, and
        places."""
        stage_code = {s: k for k, s in enumerate(CAREER_STAGES)}
        self.t_stage = np.array([stage_code.get(t.stage, -1) for t in self.trainees], np.int64)
        accepts = np.zeros((len(CAREER_STAGES) + 1, self.n_m), bool)  # last row: unknown stage
        for j, m in enumerate(self.mentors):
            for s in m.stages:
                if s in stage_code:
                    accepts[stage_code[s], j] = True
        self.m_accepts = accepts
        role = self.settings.role
        self.t_role_ok = np.array([role in t.roles for t in self.trainees], bool)
        self.m_role_ok = np.array([role in m.roles for m in self.mentors], bool)
        self.m_capacity = np.array([max(int(m.capacity), 0) for m in self.mentors], np.int64)

    def _encode_excluded_pairs(self) -> None:
        """Pairs ruled out one by one: declared conflicts and pairs an admin rejected, each as
        every trainee's excluded mentors."""
        self._conflicts = conflict_pairs(self.trainees, self.mentors)
        self._rejected = {
            (self.trainee_index[a], self.mentor_index[b])
            for a, b in self.settings.rejected_pairs
            if a in self.trainee_index and b in self.mentor_index
        }
        self._pair_blocks = {
            "conflict": _pairs_to_rows(self._conflicts),
            "rejected": _pairs_to_rows(self._rejected),
        }
