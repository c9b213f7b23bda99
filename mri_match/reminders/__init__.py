"""Reminders that go out once: the rules, the ledger that remembers what was sent, the
``remind`` command, and the email preferences page every email links to.

A rule is a function of ``now`` that yields :class:`Due` reminders (who, what kind, about what,
which period). :func:`.sending.run_reminders` writes each due reminder into the
``sent_reminder`` ledger (its unique key makes a reminder exist once), commits, and only then
mails what is pending: one email per reminder, or one daily digest for people who chose it.
Features add their rules with :func:`reminder_rule` in a module listed in
:data:`.registry.RULE_MODULES`.
"""

from flask import Blueprint

bp = Blueprint("reminders", __name__)

from . import views  # noqa: E402  (adds its routes to bp)
from .registry import Due, Notice, reminder_rule, run_cached  # noqa: E402

__all__ = ["Due", "Notice", "bp", "reminder_rule", "run_cached", "views"]
