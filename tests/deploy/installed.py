"""The package as a data manager installs it: `pip install .` (not editable) into a fresh virtual env."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
# what a release tree holds besides the repository's working files; the .mo files stay behind, so
# the build itself must compile them
NOT_RELEASED = shutil.ignore_patterns(".venv", ".git", "instance", "__pycache__", "*.mo", ".*_cache",
                                      ".hypothesis", "tests", "bench", "build", "*.egg-info", "node_modules")


def release_tree(target: Path) -> Path:
    """A copy of the repository as a release would unpack it (pip builds in the tree it is given)."""
    shutil.copytree(ROOT, target, ignore=NOT_RELEASED)
    return target


def install(tree: Path, venv: Path) -> Path:
    """A fresh virtual environment with the package installed from `tree`; its bin/ folder."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    result = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
                             str(tree)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return venv / "bin"


def translated(language: str, domain: str, msgid: str) -> str:
    """A string's translation in the repository's .po file (what the installed package must show)."""
    with (ROOT / "translations" / language / "LC_MESSAGES" / f"{domain}.po").open("rb") as source:
        message = read_po(source)[msgid]
    assert message is not None and message.string and message.string != msgid
    return str(message.string)
