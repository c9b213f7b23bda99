from flask import Blueprint

from ..access import mentor_required

bp = Blueprint("mentor", __name__)


@bp.route("/")
@mentor_required
def dashboard():
    return "mentor dashboard (to be built)"


@bp.route("/profile")
@mentor_required
def profile():
    return "mentor profile (to be built)"
