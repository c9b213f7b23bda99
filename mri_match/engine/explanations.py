"""Plain-words explanations of pair scores, as shown to admins next to each proposal.

An explanation lists every criterion with its value, its weight and its contribution
("points", which add up to the score), a sentence on what the two profiles share (or why the
criterion does not apply to the trainee), a one-line summary naming the largest contributions,
the statement terms that contribute most to the text similarity, and whether the trainee's
statement shares little with every mentor's (``text_weak``). A run explains tens of
thousands of pairs, so the sentences are written criterion by criterion over all pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from .encoding import GEO_LEVELS, consented_background
from .inputs import CRITERIA, CRITERION_NAMES
from .scorer import Scorer

_LABEL = {c.name: c.label for c in CRITERIA}
_GEO_LABELS = ("same institution", "same city", "same region", "same country")
#: The geography sentence for each set of shared levels (bit k: GEO_LEVELS[k] is shared).
_GEO_TEXT = [
    ", ".join(label for bit, label in enumerate(_GEO_LABELS) if code >> bit & 1)
    or "different country"
    for code in range(1 << len(GEO_LEVELS))
]
#: Why a criterion does not apply to a trainee (shown instead of its sentence).
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

#: Values from which a mentor's statement reads as "close" and "somewhat related" to the
#: trainee's (the value is a share of the closest mentor's cosine; see text.py).
CLOSE, RELATED = 0.6, 0.2


def statement_sentence(value: float, shared: Sequence[str] = (), weak: bool = False) -> str:
    """The statement similarity in words: how the mentor's text compares with the closest
    mentor's for this trainee, and the words the two statements share most. ``weak``: even
    the closest mentor's text shares little with the trainee's statement."""
    if weak and value > 0:
        text = "Little in common: the trainee's statement shares few words with any mentor's"
    elif value >= 0.995:
        text = "The closest statement to the trainee's among this run's mentors"
    elif value >= CLOSE:
        text = f"Close to the trainee's statement ({_share(value)} as the closest mentor's)"
    elif value >= RELATED:
        text = (
            f"Somewhat related to the trainee's statement ({_share(value)} as the closest mentor's)"
        )
    elif value > 0:
        text = "Little in common with the trainee's statement"
    else:
        text = "Nothing in common with the trainee's statement"
    if shared:
        text += "; words they share most: " + ", ".join(f"“{w}”" for w in shared)
    return text


def _share(value: float) -> str:
    return f"about {round(value * 10) * 10}% as close"


#: Why a criterion does not apply to a pair whose mentor left the question unanswered: it
#: counts neither for nor against the pair (its weight goes to the other criteria).
_NOT_ANSWERED = {
    "topics": "mentor chose no topics",
    "needs": "mentor has not said which mentoring needs they offer",
    "meeting": "mentor has not said which meeting formats they offer",
    "timezone": "mentor's time zone unknown",
    "languages": "mentor listed no languages",
}
_NOT_COUNTED = ", so this counts neither for nor against the pair"


def _why_not(c: str, weight: float, trainee_side: bool) -> str:
    """Why criterion ``c`` does not apply to a pair."""
    if weight > 0 and trainee_side:
        return _NOT_ANSWERED[c] + _NOT_COUNTED
    if weight > 0 and c == "meeting":
        return "trainee gave no meeting preference"
    return _NOT_APPLIED[c]


_P = TypeVar("_P")
_V = TypeVar("_V")


def _per_person(people: Sequence[_P], indices: list[int], fn: Callable[[_P], _V]) -> dict[int, _V]:
    """``fn`` of each person named in ``indices``, computed once per person."""
    return {k: fn(people[k]) for k in set(indices)}


def explain_pairs(
    sc: Scorer, rows: np.ndarray, cols: np.ndarray, n_terms: int = 3
) -> dict[int, dict[str, Any]]:
    """Explanations of (trainee, mentor) pairs, keyed by trainee index (one pair each)."""
    rows = np.asarray(rows, np.int64)
    cols = np.asarray(cols, np.int64)
    parts = sc.pairs(rows, cols)
    terms_all = sc.text.shared_terms_many(rows, cols, n_terms)
    weak = sc.text.ref <= sc.text.floor  # references are known once the pairs are scored
    # rounded as shown; whole columns at once (a run explains tens of thousands of pairs)
    values = np.round(parts.values, 4)
    points = np.round(parts.points, 4)
    rows_l, cols_l = rows.tolist(), cols.tolist()
    columns = []  # per criterion: name, label, weight, then per pair: applies, value,
    # points and the sentence (or why the criterion does not apply)
    for c_idx, c in enumerate(CRITERION_NAMES):
        trainee_side = sc.applies[c][rows]
        applies = (sc.pair_applies(c, rows, cols) & (sc.weights[c] > 0)).tolist()
        details = _sentences(sc, c, rows_l, cols_l, parts.values[:, c_idx].tolist(), terms_all)
        shown = [
            d if a else _why_not(c, sc.weights[c], t)
            for d, a, t in zip(details, applies, trainee_side.tolist(), strict=True)
        ]
        columns.append(
            (c, _LABEL[c], sc.weights[c], applies)
            + (values[:, c_idx].tolist(), points[:, c_idx].tolist(), shown)
        )
    # the summary names the (up to) three largest contributions, ties in criterion order
    best = np.argsort(-points, axis=1, kind="stable")[:, :3]
    best_points = np.take_along_axis(points, best, axis=1)
    labels = [_LABEL[c].lower() for c in CRITERION_NAMES]
    scores = parts.score.tolist()
    out: dict[int, dict[str, Any]] = {}
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
            "trainee_id": sc.trainees[i].id,
            "mentor_id": sc.mentors[j].id,
            "score": round(scores[k], 4),
            "summary": f"Score {scores[k]:.2f}: "
            + ("; ".join(top) if top else "no criterion contributes"),
            "criteria": lines,
            "shared_terms": [w for w, _ in terms_all[k]],
            # even the closest mentor's text shares little with the statement (see text.py)
            "text_weak": bool(weak[i]),
        }
    return out


def _sentences(
    sc: Scorer,
    c: str,
    rows: list[int],
    cols: list[int],
    values: list[float],
    terms: list[list[tuple[str, float]]],
) -> list[str]:
    """The sentence on criterion ``c`` for each pair (shown where the criterion applies)."""
    ts, ms = sc.trainees, sc.mentors
    pairs = zip(rows, cols, strict=True)
    if c == "text":
        weak = sc.text.ref <= sc.text.floor
        return [
            statement_sentence(v, [w for w, _ in shared], bool(weak[i]))
            for i, v, shared in zip(rows, values, terms, strict=True)
        ]
    if c == "topics":
        labels = sc.topic_labels
        m_topics = _per_person(ms, cols, lambda m: set(m.topics))
        out = []
        for i, j in pairs:
            t_topics = ts[i].topics
            shared = [labels.get(x, x) for x in t_topics if x in m_topics[j]]
            out.append(
                f"{len(shared)} of the trainee's {len(t_topics)} topics: " + ", ".join(shared)
                if shared
                else f"none of the trainee's {len(t_topics)} topics"
            )
        return out
    if c == "needs":
        m_needs = _per_person(ms, cols, lambda m: set(m.needs_offered or ()))
        out = []
        for i, j in pairs:
            needs, offered = ts[i].needs, m_needs[j]
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
            lambda m: " and ".join(f.replace("_", " ") for f in m.meeting_formats),
        )
        return [
            f"trainee prefers {ts[i].meeting_format.replace('_', ' ')}; mentor offers "
            f"{offers[j]}: {'matches' if v >= 1 else 'does not match'}"
            for (i, j), v in zip(pairs, values, strict=True)
        ]
    if c == "geography":
        r, m = np.asarray(rows, np.int64), np.asarray(cols, np.int64)
        same = np.zeros(r.size, np.int64)
        for bit, name in enumerate(GEO_LEVELS):
            t_geo = sc.geo_t[name][r]
            same |= ((t_geo == sc.geo_m[name][m]) & (t_geo >= 0)).astype(np.int64) << bit
        return [_GEO_TEXT[k] for k in same.tolist()]
    if c == "timezone":
        out = []
        for i, j in pairs:
            a, b = sc.t_offset[i], sc.m_offset[j]
            if a is None:  # the criterion does not apply: this sentence is not shown
                out.append(_NOT_APPLIED[c])
                continue
            if b is None:  # the criterion does not apply to the pair
                out.append(_NOT_ANSWERED[c] + _NOT_COUNTED)
                continue
            hours = abs(a - b)
            hours = min(hours, 24 - hours)
            out.append("same time zone" if hours == 0 else f"{hours:g} hours apart")
        return out
    if c == "languages":
        m_langs = _per_person(ms, cols, lambda m: set(m.languages))
        return [
            "shared: " + ", ".join(shared) if shared else "no shared language"
            for shared in (sorted(m_langs[j].intersection(ts[i].languages)) for i, j in pairs)
        ]
    if c == "background":
        t_bg = _per_person(ts, rows, lambda t: consented_background(t.background))
        m_bg = _per_person(ms, cols, lambda m: consented_background(m.background))
        return [
            f"{n} shared self-identification attribute{'s' if n != 1 else ''}"
            for n in (len(t_bg[i] & m_bg[j]) for i, j in pairs)
        ]
    if c == "preference":
        return [
            "named by the trainee" if v >= 1 else "not the trainee's named mentor" for v in values
        ]
    return [""] * len(rows)
