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
    counts,
    first_meeting_chart,
    health_csv,
    health_rows,
    meetings_per_month,
    month_chart,
    month_label,
    rules_in_words,
    sort_rows,
)
from .pairs import HEALTH_LABELS, Settings

SETTING_NAMES = (
    "first_meeting_days",
    "research_cadence_days",
    "career_cadence_days",
    "meeting_grace_days",
    "checkin_interval_days",
)


class ListPage:
    """One page of an in-memory list, with what the pagination macro reads."""

    def __init__(self, items: list, page: int, per_page: int):
        self.total = len(items)
        self.pages = max(ceil(self.total / per_page), 1)
        self.page = min(page, self.pages)
        self.items = items[(self.page - 1) * per_page : self.page * per_page]
        self.has_prev, self.has_next = self.page > 1, self.page < self.pages
        self.prev_num, self.next_num = self.page - 1, self.page + 1

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
    rows = health_rows(cycle, role, utcnow().date())
    chart, first_table = first_meeting_chart(rows)
    month_table = meetings_per_month(cycle, role)
    shown = sort_rows([r for r in rows if state is None or r.health == state], sort)
    return render_template(
        "mentorship/health.html",
        cycle=cycle,
        role=role,
        state=state,
        sort=sort,
        sorts=SORTS,
        labels=HEALTH_LABELS,
        counts=counts(rows),
        total=len(rows),
        rules=rules_in_words(Settings.of(cycle, role)),
        page=ListPage(shown, page_number(), current_app.config["PER_PAGE"]),
        first_chart=chart,
        first_table=first_table,
        month_chart=month_chart(month_table),
        month_table=month_table,
        month_label=month_label,
    )


@bp.route("/admin/cycles/<slug>/health.csv")
@read_only
@admin_required
def health_export(slug: str):
    cycle = get_cycle(slug)
    role, state, sort = _choices()
    rows = health_rows(cycle, role, utcnow().date())
    rows = sort_rows([r for r in rows if state is None or r.health == state], sort)
    return download(health_csv(rows), f"{cycle.slug}-{role}-health.csv")


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
