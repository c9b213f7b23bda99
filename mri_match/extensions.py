"""Flask extensions, created unbound and initialised in the app factory."""

import sqlite3
import time
import weakref

from flask import current_app, g, has_request_context, request
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep Alembic migrations portable between SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


#: Safe methods only: a marked view's POST (if it has one) keeps its transaction and its
#: plain user lookup.
SAFE_METHODS = frozenset({"GET", "HEAD"})


def view_called_to_read():
    """The view function this request calls, when it calls it with a safe method; else None.
    Views are marked by decorators (:func:`read_only`, ``access.loads_signed_in_user``) that
    apply only then."""
    if not has_request_context() or request.method not in SAFE_METHODS or not request.endpoint:
        return None
    return current_app.view_functions.get(request.endpoint)


def read_only(view):
    """Mark a view that only reads the database. On GET and HEAD its statements run on a
    connection in autocommit mode: no BEGIN before the first one and no ROLLBACK after the
    last, two round trips fewer per page. Under PostgreSQL's READ COMMITTED each statement sees
    its own snapshot in a transaction too, so the page reads the same. A write in such a
    request raises :class:`ReadOnlyViolation` rather than committing piecemeal."""
    view.read_only = True
    return view


class ReadOnlyViolation(RuntimeError):
    """A view marked :func:`read_only` tried to change the database."""


def in_read_only_request() -> bool:
    return has_request_context() and g.get("db_read_only", False)


def flag_read_only_request() -> None:
    """Before each request: is the view a :func:`read_only` one, called to read?"""
    g.db_read_only = getattr(view_called_to_read(), "read_only", False)


class Session(FlaskSession):
    """``db.session``: in a read-only request (see :func:`read_only`) it binds to the same
    engine and pool in autocommit mode; the pool resets the connection when it comes back."""

    _autocommit = weakref.WeakKeyDictionary()

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        engine = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        if bind is not None or not in_read_only_request():
            return engine
        if engine not in self._autocommit:
            self._autocommit[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
        return self._autocommit[engine]


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})


@event.listens_for(Session, "before_flush")
def _no_flush_when_read_only(session, _context, _instances) -> None:
    if in_read_only_request() and (session.new or session.dirty or session.deleted):
        raise ReadOnlyViolation(f"{request.endpoint} is read_only but changes the database")


@event.listens_for(Session, "do_orm_execute")
def _no_dml_when_read_only(state) -> None:
    if in_read_only_request() and (state.is_insert or state.is_update or state.is_delete):
        raise ReadOnlyViolation(f"{request.endpoint} is read_only but changes the database")


migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
mail = Mail()
bootstrap = Bootstrap5()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@event.listens_for(Engine, "connect")
def _sqlite_enforce_foreign_keys(dbapi_connection, _record) -> None:
    # SQLite ignores foreign keys (and ON DELETE CASCADE) unless asked, per connection.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def ping_connections_after_idle(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled connection before use only when it has sat idle this long.

    A connection the server dropped (restart, failover, idle timeout) is found by a ping and
    replaced, so no request fails on it; raising DisconnectionError in "checkout" makes the pool
    discard the connection and take another. A busy worker's connection is never idle long, so
    it skips the round trip that pool_pre_ping would add to every request; a connection lost in
    the middle of a burst fails one statement, after which SQLAlchemy renews the whole pool.
    """
    if engine.dialect.name == "sqlite":  # in-process: nothing to lose
        return

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("connection lost while idle in the pool") from exc
