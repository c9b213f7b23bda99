"""Property-based fuzzing of every form: no input makes a 5xx, and a refused form writes nothing.

Each form is posted with random field values: any unicode (NUL included), lone surrogates and
other invalid UTF-8 (sent as raw percent-encoded bytes, since no browser-side encoder would allow
them), huge and empty values, numbers as text, lists where one value is expected, plausible
values to get past the first checks, and stray extra fields. After every request the whole
database writes are recorded: a response that is not a redirect (the form was refused and shown
again) must not have committed any INSERT, UPDATE or DELETE.
"""

from urllib.parse import quote_plus

import pytest
from flask import g
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event
from test_authorization_matrix import World, _client_as

from mri_match.engine.inputs import CRITERIA
from mri_match.extensions import db

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FUZZ_GET = settings(FUZZ, max_examples=12)  # filters only read, and their pages are the slowest

# Values that get past the first checks, so that later ones are reached too.
PLAUSIBLE = {
    "role": ["trainee", "mentor", "admin"],
    "email": ["ana@example.org", "ANA@EXAMPLE.ORG ", "a@b"],
    "password": ["correct horse battery staple", "short"],
    "confirm": ["correct horse battery staple", "y"],
    "current_password": ["correct horse battery staple"],
    "career_stage": ["medical_student", "fellow"],
    "timezone": ["America/New_York", "Mars/Olympus"],
    "track": ["Fellow", "Medical student"],
    "topics": ["sickle-cell-disease", "aml"],
    "needs": ["research", "career_development"],
    "requested_roles": ["research", "career"],
    "roles": ["research", "career"],
    "meeting_format": ["virtual", "in_person"],
    "languages": ["en", "es"],
    "action": ["submit", "save"],
    "decision": ["eligible", "ineligible"],
    "kind": ["widen", "recruit", "closed", "trainee"],
    "objective": ["total", "fair"],
    "same_institution": ["ignore", "require"],
    "must_have": ["stage", "language"],
    "opens_at": ["2026-03-01T09:00", "2026-13-45T99:99"],
    "closes_at": ["2026-04-01T09:00", "1999-01-01 00:00"],
    "slug": ["mri-2027", "Bad Slug"],
    "tracks": ["Fellow\nResident", "\n\n"],
    "capacity": ["1", "5", "-1", "6"],
    "min_score": ["0", "100", "101"],
    "mode": ["above", "selected"],
    "proposal": ["1", "2"],
    "mentor_id": ["1", "2"],
    "stages_accepted": ["fellow"],
    "needs_offered": ["clinical"],
    "meeting_formats": ["virtual"],
    "ash_member_number": ["ASH-123", "<script>"],
    "consent_use_for_matching": ["y"],
    "has_research_mentor": ["y"],
    "orcid": ["0000-0002-1825-0097", "https://orcid.org/0000-0002-1825-0098"],
    "identifiers": ["31018945", "PMID: 31018945\n10.1182/blood.2019000001", "10.1/x"],
    "included": ["1", "x"],
    "race_ethnicity": ["prefer_not", "black"],
    "gender_identity": ["woman"],
    "q": ["ana", "%", "_"],
    "page": ["2", "-1", "0"],
}

# Integers as text that have tripped apps before: beyond 64 bits, unicode digits, signs, floats.
TRICKY_NUMBERS = [
    "99999999999999999999999",
    "2147483648",
    "-0",
    "1e9",
    "NaN",
    "sNaN",
    "Infinity",
    "0x10",
    "²",
    "١٢",
    " 7 ",
]


class Huge:
    """A long value with a short repr, so failing examples stay readable."""

    def __init__(self, text: str, times: int):
        self.text, self.times = text, times

    def __repr__(self):
        return f"{self.text!r} * {self.times}"


def _as_bytes(value) -> bytes:
    if isinstance(value, Huge):
        value = value.text * value.times
    if isinstance(value, bytes):
        return value
    return value.encode("utf-8", "surrogatepass")  # a lone surrogate becomes invalid UTF-8


text_values = st.one_of(
    st.text(max_size=40),  # any unicode, NUL included
    st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3),  # lone surrogates
    st.binary(max_size=20),  # arbitrary bytes, mostly invalid UTF-8
    st.just(""),
    st.sampled_from([Huge("x", 3000), Huge("\n", 2100), Huge("é", 60_000)]),  # too long
    st.integers().map(str),
    st.floats(allow_nan=True).map(str),
    st.sampled_from(TRICKY_NUMBERS),
)


def _field_values(name: str):
    plausible = st.sampled_from(PLAUSIBLE[name]) if name in PLAUSIBLE else st.nothing()
    scalar = st.one_of(plausible, plausible, text_values)
    return st.one_of(scalar, st.lists(scalar, min_size=2, max_size=4))  # lists for scalars


def _submissions(fields):
    """A list of (name, value) pairs: some of the form's fields, maybe extras and repeats."""
    chosen = st.lists(st.sampled_from(fields), unique=True, max_size=len(fields))
    extras = st.lists(st.tuples(st.text(max_size=10), text_values), max_size=2)

    @st.composite
    def build(draw):
        pairs = []
        for name in draw(chosen):
            value = draw(_field_values(name))
            for item in value if isinstance(value, list) else [value]:
                pairs.append((name, item))
        return pairs + draw(extras)

    return build()


def _encode(pairs) -> str:
    """URL-encoded by hand: the test client would refuse bytes that are not valid UTF-8."""
    return "&".join(f"{quote_plus(k)}={quote_plus(_as_bytes(v))}" for k, v in pairs)


class WriteRecorder:
    """Writes the database kept during one request: INSERT/UPDATE/DELETE later committed.

    Listening to the engine is exact and cheap, where comparing every table before and after
    each example would dominate the run time.
    """

    def __init__(self, engine):
        self.engine = engine
        self.pending: list[str] = []
        self.kept: list[str] = []

    def __enter__(self):
        event.listen(self.engine, "after_cursor_execute", self._executed)
        event.listen(self.engine, "commit", self._committed)
        event.listen(self.engine, "rollback", self._rolled_back)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "after_cursor_execute", self._executed)
        event.remove(self.engine, "commit", self._committed)
        event.remove(self.engine, "rollback", self._rolled_back)

    def reset(self):
        self.pending, self.kept = [], []

    def _executed(self, conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            self.pending.append(" ".join(statement.split())[:80])

    def _committed(self, conn):
        self.kept += self.pending
        self.pending = []

    def _rolled_back(self, conn):
        self.pending = []


# --- the world: the authorization matrix's, plus an open cycle with a draft ----------------------


class FuzzWorld(World):
    def __init__(self, factory):
        super().__init__(factory)
        self.open_cycle = factory.cycle(status="open")
        self.draft = factory.application(cycle=self.open_cycle, status="draft")
        self.newcomer = factory.user("trainee")
        self.mentor.offers  # noqa: B018 - loaded while the session is fresh
        self.reset_user = factory.user("trainee")
        self.token = self.reset_user.password_reset_token()
        self.registering = factory.user("trainee", confirmed=False)  # its link never followed
        self.registering.set_unusable_password("unconfirmed")
        db.session.commit()
        self.confirm_token = self.registering.email_confirm_token()


@pytest.fixture
def world(factory):
    return FuzzWorld(factory)


APPLICATION_FIELDS = [
    "full_name",
    "pronouns",
    "career_stage",
    "institution",
    "city",
    "region",
    "country",
    "timezone",
    "track",
    "topics",
    "research_statement",
    "needs",
    "requested_roles",
    "meeting_format",
    "languages",
    "wants_same_institution",
    "wants_same_region",
    "has_research_mentor",
    "nominee_name",
    "nominee_email",
    "nominee_institution",
    "action",
]
PROFILE_FIELDS = [
    "full_name",
    "degrees",
    "position",
    "institution",
    "city",
    "region",
    "country",
    "timezone",
    "ash_member_number",
    "topics",
    "expertise_statement",
    "publications",
    "stages_accepted",
    "needs_offered",
    "meeting_formats",
    "languages",
    "conflicts",
]
CYCLE_FIELDS = ["name", "slug", "tracks", "opens_at", "closes_at"]
RUN_FIELDS = ["role", "objective", "same_institution", "must_have", "min_score"] + [
    f"weight_{c.name}" for c in CRITERIA
]
SELF_ID_FIELDS = [
    "race_ethnicity",
    "gender_identity",
    "first_generation",
    "disability",
    "lgbtq",
    "consent_use_for_matching",
]

# name: (who, method, url from the world, fields)
FORMS = {
    "register": (
        None,
        "POST",
        lambda w: "/auth/register",
        ["role", "email"],
    ),
    "choose password": (
        None,
        "POST",
        lambda w: f"/auth/register/confirm/{w.confirm_token}",
        ["password", "confirm"],
    ),
    "login": (None, "POST", lambda w: "/auth/login", ["email", "password"]),
    "reset request": (None, "POST", lambda w: "/auth/reset", ["email"]),
    "reset password": (None, "POST", lambda w: f"/auth/reset/{w.token}", ["password", "confirm"]),
    "change password": (
        "trainee",
        "POST",
        lambda w: "/auth/password",
        ["current_password", "password", "confirm"],
    ),
    "application start": (
        "newcomer",
        "POST",
        lambda w: f"/trainee/cycles/{w.open_cycle.slug}/apply",
        APPLICATION_FIELDS,
    ),
    "application edit": (
        "drafter",
        "POST",
        lambda w: f"/trainee/applications/{w.draft.id}/edit",
        APPLICATION_FIELDS,
    ),
    "application withdraw": (
        "drafter",
        "POST",
        lambda w: f"/trainee/applications/{w.draft.id}/withdraw",
        ["reason"],
    ),
    "self-identification": (
        "trainee",
        "POST",
        lambda w: "/trainee/self-identification",
        SELF_ID_FIELDS,
    ),
    "delete account": ("trainee", "POST", lambda w: "/account/delete", ["password", "confirm"]),
    "rematch request": ("trainee", "POST", lambda w: f"/matches/{w.match.id}", ["reason"]),
    "mentor profile": ("mentor", "POST", lambda w: "/mentor/profile", PROFILE_FIELDS),
    "mentor publications": (
        "mentor",
        "POST",
        lambda w: "/mentor/publications",
        ["orcid", "identifiers"],
    ),
    "publication choices": (
        "mentor",
        "POST",
        lambda w: "/mentor/publications/choices",
        ["included"],
    ),
    "mentor offer": (
        "mentor",
        "POST",
        lambda w: f"/mentor/cycles/{w.open_cycle.slug}/offer",
        ["capacity", "roles"],
    ),
    "mentor pause": (
        "other mentor",
        "POST",
        lambda w: f"/mentor/offers/{w.other_mentor.offers[0].id}/pause",
        ["reason"],
    ),
    "cycle create": ("admin", "POST", lambda w: "/admin/cycles/new", CYCLE_FIELDS),
    "cycle edit": (
        "admin",
        "POST",
        lambda w: f"/admin/cycles/{w.open_cycle.slug}/edit",
        CYCLE_FIELDS,
    ),
    "cycle move": (
        "admin",
        "POST",
        lambda w: f"/admin/cycles/{w.cycle.slug}/move/open",
        ["reason"],
    ),
    "eligibility": (
        "admin",
        "POST",
        lambda w: f"/admin/applications/{w.other_application.id}/eligibility",
        ["decision", "reason"],
    ),
    "bulk eligibility": (
        "admin",
        "POST",
        lambda w: f"/admin/cycles/{w.cycle.slug}/applications/decide",
        ["application", "decision", "reason", "confirmed"],
    ),
    "run settings": ("admin", "POST", lambda w: f"/admin/cycles/{w.cycle.slug}/runs", RUN_FIELDS),
    "bulk confirm": (
        "admin",
        "POST",
        lambda w: f"/admin/runs/{w.run.id}/confirm",
        ["mode", "min_score", "proposal"],
    ),
    "reject reason": (
        "admin",
        "POST",
        lambda w: f"/admin/proposals/{w.proposal.id}/reject",
        ["reason"],
    ),
    "swap": (
        "admin",
        "POST",
        lambda w: f"/admin/proposals/{w.proposal.id}/swap",
        ["mentor_id", "reason"],
    ),
    "lock": ("admin", "POST", lambda w: f"/admin/proposals/{w.proposal.id}/lock", ["reason"]),
    "unmatched outcome": (
        "admin",
        "POST",
        lambda w: f"/admin/proposals/{w.proposal.id}/outcome",
        ["kind", "reason"],
    ),
    "end match": ("admin", "POST", lambda w: f"/admin/matches/{w.match.id}", ["reason"]),
    "resolve rematch": (
        "admin",
        "POST",
        lambda w: f"/admin/rematch-requests/{w.rematch.id}/decline",
        ["reason"],
    ),
    # GET forms: list filters and searches
    "application filters": (
        "admin",
        "GET",
        lambda w: f"/admin/cycles/{w.cycle.slug}/applications",
        ["q", "topic", "stage", "status", "track", "page"],
    ),
    "mentor filters": (
        "admin",
        "GET",
        lambda w: f"/admin/cycles/{w.cycle.slug}/mentors",
        ["q", "topic", "stage", "role", "status", "verified", "page"],
    ),
    "proposal filters": (
        "admin",
        "GET",
        lambda w: f"/admin/runs/{w.run.id}",
        ["q", "stage", "topic", "status", "sort", "page"],
    ),
    "mentor search": (
        "admin",
        "GET",
        lambda w: f"/admin/proposals/{w.proposal.id}",
        ["mentor_q"],
    ),
    "audit filter": ("admin", "GET", lambda w: "/admin/audit", ["entity", "page"]),
}


def _user_id(world: FuzzWorld, who):
    return {
        None: None,
        "newcomer": world.newcomer.id,
        "drafter": world.draft.trainee_id,
        **world.users(),
    }[who]


def _fuzz(app, world, name, writes: WriteRecorder) -> None:
    who, method, url_of, fields = FORMS[name]
    url = url_of(world)
    user_id = _user_id(world, who)

    @(FUZZ if method == "POST" else FUZZ_GET)
    @given(pairs=_submissions(fields))
    def check(pairs):
        client = _client_as(app, user_id)
        writes.reset()
        if method == "GET":
            response = client.get(url, query_string=_encode(pairs))
        else:
            response = client.post(
                url, data=_encode(pairs).encode(), content_type="application/x-www-form-urlencoded"
            )
        response.close()
        g.pop("_login_user", None)
        assert response.status_code < 500, f"{name}: {response.status_code}"
        if response.status_code not in (302, 303):  # refused (or a page shown): nothing kept
            assert writes.kept == [], f"{name}: {response.status_code} yet wrote {writes.kept}"

    check()


def _group(name: str) -> str:
    who, method, _, _ = FORMS[name]
    if who == "admin":
        return f"admin {method}"
    return {None: "anonymous", "other mentor": "mentor"}.get(
        who, "mentor" if who == "mentor" else "trainee"
    )


# One world per group of forms (building it dominates the time); every form gets its own run.
GROUPS = sorted({_group(name) for name in FORMS})


@pytest.mark.parametrize("group", GROUPS)
def test_forms_survive_any_input_and_refusals_write_nothing(app, world, group):
    failures = []
    with WriteRecorder(db.engine) as writes:
        for name in sorted(n for n in FORMS if _group(n) == group):
            try:
                _fuzz(app, world, name, writes)
            except Exception as exc:  # collect each form's first failure, report them all
                db.session.rollback()
                notes = "\n".join(getattr(exc, "__notes__", []))
                failures.append(f"{name}: {exc}\n{notes}")
    assert failures == [], "\n\n".join(failures)
