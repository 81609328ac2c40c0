"""Map a key path of a TOML document to the line it is written on.

``tomllib`` gives values but no positions, so error messages would have no line numbers.
:func:`index_lines` scans the text once (after ``tomllib`` has accepted it, so it can be
lenient) and records the line of every table header, every ``key =``, every array element
and every key inside an inline table, under its key path::

    ("scenario", "start")                  -> 5
    ("orders", 3)                          -> 41   # the 4th [[orders]] header
    ("orders", 3, "qty")                   -> 47
    ("accounts", 0, "positions", 1, "long") -> 33  # inside an inline table of an array

:class:`Locator` answers with the nearest recorded ancestor when a path itself is absent (a
missing key is reported on its table's header line; a missing top-level key on line 1).
"""

from __future__ import annotations

import re

from riskcore.scenario.errors import format_path

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR_END = frozenset(",]}\n#")


class _Scanner:
    """A small recursive scanner over TOML text that records lines of key paths."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.n = len(text)
        self.i = 0
        self.line = 1
        self.lines: dict[tuple, int] = {}

    # -- low level ---------------------------------------------------------------------
    def _advance_to(self, j: int) -> None:
        self.line += self.s.count("\n", self.i, j)
        self.i = j

    def _skip_blank(self, newlines: bool = True) -> None:
        s, n = self.s, self.n
        while self.i < n:
            c = s[self.i]
            if c in " \t\r":
                self.i += 1
            elif c == "\n" and newlines:
                self.i += 1
                self.line += 1
            elif c == "#":
                j = s.find("\n", self.i)
                self.i = n if j < 0 else j
            else:
                return

    def _key(self) -> tuple[str, ...]:
        parts: list[str] = []
        while True:
            self._skip_blank(newlines=False)
            if self.i >= self.n:
                break
            c = self.s[self.i]
            if c in "\"'":
                j = self._string_end(self.i)
                raw = self.s[self.i + 1 : j - 1]
                parts.append(raw if c == "'" else raw.replace('\\"', '"'))
                self._advance_to(j)
            else:
                m = _BARE_KEY.match(self.s, self.i)
                if not m:
                    break
                parts.append(m.group(0))
                self.i = m.end()
            self._skip_blank(newlines=False)
            if self.i < self.n and self.s[self.i] == ".":
                self.i += 1
                continue
            break
        return tuple(parts)

    def _string_end(self, i: int) -> int:
        """Index just past the string starting at ``i``."""
        s = self.s
        for quote in ('"""', "'''"):
            if s.startswith(quote, i):
                j = i + 3
                while True:
                    k = s.find(quote, j)
                    if k < 0:
                        return self.n
                    if quote == '"""' and _escaped(s, k):
                        j = k + 1
                        continue
                    # a closing delimiter may be followed by up to two more quote chars
                    while k + 3 < self.n and s[k + 3] == quote[0]:
                        k += 1
                    return k + 3
        quote = s[i]
        j = i + 1
        while j < self.n:
            c = s[j]
            if c == "\\" and quote == '"':
                j += 2
                continue
            if c == quote or c == "\n":
                return j + 1
            j += 1
        return self.n

    # -- values ------------------------------------------------------------------------
    def _value(self, path: tuple) -> None:
        self._skip_blank(newlines=False)
        if self.i >= self.n:
            return
        c = self.s[self.i]
        if c == "[":
            self.i += 1
            idx = 0
            while True:
                self._skip_blank()
                if self.i >= self.n or self.s[self.i] == "]":
                    self.i += 1
                    return
                self.lines.setdefault((*path, idx), self.line)
                self._value((*path, idx))
                self._skip_blank()
                if self.i < self.n and self.s[self.i] == ",":
                    self.i += 1
                    idx += 1
        elif c == "{":
            self.i += 1
            while True:
                self._skip_blank()
                if self.i >= self.n or self.s[self.i] == "}":
                    self.i += 1
                    return
                if self.s[self.i] == ",":
                    self.i += 1
                    continue
                key = self._key()
                if not key:  # not TOML we understand: give up on this table
                    self.i += 1
                    continue
                self._record(path, key)
                self._skip_blank()
                if self.i < self.n and self.s[self.i] == "=":
                    self.i += 1
                self._value(path + key)
        elif c in "\"'":
            self._advance_to(self._string_end(self.i))
        else:
            j = self.i
            while j < self.n and self.s[j] not in _SCALAR_END:
                j += 1
            self.i = j

    def _record(self, prefix: tuple, key: tuple[str, ...]) -> None:
        for k in range(1, len(key) + 1):
            self.lines.setdefault(prefix + key[:k], self.line)

    # -- document ----------------------------------------------------------------------
    def run(self) -> dict[tuple, int]:
        current: tuple = ()
        aot_counts: dict[tuple, int] = {}

        def resolve(keys: tuple[str, ...]) -> tuple:
            out: tuple = ()
            for k in keys:
                out += (k,)
                if out in aot_counts:
                    out += (aot_counts[out] - 1,)
            return out

        while True:
            self._skip_blank()
            if self.i >= self.n:
                break
            if self.s[self.i] == "[":
                aot = self.s.startswith("[[", self.i)
                self.i += 2 if aot else 1
                keys = self._key()
                j = self.s.find("]", self.i)
                self.i = self.n if j < 0 else j + (2 if aot else 1)
                if aot:
                    parent = resolve(keys[:-1])
                    p = parent + keys[-1:]
                    aot_counts[p] = aot_counts.get(p, 0) + 1
                    self.lines.setdefault(p, self.line)
                    current = (*p, aot_counts[p] - 1)
                    self.lines.setdefault(current, self.line)
                else:
                    current = resolve(keys)
                    self.lines.setdefault(current, self.line)
                continue
            key = self._key()
            if not key:  # skip an unparseable line
                j = self.s.find("\n", self.i)
                self._advance_to(self.n if j < 0 else j)
                continue
            self._record(current, key)
            self._skip_blank(newlines=False)
            if self.i < self.n and self.s[self.i] == "=":
                self.i += 1
            self._value(current + key)
        return self.lines


def _escaped(s: str, k: int) -> bool:
    """True when the character at ``k`` is preceded by an odd number of backslashes."""
    n = 0
    while k - n - 1 >= 0 and s[k - n - 1] == "\\":
        n += 1
    return n % 2 == 1


def index_lines(text: str) -> dict[tuple, int]:
    """Line (1-based) of every key path written in the TOML ``text``.

    Parameters
    ----------
    text : str
        A TOML document, normally one that ``tomllib`` has already parsed.

    Returns
    -------
    dict
        Key path tuple (strings for keys, ints for array indices) -> line number.
    """
    try:
        return _Scanner(text).run()
    except Exception:  # pragma: no cover - the locator must never hide the real error
        return {}


class Locator:
    """Answer ``FILE:LINE`` for key paths of one TOML file.

    Parameters
    ----------
    file : str
        The file name as it should appear in messages.
    text : str
        The file's text (``""`` when there is none, e.g. overrides given in code).
    """

    def __init__(self, file: str, text: str = "") -> None:
        self.file = file
        self.has_text = bool(text)
        self.lines = index_lines(text) if text else {}

    def line(self, path: tuple) -> int:
        """Line of ``path``, or of its nearest recorded ancestor (1 if none)."""
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return 1

    def where(self, path: tuple) -> str:
        """``"FILE:LINE"`` for ``path`` (just ``FILE`` when there is no text to point into)."""
        if not self.has_text:
            return self.file
        return f"{self.file}:{self.line(path)}"

    def message(self, path: tuple, problem: str) -> str:
        """One error line: ``FILE:LINE: key 'a.b[2].c': problem``."""
        if path:
            return f"{self.where(path)}: key '{format_path(path)}': {problem}"
        return f"{self.where(path)}: {problem}"
