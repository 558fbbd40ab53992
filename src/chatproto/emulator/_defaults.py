"""The emulator's defaults, each defined here and nowhere else.

`Emulator` and `FaultPlan` take theirs from here; so do the server loop
(``transports.emulator``) and the ``chatproto emulator`` command, which
must not drift from them.  Plain values only: this module imports nothing
of the package, so every other module may import it.
"""

from __future__ import annotations

#: The site the reference's examples use.
DEFAULT_SITE = "day001_221100_sql_001h"
#: The sites an emulator serves unless told otherwise.
DEFAULT_SITES = (DEFAULT_SITE,)
#: The pool the reference's examples use.
DEFAULT_POOL = "297:1"

# Capacity bounds, so a long-running emulator cannot grow without limit.
#: Agent sessions open at once.
DEFAULT_MAX_SESSIONS = 10_000
#: Engagements held, concluded ones included.
DEFAULT_MAX_ENGAGEMENTS = 100_000
#: Messages recorded, over all engagements.
DEFAULT_MAX_MESSAGES = 1_000_000

#: How late an injected delay answers, in milliseconds.
DEFAULT_FAULT_DELAY_MS = 100
