"""Where a page's time goes: statements, their time, and the rest (templates, Python).

Runs in-process (Flask test client, one request at a time, no gunicorn) against a database that
``benchmarks/load.py --keep-db`` left behind:

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/mri_match_bench \\
        .venv/bin/python benchmarks/profile_pages.py [--explain]

For each page it prints the median wall time over a few requests, the statement count, the time
spent in statements, and the slowest statements; ``--explain`` adds EXPLAIN ANALYZE for those,
``--cprofile PAGE`` the functions where that page spends its Python time. ``--health-views``
adds the program health page in every state and order it offers, ``--only TEXT`` keeps the
pages whose name holds TEXT (``--health-views --only health`` measures the health page alone).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, text  # noqa: E402

from mri_match import create_app  # noqa: E402
from mri_match.config import normalise_database_url  # noqa: E402
from mri_match.extensions import db  # noqa: E402
from mri_match.mentorship.health import SORTS  # noqa: E402
from mri_match.mentorship.pairs import HEALTH_STATES  # noqa: E402
from mri_match.models import Cycle, MatchRun, User  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument(
        "--cprofile",
        metavar="PAGE",
        help="also profile the Python side of this page (e.g. dashboard)",
    )
    parser.add_argument(
        "--health-views",
        action="store_true",
        help="also the health page in each state (and all) by each order",
    )
    parser.add_argument("--only", metavar="TEXT", help="only the pages whose name holds TEXT")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("set DATABASE_URL to the benchmark database")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
            "SECRET_KEY": "profile",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "BENCHMARK_HELLO": True,
        }
    )
    statements: list[tuple[float, str, object]] = []

    with app.app_context():
        engine = db.engine
        run_id, slug = db.session.execute(
            db.select(MatchRun.id, Cycle.slug)
            .join(Cycle, Cycle.id == MatchRun.cycle_id)
            .order_by(MatchRun.id.desc())
        ).first()
        # What Flask-Login keeps in the session (the id and the session token), as if logged in.
        admin_id = db.session.scalar(
            db.select(User).filter_by(role="admin").order_by(User.id)
        ).get_id()
        trainee_id = db.session.scalar(
            db.select(User).filter_by(email="trainee1@demo.mri-match.org")
        ).get_id()
        db.session.commit()  # a session token made just now

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("t0", []).append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        started = conn.info["t0"].pop()
        statements.append((time.perf_counter() - started, statement, parameters))

    health = f"/admin/cycles/{slug}/health"
    pages = [
        ("hello", None, "/_bench/hello"),
        ("proposals p1", admin_id, f"/admin/runs/{run_id}"),
        ("proposals p100", admin_id, f"/admin/runs/{run_id}?page=100"),
        ("dashboard", trainee_id, "/trainee/"),
        ("health", admin_id, health),
        ("health at risk", admin_id, f"{health}?state=at_risk&sort=trainee"),
        ("health csv", admin_id, f"/admin/cycles/{slug}/health.csv"),
    ]
    if args.health_views:
        pages += [
            (f"health {state or 'all'} by {sort}", admin_id, f"{health}?state={state}&sort={sort}")
            for state in ("", *HEALTH_STATES)
            for sort in SORTS
        ]
    if args.only:
        pages = [page for page in pages if args.only in page[0]]
    slow: list[tuple[float, str, object]] = []
    width = max([15, *(len(name) for name, _user, _path in pages)])
    for name, user_id, path in pages:
        client = app.test_client()
        if user_id is not None:
            with client.session_transaction() as session:
                session["_user_id"] = user_id
                session["_fresh"] = True
        times, sql_times, counts = [], [], []
        for _ in range(args.repeat):
            statements.clear()
            started = time.perf_counter()
            response = client.get(path)
            response.get_data()  # a streamed body is made as it is read
            response.close()
            times.append(time.perf_counter() - started)
            if response.status_code != 200:
                sys.exit(f"{path}: {response.status_code}")
            counts.append(len(statements))
            sql_times.append(sum(s[0] for s in statements))
        if args.cprofile == name:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.repeat * 10):
                client.get(path).close()
            profiler.disable()
            stats = pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "tottime"))
            stats.print_stats(int(os.environ.get("PROFILE_LINES", "25")))
            if os.environ.get("PROFILE_CALLERS"):
                stats.print_callers(os.environ["PROFILE_CALLERS"])
        worst = sorted(statements, key=lambda s: -s[0])[:3]
        print(
            f"{name:{width}} median {statistics.median(times) * 1000:7.1f} ms, "
            f"{counts[-1]} statements taking {statistics.median(sql_times) * 1000:6.1f} ms"
        )
        for seconds, statement, _params in worst:
            print(f"    {seconds * 1000:6.1f} ms  {' '.join(statement.split())[:150]}")
        slow += worst[:1]
    if args.explain:
        with app.app_context():
            for _seconds, statement, params in slow:
                print("\nEXPLAIN ANALYZE", " ".join(statement.split())[:300])
                with db.engine.connect() as conn:
                    cursor = conn.connection.cursor()
                    cursor.execute("EXPLAIN ANALYZE " + statement, params)
                    for (line,) in cursor.fetchall():
                        print("   ", line)
            db.session.execute(text("SELECT 1"))


if __name__ == "__main__":
    main()
