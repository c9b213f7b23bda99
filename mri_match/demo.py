"""Demo data: a realistic cycle with trainees, mentors and fixed logins.

``flask --app mri_match seed-demo`` builds everything from ``random.Random(seed)`` in two steps:
:func:`make_plan` writes plain dictionaries (deterministic, no database), and :func:`write_plan`
turns them into rows in one transaction. ``demo-logins`` prints the accounts.

The texts are composed from the topic vocabulary, per-topic terms and research methods, so
the matching engine's text similarity has real signal to work with; topic demand is skewed
(many trainees want sickle cell disease or AML, few mentors offer them) as in the program.
"""

import random
import unicodedata
from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.security import generate_password_hash

from .extensions import db
from .models import (
    Application,
    ApplicationTopic,
    Cycle,
    MentorOffer,
    MentorProfile,
    MentorTopic,
    NominatedMentor,
    SelfIdentification,
    User,
    utcnow,
)
from .vocabulary import CAREER_STAGES, DEFAULT_TRACKS, topic_labels, topics

DEMO_DOMAIN = "demo.mri-match.org"
DEMO_PASSWORD = "demo-password-2026"
DEMO_SLUG = "demo-2026"
DEMO_CYCLE_NAME = "MRI 2026–27 Demo"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
MAX_PEOPLE = 20_000


def trainee_email(n: int) -> str:
    return f"trainee{n}@{DEMO_DOMAIN}"


def mentor_email(n: int) -> str:
    return f"mentor{n}@{DEMO_DOMAIN}"


# --- the raw material ---------------------------------------------------------------------------

US, CA = "United States", "Canada"
# (institution, city, state/province, country, time zone)
MINORITY_SERVING = [
    ("Howard University College of Medicine", "Washington", "DC", US, "America/New_York"),
    ("Meharry Medical College", "Nashville", "TN", US, "America/Chicago"),
    ("Morehouse School of Medicine", "Atlanta", "GA", US, "America/New_York"),
    ("Charles R. Drew University of Medicine and Science", "Los Angeles", "CA", US,
     "America/Los_Angeles"),
    ("Xavier University of Louisiana", "New Orleans", "LA", US, "America/Chicago"),
    ("University of Puerto Rico Medical Sciences Campus", "San Juan", "PR", US,
     "America/Puerto_Rico"),
    ("University of New Mexico School of Medicine", "Albuquerque", "NM", US, "America/Denver"),
    ("UT Health San Antonio", "San Antonio", "TX", US, "America/Chicago"),
    ("Florida International University", "Miami", "FL", US, "America/New_York"),
    ("University of Texas Rio Grande Valley", "Edinburg", "TX", US, "America/Chicago"),
    ("North Carolina A&T State University", "Greensboro", "NC", US, "America/New_York"),
]  # fmt: skip
ACADEMIC_CENTERS = [
    ("Johns Hopkins University", "Baltimore", "MD", US, "America/New_York"),
    ("Emory University", "Atlanta", "GA", US, "America/New_York"),
    ("Duke University", "Durham", "NC", US, "America/New_York"),
    ("University of Pennsylvania", "Philadelphia", "PA", US, "America/New_York"),
    ("Children's Hospital of Philadelphia", "Philadelphia", "PA", US, "America/New_York"),
    ("Columbia University", "New York", "NY", US, "America/New_York"),
    ("Memorial Sloan Kettering Cancer Center", "New York", "NY", US, "America/New_York"),
    ("Dana-Farber Cancer Institute", "Boston", "MA", US, "America/New_York"),
    ("University of Miami", "Miami", "FL", US, "America/New_York"),
    ("University of Michigan", "Ann Arbor", "MI", US, "America/Detroit"),
    ("Washington University in St. Louis", "St. Louis", "MO", US, "America/Chicago"),
    ("University of Chicago", "Chicago", "IL", US, "America/Chicago"),
    ("Northwestern University", "Chicago", "IL", US, "America/Chicago"),
    ("Vanderbilt University Medical Center", "Nashville", "TN", US, "America/Chicago"),
    ("St. Jude Children's Research Hospital", "Memphis", "TN", US, "America/Chicago"),
    ("University of Alabama at Birmingham", "Birmingham", "AL", US, "America/Chicago"),
    ("Baylor College of Medicine", "Houston", "TX", US, "America/Chicago"),
    ("MD Anderson Cancer Center", "Houston", "TX", US, "America/Chicago"),
    ("UT Southwestern Medical Center", "Dallas", "TX", US, "America/Chicago"),
    ("Mayo Clinic", "Rochester", "MN", US, "America/Chicago"),
    ("University of Colorado Anschutz Medical Campus", "Aurora", "CO", US, "America/Denver"),
    ("University of Utah", "Salt Lake City", "UT", US, "America/Denver"),
    ("University of Arizona", "Tucson", "AZ", US, "America/Phoenix"),
    ("Fred Hutchinson Cancer Center", "Seattle", "WA", US, "America/Los_Angeles"),
    ("Stanford University", "Stanford", "CA", US, "America/Los_Angeles"),
    ("University of California, San Francisco", "San Francisco", "CA", US,
     "America/Los_Angeles"),
    ("University of California, Los Angeles", "Los Angeles", "CA", US, "America/Los_Angeles"),
    ("University of Hawaiʻi", "Honolulu", "HI", US, "Pacific/Honolulu"),
    ("University of Toronto", "Toronto", "ON", CA, "America/Toronto"),
    ("McMaster University", "Hamilton", "ON", CA, "America/Toronto"),
    ("McGill University", "Montréal", "QC", CA, "America/Toronto"),
    ("Université de Montréal", "Montréal", "QC", CA, "America/Toronto"),
    ("University of British Columbia", "Vancouver", "BC", CA, "America/Vancouver"),
    ("University of Calgary", "Calgary", "AB", CA, "America/Edmonton"),
    ("Dalhousie University", "Halifax", "NS", CA, "America/Halifax"),
]  # fmt: skip

FIRST_NAMES = [
    "Aaliyah", "Adaeze", "Alejandro", "Amara", "Andrés", "Aisha", "Bianca", "Camila", "Chidi",
    "Daniela", "Darnell", "Deja", "Diego", "Ebony", "Elena", "Emeka", "Esperanza", "Fatima",
    "Gabriel", "Imani", "Isabel", "Jamal", "Jasmine", "Javier", "Kalani", "Kayla", "Keanu",
    "Kofi", "Lucía", "Malik", "Marisol", "Marcus", "Maya", "Nia", "Nizhoni", "Olumide",
    "Paola", "Rafael", "Renée", "Rosa", "Samuel", "Sofía", "Tala", "Tariq", "Tiana", "Tomás",
    "Valentina", "Wanda", "Xiomara", "Yusuf", "Zainab", "Ayana", "Brandon", "Chantal",
    "Efua", "Hiram", "Inés", "Jordan", "Leilani", "Ngozi", "Oscar", "Priya", "Quentin",
]  # fmt: skip
LAST_NAMES = [
    "Adeyemi", "Alvarez", "Begay", "Brooks", "Castillo", "Coleman", "Diallo", "Delgado",
    "Dubois", "Echevarría", "Edwards", "Fernández", "Francis", "García", "Gómez", "Harris",
    "Hernández", "Jackson", "Jefferson", "Johnson", "Kamakana", "Lopez", "Martínez", "Mensah",
    "Morales", "Nakai", "Nwosu", "Okafor", "Okonkwo", "Ortiz", "Owusu", "Peña", "Pierre",
    "Ramírez", "Reyes", "Rivera", "Robinson", "Rodríguez", "Sánchez", "Santiago", "Tsosie",
    "Thomas", "Torres", "Vargas", "Washington", "Williams", "Yazzie", "Young", "Zamora",
    "Baptiste", "Charles", "Nguyen", "Kim", "Patel", "Chen", "Haile", "Tesfaye", "Mbeki",
]  # fmt: skip

# Demand is skewed: a few topics are far more popular with trainees than with mentors.
TRAINEE_TOPIC_WEIGHTS = {
    "sickle-cell-disease": 14, "aml": 9, "health-equity": 9, "lymphoma": 6, "car-t": 6,
    "myeloma": 5, "all": 4, "hsct": 4, "gene-therapy": 4, "thalassemia": 3, "thrombosis": 3,
    "pediatric-hematology": 3, "transfusion-medicine": 2, "anemia-iron": 2,
}  # fmt: skip
MENTOR_TOPIC_WEIGHTS = {
    "lymphoma": 5, "myeloma": 5, "aml": 4, "mds": 4, "thrombosis": 4, "hemostasis": 4,
    "hsct": 4, "cll": 3, "mpn": 3, "anticoagulation": 3, "clinical-trials": 3,
    "sickle-cell-disease": 2, "health-equity": 2,
}  # fmt: skip

# Words a person working on each topic would write; the text matcher feeds on these.
TOPIC_TERMS = {
    "sickle-cell-disease": [
        "vaso-occlusive crises",
        "hydroxyurea adherence",
        "fetal hemoglobin induction",
        "silent cerebral infarcts",
        "transcranial Doppler screening",
    ],
    "thalassemia": [
        "transfusion-dependent thalassemia",
        "iron chelation",
        "ineffective erythropoiesis",
        "luspatercept response",
    ],
    "anemia-iron": [
        "iron deficiency in pregnancy",
        "hepcidin regulation",
        "intravenous iron",
        "anemia of inflammation",
    ],
    "bone-marrow-failure": [
        "aplastic anemia",
        "telomere biology disorders",
        "eltrombopag",
        "Fanconi anemia",
    ],
    "transfusion-medicine": [
        "alloimmunization",
        "red cell antigen matching",
        "patient blood management",
        "donor diversity",
    ],
    "hemostasis": [
        "coagulation factor assays",
        "heavy menstrual bleeding",
        "bleeding scores",
        "fibrinolysis",
    ],
    "hemophilia": [
        "factor VIII inhibitors",
        "emicizumab prophylaxis",
        "von Willebrand factor",
        "joint bleeding",
    ],
    "thrombosis": [
        "venous thromboembolism",
        "cancer-associated thrombosis",
        "pulmonary embolism response",
        "thrombophilia testing",
    ],
    "platelet-disorders": [
        "immune thrombocytopenia",
        "thrombopoietin receptor agonists",
        "platelet function testing",
    ],
    "ttp-tma": [
        "ADAMTS13 activity",
        "caplacizumab",
        "thrombotic microangiopathy",
        "plasma exchange",
    ],
    "anticoagulation": [
        "direct oral anticoagulants",
        "anticoagulant reversal",
        "warfarin dosing",
        "bleeding risk",
    ],
    "aml": [
        "FLT3 mutations",
        "measurable residual disease",
        "venetoclax combinations",
        "leukemic stem cells",
    ],
    "mds": [
        "clonal cytopenias",
        "hypomethylating agents",
        "ring sideroblasts",
        "transfusion burden",
    ],
    "mpn": ["JAK2 V617F", "myelofibrosis", "polycythemia vera", "ruxolitinib"],
    "cml": ["BCR-ABL1 kinase inhibitors", "treatment-free remission", "molecular monitoring"],
    "all": ["pediatric ALL", "blinatumomab", "Philadelphia-like ALL", "asparaginase toxicity"],
    "cll": ["BTK inhibitors", "IGHV mutation status", "Richter transformation", "venetoclax"],
    "lymphoma": [
        "diffuse large B-cell lymphoma",
        "Hodgkin lymphoma survivorship",
        "PET-adapted therapy",
        "bispecific antibodies",
    ],
    "myeloma": [
        "multiple myeloma in Black patients",
        "MGUS screening",
        "daratumumab",
        "minimal residual disease",
    ],
    "hsct": [
        "haploidentical transplantation",
        "donor registry diversity",
        "conditioning regimens",
        "transplant access",
    ],
    "car-t": ["CAR T-cell therapy", "cytokine release syndrome", "neurotoxicity", "CAR-T access"],
    "gvhd": [
        "graft-versus-host disease",
        "post-transplant cyclophosphamide",
        "steroid-refractory GVHD",
    ],
    "gene-therapy": [
        "gene editing of BCL11A",
        "lentiviral gene therapy",
        "base editing",
        "hematopoietic stem cell gene therapy",
    ],
    "hematopoiesis": [
        "hematopoietic stem cell niches",
        "lineage commitment",
        "bone marrow microenvironment",
    ],
    "clonal-hematopoiesis": [
        "clonal hematopoiesis of indeterminate potential",
        "TET2 and DNMT3A mutations",
        "cardiovascular risk",
    ],
    "immunology": ["inflammation and thrombosis", "T-cell exhaustion", "innate immunity"],
    "vascular-biology": ["endothelial activation", "vascular inflammation", "angiogenesis"],
    "genomics": [
        "genome-wide association studies",
        "ancestry-informed genomics",
        "pharmacogenomics",
        "polygenic risk",
    ],
    "pediatric-hematology": [
        "pediatric sickle cell care",
        "transition from pediatric to adult care",
        "newborn screening",
    ],
    "hematology-in-pregnancy": [
        "anticoagulation in pregnancy",
        "gestational thrombocytopenia",
        "maternal anemia",
    ],
    "geriatric-hematology": [
        "geriatric assessment",
        "frailty in older adults with cancer",
        "treatment tolerance",
    ],
    "health-equity": [
        "structural racism in hematology care",
        "clinical trial diversity",
        "access to specialty care",
        "social determinants of health",
    ],
    "health-services": [
        "emergency department care",
        "quality of care metrics",
        "health care utilization",
        "cost of care",
    ],
    "clinical-trials": [
        "trial eligibility criteria",
        "adaptive trial design",
        "trial enrollment",
        "patient-reported outcomes",
    ],
    "epidemiology": ["population-based registries", "incidence trends", "survival disparities"],
    "quality-improvement": [
        "pain management pathways",
        "time to analgesia",
        "patient safety events",
    ],
    "medical-education": [
        "hematology curricula",
        "pipeline programs",
        "holistic review",
        "mentorship outcomes",
    ],
}
METHODS = [
    "single-cell RNA sequencing", "retrospective cohort studies", "randomized clinical trials",
    "mouse models", "CRISPR screens", "flow cytometry", "qualitative interviews",
    "health services data", "registry analyses", "electronic health record data",
    "mass cytometry", "patient-reported outcome measures", "community-engaged research",
    "pharmacokinetic modeling", "whole-genome sequencing", "implementation science",
    "induced pluripotent stem cells", "decision analysis", "mixed-methods studies",
]  # fmt: skip
EXPERIENCES = [
    "my clinical rotations", "a summer research program", "volunteering at a community clinic",
    "my time as a research assistant", "caring for a family member", "my master's thesis",
    "a global health elective", "shadowing in a hematology clinic",
]  # fmt: skip
GOALS = [
    ("physician-scientist", "runs a laboratory and sees patients"),
    ("clinical investigator", "leads trials that enroll the patients they serve"),
    ("academic hematologist", "teaches and builds programs for underserved patients"),
    ("health services researcher", "changes how care is delivered"),
    ("laboratory scientist", "turns basic discoveries into therapies"),
]  # fmt: skip
NEED_PHRASES = {
    "research": "design a first research project and see it through",
    "career_development": "plan the next steps of my training",
    "clinical": "think through complex clinical decisions",
    "grant_writing": "write my first grant application",
    "work_life": "keep a sustainable balance between work and life",
    "identity": "navigate being one of few people like me in medicine",
}
MENTORING_PHRASES = [
    "turn a clinical question into a fundable project",
    "write their first abstract for the ASH annual meeting",
    "find their own scientific voice",
    "plan a path through residency and fellowship",
    "build networks beyond their home institution",
    "prepare applications for training grants",
]
PUBLICATION_DESIGNS = [
    "a multicenter cohort study", "results of a phase 2 trial", "a systematic review",
    "insights from single-cell profiling", "a population-based analysis",
    "a qualitative study", "a randomized controlled trial", "lessons from a registry",
]  # fmt: skip
DEGREES = ["MD", "MD, PhD", "MD, PhD", "PhD", "DO", "MD, MPH", "MD, MSc", "MBBS, PhD"]
POSITIONS = [
    "Assistant Professor of Medicine", "Associate Professor of Medicine", "Professor of Medicine",
    "Assistant Professor of Pediatrics", "Associate Professor of Pathology",
    "Division Chief, Hematology", "Physician-Scientist", "Staff Hematologist",
    "Program Director, Hematology/Oncology Fellowship",
]  # fmt: skip
STAGE_TRACKS = {
    "medical_student": "Medical student",
    "resident": "Resident",
    "graduate_student": "Graduate student",
    "fellow": "Fellow",
}
STAGE_WEIGHTS = {"medical_student": 35, "resident": 20, "graduate_student": 20, "fellow": 25}
NEED_WEIGHTS = {
    "research": 6,
    "career_development": 5,
    "clinical": 2,
    "grant_writing": 2,
    "work_life": 2,
    "identity": 3,
}
RACE_WEIGHTS = {
    "black": 40,
    "hispanic_latino": 30,
    "american_indian_alaska_native": 6,
    "native_hawaiian_pacific_islander": 4,
    "asian": 6,
    "middle_eastern_north_african": 3,
    "white": 6,
    "another": 2,
    "prefer_not": 3,
}
STAGE_LABELS = dict(CAREER_STAGES)


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


def _weights(overrides: dict[str, int], base: int) -> dict[str, int]:
    return {t.code: overrides.get(t.code, base) for t in topics()}


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


# --- the plan -----------------------------------------------------------------------------------


def _trainee_statement(rng, stage, institution, codes) -> str:
    labels = topic_labels()
    main = codes[0]
    terms = rng.sample(TOPIC_TERMS[main], k=min(2, len(TOPIC_TERMS[main])))
    method = rng.choice(METHODS)
    career, does = rng.choice(GOALS)
    sentences = [
        f"I am a {STAGE_LABELS[stage].lower()} at {institution} and I am drawn to "
        f"{_lower_first(labels[main])}.",
        f"During {rng.choice(EXPERIENCES)} I saw what {terms[0]} means for patients "
        "and their families, and I want to understand it better.",
        f"I would like to learn {method} and apply it to questions about {terms[-1]}.",
    ]
    for code in codes[1:]:
        sentences.append(
            f"I am also curious about {_lower_first(labels[code])}, especially "
            f"{rng.choice(TOPIC_TERMS[code])}."
        )
    sentences.append(f"In the long term I hope to become a {career} who {does}.")
    return _join_sentences(sentences)


def _mentor_statement(rng, codes, institution) -> str:
    labels = topic_labels()
    main = codes[0]
    terms = rng.sample(TOPIC_TERMS[main], k=min(2, len(TOPIC_TERMS[main])))
    methods = rng.sample(METHODS, k=2)
    sentences = [
        f"My research program at {institution} focuses on {_lower_first(labels[main])}, "
        f"in particular {terms[0]} and {terms[-1]}.",
        f"We use {methods[0]} and {methods[1]} to ask questions that matter to patients.",
    ]
    for code in codes[1:]:
        sentences.append(
            f"I also work on {_lower_first(labels[code])}, including "
            f"{rng.choice(TOPIC_TERMS[code])}."
        )
    sentences.append(
        f"I have mentored {rng.randint(3, 30)} trainees, from medical students to junior "
        f"faculty, and I enjoy helping them {rng.choice(MENTORING_PHRASES)}."
    )
    return _join_sentences(sentences)


def _publications(rng, codes) -> str:
    labels = topic_labels()
    titles = []
    for _ in range(rng.randint(3, 8)):
        code = rng.choice(codes)
        term = rng.choice(TOPIC_TERMS[code])
        titles.append(
            f"{term[0].upper()}{term[1:]} in {_lower_first(labels[code])}: "
            f"{rng.choice(PUBLICATION_DESIGNS)} ({rng.randint(2012, 2026)})."
        )
    return "\n".join(titles)


def _name(rng) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


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
    race = _pick_some(rng, RACE_WEIGHTS, 1, 1 if rng.random() < 0.85 else 2)
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


def make_plan(trainees: int, mentors: int, seed: int) -> dict:
    """Everything the demo holds, as plain data; the same arguments give the same plan."""
    rng = random.Random(seed)
    trainee_topic_weights = _weights(TRAINEE_TOPIC_WEIGHTS, base=1)
    mentor_topic_weights = _weights(MENTOR_TOPIC_WEIGHTS, base=2)
    trainee_places = MINORITY_SERVING * 3 + ACADEMIC_CENTERS  # mostly minority-serving schools

    plan_trainees = []
    for n in range(1, trainees + 1):
        first, last = _name(rng)
        institution, city, region, country, tz = rng.choice(trainee_places)
        stage = _pick(rng, STAGE_WEIGHTS)
        codes = _pick_some(rng, trainee_topic_weights, 1, 3)
        nominated = None
        roles = rng.choices([["research"], ["career"], ["research", "career"]], [55, 15, 30])[0]
        if rng.random() < 0.1:
            m_first, m_last = _name(rng)
            m_place = rng.choice(ACADEMIC_CENTERS)
            domain = _ascii(m_place[0]).replace(" ", "").replace(",", "")[:20]
            nominated = dict(
                name=f"Dr {m_first} {m_last}",
                email=f"{_ascii(m_first)}.{_ascii(m_last)}@{domain}.example.edu",
                institution=m_place[0],
                verified=rng.random() < 0.35,
            )
            roles = ["career"]
        plan_trainees.append(
            dict(
                email=trainee_email(n),
                topics=codes,
                nominated=nominated,
                self_identification=_self_identification(rng) if rng.random() < 0.7 else None,
                submitted_days_ago=rng.randint(1, 29),
                application=dict(
                    full_name=f"{first} {last}",
                    pronouns=rng.choices([None, "she/her", "he/him", "they/them"], [30, 35, 30, 5])[
                        0
                    ],
                    career_stage=stage,
                    institution=institution,
                    city=city,
                    region=region,
                    country=country,
                    timezone=tz,
                    track=STAGE_TRACKS[stage],
                    research_statement=_trainee_statement(rng, stage, institution, codes),
                    needs=_pick_some(rng, NEED_WEIGHTS, 1, 3),
                    requested_roles=roles,
                    meeting_format=rng.choices(["either", "virtual", "in_person"], [50, 35, 15])[0],
                    languages=_languages(rng, region),
                    wants_same_institution=rng.random() < 0.05,
                    wants_same_region=rng.random() < 0.15,
                    has_research_mentor=nominated is not None,
                ),
            )
        )

    member_numbers = rng.sample(range(100_000, 1_000_000), k=mentors)
    stage_codes = [code for code, _label in CAREER_STAGES]
    plan_mentors = []
    for n in range(1, mentors + 1):
        first, last = _name(rng)
        institution, city, region, country, tz = rng.choice(ACADEMIC_CENTERS)
        codes = _pick_some(rng, mentor_topic_weights, 2, 4)
        stages = sorted(
            rng.sample(stage_codes, k=rng.randint(2, len(stage_codes))), key=stage_codes.index
        )
        conflicts = None
        if rng.random() < 0.15:
            c_first, c_last = _name(rng)
            conflicts = f"{c_first} {c_last}\n{rng.choice(MINORITY_SERVING)[0]}"
        plan_mentors.append(
            dict(
                email=mentor_email(n),
                topics=codes,
                verified=rng.random() < 0.75,
                self_identification=_self_identification(rng) if rng.random() < 0.4 else None,
                profile=dict(
                    full_name=f"Dr {first} {last}",
                    degrees=rng.choice(DEGREES),
                    position=rng.choice(POSITIONS),
                    institution=institution,
                    city=city,
                    region=region,
                    country=country,
                    timezone=tz,
                    ash_member_number=str(member_numbers[n - 1]),
                    expertise_statement=_mentor_statement(rng, codes, institution),
                    publications=_publications(rng, codes) if rng.random() < 0.6 else None,
                    stages_accepted=stages,
                    meeting_formats=rng.choices(
                        [["in_person", "virtual"], ["virtual"], ["in_person"]], [50, 40, 10]
                    )[0],
                    languages=_languages(rng, region),
                    conflicts=conflicts,
                ),
                offer=dict(
                    capacity=rng.choices(range(6), weights=[4, 30, 35, 20, 7, 4])[0],
                    roles=rng.choices(
                        [["research"], ["career"], ["research", "career"]], [35, 20, 45]
                    )[0],
                ),
                paused=rng.random() < 0.05,
            )
        )
    return {"trainees": plan_trainees, "mentors": plan_mentors}


# --- writing it -------------------------------------------------------------------------------


def demo_exists() -> bool:
    if db.session.scalar(db.select(Cycle.id).filter_by(slug=DEMO_SLUG)) is not None:
        return True
    pattern = f"%@{DEMO_DOMAIN}"
    return (
        db.session.scalar(db.select(User.id).where(User.email.like(pattern)).limit(1)) is not None
    )


def _insert(model, rows: list[dict]) -> None:
    """ORM bulk INSERT: a few executemany statements, not one object per row."""
    if rows:
        db.session.execute(db.insert(model), rows)


def _ids(column, key, *where) -> dict:
    """Map ``key`` to ``column`` for freshly inserted rows (cheaper than RETURNING in bulk)."""
    return {k: v for k, v in db.session.execute(db.select(key, column).where(*where))}


def write_plan(plan: dict) -> Cycle:
    """Insert the plan's rows in the current transaction (the caller commits once).

    Bulk inserts keep thousands of people fast; the password is hashed once for everyone.
    """
    now = utcnow()
    password_hash = generate_password_hash(DEMO_PASSWORD)
    cycle = Cycle(
        name=DEMO_CYCLE_NAME,
        slug=DEMO_SLUG,
        tracks=list(DEFAULT_TRACKS),
        opens_at=now - timedelta(days=30),
        closes_at=now + timedelta(days=30),
        status="open",
    )
    admin = User(
        email=ADMIN_EMAIL, role="admin", password_hash=password_hash, email_confirmed_at=now
    )
    db.session.add_all([cycle, admin])
    db.session.flush()

    people = [(p["email"], "trainee") for p in plan["trainees"]]
    people += [(p["email"], "mentor") for p in plan["mentors"]]
    _insert(
        User,
        [
            {"email": e, "role": r, "password_hash": password_hash, "email_confirmed_at": now}
            for e, r in people
        ],
    )
    demo_users = User.email.like(f"%@{DEMO_DOMAIN}")
    user_ids = _ids(User.id, User.email, demo_users)
    trainee_ids = [user_ids[p["email"]] for p in plan["trainees"]]
    mentor_ids = [user_ids[p["email"]] for p in plan["mentors"]]

    applications = []
    for user_id, seed in zip(trainee_ids, plan["trainees"], strict=True):
        submitted = now - timedelta(days=seed["submitted_days_ago"])
        applications.append(
            dict(
                seed["application"],
                cycle_id=cycle.id,
                trainee_id=user_id,
                status="submitted",
                submitted_at=submitted,
                created_at=submitted - timedelta(days=2),
                updated_at=submitted,
            )
        )
    _insert(Application, applications)
    by_trainee = _ids(Application.id, Application.trainee_id, Application.cycle_id == cycle.id)
    application_ids = [by_trainee[user_id] for user_id in trainee_ids]

    topics, nominated, identities = [], [], []
    for app_id, user_id, seed in zip(application_ids, trainee_ids, plan["trainees"], strict=True):
        topics += [{"application_id": app_id, "topic": code} for code in seed["topics"]]
        if seed["nominated"]:
            row = dict(seed["nominated"], application_id=app_id)
            verified = row.pop("verified")
            row.update(verified_by_id=admin.id if verified else None)
            row.update(verified_at=now if verified else None)
            nominated.append(row)
        if seed["self_identification"]:
            identities.append(dict(seed["self_identification"], user_id=user_id))
    _insert(ApplicationTopic, topics)
    _insert(NominatedMentor, nominated)

    profiles = [
        dict(
            seed["profile"],
            user_id=user_id,
            ash_verified_by_id=admin.id if seed["verified"] else None,
            ash_verified_at=now if seed["verified"] else None,
        )
        for user_id, seed in zip(mentor_ids, plan["mentors"], strict=True)
    ]
    _insert(MentorProfile, profiles)
    mine = MentorProfile.user_id.in_(db.select(User.id).where(demo_users))
    by_user = _ids(MentorProfile.id, MentorProfile.user_id, mine)
    profile_ids = [by_user[user_id] for user_id in mentor_ids]
    topics, offers = [], []
    for profile_id, user_id, seed in zip(profile_ids, mentor_ids, plan["mentors"], strict=True):
        topics += [{"mentor_id": profile_id, "topic": code} for code in seed["topics"]]
        offers.append(dict(seed["offer"], cycle_id=cycle.id, mentor_id=profile_id))
        if seed["self_identification"]:
            identities.append(dict(seed["self_identification"], user_id=user_id))
    _insert(MentorTopic, topics)
    _insert(MentorOffer, offers)
    by_mentor = _ids(MentorOffer.id, MentorOffer.mentor_id, MentorOffer.cycle_id == cycle.id)
    offer_ids = [by_mentor[profile_id] for profile_id in profile_ids]
    _insert(SelfIdentification, identities)

    for offer_id, user_id, seed in zip(offer_ids, mentor_ids, plan["mentors"], strict=True):
        if seed["paused"]:  # through the model, so the history shows who paused and why
            offer = db.session.get(MentorOffer, offer_id)
            offer.pause(actor=db.session.get(User, user_id), reason="On leave this term (demo)")
    return cycle


# --- the commands -------------------------------------------------------------------------------


def _logins_text(trainees: int, mentors: int) -> str:
    lines = [
        f"Demo logins (password for every account: {DEMO_PASSWORD})",
        f"  admin:    {ADMIN_EMAIL}",
    ]
    if trainees:
        last = f" … {trainee_email(trainees)}" if trainees > 1 else ""
        lines.append(f"  trainees: {trainee_email(1)}{last}")
    if mentors:
        last = f" … {mentor_email(mentors)}" if mentors > 1 else ""
        lines.append(f"  mentors:  {mentor_email(1)}{last}")
    return "\n".join(lines)


def _count_demo(role: str) -> int:
    return db.session.scalar(
        db.select(db.func.count(User.id)).where(
            User.role == role, User.email.like(f"{role}%@{DEMO_DOMAIN}")
        )
    )


def _require_tables() -> None:
    if not db.inspect(db.engine).has_table("mentor_offer"):
        raise click.ClickException(
            "The database has no tables yet: run `flask --app mri_match db upgrade` first."
        )


def _refuse_in_production() -> None:
    if current_app.config.get("APP_ENV") == "production":
        raise click.ClickException(
            "Demo accounts share a published password, so seed-demo does not run when "
            "APP_ENV=production."
        )


People = click.IntRange(min=0, max=MAX_PEOPLE)


@click.command("seed-demo")
@click.option(
    "--trainees",
    type=People,
    default=60,
    show_default=True,
    help=f"How many trainees with submitted applications (0 to {MAX_PEOPLE:,}).",
)
@click.option(
    "--mentors",
    type=People,
    default=30,
    show_default=True,
    help=f"How many volunteer mentors with profiles and offers (0 to {MAX_PEOPLE:,}).",
)
@click.option(
    "--seed",
    type=int,
    default=2024,
    show_default=True,
    help="Random seed: the same seed gives the same people.",
)
@click.option(
    "--if-empty",
    is_flag=True,
    help="Do nothing, successfully and quietly, if the demo already exists (for `make run`).",
)
@with_appcontext
def seed_demo(trainees: int, mentors: int, seed: int, if_empty: bool) -> None:
    """Create a realistic demo cycle with trainees, mentors and demo logins.

    Adds the open cycle "MRI 2026–27 Demo" (slug demo-2026), an admin, trainees with
    submitted applications (some naming a research mentor, some with self-identification)
    and mentors with profiles and offers, all in one transaction. Every account uses the
    password printed at the end. Refuses to run twice, and in production.
    """
    _refuse_in_production()
    _require_tables()
    if demo_exists():
        if if_empty:
            return
        raise click.ClickException(
            f"The demo data already exists (cycle {DEMO_SLUG} or accounts @{DEMO_DOMAIN}); "
            "nothing was changed. Use a fresh database to seed it again, or "
            "`demo-logins` to see the accounts."
        )
    plan = make_plan(trainees, mentors, seed)
    try:
        cycle = write_plan(plan)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(
        f"Created “{cycle.name}” ({cycle.slug}) with {trainees} trainees, {mentors} mentors "
        f"and an admin (seed {seed})."
    )
    if not if_empty:
        click.echo(_logins_text(trainees, mentors))


@click.command("demo-logins")
@with_appcontext
def demo_logins() -> None:
    """Print the demo accounts and their shared password."""
    _require_tables()
    if db.session.scalar(db.select(User.id).filter_by(email=ADMIN_EMAIL)) is None:
        click.echo("There is no demo data yet: run `flask --app mri_match seed-demo`.")
        return
    click.echo(_logins_text(_count_demo("trainee"), _count_demo("mentor")))
