"""Where each translatable string is used: on the traveller's screens, the
staff console, or both; and on which screen.

Derived from the code, as `pybabel extract` with babel.cfg sees it (with
locations), so it never drifts from the source:

- a string extracted from `kiosk/traveller/**` is traveller-side, from
  `kiosk/staff/**` staff-side;
- a string defined in a shared module (`kiosk/core/phrases.py`,
  `kiosk/i18n/texts.py`, `kiosk/uikit/...`) takes the sides of the files that
  use the name it is bound to (`CATEGORY_TEXTS`), or a function of that module
  reading the name (`reply_text` reads `REPLY_PHRASES`); a shared string no UI
  file names is counted as the traveller's;
- a string on both sides counts as traveller-side (the stricter register).

Screens: a `.kv` file's name (`consent_screen.kv`: consent), the `...Screen`
class around the line, or the one screen the enclosing function (or a method
it calls) shows with `show("...")`; staff strings are on the console.
"""

from __future__ import annotations

import ast
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

__all__ = ["STAFF", "TRAVELLER", "StringUse", "string_uses", "traveller_side"]

TRAVELLER, STAFF = "traveller", "staff"
_PACKAGE = Path(__file__).resolve().parent.parent  # kiosk/
_ROOT = _PACKAGE.parent
_KEYWORDS = {"N_": None, "_": None, "f": None}  # as the extract command in babel.cfg
_DEFAULT_CFG = "[python: kiosk/**.py]\n[python: kiosk/**.kv]\n"
_SHOWS = re.compile(r"""\b(?:show|get_screen)\(\s*["'](\w+)["']""")


@dataclass
class StringUse:
    sides: set[str] = field(default_factory=set)
    screens: set[str] = field(default_factory=set)  # "traveller:consent", "staff:inbox"
    files: set[str] = field(default_factory=set)

    @property
    def traveller_side(self) -> bool:
        return self.sides != {STAFF}


def _side(rel: str) -> str | None:
    for side in (TRAVELLER, STAFF):
        if rel.startswith(f"kiosk/{side}/"):
            return side
    return None


class _PyFile:
    """One parsed module: what encloses a line."""

    def __init__(self, path: Path) -> None:
        self.text = path.read_text(encoding="utf-8")
        self.tree = ast.parse(self.text)
        self.defs = [n for n in ast.walk(self.tree) if isinstance(n, (ast.ClassDef, *_FUNCS))]

    def enclosing(self, line: int, kind: type | tuple[type, ...]) -> ast.AST | None:
        found = [
            n
            for n in self.defs
            if isinstance(n, kind) and n.lineno <= line <= (n.end_lineno or n.lineno)
        ]
        return max(found, key=lambda n: n.lineno, default=None)

    def binding(self, line: int) -> str | None:
        for node in self.tree.body:
            if isinstance(node, ast.Assign | ast.AnnAssign) and (
                node.lineno <= line <= (node.end_lineno or node.lineno)
            ):
                target = node.targets[0] if isinstance(node, ast.Assign) else node.target
                return target.id if isinstance(target, ast.Name) else None
        return None

    def readers_of(self, name: str) -> set[str]:
        """Top-level functions of this module that read `name`."""
        return {
            n.name
            for n in self.tree.body
            if isinstance(n, _FUNCS)
            and any(isinstance(x, ast.Name) and x.id == name for x in ast.walk(n))
        }

    def screen_at(self, line: int, follow: bool = True) -> str | None:
        cls = self.enclosing(line, ast.ClassDef)
        if isinstance(cls, ast.ClassDef) and cls.name.endswith("Screen") and cls.name != "Screen":
            return _snake(cls.name.removesuffix("Screen"))
        func = self.enclosing(line, _FUNCS)
        if not isinstance(func, _FUNCS):
            name = self.binding(line) if follow else None  # a table of texts: where it is read
            lines = {
                x.lineno
                for x in ast.walk(self.tree)
                if isinstance(x, ast.Name) and x.id == name and x.lineno != line
            }
            found = {self.screen_at(n, follow=False) for n in lines} - {None}
            return found.pop() if len(found) == 1 else None
        calls = [  # the method the text is handed to, innermost first: self._finish(tr._(...))
            x
            for x in ast.walk(func)
            if isinstance(x, ast.Call)
            and isinstance(x.func, ast.Attribute)
            and x.lineno <= line <= (x.end_lineno or x.lineno)
        ]
        for call in sorted(calls, key=lambda c: -c.lineno):
            shown = self._shows(call.func.attr)  # type: ignore[attr-defined]
            if len(shown) == 1:
                return shown.pop()
        shown = set(_SHOWS.findall(ast.get_source_segment(self.text, func) or ""))
        if not shown:  # one level down: the methods it calls
            called = {x.attr for x in ast.walk(func) if isinstance(x, ast.Attribute)}
            for name in called - {func.name}:
                shown |= self._shows(name)
        return shown.pop() if len(shown) == 1 else None

    def _shows(self, method: str) -> set[str]:
        """The screens a method of this module shows by name."""
        return {
            screen
            for n in self.defs
            if isinstance(n, _FUNCS) and n.name == method
            for screen in _SHOWS.findall(ast.get_source_segment(self.text, n) or "")
        }


_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _extract(root: Path) -> Iterator[tuple[str, int, str]]:
    cfg = root / "babel.cfg"
    text = cfg.read_text(encoding="utf-8") if cfg.exists() else _DEFAULT_CFG
    method_map, options_map = parse_mapping_cfg(io.StringIO(text))  # type: ignore[no-untyped-call]

    def only_kiosk(path: str) -> bool:
        rel = Path(path).resolve().relative_to(root.resolve()).as_posix()
        return rel == "kiosk" or rel.startswith("kiosk/")

    for filename, line, message, _comments, _context in extract_from_dir(
        str(root), method_map, options_map, keywords=_KEYWORDS, directory_filter=only_kiosk
    ):
        msgid = message[0] if isinstance(message, tuple | list) else message
        if msgid:
            yield filename, line, msgid


def _ui_files(root: Path) -> dict[str, list[tuple[str, str]]]:
    """Each UI side's files: (relative path, text)."""
    files: dict[str, list[tuple[str, str]]] = {TRAVELLER: [], STAFF: []}
    for side, found in files.items():
        for path in sorted((root / "kiosk" / side).rglob("*")):
            if path.suffix in (".py", ".kv"):
                found.append((path.relative_to(root).as_posix(), path.read_text("utf-8")))
    return files


@cache
def string_uses(root: Path = _ROOT) -> dict[str, StringUse]:
    """msgid -> where it is used, for every string `pybabel extract` finds."""
    parsed: dict[str, _PyFile] = {}

    def module_at(rel: str) -> _PyFile:
        if rel not in parsed:
            parsed[rel] = _PyFile(root / rel)
        return parsed[rel]

    ui = _ui_files(root)
    uses: dict[str, StringUse] = {}
    for rel, line, msgid in _extract(root):
        use = uses.setdefault(msgid, StringUse())
        use.files.add(rel)
        side = _side(rel)
        if rel.endswith(".kv"):
            if side:
                use.sides.add(side)
                use.screens.add(f"{side}:{Path(rel).stem.removesuffix('_screen')}")
            continue
        module = module_at(rel)
        if side:
            use.sides.add(side)
            use.screens.add(f"{side}:{module.screen_at(line) or '?'}")
            continue
        name = module.binding(line)
        names = {name, *module.readers_of(name)} if name else set()
        pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b") if names else None
        for ui_side, files in ui.items():
            for ui_rel, text in files:
                hits = [m.start() for m in pattern.finditer(text)] if pattern else []
                if not hits:
                    continue
                use.sides.add(ui_side)
                for at in hits:
                    line_no = text.count("\n", 0, at) + 1
                    screen = None
                    if ui_rel.endswith(".py"):
                        screen = module_at(ui_rel).screen_at(line_no)
                    use.screens.add(f"{ui_side}:{screen or '?'}")
        if not use.sides:
            use.sides.update((TRAVELLER, STAFF))  # no UI file names it: the stricter side
    for use in uses.values():
        use.screens = {s.replace(f"{STAFF}:?", f"{STAFF}:inbox") for s in use.screens}
        known = {s for s in use.screens if not s.endswith(":?")}
        use.screens = known or use.screens
    return uses


def traveller_side(root: Path = _ROOT) -> frozenset[str]:
    """The msgids a traveller may see (on the kiosk, or on both sides)."""
    return frozenset(m for m, use in string_uses(root).items() if use.traveller_side)
