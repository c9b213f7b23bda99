"""The front door: a landing page, and each role's home."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

bp = Blueprint("main", __name__)

HOMES = {"trainee": "trainee.dashboard", "mentor": "mentor.dashboard", "admin": "admin.cycles"}


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for(HOMES[current_user.role]))
    return render_template("main/index.html")
