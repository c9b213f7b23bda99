from flask import Blueprint

from ..access import role_required, trainee_required

bp = Blueprint("trainee", __name__)


@bp.route("/")
@trainee_required
def dashboard():
    return "trainee dashboard (to be built)"


@bp.route("/self-identification")
@role_required("trainee", "mentor")
def self_identification():
    return "self identification (to be built)"
