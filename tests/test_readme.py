"""The README stays true to the code: its configuration table names every environment variable
the app reads, and its layout table every top-level folder and every package of ``mri_match``."""

import os
import re

from mri_match import PROJECT_ROOT, config

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
NOT_PROJECT_FOLDERS = {"build", "dist", "test-artifacts", "__pycache__"}


def _section(title: str) -> str:
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


class _RecordingEnvironment(dict):
    """An empty environment that remembers which variables were asked for."""

    def __init__(self):
        super().__init__()
        self.asked: set[str] = set()

    def get(self, key, default=None):
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.asked.add(key)
        return super().__getitem__(key)


def test_every_environment_variable_is_in_the_configuration_table(monkeypatch):
    environment = _RecordingEnvironment()
    with monkeypatch.context() as patch:
        patch.setattr(os, "environ", environment)
        config.from_environment()
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", _section("Configuration")))
    assert environment.asked, "from_environment read nothing"
    assert environment.asked <= documented, sorted(environment.asked - documented)


def test_the_layout_table_names_every_folder_and_package():
    listed = set(re.findall(r"^\| `([^`]+)/` \|", _section("Layout"), re.MULTILINE))
    folders = {
        path.name
        for path in PROJECT_ROOT.iterdir()
        if path.is_dir()
        and (path.name == ".ci" or not path.name.startswith("."))
        and path.name not in NOT_PROJECT_FOLDERS
        and not path.name.endswith(".egg-info")
    }
    packages = {
        f"mri_match/{path.parent.name}"
        for path in (PROJECT_ROOT / "mri_match").glob("*/__init__.py")
    }
    assert listed == folders | packages
