"""Demo data: a realistic cycle with trainees, mentors and fixed logins.

``flask --app mri_match seed-demo`` builds everything from ``random.Random(seed)`` in two steps:
:func:`.plan.make_plan` writes plain dictionaries (deterministic, no database), and
:func:`.store.write_plan` turns them into rows in one transaction. ``demo-logins`` prints the
accounts (:mod:`.commands`); :mod:`.accounts` holds the fixed names and the shared password.

The raw material is data beside the topic list: institutions, names, weights and phrases in
``data/demo.json``, and the words of each field in ``data/topic_phrases.csv`` (the phrase bank
the engine's synthetic cohorts use too), so the matching engine's text similarity has real signal
to work with. Topic demand is skewed (many trainees want sickle cell disease or AML, few mentors
offer them) as in the program.
"""

from .accounts import (
    ADMIN_EMAIL,
    DEMO_CYCLE_NAME,
    DEMO_DOMAIN,
    DEMO_PASSWORD,
    DEMO_SLUG,
    mentor_email,
    trainee_email,
)
from .commands import demo_logins, seed_demo
from .plan import make_plan, tables
from .store import demo_exists, write_plan

__all__ = [
    "ADMIN_EMAIL",
    "DEMO_CYCLE_NAME",
    "DEMO_DOMAIN",
    "DEMO_PASSWORD",
    "DEMO_SLUG",
    "demo_exists",
    "demo_logins",
    "make_plan",
    "mentor_email",
    "seed_demo",
    "tables",
    "trainee_email",
    "write_plan",
]
