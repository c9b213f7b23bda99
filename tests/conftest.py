"""Fixtures in the style of the Flask tutorial: app, client, runner, auth, plus small factories.

The suite runs on SQLite by default: each test gets a copy of an empty database with every table,
made once per session. With TEST_DATABASE_URL pointing at a PostgreSQL server it creates a
uniquely named database there for the session and drops it afterwards.
"""

import contextlib
import email
import os
import re
import shutil
import sqlite3
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url

from mri_match import create_app
from mri_match.config import normalise_database_url
from mri_match.engine.inputs import DEFAULT_WEIGHTS
from mri_match.extensions import db
from mri_match.models import (
    Application,
    Cycle,
    MentorOffer,
    MentorProfile,
    NominatedMentor,
    User,
    utcnow,
)

PASSWORD = "correct horse battery staple"
#: Run settings for tests that run matching directly: research mentors, the default weights.
RESEARCH_RUN = {
    "role": "research",
    "objective": "total",
    "same_institution": "ignore",
    "must_have": [],
    "min_score": 0.0,
    "weights": dict(DEFAULT_WEIGHTS),
}


@event.listens_for(Engine, "connect")
def _sqlite_without_fsync(dbapi_connection, _record) -> None:
    # A test database need not survive a power cut: without fsync every commit is quicker.
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous=OFF")


@contextlib.contextmanager
def _throwaway_postgres_database(base: str):
    base_url = make_url(normalise_database_url(base))
    name = f"mri_match_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url():
    """A throwaway PostgreSQL database for the session, or None to use SQLite."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield None
        return
    with _throwaway_postgres_database(base) as url:
        yield url


@pytest.fixture
def empty_database_url(tmp_path):
    """A database of its own, with no tables at all (for migration tests)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    with _throwaway_postgres_database(base) as url:
        yield url


# A Redis database for one test process: its claim, and the mark of a database that test
# processes may flush. A database is free when it is unclaimed and either empty or marked.
_REDIS_CLAIM = "mri-match-tests:claim"
_REDIS_SCRATCH = "mri-match-tests:scratch"
_CLAIM_REDIS_DATABASE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if redis.call('DBSIZE') > 0 and redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
redis.call('FLUSHDB')
redis.call('SET', KEYS[2], '1')
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
"""
_RELEASE_REDIS_DATABASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('FLUSHDB')
redis.call('SET', KEYS[2], '1')
return 1
"""


@pytest.fixture(scope="session")
def redis_url():
    """A Redis database on 127.0.0.1:6379 for this test process alone, or skip without Redis.

    RQ keys a job by its id, and job ids come from database ids (``match-run-1``) that every
    test database numbers from 1: two processes sharing a Redis database (pytest-xdist workers,
    or two runs at once) would overwrite each other's jobs. So each process claims a free
    database from 15 down to 1 (0 is the app's default), starts it empty and empties it after.
    """
    token = uuid.uuid4().hex
    for number in range(15, 0, -1):
        url = f"redis://127.0.0.1:6379/{number}"
        server = Redis.from_url(url)
        try:
            keys = (_REDIS_CLAIM, _REDIS_SCRATCH)
            claimed = server.eval(_CLAIM_REDIS_DATABASE, 2, *keys, token, 2 * 3600)
        except RedisConnectionError:
            pytest.skip("Redis is not running on 127.0.0.1:6379")
        if claimed:
            break
        server.close()
    else:
        pytest.fail("no free Redis database on 127.0.0.1:6379 (each of 1-15 in use)")
    try:
        yield url
    finally:
        server.eval(_RELEASE_REDIS_DATABASE, 2, *keys, token)
        server.close()


@pytest.fixture
def app_config(tmp_path, postgres_url):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": postgres_url or f"sqlite:///{tmp_path / 'test.sqlite'}",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_BACKEND": "file",
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "SERVER_NAME": "localhost",
        "PUBLIC_URL": "http://localhost",
        # No test reaches the network: publications are fetched in the request, from the
        # discard port (refused) unless a test points them at its local fake services.
        "PUBLICATIONS_INLINE": True,
        "ORCID_API_URL": "http://127.0.0.1:9/orcid",
        "NCBI_EUTILS_URL": "http://127.0.0.1:9/eutils",
        "CROSSREF_API_URL": "http://127.0.0.1:9/crossref",
    }


@pytest.fixture(scope="session")
def empty_sqlite_schema(tmp_path_factory) -> Path:
    """An SQLite database with every table and no rows, made once for the session."""
    path = tmp_path_factory.mktemp("schema") / "empty.sqlite"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return path


def _start_from_schema(database_uri: str, schema: Path) -> None:
    """A new SQLite file starts as a copy of the schema: far quicker than creating each table."""
    url = make_url(database_uri)
    file = url.database if url.get_backend_name() == "sqlite" else None
    if file and file != ":memory:" and not Path(file).exists():
        shutil.copyfile(schema, file)


@pytest.fixture
def make_app(app_config, empty_sqlite_schema):
    """Build an app with extra settings; the database is created empty and emptied after."""
    made = []

    def _make(**overrides):
        config = {**app_config, **overrides}
        _start_from_schema(config["SQLALCHEMY_DATABASE_URI"], empty_sqlite_schema)
        app = create_app(config)
        with app.app_context():
            db.create_all()
        made.append(app)
        return app

    yield _make
    for app in made:
        with app.app_context():
            db.session.remove()
            if db.engine.dialect.name == "postgresql":
                _empty_all_tables()
            db.engine.dispose()


def _empty_all_tables() -> None:
    """Far quicker than dropping and creating the schema for every test on PostgreSQL."""
    existing = set(inspect(db.engine).get_table_names())
    quote = db.engine.dialect.identifier_preparer.quote
    names = [quote(t.name) for t in db.metadata.sorted_tables if t.name in existing]
    if names:
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE TABLE {', '.join(names)} RESTART IDENTITY CASCADE"))


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, user_or_email, password=PASSWORD):
        address = getattr(user_or_email, "email", user_or_email)
        return self._client.post("/auth/login", data={"email": address, "password": password})

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def admin(factory, auth):
    """An admin, admin@example.org, signed in on ``client``."""
    user = factory.user("admin", email="admin@example.org")
    auth.login(user)
    return user


class Outbox:
    """The file outbox as a list of parsed messages, oldest first."""

    def __init__(self, folder: str):
        self.folder = Path(folder)

    def messages(self) -> list[email.message.Message]:
        if not self.folder.exists():
            return []
        return [email.message_from_bytes(p.read_bytes()) for p in sorted(self.folder.glob("*.eml"))]

    def bodies(self) -> list[str]:
        return [body_of(m) for m in self.messages()]

    def to(self, address: str) -> list[email.message.Message]:
        """The messages sent to ``address``, oldest first."""
        return [m for m in self.messages() if address in (m["To"] or "")]


def body_of(message: email.message.Message) -> str:
    """The text of a message, whether or not it has attachments."""
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            return part.get_payload(decode=True).decode("utf-8")
    return ""


def attachment_of(message: email.message.Message, filename: str) -> bytes | None:
    for part in message.walk():
        if part.get_filename() == filename:
            return part.get_payload(decode=True)
    return None


@pytest.fixture
def outbox(app):
    return Outbox(app.config["MAIL_OUTBOX_DIR"])


CONFIRM_LINK = re.compile(r"http://localhost(/auth/register/confirm/\S+)")


def register_and_confirm(client, outbox, email, role="trainee", password=PASSWORD):
    """Register through the web as a person does: the form, the emailed link, the password.

    Returns the response to choosing the password (a redirect to where the person starts).
    """
    response = client.post("/auth/register", data={"email": email, "role": role})
    assert response.status_code == 302, response.get_data(as_text=True)
    message, body = outbox.messages()[-1], outbox.bodies()[-1]
    assert message["To"] == email.strip().lower()
    link = CONFIRM_LINK.search(body).group(1)
    return client.post(link, data={"password": password, "confirm": password})


def signed_in_clients(app, users) -> list:
    """A test client per user, each signed in. Each signs in within an app context of its own:
    the test's context would keep the first user's sign-in in ``g`` and turn the next away."""
    clients = []
    for user in users:
        client = app.test_client()
        with app.app_context():
            client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
        assert client.get_cookie("session") is not None, user.email
        clients.append(client)
    return clients


def accept_offers() -> list:
    """Every mentor accepts the matches offered to them (committed); returns those matches."""
    from mri_match.matches.lifecycle import accept_offer
    from mri_match.models import Match

    offered = db.session.scalars(db.select(Match).filter_by(status="offered")).all()
    for match in offered:
        accept_offer(match, actor=match.mentor.user)
    db.session.commit()
    return offered


# --- factories: small, explicit, and each commits what it makes ------------------------------


class Factory:
    def __init__(self):
        self.counter = 0

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    def user(
        self, role="trainee", email=None, password=PASSWORD, active=True, confirmed=True
    ) -> User:
        user = User(email=email or f"{role}{self._next()}@example.org", role=role, active=active)
        user.set_password(password)  # the quick method under TESTING (see config.py)
        user.email_confirmed_at = utcnow() if confirmed else None
        db.session.add(user)
        db.session.commit()
        return user

    def cycle(self, status="open", slug=None, opens_in_days=-10, closes_in_days=30, **kw) -> Cycle:
        n = self._next()
        now = utcnow()
        cycle = Cycle(
            name=kw.pop("name", f"Cycle {n}"),
            slug=slug or f"cycle-{n}",
            tracks=kw.pop("tracks", ["Medical student", "Resident", "Graduate student", "Fellow"]),
            opens_at=now + timedelta(days=opens_in_days),
            closes_at=now + timedelta(days=closes_in_days),
            status=status,
            **kw,
        )
        db.session.add(cycle)
        db.session.commit()
        return cycle

    def application(self, cycle=None, trainee=None, status="submitted", **kw) -> Application:
        cycle = cycle or self.cycle()
        trainee = trainee or self.user("trainee")
        nominated = kw.pop("nominated", None)
        fields = dict(
            full_name=f"Trainee {trainee.id}",
            career_stage="medical_student",
            institution="Howard University",
            city="Washington",
            region="DC",
            country="United States",
            timezone="America/New_York",
            track="Medical student",
            research_statement="I want to study sickle cell disease outcomes and the biology "
            "of red cells, with a focus on access to care.",
            needs=["research", "career_development"],
            requested_roles=["research"],
            meeting_format="virtual",
            languages=["en"],
        )
        fields.update(kw)
        topics = fields.pop("topics", ["sickle-cell-disease"])
        application = Application(cycle=cycle, trainee=trainee, status=status, **fields)
        application.topics = topics
        if status != "draft":
            application.submitted_at = utcnow()
        if nominated:
            application.nominated_mentor = NominatedMentor(**nominated)
        db.session.add(application)
        db.session.commit()
        return application

    def mentor(self, user=None, cycle=None, capacity=2, roles=("research", "career"), **kw):
        user = user or self.user("mentor")
        fields = dict(
            full_name=f"Dr Mentor {user.id}",
            degrees="MD, PhD",
            position="Associate Professor",
            institution="Johns Hopkins University",
            city="Baltimore",
            region="MD",
            country="United States",
            timezone="America/New_York",
            ash_member_number=f"ASH{user.id:05d}",
            expertise_statement="Sickle cell disease, hemoglobinopathies and gene therapy.",
            stages_accepted=["medical_student", "resident", "fellow"],
            needs_offered=["research", "career_development", "grant_writing"],
            meeting_formats=["virtual", "in_person"],
            languages=["en"],
        )
        fields.update(kw)
        topics = fields.pop("topics", ["sickle-cell-disease", "gene-therapy"])
        profile = MentorProfile(user=user, **fields)
        profile.topics = topics
        db.session.add(profile)
        if cycle is not None:
            db.session.add(
                MentorOffer(cycle=cycle, mentor=profile, capacity=capacity, roles=list(roles))
            )
        db.session.commit()
        return profile


@pytest.fixture
def factory(app):
    return Factory()
