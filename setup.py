"""Build hook: the wheel carries everything the apps need at run time.

The top-level `assets/` (fonts, sounds) and `locales/` (catalogs, compiled to
.mo here) are copied into the package as `kiosk/_data/`, where
`kiosk.resources` finds them in an installed kiosk. Everything else is in
pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithData(build_py):  # type: ignore[misc]
    def run(self) -> None:
        super().run()
        data = Path(self.build_lib) / "kiosk" / "_data"
        shutil.rmtree(data, ignore_errors=True)
        shutil.copytree(HERE / "assets", data / "assets")
        # The template too: `kiosk i18n report` and `kiosk doctor` measure against it.
        (data / "locales").mkdir(parents=True)
        shutil.copyfile(HERE / "locales" / "kiosk.pot", data / "locales" / "kiosk.pot")
        for po in (HERE / "locales").glob("*/LC_MESSAGES/*.po"):  # kiosk.po, he speech.po
            target = data / "locales" / po.relative_to(HERE / "locales")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(po, target)
            with po.open("rb") as f:
                catalog = read_po(f, locale=po.parent.parent.name)
            with target.with_suffix(".mo").open("wb") as f:
                write_mo(f, catalog)


setup(cmdclass={"build_py": BuildWithData})
