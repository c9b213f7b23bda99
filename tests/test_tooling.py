"""The development tools agree on their versions: one pin each, in requirements/lock.txt."""

import re

from mri_match import PROJECT_ROOT


def test_pre_commit_runs_the_ruff_the_lock_file_installs():
    lock = (PROJECT_ROOT / "requirements" / "lock.txt").read_text(encoding="utf-8")
    hooks = (PROJECT_ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    locked = re.search(r"^ruff==(\S+)", lock, re.MULTILINE).group(1)
    assert set(re.findall(r"ruff==([\w.]+)", hooks)) == {locked}
