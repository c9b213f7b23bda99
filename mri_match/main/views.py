"""The front door: a landing page, and each role's home."""

from flask import Blueprint, current_app, redirect, render_template, send_from_directory, url_for
from flask_login import current_user

bp = Blueprint("main", __name__)

HOMES = {"trainee": "trainee.dashboard", "mentor": "mentor.dashboard", "admin": "admin.cycles"}


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for(HOMES[current_user.role]))
    return render_template("main/index.html")


@bp.route("/favicon.ico")
def favicon():
    """Browsers and feed readers ask for this address whatever the page's ``<link rel=icon>``."""
    folder = current_app.static_folder or "static"
    return send_from_directory(folder, "img/favicon.ico", mimetype="image/vnd.microsoft.icon")
