"""The JIT decorators of riskcore.

Every kernel is compiled with ``njit(cache=True, nogil=True)`` so the second process
start loads machine code from numba's on-disk cache instead of compiling again.
Set ``RISKCORE_NO_CACHE=1`` to compile fresh (e.g. while editing kernels) and
``RISKCORE_DISABLE_JIT=1`` to run kernels as plain Python (debugging only; very slow).

Helpers called from the hot loop use :func:`njit_inline`: numba inlines them at the IR
level. Without that, every call of a helper that takes arrays increments and decrements
each array's reference count atomically (numba's calling convention), which cost more
than the matching itself (about 100 ns per message).
"""

from __future__ import annotations

import os

import numba

CACHE = os.environ.get("RISKCORE_NO_CACHE", "") not in ("1", "true", "yes")
DISABLED = os.environ.get("RISKCORE_DISABLE_JIT", "") in ("1", "true", "yes")
_OPTIONS = {"cache": CACHE, "nogil": True, "error_model": "numpy", "_nrt": False}


def njit(fn):
    """Compile ``fn`` with numba in nopython mode, cached, without the GIL."""
    return fn if DISABLED else numba.njit(**_OPTIONS)(fn)


def njit_inline(fn):
    """Like :func:`njit`, and always inlined into its callers (hot-path helpers)."""
    return fn if DISABLED else numba.njit(inline="always", **_OPTIONS)(fn)
