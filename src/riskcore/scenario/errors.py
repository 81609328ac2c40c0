"""The one error type of scenario loading, and how its one-line messages are built.

Every message names where the problem is and what is wrong::

    FILE:LINE: key 'orders[3].qty': the string "ten" is not an integer (expected lots, e.g. 5)
    FILE: row 17, column 'side': "long" is not allowed (expected buy | sell)

A scenario is data: nothing in it is evaluated, imported or unpickled.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable


class ScenarioError(ValueError):
    """A scenario, rulebook or flow file that cannot be loaded.

    ``str(err)`` is one line: ``FILE:LINE: key 'x': what is wrong (expected ...)`` (flow files:
    ``FILE: row N, column 'x': ...``). When several problems were found in one pass,
    ``err.errors`` holds every line (the message is the first); the CLI prints them all.

    Attributes
    ----------
    errors : tuple of str
        Every problem found, one line each, in file order of discovery.
    """

    def __init__(self, message: str, errors: Iterable[str] | None = None) -> None:
        message = one_line(message)
        super().__init__(message)
        self.errors: tuple[str, ...] = (
            tuple(one_line(e) for e in errors) if errors is not None else (message,)
        )


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped (``\\n``, ``\\x00``):
    a message stays one printable line even when it quotes a value (or a library's message)
    that spans several."""
    return _CONTROL.sub(_escape, text)


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")  # what splitlines() splits at
_NAMED = {"\n": "\\n", "\r": "\\r"}


def _escape(m: re.Match) -> str:
    c = m.group()
    return _NAMED.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}")


def quote(text: str) -> str:
    """``text`` in double quotes for a message, with quotes, backslashes and control
    characters escaped (``"C\\n1"``); other characters, Chinese included, as they are."""
    return json.dumps(text, ensure_ascii=False)


def suggest(word: str, known: Iterable[str]) -> str:
    """A `` (did you mean 'y'?)`` suffix when ``word`` is close to one of ``known``, else ``''``."""
    match = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def format_path(path: tuple) -> str:
    """``("orders", 3, "qty")`` -> ``"orders[3].qty"``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
