"""Load benchmark: a 10,000 x 4,000 demo cohort on PostgreSQL, gunicorn with 2 workers, wrk.

Run from the repository root (not part of the test suite or CI; it takes a few minutes):

    .venv/bin/python benchmarks/load.py

It creates a scratch PostgreSQL database, migrates it, seeds the demo cohort, closes the cycle,
times ``flask match`` with its peak memory, serves the app with gunicorn (2 workers, Redis for
rate-limit state, one trusted proxy hop), confirms the proposals as pairs with a history of
meetings and check-ins (``seed-demo-pairs``), logs in as the demo admin and a demo trainee, and
runs wrk against a bare hello endpoint, the admin proposals page, the program health page, the
trainee dashboard and the login form. It prints p50, p95 and requests per second for each, the
throughput as a share of hello's, and the median of requests sent one at a time (service time
without queueing). Then it stops gunicorn and drops the database (``--keep-db`` keeps it,
``--reuse-db`` skips the set-up and matching on a kept one).

Login: CSRF stays on (the script fetches a token and its session cookie first) and so does the
Redis-backed rate limit of 10 per minute per client address. The server trusts one proxy hop
(PROXY_FIX_HOPS=1, as behind nginx), and the wrk script gives every login request its own
X-Forwarded-For address, the way many users log in from many addresses, so the limiter is
consulted in Redis on every request but never trips.

Needs: wrk (Debian: ``apt-get install wrk``), PostgreSQL and Redis on the addresses below.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FLASK = [str(BIN / "flask"), "--app", "mri_match"]
DEMO_PASSWORD = "demo-password-2026"
DEMO_SLUG = "demo-2026"
ADMIN = "admin@demo.mri-match.org"
TRAINEE = "trainee1@demo.mri-match.org"

# Every target shares this script; the Python side fills in the method, path, headers and body.
# With ``vary_client`` each request comes from its own X-Forwarded-For address.
WRK_LUA = r"""
local method, path, body = %(method)s, %(path)s, %(body)s
local base_headers = %(headers)s
local vary_client = %(vary)s
local counter, tid, next_tid = 0, 0, 0

function setup(thread)
  next_tid = next_tid + 1
  thread:set("tid", next_tid)
end

if vary_client then
  function request()
    counter = counter + 1
    local headers = {}
    for k, v in pairs(base_headers) do headers[k] = v end
    headers["X-Forwarded-For"] = string.format(
      "10.%%d.%%d.%%d", tid %% 256, math.floor(counter / 256) %% 256, counter %% 256)
    return wrk.format(method, path, headers, body)
  end
else
  wrk.method, wrk.path, wrk.body = method, path, body
  for k, v in pairs(base_headers) do wrk.headers[k] = v end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%%d seconds=%%.3f p50=%%.3f p95=%%.3f p99=%%.3f " ..
    "status_errors=%%d socket_errors=%%d timeouts=%%d\n",
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, e.status, e.connect + e.read + e.write, e.timeout))
end
"""


def lua_str(value: str | None) -> str:
    if value is None:
        return "nil"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def lua_table(headers: dict[str, str]) -> str:
    return "{" + ", ".join(f"[{lua_str(k)}] = {lua_str(v)}" for k, v in headers.items()) + "}"


def say(message: str) -> None:
    print(message, flush=True)


# --- database and commands ---------------------------------------------------------------------


def admin_sql(server_url: str, statement: str, database: str | None = "postgres") -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE, VACUUM)."""
    import psycopg

    url = f"{server_url}/{database}" if database else server_url
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


def run_measured(argv: list[str], env: dict, log: Path) -> tuple[float, float, str]:
    """Run a command; return wall seconds, peak RSS in MiB (os.wait4: this child only), output."""
    started = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    output = log.read_text()
    if proc.returncode != 0:
        sys.exit(f"{' '.join(argv[1:])} failed ({proc.returncode}):\n{output[-3000:]}")
    peak_kib = usage.ru_maxrss if sys.platform != "darwin" else usage.ru_maxrss / 1024
    return seconds, peak_kib / 1024, output


def close_cycle(env: dict) -> None:
    code = (
        "from mri_match import create_app\n"
        "from mri_match.extensions import db\n"
        "from mri_match.models import Cycle, User\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        f"    cycle = db.session.scalar(db.select(Cycle).filter_by(slug={DEMO_SLUG!r}))\n"
        f"    admin = db.session.scalar(db.select(User).filter_by(email={ADMIN!r}))\n"
        "    cycle.move_to('closed', actor=admin, reason='load benchmark')\n"
        "    db.session.commit()\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)


# --- HTTP helpers (no cookie jar: cookies are copied by hand, as wrk will send them) ------------


def fetch(port: int, method: str, path: str, *, cookie=None, form=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    sent = dict(headers or {})
    body = None
    if cookie:
        sent["Cookie"] = cookie
    if form is not None:
        body = urlencode(form)
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=sent)
    response = conn.getresponse()
    text = response.read().decode("utf-8", "replace")
    cookies = [c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or []]
    conn.close()
    return response.status, response.headers, text, "; ".join(cookies)


def login_form(port: int) -> tuple[str, str]:
    """A fresh session cookie and the CSRF token that belongs to it."""
    status, _headers, page, cookie = fetch(port, "GET", "/auth/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    if status != 200 or not token or not cookie:
        sys.exit(f"GET /auth/login gave {status}, token={bool(token)}, cookie={bool(cookie)}")
    return cookie, token.group(1)


def log_in(port: int, email: str) -> str:
    """The session cookie of a signed-in person, as their browser holds it after the first page.

    The login answer's cookie still carries the "welcome" flash message; the page after it
    shows the message and sends the cookie without it, which a browser keeps. wrk must send that
    one, or every request would show the message again and re-sign the cookie.
    """
    cookie, token = login_form(port)
    form = {"email": email, "password": DEMO_PASSWORD, "csrf_token": token}
    status, headers, _text, new_cookie = fetch(
        port, "POST", "/auth/login", cookie=cookie, form=form
    )
    if status != 302 or not new_cookie or "/auth/login" in (headers.get("Location") or ""):
        sys.exit(f"log in as {email} failed: {status} {headers.get('Location')}")
    cookie, location = new_cookie, headers["Location"]
    for _ in range(3):  # follow the redirects to the person's first page, as a browser would
        status, headers, _text, changed = fetch(port, "GET", urlsplit(location).path, cookie=cookie)
        cookie = changed or cookie
        if status == 200:
            return cookie
        location = headers.get("Location") or ""
    sys.exit(f"the pages after logging in as {email} ended with {status}")


def expect_page(port: int, path: str, cookie: str | None, needle: str | None = None) -> int:
    status, headers, text, new_cookie = fetch(port, "GET", path, cookie=cookie)
    if status != 200 or (needle and needle not in text):
        sys.exit(f"GET {path} gave {status} {headers.get('Location') or ''} (wanted 200)")
    if new_cookie:  # wrk repeats this request with the same cookie: it must stay valid as is
        sys.exit(f"GET {path} changed the session cookie; wrk would not send the new one")
    return len(text.encode())


# --- gunicorn and wrk ---------------------------------------------------------------------------


def start_gunicorn(port: int, env: dict, log: Path) -> subprocess.Popen:
    argv = [
        str(BIN / "gunicorn"),
        "-c",
        "gunicorn.conf.py",
        "-w",
        "2",
        "-b",
        f"127.0.0.1:{port}",
        "mri_match:create_app()",
    ]
    with open(log, "w") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"gunicorn exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if fetch(port, "GET", "/healthz")[0] == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.3)
    stop(proc)
    sys.exit("gunicorn did not answer /healthz within 60 s")


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_wrk(target: dict, args, workdir: Path, seconds: int) -> dict:
    script = workdir / f"{target['key']}.lua"
    script.write_text(
        WRK_LUA
        % {
            "method": lua_str(target.get("method", "GET")),
            "path": lua_str(target["path"]),
            "body": lua_str(target.get("body")),
            "headers": lua_table(target.get("headers", {})),
            "vary": "true" if target.get("vary_client") else "false",
        }
    )
    argv = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "-s",
        str(script),
        f"http://127.0.0.1:{args.port}",
    ]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    line = next((ln for ln in out.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        sys.exit(f"wrk printed no result:\n{out}")
    values = dict(item.split("=") for item in line.split()[1:])
    result = {k: float(v) for k, v in values.items()}
    result["rps"] = result["requests"] / result["seconds"]
    return result


# --- the run ------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trainees", type=int, default=10_000)
    parser.add_argument("--mentors", type=int, default=4_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432", help="server URL")
    parser.add_argument("--database", default="mri_match_bench")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per target")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unreported wrk first")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument(
        "--sequential", type=int, default=20, help="requests one at a time after each wrk row"
    )
    parser.add_argument(
        "--ratio-rounds",
        type=int,
        default=3,
        help="hello-then-dashboard pairs for the dashboard's share (the table's pair is the first)",
    )
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    parser.add_argument("--reuse-db", action="store_true", help="skip set-up, seed and match")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (Debian/Ubuntu: apt-get install wrk).")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.database):
        sys.exit("--database: lower-case letters, digits and underscores only")
    workdir = Path(tempfile.mkdtemp(prefix="mri-match-bench-"))
    instance = workdir / "instance"
    instance.mkdir()
    # Instance config: the hello yardstick on, session cookies usable over plain-http loopback.
    (instance / "config.py").write_text("BENCHMARK_HELLO = True\nSESSION_COOKIE_SECURE = False\n")
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"{args.pg}/{args.database}",
        MRI_MATCH_INSTANCE_PATH=str(instance),
        SECRET_KEY=secrets.token_hex(32),
        RATELIMIT_STORAGE_URI=args.redis,
        REDIS_URL=args.redis,
        MAIL_BACKEND="file",
    )
    server = None
    created = False
    try:
        setup_rows = []
        if not args.reuse_db:
            admin_sql(args.pg, f"DROP DATABASE IF EXISTS {args.database}")
            admin_sql(args.pg, f"CREATE DATABASE {args.database}")
            created = True
            say(f"database {args.database} created; migrating")
            t, rss, _ = run_measured([*FLASK, "db", "upgrade"], env, workdir / "upgrade.log")
            setup_rows.append(("db upgrade", t, rss, ""))
            say(f"seeding {args.trainees:,} trainees x {args.mentors:,} mentors")
            seed = [
                *FLASK,
                "seed-demo",
                "--trainees",
                str(args.trainees),
                "--mentors",
                str(args.mentors),
                "--seed",
                str(args.seed),
            ]
            t, rss, _ = run_measured(seed, env, workdir / "seed.log")
            setup_rows.append(("seed-demo", t, rss, ""))
            admin_sql(f"{args.pg}/{args.database}", "ANALYZE", database=None)
            close_cycle(env)
            say("matching (research mentors)")
            match = [*FLASK, "match", DEMO_SLUG, "--role", "research"]
            t, rss, output = run_measured(match, env, workdir / "match.log")
            summary = {
                k: v
                for k, v in re.findall(
                    r"^\s+(matched|unmatched|mean score|time)\s+(.+)$", output, re.M
                )
            }
            note = (
                f"{summary.get('matched')} matched, {summary.get('unmatched')} unmatched, "
                f"mean score {summary.get('mean score')}, engine {summary.get('time')}"
            )
            setup_rows.append(("match --role research", t, rss, note))
            say("confirming the proposals as pairs with meetings and check-ins")
            t, rss, output = run_measured([*FLASK, "seed-demo-pairs"], env, workdir / "pairs.log")
            setup_rows.append(("seed-demo-pairs", t, rss, output.strip().splitlines()[-1]))
            # Planner statistics, as autovacuum would gather them in production (some servers,
            # like a throwaway CI one, run with autovacuum off: unanalysed, plans go badly wrong).
            say("VACUUM ANALYZE")
            admin_sql(f"{args.pg}/{args.database}", "VACUUM ANALYZE", database=None)
        # The server as in production, plus one trusted proxy hop (see the docstring).
        server_env = dict(
            env,
            APP_ENV="production",
            PROXY_FIX_HOPS="1",
            LOG_LEVEL="WARNING",
            PUBLIC_URL=f"http://127.0.0.1:{args.port}",
            TRUSTED_HOSTS="127.0.0.1",
        )
        server = start_gunicorn(args.port, server_env, workdir / "gunicorn.log")
        run_id = run_for(args)
        admin_cookie = log_in(args.port, ADMIN)
        trainee_cookie = log_in(args.port, TRAINEE)
        login_cookie, token = login_form(args.port)
        login_body = urlencode({"email": TRAINEE, "password": DEMO_PASSWORD, "csrf_token": token})
        proposals = f"/admin/runs/{run_id}"
        health = f"/admin/cycles/{DEMO_SLUG}/health"
        sizes = {
            "hello": expect_page(args.port, "/_bench/hello", None, "hello"),
            "proposals": expect_page(args.port, proposals, admin_cookie, "page 1 of"),
            "dashboard": expect_page(args.port, "/trainee/", trainee_cookie),
            "health": expect_page(args.port, health, admin_cookie, "Program health"),
        }
        targets = [
            {"key": "hello", "label": "hello (`/_bench/hello`)", "path": "/_bench/hello"},
            {
                "key": "proposals",
                "label": f"admin proposals, page 1 (`{proposals}`)",
                "path": proposals,
                "headers": {"Cookie": admin_cookie},
            },
            {
                "key": "proposals_deep",
                "label": f"admin proposals, page 100 (`{proposals}?page=100`)",
                "path": f"{proposals}?page=100",
                "headers": {"Cookie": admin_cookie},
            },
            {
                "key": "health",
                "label": f"program health, every pair (`{health}`)",
                "path": health,
                "headers": {"Cookie": admin_cookie},
            },
            {
                "key": "health_at_risk",
                "label": f"program health, at risk by name (`{health}?state=at_risk&sort=trainee`)",
                "path": f"{health}?state=at_risk&sort=trainee",
                "headers": {"Cookie": admin_cookie},
            },
            {
                "key": "dashboard",
                "label": "trainee dashboard (`/trainee/`)",
                "path": "/trainee/",
                "headers": {"Cookie": trainee_cookie},
            },
            {
                "key": "login",
                "label": "login (`POST /auth/login`, CSRF on)",
                "method": "POST",
                "path": "/auth/login",
                "body": login_body,
                "headers": {
                    "Cookie": login_cookie,
                    "Content-Type": "application/x-www-form-urlencoded",
                },
                "vary_client": True,
            },
        ]
        # The login request, checked once as wrk will send it: a redirect means it logged in.
        status, headers = check_login(args.port, login_cookie, login_body)
        say(f"login request as wrk sends it: {status} -> {headers.get('Location')}")
        results = {}
        for target in targets:
            if args.warmup:
                run_wrk(target, args, workdir, args.warmup)
            results[target["key"]] = run_wrk(target, args, workdir, args.duration)
            r = results[target["key"]]
            r["alone"] = one_at_a_time(target, args.port, args.sequential)
            say(
                f"  {target['key']:15} p50 {r['p50']:8.1f} ms  p95 {r['p95']:8.1f} ms  "
                f"{r['rps']:8.1f} req/s  alone {r['alone']:7.1f} ms  "
                f"non-2xx/3xx {int(r['status_errors'])}"
            )
        # The dashboard's share of hello's throughput moves by several points between runs as
        # the shared CPUs' speed drifts; more hello-then-dashboard pairs, each measured back to
        # back, give a median that one slow spell cannot decide.
        by_key = {target["key"]: target for target in targets}
        shares = [results["dashboard"]["rps"] / results["hello"]["rps"]]
        for _ in range(args.ratio_rounds - 1):
            hello = run_wrk(by_key["hello"], args, workdir, args.duration)["rps"]
            dashboard = run_wrk(by_key["dashboard"], args, workdir, args.duration)["rps"]
            shares.append(dashboard / hello)
            say(f"  pair {len(shares)}: hello {hello:.1f} req/s, dashboard {dashboard:.1f} req/s")
        report(args, setup_rows, targets, results, sizes, shares)
    finally:
        stop(server)
        if created and not args.keep_db:
            admin_sql(args.pg, f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)")
            say(f"database {args.database} dropped")
        shutil.rmtree(workdir, ignore_errors=True)


def one_at_a_time(target: dict, port: int, count: int) -> float:
    """Median milliseconds of ``count`` requests sent one after another: service time, no queue."""
    times = []
    for i in range(count):
        headers = dict(target.get("headers", {}))
        if target.get("vary_client"):
            headers["X-Forwarded-For"] = f"10.254.{i // 256 % 256}.{i % 256}"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        started = time.perf_counter()
        conn.request(target.get("method", "GET"), target["path"], target.get("body"), headers)
        conn.getresponse().read()
        times.append(time.perf_counter() - started)
        conn.close()
    return statistics.median(times) * 1000


def check_login(port: int, cookie: str, body: str):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(
        "POST",
        "/auth/login",
        body=body,
        headers={
            "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Forwarded-For": "10.255.255.254",
        },
    )
    response = conn.getresponse()
    response.read()
    conn.close()
    location = urlsplit(response.headers.get("Location") or "").path
    if response.status != 302 or location.startswith("/auth/login"):
        sys.exit(f"the benchmark's login request does not log in: {response.status} {location}")
    return response.status, response.headers


def run_for(args) -> int:
    import psycopg

    with psycopg.connect(f"{args.pg}/{args.database}") as conn:
        row = conn.execute(
            "SELECT match_run.id FROM match_run JOIN cycle ON cycle.id = match_run.cycle_id "
            "WHERE cycle.slug = %s AND match_run.status = 'done' ORDER BY match_run.id DESC",
            (DEMO_SLUG,),
        ).fetchone()
    if row is None:
        sys.exit("no finished matching run in the database")
    return row[0]


def report(args, setup_rows, targets, results, sizes, shares) -> None:
    hello = results["hello"]["rps"]
    say("")
    say(
        f"gunicorn -w 2 (sync), PostgreSQL, Redis rate-limit storage; wrk -t{args.threads} "
        f"-c{args.connections}, {args.duration} s per row after {args.warmup} s warm-up; "
        f"{os.cpu_count()} CPUs shared by server, database and wrk; "
        f"load average {os.getloadavg()[0]:.1f} at the end"
    )
    say("")
    say(
        "| endpoint | p50 ms | p95 ms | req/s | vs hello | one at a time, median ms | non-2xx/3xx |"
    )
    say("|---|---:|---:|---:|---:|---:|---:|")
    for target in targets:
        r = results[target["key"]]
        say(
            f"| {target['label']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['rps']:.1f} | "
            f"{r['rps'] / hello:.0%} | {r['alone']:.1f} | {int(r['status_errors'])} |"
        )
    if setup_rows:
        say("")
        say(f"{args.trainees:,} trainees x {args.mentors:,} mentors, seed {args.seed}:")
        say("")
        say("| step | wall time s | peak RSS MiB | result |")
        say("|---|---:|---:|---|")
        for name, seconds, rss, note in setup_rows:
            say(f"| `{name}` | {seconds:.1f} | {rss:.0f} | {note} |")
    say("")
    p95 = results["proposals"]["p95"]
    share = statistics.median(shares)
    say(f"target: proposals page p95 <= 150 ms: {p95:.1f} ms, {'met' if p95 <= 150 else 'MISSED'}")
    for key in ("health", "health_at_risk"):
        p95 = results[key]["p95"]
        say(f"target: {key} page p95 <= 150 ms: {p95:.1f} ms, {'met' if p95 <= 150 else 'MISSED'}")
    say(
        f"target: dashboard >= 25% of hello's req/s: {share:.0%} (median of {len(shares)} "
        f"hello-then-dashboard pairs: {', '.join(f'{x:.0%}' for x in shares)}), "
        f"{'met' if share >= 0.25 else 'MISSED'}"
    )
    say(f"page sizes (bytes): {sizes}")


if __name__ == "__main__":
    main()
