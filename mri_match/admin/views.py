from flask import Blueprint

from ..access import admin_required

bp = Blueprint("admin", __name__)


@bp.route("/")
@admin_required
def cycles():
    return "cycles (to be built)"
