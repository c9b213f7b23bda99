"""HTTP hardening: security headers on every response, and cookie flags by environment.

The Content-Security-Policy is strict: scripts and styles only from our own origin, never inline.
Templates therefore carry no ``<script>`` bodies, ``<style>`` blocks, ``style=""`` or ``on*=``
attributes (``tests/test_security.py`` checks every template and the rendered pages).
"""

from flask import Flask, abort, request
from flask_login import current_user
from werkzeug.routing import IntegerConverter

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Bootstrap's CSS draws checkboxes, selects and validation icons with data: SVGs.
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


class IdConverter(IntegerConverter):
    """``<int:...>`` in URLs: row ids fit a 32-bit INTEGER column. A larger number would make
    PostgreSQL raise (a 500) instead of finding nothing, so it does not match the route: 404."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _refuse_nul_characters():
    """NUL is never typed by a person, and PostgreSQL refuses it in text: a 400, not a 500."""
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400)


def is_production(config) -> bool:
    return config.get("APP_ENV") == "production"


def init_app(app: Flask) -> None:
    """Settle the environment-dependent settings and add the headers to every response."""
    production = is_production(app.config)
    # None means "decide by environment": Secure cookies and HSTS in production only, since
    # development is served over plain http://127.0.0.1 where a Secure cookie is never sent back.
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE", "HSTS_ENABLED"):
        if app.config.get(key) is None:
            app.config[key] = production

    app.url_map.converters["int"] = IdConverter
    app.before_request(_refuse_nul_characters)

    hsts = None
    if app.config["HSTS_ENABLED"]:
        hsts = f"max-age={int(app.config['HSTS_MAX_AGE'])}; includeSubDomains"

    @app.after_request
    def _security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", hsts)
        # Pages behind a login show personal data: keep them out of shared and back-button caches.
        if request.endpoint not in ("static", "bootstrap.static") and _signed_in():
            response.headers["Cache-Control"] = "no-store"
        return response


def _signed_in() -> bool:
    try:
        return bool(current_user and current_user.is_authenticated)
    except Exception:  # a header must never turn a response into a 500
        return False
