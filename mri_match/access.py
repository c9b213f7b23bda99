"""Who may see what: the signed-in user, and role checks for views."""

from functools import wraps

from flask import abort, g, request
from flask_login import current_user, login_required

from .extensions import view_called_to_read
from .models import User


def role_required(*roles: str):
    """Log in first; then only the given roles, others get 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


admin_required = role_required("admin")
trainee_required = role_required("trainee")
mentor_required = role_required("mentor")


def loads_signed_in_user(page_query):
    """Mark a view whose page query also looks up the signed-in user, so that a GET costs one
    round trip to the database instead of two (one for the user, one for the page).

    ``page_query(user_id)`` returns ``(user, rows)`` from one statement, ``user`` None when
    the session's account is missing or deleted. The user loader runs it in place of the plain
    user lookup; the view then takes the rows with :func:`prefetched_rows`, which gives None
    when the user was loaded another way (a POST, or a user signed in during the request).
    """

    def decorator(view):
        view.page_query = page_query
        return view

    return decorator


def load_signed_in_user(user_id: int) -> User | None:
    """Flask-Login's user loader: the session's account, with the view's page rows when the
    view asked for them (:func:`loads_signed_in_user`)."""
    page_query = getattr(view_called_to_read(), "page_query", None)
    if page_query is None:
        return User.for_session(user_id)
    user, rows = page_query(user_id)
    # keyed by the request too: an app context held open (as tests do) outlives its requests
    g.prefetched = (request._get_current_object(), page_query, rows)
    return user


def prefetched_rows(page_query):
    """The rows ``page_query`` fetched with the signed-in user in this request, once; else None."""
    prefetched = g.get("prefetched")
    if prefetched is None or prefetched[:2] != (request._get_current_object(), page_query):
        return None
    del g.prefetched
    return prefetched[2]
