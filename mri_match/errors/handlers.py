"""Error pages that look like the rest of the site and never leak a stack trace."""

from flask import Blueprint, Response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import SecurityError

from ..extensions import db

bp = Blueprint("errors", __name__)

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Please go back and try again."),
    403: ("Not allowed", "Your account does not have access to this page."),
    404: ("Page not found", "There is no page at this address, or it is not yours to see."),
    405: ("Not allowed", "This action cannot be performed that way."),
    413: (
        "Too large",
        "What you sent is too large, so nothing was saved. Please go back and choose a smaller "
        "file: each page that takes a file says its size limit.",
    ),
    429: ("Too many attempts", "Too many attempts. Please wait a minute and try again."),
    500: (
        "Something went wrong",
        "An unexpected error occurred. Nothing was saved; please try again.",
    ),
}


def _page(code: int, message: str | None = None):
    title, default = MESSAGES.get(code, ("Error", "An error occurred."))
    if isinstance(request.routing_exception, SecurityError):  # untrusted Host: no URLs to build
        return Response(f"{title}\n\n{message or default}\n", code, mimetype="text/plain")
    return render_template(
        "errors/error.html", code=code, title=title, message=message or default
    ), code


@bp.app_errorhandler(CSRFError)
def csrf_error(error):
    return _page(
        400, "Your form expired or was sent from elsewhere. Please reload the page and try again."
    )


@bp.app_errorhandler(400)
@bp.app_errorhandler(403)
@bp.app_errorhandler(404)
@bp.app_errorhandler(405)
@bp.app_errorhandler(413)
@bp.app_errorhandler(429)
def http_error(error):
    return _page(error.code)


@bp.app_errorhandler(500)
def internal_error(error):
    db.session.rollback()
    return _page(500)
