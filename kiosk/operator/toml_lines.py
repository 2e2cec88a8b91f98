"""Line numbers of the keys of a TOML document, which tomllib does not give.

`key_lines(text)` maps each key path to the line it is written on: a path is
a tuple of keys and 0-based indices (arrays of tables and array elements),
e.g. ("station", 0, "area", 1, "kiosk", 0, "label"). Tables map to their
header's line. Run it only on text tomllib accepted: it trusts the syntax.
"""

from __future__ import annotations

__all__ = ["KeyPath", "key_lines", "line_of"]

KeyPath = tuple[str | int, ...]

_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.lines: dict[KeyPath, int] = {}
        self.array_tables: dict[KeyPath, int] = {}  # resolved path -> tables so far

    # -- characters ----------------------------------------------------------
    def peek(self, ahead: int = 0) -> str:
        i = self.pos + ahead
        return self.text[i] if i < len(self.text) else ""

    def advance(self, count: int = 1) -> None:
        for _ in range(count):
            if self.peek() == "\n":
                self.line += 1
            self.pos += 1

    def skip_blank(self, newlines: bool) -> None:
        while self.peek():
            ch = self.peek()
            if ch in " \t\r" or (newlines and ch == "\n"):
                self.advance()
            elif ch == "#":
                while self.peek() and self.peek() != "\n":
                    self.advance()
            else:
                return

    def ensure_progress(self, start: int) -> None:
        """Never loop on text this scanner does not understand: step over it."""
        if self.pos == start:
            self.advance()

    def record(self, path: KeyPath) -> None:
        self.lines.setdefault(path, self.line)

    # -- document ------------------------------------------------------------
    def document(self) -> dict[KeyPath, int]:
        current: KeyPath = ()
        while True:
            self.skip_blank(newlines=True)
            if not self.peek():
                return self.lines
            start = self.pos
            if self.peek() == "[":
                current = self.header()
            else:
                self.key_value(current)
            self.ensure_progress(start)

    def header(self) -> KeyPath:
        array = self.peek(1) == "["
        self.advance(2 if array else 1)
        keys = self.keys()
        self.advance(2 if array else 1)
        resolved: KeyPath = ()
        for key in keys[:-1]:
            resolved += (key,)
            if resolved in self.array_tables:
                resolved += (self.array_tables[resolved] - 1,)
        resolved += (keys[-1],)
        self.record(resolved)
        if array:
            index = self.array_tables.get(resolved, 0)
            self.array_tables[resolved] = index + 1
            resolved += (index,)
            self.record(resolved)
        return resolved

    def keys(self) -> list[str]:
        keys: list[str] = []
        while True:
            self.skip_blank(newlines=False)
            if self.peek() in "\"'":
                keys.append(self.string())
            else:
                start = self.pos
                while self.peek() in _BARE and self.peek():
                    self.advance()
                keys.append(self.text[start : self.pos])
            self.skip_blank(newlines=False)
            if self.peek() != ".":
                return keys
            self.advance()

    def key_value(self, table: KeyPath) -> None:
        path = table
        for key in self.keys():
            path += (key,)
            self.record(path)
        self.advance()  # "="
        self.skip_blank(newlines=False)
        self.value(path)

    # -- values --------------------------------------------------------------
    def value(self, path: KeyPath) -> None:
        ch = self.peek()
        if ch in "\"'":
            self.string()
        elif ch == "[":
            self.array(path)
        elif ch == "{":
            self.inline_table(path)
        else:
            while self.peek() and self.peek() not in ",]}\n#":
                self.advance()

    def array(self, path: KeyPath) -> None:
        self.advance()
        index = 0
        while True:
            self.skip_blank(newlines=True)
            if self.peek() in ("]", ""):
                self.advance()
                return
            self.record((*path, index))
            start = self.pos
            self.value((*path, index))
            self.ensure_progress(start)
            index += 1
            self.skip_blank(newlines=True)
            if self.peek() == ",":
                self.advance()

    def inline_table(self, path: KeyPath) -> None:
        self.advance()
        while True:
            self.skip_blank(newlines=False)
            if self.peek() in ("}", ""):
                self.advance()
                return
            start = self.pos
            self.key_value(path)
            self.ensure_progress(start)
            self.skip_blank(newlines=False)
            if self.peek() == ",":
                self.advance()

    def string(self) -> str:
        quote = self.peek()
        if self.text.startswith(quote * 3, self.pos):
            self.advance(3)
            end = self.text.find(quote * 3, self.pos)
            while self.text.startswith(quote, end + 3):  # up to two quotes end the content
                end += 1
            content = self.text[self.pos : end]
            self.advance(end + 3 - self.pos)
            return content
        self.advance()
        start = self.pos
        while self.peek() and self.peek() != quote:
            if quote == '"' and self.peek() == "\\":
                self.advance()
            self.advance()
        content = self.text[start : self.pos]
        self.advance()
        # Quoted keys are rare in a site file; escapes inside them are kept as written.
        return content


def key_lines(text: str) -> dict[KeyPath, int]:
    return _Scanner(text).document()


def line_of(lines: dict[KeyPath, int], path: KeyPath) -> int:
    """The line of `path`, else of the nearest enclosing key or table that has one."""
    for end in range(len(path), 0, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return 1
