"""kiosk.core stays pure: no Kivy, SQL, HTTP or crypto, so it is testable anywhere."""

from __future__ import annotations

import ast
from pathlib import Path

import kiosk.core

FORBIDDEN = ("kivy", "sqlalchemy", "starlette", "granian", "requests", "cryptography", "alembic")


def test_core_imports_nothing_of_the_shells() -> None:
    root = Path(kiosk.core.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []


def test_only_the_crypto_package_imports_cryptography() -> None:
    root = Path(kiosk.core.__file__).parent.parent
    offenders = []
    for path in root.rglob("*.py"):
        if "crypto" in path.relative_to(root).parts[:1]:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cryptography"):
                offenders.append(str(path.relative_to(root)))
            if isinstance(node, ast.Import) and any(
                a.name.startswith("cryptography") for a in node.names
            ):
                offenders.append(str(path.relative_to(root)))
    assert offenders == []
