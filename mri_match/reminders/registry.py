"""The reminder rules: what is due at a moment, and how each kind of reminder reads."""

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from ..models import SentReminder

#: Modules whose import registers rules with :func:`reminder_rule`.
RULE_MODULES = (
    "mri_match.matches.offer_rules",
    "mri_match.mentorship.rules",
    "mri_match.alumni.rules",
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
    # The reminder's words, read when it is sent; None when it no longer applies (the match
    # ended, the meeting was logged in between): then nothing is mailed.
    describe: Callable[[SentReminder], Notice | None]
    title: str = ""  # what the rule is, in words, for the docs and the command's output
    order: int = field(default=100)


_RULES: dict[str, Rule] = {}


def reminder_rule(kind: str, *, describe: Callable[[SentReminder], Notice | None], title: str):
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
