"""What the feature views share: the cycle lookup, pagination, one state change as its own
transaction, file uploads and downloads, and the vocabulary every template can use."""

from collections.abc import Callable, Iterator

from flask import Response, current_app, flash, request, stream_with_context

from . import vocabulary
from .extensions import db
from .models import Cycle, TransitionError

#: A request carrying a file may be this many times the file's own limit: a file a little or a
#: lot too large is still read far enough to say so next to the field, not on an error page.
UPLOAD_REQUEST_FACTOR = 4

#: Pages beyond this are not served: a larger OFFSET only risks overflowing PostgreSQL's bigint.
MAX_PAGE = 10_000


def get_cycle(slug: str, *, drafts: bool = True) -> Cycle:
    """The cycle with this slug, or 404. ``drafts=False`` for trainees and mentors, who never
    see a cycle before it opens."""
    stmt = db.select(Cycle).filter_by(slug=slug)
    if not drafts:
        stmt = stmt.where(Cycle.status != "draft")
    return db.first_or_404(stmt)


def page_number() -> int:
    """The ``?page=`` asked for, kept within 1 to :data:`MAX_PAGE` (a non-number reads as 1)."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)


def paginate(stmt, per_page: int | None = None, **kwargs):
    """One page of ``stmt`` at the asked page number; ``PER_PAGE`` rows unless told."""
    return db.paginate(
        stmt,
        page=page_number(),
        per_page=per_page or current_app.config["PER_PAGE"],
        error_out=False,
        **kwargs,
    )


def commit_change(
    change: Callable,
    success: str,
    *,
    refused: str | Callable[[Exception], str] | None = None,
    refused_category: str = "danger",
    errors: tuple[type[Exception], ...] = (TransitionError,),
) -> bool:
    """Make one state change and commit it, saying so with ``success``. A change the model
    refuses (one of ``errors``) is rolled back and explained: ``refused`` (text, or a function
    of the error), else the error's own message. True when the change was committed."""
    try:
        change()
    except errors as error:
        db.session.rollback()
        message = refused(error) if callable(refused) else refused
        flash(message or str(error), refused_category)
        return False
    db.session.commit()
    flash(success, "success")
    return True


def download(
    body: str | bytes | Iterator[str], filename: str, mimetype: str = "text/csv"
) -> Response:
    """A file for the browser to save as ``filename`` (text is sent as UTF-8). An iterator of
    text is streamed as it comes, inside the request's context (its database session too)."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    elif not isinstance(body, bytes):
        body = stream_with_context(line.encode("utf-8") for line in body)
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def vocabulary_context() -> dict:
    """Template globals: ``vocab`` (the code lists), ``label(choices, code)`` and
    ``topic_labels`` (topic code to label)."""
    return {
        "vocab": vocabulary,
        "label": vocabulary.label,
        "topic_labels": vocabulary.topic_labels(),
    }


def accepts_upload(limit_setting: str):
    """Mark a view whose POST carries a file limited to the setting ``limit_setting`` (bytes):
    its request may be larger than MAX_CONTENT_LENGTH (see :func:`raise_upload_limit`)."""

    def mark(view):
        view.upload_limit_setting = limit_setting
        return view

    return mark


def raise_upload_limit() -> None:
    """Before each request, before anything reads the form (CSRF protection reads it in its
    own hook): a view marked :func:`accepts_upload` takes bodies up to
    :data:`UPLOAD_REQUEST_FACTOR` times its file limit."""
    if request.method != "POST" or not request.endpoint:
        return
    view = current_app.view_functions.get(request.endpoint)
    setting = getattr(view, "upload_limit_setting", None)
    if setting:
        limit = current_app.config[setting] * UPLOAD_REQUEST_FACTOR
        request.max_content_length = max(limit, current_app.config["MAX_CONTENT_LENGTH"] or 0)
