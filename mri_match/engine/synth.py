"""Synthetic cohorts for the benchmark, the offline evaluation and the tests.

Realistic in the ways that matter to the engine: demand is skewed (a few topics are wanted far
more than others, while mentors spread evenly), statements use the field's abbreviations and
spelling variants, mentors have capacities 1-3, and eligibility rules bite (stages accepted,
roles offered, conflicts). Deterministic for a given seed.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

import numpy as np

from .codes import CAREER_STAGES, MENTORING_NEEDS, topics
from .inputs import MentorInput, TraineeInput


@cache
def field_phrases() -> dict[str, tuple[str, ...]]:
    """Phrases a trainee or mentor in each field would write, by topic code, in file order
    (``mri_match/data/topic_phrases.csv``; the demo data writes its statements from them too)."""
    bank: dict[str, list[str]] = {}
    path = resources.files("mri_match.data").joinpath("topic_phrases.csv")
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            bank.setdefault(row["topic"], []).append(row["phrase"])
    return {code: tuple(phrases) for code, phrases in bank.items()}


_TRAINEE_TEMPLATES = (
    "I am interested in {a} and {b}.",
    "My research focuses on {a}, especially {b}.",
    "During my training I worked on {a} and became curious about {b}.",
    "I hope to study {a} and learn more about {b} and {c}.",
    "My project looks at {a} in patients, with a focus on {c}.",
)
_MENTOR_TEMPLATES = (
    "My laboratory studies {a} and {b}.",
    "I lead a clinical program in {a}, with research on {b} and {c}.",
    "Our group works on {a}, {b} and {c}.",
    "I am a physician-scientist working on {a}; we also study {b}.",
)
_GENERIC = (
    "I want to build a career in academic hematology.",
    "I enjoy patient care and translational research.",
    "I would value guidance on research methods and writing.",
    "I am looking for a mentor who can help me grow as an investigator.",
    "I am committed to serving underserved communities.",
    "I have presented posters at national meetings.",
)
_PUB_TEMPLATES = (
    "Outcomes of {a}: a multicenter study",
    "{a} and {b}: mechanisms and therapy",
    "A randomized trial in {a}",
    "Advances in {a}",
    "Novel approaches to {b} in {a}",
)

_PLACES = (
    # (country, region, city, timezone)
    ("US", "MA", "Boston", "America/New_York"),
    ("US", "NY", "New York", "America/New_York"),
    ("US", "PA", "Philadelphia", "America/New_York"),
    ("US", "MD", "Baltimore", "America/New_York"),
    ("US", "GA", "Atlanta", "America/New_York"),
    ("US", "NC", "Durham", "America/New_York"),
    ("US", "OH", "Cleveland", "America/New_York"),
    ("US", "MI", "Ann Arbor", "America/Detroit"),
    ("US", "IL", "Chicago", "America/Chicago"),
    ("US", "TN", "Memphis", "America/Chicago"),
    ("US", "TX", "Houston", "America/Chicago"),
    ("US", "MN", "Rochester", "America/Chicago"),
    ("US", "MO", "St. Louis", "America/Chicago"),
    ("US", "CO", "Denver", "America/Denver"),
    ("US", "UT", "Salt Lake City", "America/Denver"),
    ("US", "AZ", "Phoenix", "America/Phoenix"),
    ("US", "CA", "Los Angeles", "America/Los_Angeles"),
    ("US", "CA", "San Francisco", "America/Los_Angeles"),
    ("US", "WA", "Seattle", "America/Los_Angeles"),
    ("US", "HI", "Honolulu", "Pacific/Honolulu"),
    ("US", "PR", "San Juan", "America/Puerto_Rico"),
    ("CA", "ON", "Toronto", "America/Toronto"),
    ("CA", "QC", "Montreal", "America/Toronto"),
    ("CA", "BC", "Vancouver", "America/Vancouver"),
    ("MX", "CMX", "Mexico City", "America/Mexico_City"),
    ("BR", "SP", "Sao Paulo", "America/Sao_Paulo"),
    ("GB", "ENG", "London", "Europe/London"),
    ("NG", "LA", "Lagos", "Africa/Lagos"),
)
_LANGS = ("es", "fr", "pt", "zh", "ar", "hi", "vi", "ko", "yo", "ht")
_BACKGROUND = (
    "race:black",
    "race:hispanic_latino",
    "race:american_indian_alaska_native",
    "race:asian",
    "race:native_hawaiian_pacific_islander",
    "gender:woman",
    "gender:man",
    "gender:non_binary",
    "first_generation:yes",
    "disability:yes",
)


def _phrases(rng: np.random.Generator, codes: tuple[str, ...], n: int) -> list[str]:
    out = []
    phrases = field_phrases()
    for k in range(n):
        code = codes[0] if k == 0 or len(codes) == 1 else codes[rng.integers(len(codes))]
        bank = phrases[code]
        out.append(bank[rng.integers(len(bank))])
    return out


def trainee_statement(rng: np.random.Generator, codes: tuple[str, ...]) -> str:
    a, b, c = _phrases(rng, codes, 3)
    text = _TRAINEE_TEMPLATES[rng.integers(len(_TRAINEE_TEMPLATES))].format(a=a, b=b, c=c)
    return text + " " + _GENERIC[rng.integers(len(_GENERIC))]


def mentor_statement(rng: np.random.Generator, codes: tuple[str, ...]) -> str:
    a, b, c = _phrases(rng, codes, 3)
    return _MENTOR_TEMPLATES[rng.integers(len(_MENTOR_TEMPLATES))].format(a=a, b=b, c=c)


def mentor_publications(rng: np.random.Generator, codes: tuple[str, ...], n: int = 3) -> str:
    titles = []
    for _ in range(n):
        a, b = _phrases(rng, codes, 2)
        titles.append(_PUB_TEMPLATES[rng.integers(len(_PUB_TEMPLATES))].format(a=a, b=b))
    return ". ".join(titles)


def _topic_sets(rng, n, weights, codes, areas, n_min, n_max):
    """Per person: a primary topic drawn by weight, then 0-2 more, mostly from the same area."""
    primary = rng.choice(len(codes), size=n, p=weights)
    extra = rng.integers(n_min - 1, n_max, size=n)
    by_area: dict[str, np.ndarray] = {}
    for a in set(areas):
        by_area[a] = np.array([k for k, x in enumerate(areas) if x == a])
    out = []
    for p, e in zip(primary.tolist(), extra.tolist(), strict=True):
        chosen = [p]
        for _ in range(e):
            pool = by_area[areas[p]] if rng.random() < 0.7 else np.arange(len(codes))
            k = int(pool[rng.integers(pool.size)])
            if k not in chosen:
                chosen.append(k)
        out.append(tuple(codes[k] for k in chosen))
    return out


def make_cohort(
    n_trainees: int, n_mentors: int, seed: int = 0, skew: float = 1.1
) -> tuple[list[TraineeInput], list[MentorInput]]:
    """A synthetic cycle. ``skew`` is the Zipf exponent of trainee demand over topics."""
    rng = np.random.default_rng(seed)
    vocab = topics()
    codes = [t.code for t in vocab]
    areas = [t.area for t in vocab]
    rank = rng.permutation(len(codes))  # which topics are the popular ones
    demand = 1.0 / (1.0 + rank) ** skew
    demand /= demand.sum()
    supply = 1.0 / (1.0 + rank) ** (skew * 0.25)
    supply /= supply.sum()

    n_inst = max(4, n_mentors // 8)
    inst_place = rng.integers(len(_PLACES), size=n_inst)
    inst_place[: min(n_inst, len(_PLACES))] = np.arange(min(n_inst, len(_PLACES)))

    def place(k):
        country, region, city, tz = _PLACES[inst_place[k]]
        return f"Institution {k}", city, region, country, tz

    mentor_topics = _topic_sets(rng, n_mentors, supply, codes, areas, 2, 4)
    mentors = []
    m_inst = rng.integers(n_inst, size=n_mentors)
    caps = rng.choice([1, 2, 3], size=n_mentors, p=[0.05, 0.15, 0.80])
    for j in range(n_mentors):
        inst, city, region, country, tz = place(int(m_inst[j]))
        ts = mentor_topics[j]
        stages = CAREER_STAGES if rng.random() < 0.8 else CAREER_STAGES[2:]
        roles = ("research", "career") if rng.random() < 0.85 else ("career",)
        langs = ("en",) + ((_LANGS[rng.integers(len(_LANGS))],) if rng.random() < 0.3 else ())
        needs = tuple(n for n in MENTORING_NEEDS if rng.random() < 0.7) or ("research",)
        formats = (("in_person", "virtual"), ("virtual",), ("in_person",))[
            rng.choice(3, p=[0.7, 0.25, 0.05])
        ]
        bg = (
            frozenset(b for b in _BACKGROUND if rng.random() < 0.15) if rng.random() < 0.7 else None
        )
        mentors.append(
            MentorInput(
                id=100_000 + j,
                name=f"Mentor {j}",
                email=f"mentor{j}@example.org",
                institution=inst,
                city=city,
                region=region,
                country=country,
                timezone=tz,
                topics=ts,
                statement=mentor_statement(rng, ts),
                publications=mentor_publications(rng, ts),
                roles=roles,
                stages=stages,
                needs_offered=needs,
                capacity=int(caps[j]),
                meeting_formats=formats,
                languages=langs,
                background=bg,
            )
        )

    trainee_topics = _topic_sets(rng, n_trainees, demand, codes, areas, 1, 3)
    by_topic: dict[str, list[int]] = {}
    for j, ts in enumerate(mentor_topics):
        by_topic.setdefault(ts[0], []).append(j)
    trainees = []
    t_inst = rng.integers(n_inst, size=n_trainees)
    stage_p = np.array([0.1, 0.3, 0.15, 0.2, 0.15, 0.1])
    stage_idx = rng.choice(len(CAREER_STAGES), size=n_trainees, p=stage_p)
    for i in range(n_trainees):
        inst, city, region, country, tz = place(int(t_inst[i]))
        ts = trainee_topics[i]
        roles = ("research",) if rng.random() < 0.6 else ("research", "career")
        if rng.random() < 0.05:
            roles = ("career",)
        langs = ("en",) + ((_LANGS[rng.integers(len(_LANGS))],) if rng.random() < 0.25 else ())
        needs = tuple(n for n in MENTORING_NEEDS if rng.random() < 0.35) or ("research",)
        consent = rng.random() < 0.6
        bg = frozenset(b for b in _BACKGROUND if rng.random() < 0.2) if consent else None
        prefs: tuple[int, ...] = ()
        pool = by_topic.get(ts[0], [])
        if pool and rng.random() < 0.05:
            prefs = (mentors[pool[rng.integers(len(pool))]].id,)
        conflicts: tuple[str, ...] = ()
        if rng.random() < 0.02:
            conflicts = (mentors[int(rng.integers(n_mentors))].email,)
        trainees.append(
            TraineeInput(
                id=i + 1,
                name=f"Trainee {i}",
                email=f"trainee{i}@example.edu",
                stage=CAREER_STAGES[stage_idx[i]],
                institution=inst,
                city=city,
                region=region,
                country=country,
                timezone=tz,
                topics=ts,
                statement=trainee_statement(rng, ts),
                needs=needs,
                roles=roles,
                meeting_format=("either", "virtual", "in_person")[rng.choice(3, p=[0.6, 0.3, 0.1])],
                languages=langs,
                wants_same_institution=bool(rng.random() < 0.05),
                wants_same_region=bool(rng.random() < 0.15),
                background=bg,
                conflict_people=conflicts,
                preferred_mentor_ids=prefs,
            )
        )
    return trainees, mentors
