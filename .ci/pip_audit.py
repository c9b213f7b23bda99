#!/usr/bin/env python3
"""Audit the installed dependencies for known vulnerabilities with pip-audit.

Policy (see .ci/pip-audit-ignore.txt for accepted findings):
* a known vulnerability that is not listed in the ignore file fails the build;
* if the vulnerability service cannot be reached, or cannot look our packages up (offline,
  a proxy that only serves the simple index), this prints a loud WARNING and passes: a
  network outage must not block every merge, and it is never reported as "clean".
  Set PIP_AUDIT_STRICT=1 to make that case fail too.
"""

import json
import os
import re
import subprocess  # runs pip-audit: a fixed argument list, no shell (bandit: low only)
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
IGNORE_FILE = HERE / "pip-audit-ignore.txt"


def ignored_ids() -> list[str]:
    """IDs from the ignore file: one per line, each followed by '#' and its justification."""
    ids = []
    for number, line in enumerate(IGNORE_FILE.read_text().splitlines(), 1):
        entry, _, reason = line.partition("#")
        if not entry.strip():
            continue
        if not reason.strip():
            sys.exit(f"{IGNORE_FILE.name}:{number}: every accepted finding needs a justification")
        ids.append(entry.strip())
    return ids


def warn_or_fail(message: str) -> int:
    print(f"WARNING: pip-audit could not check the dependencies: {message}", file=sys.stderr)
    print("WARNING: the audit did NOT run; this is not a clean result.", file=sys.stderr)
    return 1 if os.environ.get("PIP_AUDIT_STRICT") == "1" else 0


def main() -> int:
    command = [
        sys.executable,
        "-m",
        "pip_audit",
        "--progress-spinner",
        "off",
        "--skip-editable",
        "--format",
        "json",
    ]
    for vuln_id in ignored_ids():
        command += ["--ignore-vuln", vuln_id]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        if re.search(r"connect|resolve|timed? ?out|network|HTTP|SSL", result.stderr, re.I):
            return warn_or_fail(last)
        print(result.stderr, file=sys.stderr)
        return result.returncode or 1

    dependencies = report.get("dependencies", [])
    audited = [d for d in dependencies if "skip_reason" not in d]
    found = [(d, v) for d in audited for v in d.get("vulns", [])]
    for dependency, vuln in found:
        fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
        print(f"{dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixes})")
    if found:
        print(
            f"pip-audit: {len(found)} known vulnerabilities; upgrade, or justify each in "
            f"{IGNORE_FILE.relative_to(HERE.parent)}",
            file=sys.stderr,
        )
        return 1
    if dependencies and not audited:
        return warn_or_fail(
            f"none of {len(dependencies)} packages could be looked up "
            f"({dependencies[0].get('skip_reason', '')})"
        )
    print(
        f"pip-audit: no known vulnerabilities in {len(audited)} packages "
        f"({len(dependencies) - len(audited)} skipped)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
