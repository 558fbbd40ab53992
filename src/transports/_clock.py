"""The wall clock the core stamps ``time_created`` with, read by the adapter, in epoch milliseconds."""

from __future__ import annotations

import time
from collections.abc import Callable

#: What a client reads unless given ``clock=``: seconds since the epoch.
WALL_CLOCK: Callable[[], float] = time.time


def now_ms(clock: Callable[[], float]) -> int:
    """``clock()`` in whole milliseconds, as the core's ``send(request, now_ms=...)`` takes it."""
    return int(clock() * 1000)
