"""Checking every row of an import against the same rules as the web forms.

Nothing here writes: the result is the clean records and every problem, (row, column, message).
"""

import re
from dataclasses import dataclass, field

from .. import vocabulary
from ..email import BadAddress, checked_address
from ..extensions import db
from ..mentor.forms import MAX_CONFLICT_LINES
from ..models import User
from .columns import LIST_SEPARATOR, Column, columns_for
from .reader import Problem, Table

TRUE = {"yes", "y", "true", "1", "x"}
FALSE = {"no", "n", "false", "0", ""}
MEMBER_NUMBER = re.compile(r"^[A-Za-z0-9-]+$")


@dataclass
class Checked:
    records: list[tuple[int, dict]] = field(default_factory=list)  # valid (row, values)
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0

    @property
    def file_problems(self) -> list[Problem]:
        return [p for p in self.problems if p.row is None]

    @property
    def rows_with_problems(self) -> int:
        return len({p.row for p in self.problems if p.row is not None})


def _lookup(choices) -> dict[str, str]:
    table = {}
    for code, text in choices:
        table[code.lower()] = code
        table[text.lower()] = code
    return table


class RowChecker:
    def __init__(self, kind: str, cycle):
        self.kind = kind
        self.cycle = cycle
        self.columns = columns_for(kind)
        self.lookups = {c.name: _lookup(c.choices) for c in self.columns if c.choices}
        self.tracks = {t.lower(): t for t in cycle.tracks or []}

    def value(self, column: Column, raw: str, problems: list[str]):
        """The stored value for one cell, or None; a message per problem found."""
        text = raw.strip()
        if column.kind in ("text", "email") and column.max_length and len(text) > column.max_length:
            problems.append(
                f"Too long: at most {column.max_length:,} characters (it has {len(text):,})."
            )
            return None
        if not text:
            return [] if column.kind == "multi" else (False if column.kind == "bool" else None)
        if column.kind == "text":
            if column.min_length and len(text) < column.min_length:
                problems.append(
                    f"Too short: at least {column.min_length} characters (it has {len(text)})."
                )
            return text
        if column.kind == "email":
            try:
                return checked_address(text)
            except BadAddress as error:
                problems.append(f"“{text}”: {error}")
                return None
        if column.kind == "choice":
            code = self.lookups[column.name].get(text.lower())
            if code is None:
                problems.append(f"“{text}” is not one of: {column.allowed}.")
            return code
        if column.kind == "multi":
            items = [v.strip() for v in text.split(LIST_SEPARATOR) if v.strip()]
            codes, unknown = [], []
            for item in items:
                code = self.lookups[column.name].get(item.lower())
                (codes if code else unknown).append(code or item)
            if unknown:
                what = "topic" if column.name == "topics" else "value"
                listed = ", ".join(f"“{u}”" for u in unknown)
                hint = "" if column.name == "topics" else f" Use: {column.allowed}."
                problems.append(f"Unknown {what}{'s' if len(unknown) > 1 else ''}: {listed}.{hint}")
            codes = list(dict.fromkeys(codes))
            if column.max_items and len(codes) > column.max_items:
                problems.append(f"Choose at most {column.max_items} (there are {len(codes)}).")
            return codes
        if column.kind == "bool":
            if text.lower() in TRUE:
                return True
            if text.lower() in FALSE:
                return False
            problems.append(f"“{text}” is not yes or no.")
            return None
        if column.kind == "int":
            try:
                number = float(text)
            except ValueError:
                number = None
            if number is None or not number.is_integer() or not column.low <= number <= column.high:
                problems.append(f"Enter {column.allowed}.")
                return None
            return int(number)
        if column.kind == "timezone":
            zone = vocabulary.canonical_timezone(text)
            if zone is None:
                problems.append(f"“{text}” is not a time zone name like America/New_York.")
            return zone
        if column.kind == "track":
            track = self.tracks.get(text.lower())
            if track is None:
                allowed = "; ".join(self.cycle.tracks or []) or "none (this cycle has no tracks)"
                problems.append(f"“{text}” is not a track of this cycle: {allowed}.")
            return track
        raise AssertionError(column.kind)

    def required(self, column: Column) -> bool:
        return column.required or (column.kind == "track" and bool(self.tracks))

    def check_row(self, row: int, cells: dict[str, str]) -> tuple[dict, list[Problem]]:
        values, problems = {}, []
        for column in self.columns:
            messages: list[str] = []
            raw = cells.get(column.name, "")
            value = self.value(column, raw, messages)
            if not messages and self.required(column) and value in (None, "", []):
                messages.append("Required: this cell is empty.")
            values[column.name] = value
            problems += [Problem(row, column.name, m) for m in messages]
        problems += [Problem(row, col, m) for col, m in self.cross_checks(values, problems)]
        return values, problems

    def cross_checks(self, v: dict, found: list[Problem]):
        """The rules between answers that the web forms check too."""
        bad = {p.column for p in found}
        if self.kind == "trainee":
            has_mentor = bool(v.get("has_research_mentor"))
            roles = v.get("requested_roles") or []
            if "requested_roles" not in bad:
                if has_mentor and "research" in roles:
                    yield (
                        "requested_roles",
                        "They already have a research mentor, so do not also request one.",
                    )
                if not roles and not has_mentor:
                    yield (
                        "requested_roles",
                        "Required: request a mentor role, or name the research mentor they have.",
                    )
            if has_mentor:
                for name in ("nominee_name", "nominee_email", "nominee_institution"):
                    if name not in bad and not v.get(name):
                        yield name, "Required when has_research_mentor is yes."
        else:
            number = v.get("ash_member_number")
            if number and "ash_member_number" not in bad and not MEMBER_NUMBER.match(number):
                yield "ash_member_number", "Use only letters, digits and hyphens."
            conflicts = v.get("conflicts") or ""
            lines = [line for line in conflicts.splitlines() if line.strip()]
            if len(lines) > MAX_CONFLICT_LINES:
                yield "conflicts", f"List at most {MAX_CONFLICT_LINES} people or institutions."


def check_table(kind: str, cycle, table: Table) -> Checked:
    checked = Checked(problems=list(table.problems), rows=len(table.rows))
    if table.problems:
        return checked
    checker = RowChecker(kind, cycle)
    known = {c.name for c in checker.columns}
    header = table.header
    for name in [c.name for c in checker.columns if checker.required(c)]:
        if name not in header:
            checked.problems.append(
                Problem(1, name, f"Missing column “{name}”: download the template for the columns.")
            )
    seen_headers: set[str] = set()
    for name in header:
        if not name:
            checked.problems.append(Problem(1, None, "A column has no name in the header row."))
        elif name not in known:
            checked.problems.append(Problem(1, name, f"Unknown column “{name}”."))
        elif name in seen_headers:
            checked.problems.append(Problem(1, name, f"The column “{name}” appears twice."))
        seen_headers.add(name)
    if checked.problems:
        return checked  # without the right columns, row by row checks would only repeat it

    emails_at: dict[str, int] = {}
    candidates: list[tuple[int, dict, list[Problem]]] = []
    for number, cells in table.rows:
        if len(cells) > len(header) and any(cells[len(header) :]):
            extra = [Problem(number, None, "This row has more cells than the header has columns.")]
        else:
            extra = []
        values, problems = checker.check_row(number, dict(zip(header, cells, strict=False)))
        problems = extra + problems
        email = values.get("email")
        if email:
            if email in emails_at:
                problems.append(
                    Problem(
                        number, "email", f"Duplicate: {email} is also on row {emails_at[email]}."
                    )
                )
            else:
                emails_at[email] = number
        candidates.append((number, values, problems))

    existing = _existing_emails(list(emails_at))
    for number, values, problems in candidates:
        email = values.get("email")
        if email in existing and not any(p.column == "email" for p in problems):
            problems.append(
                Problem(number, "email", f"Duplicate: an account with {email} already exists.")
            )
        if problems:
            checked.problems += problems
        else:
            checked.records.append((number, values))
    return checked


def _existing_emails(emails: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(emails), 500):
        chunk = emails[start : start + 500]
        found.update(db.session.scalars(db.select(User.email).where(User.email.in_(chunk))))
    return found
