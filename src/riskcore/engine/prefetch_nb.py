"""A cache-prefetch hint for kernels (LLVM ``llvm.prefetch``), and the look-ahead that uses it.

A cancel touches three places a random earlier order left behind: its per-order state, its
pool slot, and its two neighbours in the level's list. A new order touches its account, its
position and its investor's position sums, which with 100,000 accounts are far apart in
memory. These are cache misses that depend on each other (~100 ns each). Asking for them a
few messages ahead lets the memory system fetch them while earlier messages are matched.
A prefetch is only a hint: it never changes a result.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from riskcore._jit import DISABLED, njit_inline
from riskcore.records import CANCEL

AHEAD_STATE = 12  # messages ahead: fetch the target's per-order state
AHEAD_SLOT = 6  # ... its pool slot
AHEAD_LINKS = 3  # ... its neighbours in the level list


@intrinsic
def _prefetch(typingctx, arr, idx):
    """Emit ``llvm.prefetch(&arr[idx], read, high locality)``."""
    sig = types.void(arr, idx)

    def codegen(context, builder, signature, args):
        arr_t, idx_t = signature.args
        ary = context.make_array(arr_t)(context, builder, args[0])
        idx = context.cast(builder, args[1], idx_t, types.intp)
        ptr = cgutils.get_item_pointer(context, builder, arr_t, ary, [idx])
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return sig, codegen


def _prefetch_python(arr, idx):
    """Pure-Python stand-in when JIT is disabled."""


prefetch = _prefetch_python if DISABLED else _prefetch


@njit_inline
def prefetch_ahead(msgs, k, ords, pool, acct, pos, inv):
    """Prefetch what the messages a few places after ``k`` will touch."""
    n = len(msgs)
    n_c = inv.shape[1]
    j = k + AHEAD_STATE
    if j < n:
        if msgs[j].action == CANCEL:
            t = msgs[j].target
            if 0 <= t < len(ords):
                prefetch(ords, t)
        else:
            a = msgs[j].account
            c = msgs[j].contract
            if 0 <= a < len(acct) and 0 <= c < n_c:
                prefetch(acct, a)
                prefetch(pos, a * n_c + c)
    j = k + AHEAD_SLOT
    if j < n:
        if msgs[j].action == CANCEL:
            t = msgs[j].target
            if 0 <= t < len(ords):
                s = ords[t].slot_plus_1 - 1
                if s >= 0:
                    prefetch(pool, s)
        else:
            a = msgs[j].account
            c = msgs[j].contract
            if 0 <= a < len(acct) and 0 <= c < n_c:
                prefetch(inv[acct[a].investor, c], 0)
    j = k + AHEAD_LINKS
    if j < n and msgs[j].action == CANCEL:
        t = msgs[j].target
        if 0 <= t < len(ords):
            s = ords[t].slot_plus_1 - 1
            if s >= 0:
                if pool[s].prev >= 0:
                    prefetch(pool, pool[s].prev)
                if pool[s].next >= 0:
                    prefetch(pool, pool[s].next)
