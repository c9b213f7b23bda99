"""The reminder rules: what is due at a moment, and how each kind of reminder reads.

Within one run, rules read shared data through :func:`run_cached`: the active pairs, the
offers, the cycles and the alumni are read once per run, not once per rule or per email, so a
run issues a number of statements that does not grow with the number of pairs (apart from the
ledger's one claim per email, which is what makes a crashed run lose at most one email).
Cached values are plain data, not ORM objects: the run commits after every claim, and a
committed session would reload every object it handed out.
"""

import importlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, TypeVar

#: Modules whose import registers rules with :func:`reminder_rule`.
RULE_MODULES = (
    "mri_match.matches.offer_rules",
    "mri_match.mentorship.rules",
    "mri_match.alumni.rules",
    "mri_match.surveys.rules",
    "mri_match.awards.rules",
)


@dataclass(frozen=True)
class Due:
    """One reminder that is due: to ``user_id``, of ``kind``, about ``subject`` (e.g.
    ``match:12``), for ``period`` (what tells two reminders of one rule apart, e.g. the date
    a check-in fell due; empty for a reminder that goes out once ever)."""

    user_id: int
    kind: str
    subject: str
    period: str = ""


@dataclass(frozen=True)
class Pending:
    """A ledger row (:class:`SentReminder`) waiting to be mailed, read as plain data."""

    id: int
    kind: str
    user_id: int
    subject: str
    period: str
    created_at: datetime


PENDING_COLUMNS = tuple(f.name for f in fields(Pending))


@dataclass(frozen=True)
class Notice:
    """What one reminder says: the email's subject, its paragraphs and the link to act on."""

    subject: str
    lines: list[str]
    url: str
    to: str | None = None  # an address other than the account's (an alumnus's lasting one)


@dataclass(frozen=True)
class Rule:
    kind: str
    find: Callable[[datetime], Iterable[Due]]
    # The reminder's words, read by the run that mails it (from what that run read); None when
    # it no longer applies (the match ended, the meeting was logged in between): nothing is
    # mailed then.
    describe: Callable[[Pending], Notice | None]
    title: str = ""  # what the rule is, in words, for the docs and the command's output
    order: int = field(default=100)


_RULES: dict[str, Rule] = {}
_RUN_CACHE: ContextVar[dict[str, Any] | None] = ContextVar("reminder_run_cache", default=None)
T = TypeVar("T")


@contextmanager
def run_cache() -> Iterator[None]:
    """One reminder run: :func:`run_cached` values live until it ends."""
    token = _RUN_CACHE.set({})
    try:
        yield
    finally:
        _RUN_CACHE.reset(token)


def run_cached(key: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per reminder run; outside a run, afresh at every call."""
    cache = _RUN_CACHE.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def reminder_rule(kind: str, *, describe: Callable[[Pending], Notice | None], title: str):
    """Register ``find(now) -> Iterable[Due]`` as the rule for reminders of ``kind``."""

    def decorator(find: Callable[[datetime], Iterable[Due]]):
        _RULES[kind] = Rule(kind=kind, find=find, describe=describe, title=title, order=len(_RULES))
        return find

    return decorator


def rules() -> list[Rule]:
    """Every registered rule, in the order they were registered."""
    for module in RULE_MODULES:
        importlib.import_module(module)
    return sorted(_RULES.values(), key=lambda rule: rule.order)


def rule_for(kind: str) -> Rule | None:
    rules()
    return _RULES.get(kind)
