"""The emulator's defaults, each defined here and nowhere else.

`Emulator` and `FaultPlan` take theirs from here; so do the server loop
(``transports.emulator``) and the ``chatproto emulator`` command, which
must not drift from them.  The core never serves anything itself: the
serving defaults are here so that the loop and the command share one copy.
Plain values only, and nothing of the emulator imported, so every other
module of the package may import this one.
"""

from __future__ import annotations

from .. import _limits

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
#: Bytes held: the JSON size of every message recorded and of every session open.  The
#: count above bounds how many things are held, this how much: 256 posts of the largest
#: body the server loop accepts (`Limits.max_body_bytes`, 1 MiB) fill it.
DEFAULT_MAX_STORED_BYTES = 256 * 1024 * 1024

#: Accounts registered for the site calls; re-registering a username replaces its account.
DEFAULT_MAX_ACCOUNTS = 10_000
#: Bearer tokens agentTokens has issued and that are still honoured; past it the oldest lapses.
DEFAULT_MAX_TOKENS = 10_000

#: The account every emulator starts with, so the site calls work out of the box
#: (``chatproto emulator`` prints it).  Its agent id is the reference's.
DEFAULT_USERNAME = "bot"
#: A well-known test credential, printed at start: the emulator guards nothing.
DEFAULT_PASSWORD = "emulator"
DEFAULT_AGENT_ID = "12"
#: The queue every engagement waits in (the emulator has one).
DEFAULT_QUEUE_ID = 1

# getMessages.
#: How long a poll is held when nothing is queued for its session: the documented 30 s.
DEFAULT_POLL_HOLD_MS = 30_000
#: The most messages one poll answer carries; the rest wait for the next poll.
DEFAULT_MAX_MESSAGES_PER_POLL = 100
#: Messages waiting for a session's next poll; past it the oldest is dropped (a session that never
#: polls must not hold the emulator's memory).
DEFAULT_MAX_PENDING_MESSAGES = 1_000
#: Messages already delivered that a session keeps, for the transcript replay fault.
DEFAULT_REPLAY_HISTORY = 100

#: How late an injected delay answers, in milliseconds.
DEFAULT_FAULT_DELAY_MS = 100

# Where and how the server loop serves.
#: The address listened on: loopback, so nothing off this machine reaches the emulator unless asked to.
DEFAULT_HOST = "127.0.0.1"
#: The port ``chatproto emulator`` listens on (the server loop's own default is 0, a free port).
DEFAULT_PORT = 8080
#: Seconds a client has to deliver a whole request, or to start the next one on a kept-alive connection.
DEFAULT_REQUEST_TIMEOUT = 30.0
#: Seconds a client has to take each whole answer; one that does not read is dropped after this.
DEFAULT_WRITE_TIMEOUT = 30.0
#: Connections served at once, at most: the server loop lowers it to fit the process's
#: open-file limit; beyond it, a connection is answered 503 (see ``transports.emulator``).
DEFAULT_MAX_CONNECTIONS = 1024
#: The anyio backend the server loop runs on.
DEFAULT_BACKEND = "asyncio"
#: What the server loop holds clients to: `ServerConnection`'s own bounds, not a second set.
DEFAULT_LIMITS = _limits.DEFAULT_LIMITS
