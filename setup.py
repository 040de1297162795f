"""setuptools' build hook: a built package carries its data and compiled translation catalogues.

The study files, instruments, migrations and catalogues sit beside `portal/` in the repository.
A wheel (`pip install .`) gets them inside the package, under portal/shipped/, where
portal.config.DATA_ROOT looks first; each .po is compiled there to its .mo with Babel, and the .po
files stay behind (an installer's file times cannot say which of the two is newer). An editable
install (`pip install -e .`) reads the repository itself: its catalogues are compiled in place.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
DATA = ("studies", "instruments", "migrations")
SKIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", "README*")


def compile_catalogues(source: Path, target: Path) -> None:
    """Every translations/<lang>/LC_MESSAGES/<domain>.po under `source` as a .mo under `target`."""
    for po in sorted(source.glob("*/LC_MESSAGES/*.po")):
        mo = target / po.relative_to(source).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as text:
            catalog = read_po(text, locale=po.parts[-3], domain=po.stem)
        if catalog.fuzzy:
            raise SystemExit(f"{po}: the catalogue is marked fuzzy; translate it before building")
        with mo.open("wb") as compiled:
            write_mo(compiled, catalog)


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            compile_catalogues(ROOT / "translations", ROOT / "translations")
            return
        shipped = Path(self.build_lib) / "portal" / "shipped"
        for name in DATA:
            shutil.copytree(ROOT / name, shipped / name, ignore=SKIPPED, dirs_exist_ok=True)
        compile_catalogues(ROOT / "translations", shipped / "translations")


setup(cmdclass={"build_py": BuildWithData})
