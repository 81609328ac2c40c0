"""The one JIT decorator of riskcore.

Every kernel is compiled with ``njit(cache=True, nogil=True)`` so the second process
start loads machine code from numba's on-disk cache instead of compiling again.
Set ``RISKCORE_NO_CACHE=1`` to compile fresh (e.g. while editing kernels) and
``RISKCORE_DISABLE_JIT=1`` to run kernels as plain Python (debugging only; very slow).

Two further options matter for speed:

- ``_nrt=False``: kernels allocate nothing, so they need no reference counting. With it
  on, numba increments and decrements every array argument's reference count atomically
  around each helper call, which cost more than the matching itself (~100 ns a message).
- ``error_model="numpy"``: arithmetic never raises (no hidden exception paths).

:func:`njit_inline` marks the functions the message loop calls for every message, order,
fill or event (a NEW message, a cancel, matching, the pre-trade checks, applying a fill,
writing a record, the look-ahead prefetch): numba inlines them into the loop, which saves
passing up to ~20 array arguments per call. On the benchmark flows that is worth about a
third of the matching time; inlining everything as well was no faster and pushed the cold
compile past 30 s.

Kernels do not check array bounds; :func:`require_indices` checks indices that come from
outside the engine before a kernel uses them.
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
    """Like :func:`njit`, and inlined into its callers at the numba IR level."""
    return fn if DISABLED else numba.njit(inline="always", **_OPTIONS)(fn)


def require_indices(values, size: int, what: str) -> None:
    """Raise ValueError unless every entry of ``values`` is an index into ``size`` items.

    Kernels do not check bounds (``error_model="numpy"``, no ``boundscheck``): a caller
    passing indices from outside the engine checks them first, once per array.
    """
    if len(values) and (int(values.min()) < 0 or int(values.max()) >= size):
        raise ValueError(f"{what} must be in 0..{size - 1}")
