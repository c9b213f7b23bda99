"""Running behind a reverse proxy on several hosts: proxy headers, JSON logs, health check."""

import json
import logging
import sys

from flask import Blueprint, Flask, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from .extensions import csrf, db, limiter

bp = Blueprint("deploy", __name__)


@bp.route("/healthz")
@limiter.exempt
@csrf.exempt
def healthz():
    """For load balancers: 200 when the database answers, 503 when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(app: Flask) -> None:
    hops = int(app.config.get("PROXY_FIX_HOPS") or 0)
    if hops > 0:
        # Trust exactly as many proxies as we run; more would let clients spoof their address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    if app.config.get("LOG_FORMAT") == "json":
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        app.logger.handlers[:] = [handler]
        app.logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    app.register_blueprint(bp)
    if app.config.get("BENCHMARK_HELLO"):
        # Only for benchmarks/load.py: the cheapest request this server can answer, the yardstick
        # the other pages are compared with. Off by default, so it exists nowhere else.
        app.add_url_rule("/_bench/hello", "bench_hello", _bench_hello)


def _bench_hello():
    return "hello", 200, {"Content-Type": "text/plain; charset=utf-8"}
