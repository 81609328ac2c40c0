"""One self-redrawing status line on a terminal, shared by the progress bars of the CLI."""

from __future__ import annotations

import time
from typing import TextIO


class TerminalLine:
    """A line redrawn in place (``\\r`` and clear to the end of the line), at most every
    ``interval`` seconds except for the final draw; :meth:`close` clears it.

    Parameters
    ----------
    stream : text stream
        Normally ``sys.stderr``; callers create a line only when it is a terminal.
    """

    width = 30
    interval = 0.1  # s between two redraws

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.last_draw = 0.0
        self.drawn = False

    def due(self, final: bool = False, now: float | None = None) -> bool:
        """True when the line should be redrawn now (always for the ``final`` draw);
        ``now``: the caller's ``time.monotonic()`` reading, when it has one."""
        now = time.monotonic() if now is None else now
        if not final and self.drawn and now - self.last_draw < self.interval:
            return False
        self.last_draw = now
        return True

    def bar(self, frac: float) -> str:
        """``[#####.....]`` for a fraction done (clipped to 0..1)."""
        fill = round(min(max(frac, 0.0), 1.0) * self.width)
        return f"[{'#' * fill}{'.' * (self.width - fill)}]"

    def draw(self, text: str) -> None:
        """Replace the line with ``text``."""
        self.stream.write("\r" + text + "\x1b[K")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """Clear the line."""
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False
