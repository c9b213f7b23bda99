"""The admins' program health page of a cycle and role, its CSV, and the cycle's
after-match settings (first-meeting deadline, cadences, grace, check-in interval)."""

from math import ceil

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import admin_required
from ..extensions import db, read_only
from ..models import record, utcnow
from ..vocabulary import MENTOR_ROLES
from ..web import download, get_cycle, page_number
from . import bp
from .forms import SettingsForm
from .health import (
    SORTS,
    chosen_rows,
    first_meeting_chart,
    health_csv,
    health_row,
    health_table,
    meetings_per_month,
    month_chart,
    month_label,
    overview,
    rules_in_words,
)
from .pairs import HEALTH_LABELS, Settings

CSV_BATCH = 1000  # rows the CSV download holds at a time
SETTING_NAMES = (
    "first_meeting_days",
    "research_cadence_days",
    "career_cadence_days",
    "meeting_grace_days",
    "checkin_interval_days",
)


class CountedPage:
    """One page of rows whose total is already known, with what the pagination macro reads."""

    def __init__(self, total: int, page: int, per_page: int):
        self.total, self.per_page = total, per_page
        self.pages = max(ceil(total / per_page), 1)
        self.page = min(page, self.pages)
        self.offset = (self.page - 1) * per_page
        self.has_prev, self.has_next = self.page > 1, self.page < self.pages
        self.prev_num, self.next_num = self.page - 1, self.page + 1
        self.items: list = []

    def iter_pages(self):
        near = set(range(self.page - 2, self.page + 3)) | {1, 2, self.pages - 1, self.pages}
        last = 0
        for num in range(1, self.pages + 1):
            if num in near:
                if num > last + 1:
                    yield None
                yield num
                last = num


def _choices():
    role = request.args.get("role")
    role = role if role in dict(MENTOR_ROLES) else "research"
    state = request.args.get("state")
    state = state if state in HEALTH_LABELS else None
    sort = request.args.get("sort")
    sort = sort if sort in SORTS else "state"
    return role, state, sort


@bp.route("/admin/cycles/<slug>/health")
@read_only
@admin_required
def health(slug: str):
    cycle = get_cycle(slug)
    role, state, sort = _choices()
    today, settings = utcnow().date(), Settings.of(cycle, role)
    table = health_table(cycle, today, role)
    per_page, asked = current_app.config["PER_PAGE"], page_number()
    found = overview(table, state, sort, (asked - 1) * per_page, per_page)
    total = sum(found.counts.values())
    page = CountedPage(found.counts[state] if state else total, asked, per_page)
    if page.page < asked:  # past the last page: show the last one
        found = overview(table, state, sort, page.offset, per_page)
    page.items = [health_row(row, settings, today) for row in found.rows]
    month_table = meetings_per_month(cycle, role)
    return render_template(
        "mentorship/health.html",
        cycle=cycle,
        role=role,
        state=state,
        sort=sort,
        sorts=SORTS,
        labels=HEALTH_LABELS,
        counts=found.counts,
        total=total,
        rules=rules_in_words(settings),
        page=page,
        first_chart=first_meeting_chart(found.first_meetings),
        first_table=found.first_meetings,
        month_chart=month_chart(month_table),
        month_table=month_table,
        month_label=month_label,
    )


@bp.route("/admin/cycles/<slug>/health.csv")
@admin_required
def health_export(slug: str):
    """Every pair the page's filter and order choose, streamed (not read_only: PostgreSQL
    streams a statement's rows through a cursor that only lives in a transaction)."""
    cycle = get_cycle(slug)
    role, state, sort = _choices()
    today, settings = utcnow().date(), Settings.of(cycle, role)
    stmt = chosen_rows(health_table(cycle, today, role), state, sort)

    def rows():
        for row in db.session.execute(stmt.execution_options(yield_per=CSV_BATCH)):
            yield health_row(row, settings, today)

    return download(health_csv(rows()), f"{cycle.slug}-{role}-health.csv")


@bp.route("/admin/cycles/<slug>/after-match-settings", methods=["GET", "POST"])
@admin_required
def settings(slug: str):
    cycle = get_cycle(slug)
    form = SettingsForm(obj=cycle)
    if form.validate_on_submit():
        changes = {
            name: value
            for name, value in form.data.items()
            if name in SETTING_NAMES and getattr(cycle, name) != value
        }
        for name, value in changes.items():
            setattr(cycle, name, value)
        if changes:
            record(
                cycle,
                "after_match_settings",
                actor=current_user,
                reason=", ".join(f"{name.replace('_', ' ')}: {v}" for name, v in changes.items()),
            )
        db.session.commit()
        flash("Settings saved." if changes else "Nothing changed.", "success")
        return redirect(url_for(".health", slug=cycle.slug))
    return render_template("mentorship/settings.html", cycle=cycle, form=form), (
        400 if form.errors else 200
    )
