"""The demo as plain data: people drawn at random from the raw material in ``data/demo.json``
and ``data/topic_phrases.csv``, with statements written the way people in each field write.
The same arguments always give the same plan; nothing here touches the database."""

import json
import random
import unicodedata
from functools import cache
from importlib import resources

from ..engine.synth import field_phrases
from ..vocabulary import CAREER_STAGES, topic_labels, topics
from .accounts import mentor_email, trainee_email

STAGE_LABELS = dict(CAREER_STAGES)
BOTH_ROLES = ["research", "career"]


@cache
def tables() -> dict:
    """The raw material in ``data/demo.json``: places as (institution, city, region, country,
    time zone), names, degrees and positions, weights by code, and phrases to write with."""
    with resources.files("mri_match.data").joinpath("demo.json").open(encoding="utf-8") as fh:
        data = json.load(fh)
    for key in ("minority_serving", "academic_centers", "goals"):
        data[key] = [tuple(row) for row in data[key]]
    return data


# --- drawing at random --------------------------------------------------------------------------


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _pick_some(rng: random.Random, weights: dict[str, int], low: int, high: int) -> list[str]:
    """low..high distinct keys, drawn by weight, in drawing order."""
    wanted = rng.randint(low, high)
    chosen: list[str] = []
    pool = dict(weights)
    while pool and len(chosen) < wanted:
        key = _pick(rng, pool)
        chosen.append(key)
        del pool[key]
    return chosen


def _topic_weights(overrides: dict[str, int], base: int) -> dict[str, int]:
    return {t.code: overrides.get(t.code, base) for t in topics()}


def _name(rng) -> tuple[str, str]:
    return rng.choice(tables()["first_names"]), rng.choice(tables()["last_names"])


def _languages(rng, region: str) -> list[str]:
    langs = ["en"]
    if region == "QC" or rng.random() < 0.04:
        langs.append("fr")
    if region == "PR" or rng.random() < 0.2:
        langs.append("es")
    for code, chance in (("pt", 0.03), ("yo", 0.02), ("ht", 0.02), ("ar", 0.02), ("vi", 0.02)):
        if rng.random() < chance:
            langs.append(code)
    return langs


def _self_identification(rng) -> dict:
    race = _pick_some(rng, tables()["race_weights"], 1, 1 if rng.random() < 0.85 else 2)
    if "prefer_not" in race:
        race = ["prefer_not"]

    def maybe(values, weights):
        return None if rng.random() < 0.1 else rng.choices(values, weights=weights)[0]

    return dict(
        race_ethnicity=None if rng.random() < 0.08 else race,
        gender_identity=maybe(
            ["woman", "man", "non_binary", "another", "prefer_not"], [52, 40, 4, 1, 3]
        ),
        first_generation=maybe(["yes", "no", "prefer_not"], [40, 55, 5]),
        disability=maybe(["yes", "no", "prefer_not"], [8, 85, 7]),
        lgbtq=maybe(["yes", "no", "prefer_not"], [10, 80, 10]),
        consent_use_for_matching=rng.random() < 0.5,
    )


# --- writing like a person in the field ---------------------------------------------------------


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _join_sentences(sentences: list[str], limit: int = 2_000) -> str:
    text = ""
    for sentence in sentences:
        if len(text) + len(sentence) + 1 > limit:
            break
        text = f"{text} {sentence}" if text else sentence
    return text


def _lower_first(label: str) -> str:
    # Keep acronyms (AML, TTP, CAR-T) as they are; lower-case an ordinary first word.
    first = label.split()[0]
    return label if sum(c.isupper() for c in first) > 1 else label[0].lower() + label[1:]


@cache
def _terms(code: str) -> tuple[str, ...]:
    """The field's phrases that say more than its name: not the topic's label, not a bare
    abbreviation ("AML"), so that a sentence never names the field twice."""
    label = topic_labels()[code].lower()
    return tuple(
        phrase
        for phrase in field_phrases()[code]
        if phrase.lower() not in label and any(c.islower() for c in phrase)
    )


def _main_terms(rng, code: str) -> list[str]:
    """Two phrases of the person's main field (one when the bank has only one)."""
    bank = _terms(code)
    return rng.sample(bank, k=min(2, len(bank)))


def _trainee_statement(rng, stage, institution, codes) -> str:
    labels, t = topic_labels(), tables()
    terms = _main_terms(rng, codes[0])
    career, does = rng.choice(t["goals"])
    sentences = [
        f"I am a {STAGE_LABELS[stage].lower()} at {institution} and I am drawn to "
        f"{_lower_first(labels[codes[0]])}.",
        f"During {rng.choice(t['experiences'])} I saw what {terms[0]} means for patients "
        "and their families, and I want to understand it better.",
        f"I would like to learn {rng.choice(t['methods'])} and apply it to questions about "
        f"{terms[-1]}.",
    ]
    for code in codes[1:]:
        sentences.append(
            f"I am also curious about {_lower_first(labels[code])}, especially "
            f"{rng.choice(_terms(code))}."
        )
    sentences.append(f"In the long term I hope to become a {career} who {does}.")
    return _join_sentences(sentences)


def _mentor_statement(rng, codes, institution) -> str:
    labels, t = topic_labels(), tables()
    terms = _main_terms(rng, codes[0])
    methods = rng.sample(t["methods"], k=2)
    sentences = [
        f"My research program at {institution} focuses on {_lower_first(labels[codes[0]])}, "
        f"in particular {terms[0]} and {terms[-1]}.",
        f"We use {methods[0]} and {methods[1]} to ask questions that matter to patients.",
    ]
    for code in codes[1:]:
        sentences.append(
            f"I also work on {_lower_first(labels[code])}, including {rng.choice(_terms(code))}."
        )
    sentences.append(
        f"I have mentored {rng.randint(3, 30)} trainees, from medical students to junior "
        f"faculty, and I enjoy helping them {rng.choice(t['mentoring_phrases'])}."
    )
    return _join_sentences(sentences)


def _publications(rng, codes) -> str:
    labels = topic_labels()
    titles = []
    for _ in range(rng.randint(3, 8)):
        code = rng.choice(codes)
        term = rng.choice(_terms(code))
        titles.append(
            f"{term[0].upper()}{term[1:]} in {_lower_first(labels[code])}: "
            f"{rng.choice(tables()['publication_designs'])} ({rng.randint(2012, 2026)})."
        )
    return "\n".join(titles)


# --- the plan -----------------------------------------------------------------------------------


def _nominee(rng) -> dict:
    """A research mentor the trainee already has, at an academic center."""
    first, last = _name(rng)
    institution = rng.choice(tables()["academic_centers"])[0]
    domain = _ascii(institution).replace(" ", "").replace(",", "")[:20]
    return dict(
        name=f"Dr {first} {last}",
        email=f"{_ascii(first)}.{_ascii(last)}@{domain}.example.edu",
        institution=institution,
        verified=rng.random() < 0.35,
    )


def _plan_trainee(rng, n: int, topic_weights: dict[str, int], places: list[tuple]) -> dict:
    t = tables()
    first, last = _name(rng)
    institution, city, region, country, tz = rng.choice(places)
    stage = _pick(rng, t["stage_weights"])
    codes = _pick_some(rng, topic_weights, 1, 3)
    roles = rng.choices([["research"], ["career"], BOTH_ROLES], [55, 15, 30])[0]
    nominated = _nominee(rng) if rng.random() < 0.1 else None
    if nominated:
        roles = ["career"]
    return dict(
        email=trainee_email(n),
        topics=codes,
        nominated=nominated,
        self_identification=_self_identification(rng) if rng.random() < 0.7 else None,
        submitted_days_ago=rng.randint(1, 29),
        application=dict(
            full_name=f"{first} {last}",
            pronouns=rng.choices([None, "she/her", "he/him", "they/them"], [30, 35, 30, 5])[0],
            career_stage=stage,
            institution=institution,
            city=city,
            region=region,
            country=country,
            timezone=tz,
            track=t["stage_tracks"][stage],
            research_statement=_trainee_statement(rng, stage, institution, codes),
            needs=_pick_some(rng, t["need_weights"], 1, 3),
            requested_roles=roles,
            meeting_format=rng.choices(["either", "virtual", "in_person"], [50, 35, 15])[0],
            languages=_languages(rng, region),
            wants_same_institution=rng.random() < 0.05,
            wants_same_region=rng.random() < 0.15,
            has_research_mentor=nominated is not None,
        ),
    )


def _plan_mentor(rng, n: int, topic_weights: dict[str, int], member_number: int) -> dict:
    t = tables()
    stage_codes = list(STAGE_LABELS)
    first, last = _name(rng)
    institution, city, region, country, tz = rng.choice(t["academic_centers"])
    codes = _pick_some(rng, topic_weights, 2, 4)
    stages = sorted(
        rng.sample(stage_codes, k=rng.randint(2, len(stage_codes))), key=stage_codes.index
    )
    conflicts = None
    if rng.random() < 0.15:
        c_first, c_last = _name(rng)
        conflicts = f"{c_first} {c_last}\n{rng.choice(t['minority_serving'])[0]}"
    need_codes = list(t["mentor_need_weights"])
    needs = sorted(_pick_some(rng, t["mentor_need_weights"], 2, 5), key=need_codes.index)
    return dict(
        email=mentor_email(n),
        topics=codes,
        verified=rng.random() < 0.75,
        self_identification=_self_identification(rng) if rng.random() < 0.4 else None,
        profile=dict(
            full_name=f"Dr {first} {last}",
            degrees=rng.choice(t["degrees"]),
            position=rng.choice(t["positions"]),
            institution=institution,
            city=city,
            region=region,
            country=country,
            timezone=tz,
            ash_member_number=str(member_number),
            expertise_statement=_mentor_statement(rng, codes, institution),
            publications=_publications(rng, codes) if rng.random() < 0.6 else None,
            stages_accepted=stages,
            needs_offered=needs,
            meeting_formats=rng.choices(
                [["in_person", "virtual"], ["virtual"], ["in_person"]], [50, 40, 10]
            )[0],
            languages=_languages(rng, region),
            conflicts=conflicts,
        ),
        offer=dict(
            capacity=rng.choices(range(6), weights=[4, 30, 35, 20, 7, 4])[0],
            roles=rng.choices([["research"], ["career"], BOTH_ROLES], [35, 20, 45])[0],
        ),
        paused=rng.random() < 0.05,
    )


def make_plan(trainees: int, mentors: int, seed: int) -> dict:
    """Everything the demo holds, as plain data; the same arguments give the same plan."""
    rng = random.Random(seed)
    t = tables()
    trainee_topics = _topic_weights(t["trainee_topic_weights"], base=1)
    mentor_topics = _topic_weights(t["mentor_topic_weights"], base=2)
    # trainees come mostly from minority-serving schools
    trainee_places = t["minority_serving"] * 3 + t["academic_centers"]
    plan_trainees = [
        _plan_trainee(rng, n, trainee_topics, trainee_places) for n in range(1, trainees + 1)
    ]
    member_numbers = rng.sample(range(100_000, 1_000_000), k=mentors)
    plan_mentors = [
        _plan_mentor(rng, n, mentor_topics, member_numbers[n - 1]) for n in range(1, mentors + 1)
    ]
    return {"trainees": plan_trainees, "mentors": plan_mentors}
