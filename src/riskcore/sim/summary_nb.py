"""Kernel of the day's per-contract trade summary (the ``prices`` table): one pass over fills.

Replaces five ``ufunc.at`` scatters over the day's book trades (about 9 million fills for 20
million messages: ~0.6 s) with one pass in fill order (a few hundredths of a second).
"""

from __future__ import annotations

from riskcore._jit import njit


@njit
def book_summary(contract, price, qty, first, last, high, low, volume, trades):
    """Per contract: price of the first and last trade (ticks, in fill order), highest and
    lowest price (ticks), lots traded and number of trades; 0 everywhere for a contract
    without trades. The output arrays (int64, one entry per contract) are the caller's."""
    for c in range(len(trades)):
        first[c] = 0
        last[c] = 0
        high[c] = 0
        low[c] = 0
        volume[c] = 0
        trades[c] = 0
    for i in range(len(contract)):
        c = contract[i]
        p = price[i]
        if trades[c] == 0:
            first[c] = p
            high[c] = p
            low[c] = p
        else:
            high[c] = max(high[c], p)
            low[c] = min(low[c], p)
        last[c] = p
        volume[c] += qty[i]
        trades[c] += 1
