"""Fault in fresh output memory on another core while a kernel fills it.

A large batch writes hundreds of MB of order events, fills and order slots into buffers
that are new to the process. The first write to each page of them is a page fault in
which the operating system zeroes the page: on the standard benchmark flow (4 million
messages, 233 MB of events) that is 8-15 % of the batch, spent on the matching core.

:class:`Prefaulter` moves that work to a helper thread. While the kernel runs, the thread
keeps each buffer mapped a little ahead of the kernel's write position (the row counter
the kernel advances) with ``madvise(MADV_POPULATE_WRITE)``: the pages are faulted in as a
write would, but no byte is read or written, so running beside the kernel's own writes
changes nothing the kernel sees. It stays :data:`AHEAD_BYTES` ahead, not further, and
when the kernel returns, the pages it faulted in but the kernel never reached are given back
(``MADV_DONTNEED``), so pages the batch never writes still cost no memory.

It needs Linux 5.14 or later. Elsewhere, or where the call is refused, :func:`available`
is false and the engine runs without it: results are the same, only the page faults stay
on the kernel's core.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import threading

import numpy as np

MADV_DONTNEED = 4  # linux/mman.h
MADV_POPULATE_WRITE = 23  # linux/mman.h (Linux 5.14)
PAGE = 4096
AHEAD_BYTES = 16 << 20
"""How far past a kernel's write position each buffer is kept mapped."""
POLL_S = 0.001
"""How often the helper looks at the kernels' counters, seconds."""


def _load_madvise():
    """libc's ``madvise``, if this is Linux and the kernel knows ``MADV_POPULATE_WRITE``."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        fn = libc.madvise
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    fn.restype = ctypes.c_int
    probe = np.empty(4 * PAGE, dtype=np.uint8)
    start = -probe.ctypes.data % PAGE
    if fn(probe.ctypes.data + start, PAGE, MADV_POPULATE_WRITE) != 0:
        return None  # e.g. EINVAL: a kernel before 5.14
    return fn


_MADVISE = _load_madvise()


def available() -> bool:
    """True if buffers can be faulted in ahead of a kernel on this system."""
    return _MADVISE is not None


def _whole_pages(buf: np.ndarray, lo: int, hi: int) -> tuple[int, int]:
    """Addresses of the whole pages within bytes ``[lo, hi)`` of contiguous ``buf``."""
    base = buf.ctypes.data
    start = -(-(base + max(lo, 0)) // PAGE) * PAGE
    return start, max(start, (base + min(hi, buf.nbytes)) // PAGE * PAGE)


def populate(buf: np.ndarray, lo: int, hi: int) -> None:
    """Fault in the whole pages within bytes ``[lo, hi)`` of contiguous ``buf`` for writing,
    without changing a byte (a page only partly inside is left to the writer)."""
    start, stop = _whole_pages(buf, lo, hi)
    if _MADVISE is not None and stop > start:
        _MADVISE(start, stop - start, MADV_POPULATE_WRITE)  # a refusal only costs the faults


def release(buf: np.ndarray, lo: int, hi: int) -> None:
    """Give back the memory of the whole pages within bytes ``[lo, hi)`` of ``buf``, which
    hold nothing anyone reads (faulted in ahead but never written): they cost no memory
    again until written, and read as zeros."""
    start, stop = _whole_pages(buf, lo, hi)
    if _MADVISE is not None and stop > start:
        _MADVISE(start, stop - start, MADV_DONTNEED)


class Prefaulter:
    """While a kernel runs, keep its output buffers faulted in ahead of its writes.

    Parameters
    ----------
    counters : ndarray of int64
        The kernel's counter array, read (never written) by the helper thread.
    targets : sequence of (ndarray, int)
        Each buffer the kernel writes row by row from row 0, with the index in ``counters``
        of its next row.

    Use as a context manager around the kernel call; the thread stops when it exits.
    With nothing to do (:func:`available` false, or no target) no thread starts.
    """

    def __init__(self, counters: np.ndarray, targets) -> None:
        self._counters = counters
        self._targets = [(buf, int(i)) for buf, i in targets if buf.nbytes > PAGE]
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._mapped = [0] * len(self._targets)  # bytes of each buffer faulted in so far

    def __enter__(self) -> Prefaulter:
        if available() and self._targets:
            self._thread = threading.Thread(target=self._run, name="riskcore-prefault")
            self._thread.daemon = True
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._thread is not None:
            self._done.set()
            self._thread.join()
            for (buf, i), mapped in zip(self._targets, self._mapped, strict=True):
                release(buf, int(self._counters[i]) * buf.itemsize, mapped)  # never written

    def _run(self) -> None:
        mapped = self._mapped
        while True:
            for k, (buf, i) in enumerate(self._targets):
                at = int(self._counters[i]) * buf.itemsize
                want = min(at + AHEAD_BYTES, buf.nbytes)
                if want - max(mapped[k], at) >= AHEAD_BYTES // 4:
                    populate(buf, max(mapped[k], at), want)
                    mapped[k] = want
            if self._done.wait(POLL_S):
                return
