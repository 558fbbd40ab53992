"""The chat server's behaviour, as pure logic: a faithful local stand-in for tests and demos.

An `Emulator` holds sites, agent sessions, engagements and the messages
posted into them.  Its server loop (``transports.emulator``) feeds it the
events of a `ServerConnection` and does what the returned `Reply` says::

    emulator = Emulator()
    event = conn.next_event()                       # RequestReceived, InvalidRequest, HTTPRequestReceived
    reply = emulator.handle(event, now_ms=epoch_ms)  # the adapter's clock
    # wait reply.delay_ms; close if reply.drop; else
    # conn.send_response(reply.status, reply.body, headers=reply.headers)

Like the rest of the core it reads no clock and draws no random numbers:
time comes in as ``now_ms``, and new session ids come from the
``session_id_factory`` the caller passes.  The default factory counts, which
keeps tests reproducible; a server reachable over a network must pass one
that returns unguessable ids (the server loop does).

postMessage, as the reference documents it:

* 200 with ``chatPostResult: {clientReset: 0}``, ``chatSystemError: null``,
  ``clientSendTime`` (the request's ``timeCreated``, or the time it arrived),
  ``serviceStartTime`` and ``serviceFinishTime`` (epoch milliseconds), the
  session id, the session's ``clientId`` (stable for the session) and the
  request's ``sequenceNumber``, each 64-bit number with its ``...String`` twin;
* 400 ``INVALID_FIELD`` naming the field for an invalid body (the
  `ServerConnection` reports those), and for a ``destinationId`` that names
  no engagement assigned to the session (the emulator only delivers to
  ``destinationType: ENGAGEMENT``);
* 403 ``ACCESS_DENIED`` for a missing or unknown ``X-JSESSIONID``, an
  ``X-AID`` that does not own the session, or a ``pool`` other than the
  session's;
* 404 ``NOT_FOUND`` for unknown operations and sites;
* 409 ``CONFLICT`` for a post into a concluded engagement (the reference:
  "the lead participant has left the engagement").
* 500 ``UNKNOWN_EXCEPTION`` once ``max_messages`` are recorded, and 503
  ``CAPACITY_EXCEEDED`` for a post that does not fit in ``max_stored_bytes``
  (what the emulator holds, in bytes), the message naming the bound; nothing
  is recorded.

The control surface (see ``_control``) offers the same calls as
`Emulator`'s methods over HTTP, under ``/emulator/``.

This module is the package's face: it only gathers the public names.  The
rooms behind it import one way, each only those above it in this list:

- ``_defaults``: every default (site, pool, capacity bounds, the fault
  delay, where and how the server loop serves), defined once;
- ``_types``: the values handed back (`Reply`, `SessionInfo`, ...) and
  `EmulatorError`; the error body is the `ServerConnection`'s own;
- ``_serving``: what a server loop needs besides `Emulator.handle`: the
  answer to a connection it has no room for (`busy_answer`), and a request
  as its access log shows it, without secrets (`request_line`);
- ``_faults``: `FaultPlan` and `Fault`, which request fails how;
- ``_control``: the HTTP control surface, which sees the emulator only
  through the calls it makes;
- ``_state``: `Emulator`, the state and its answers.
"""

from __future__ import annotations

from .._server import ErrorBody
from ._defaults import (
    DEFAULT_BACKEND,
    DEFAULT_FAULT_DELAY_MS,
    DEFAULT_HOST,
    DEFAULT_LIMITS,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_ENGAGEMENTS,
    DEFAULT_MAX_MESSAGES,
    DEFAULT_MAX_SESSIONS,
    DEFAULT_MAX_STORED_BYTES,
    DEFAULT_POOL,
    DEFAULT_PORT,
    DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_SITE,
    DEFAULT_SITES,
    DEFAULT_WRITE_TIMEOUT,
)
from ._faults import NO_FAULTS, Fault, FaultPlan
from ._serving import busy_answer, request_line
from ._state import Emulator
from ._types import EmulatorError, EngagementCreated, Reply, SessionInfo

__all__ = [
    "DEFAULT_BACKEND",
    "DEFAULT_FAULT_DELAY_MS",
    "DEFAULT_HOST",
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_ENGAGEMENTS",
    "DEFAULT_MAX_MESSAGES",
    "DEFAULT_MAX_SESSIONS",
    "DEFAULT_MAX_STORED_BYTES",
    "DEFAULT_POOL",
    "DEFAULT_PORT",
    "DEFAULT_REQUEST_TIMEOUT",
    "DEFAULT_SITE",
    "DEFAULT_SITES",
    "DEFAULT_WRITE_TIMEOUT",
    "NO_FAULTS",
    "Emulator",
    "EmulatorError",
    "EngagementCreated",
    "ErrorBody",
    "Fault",
    "FaultPlan",
    "Reply",
    "SessionInfo",
    "busy_answer",
    "request_line",
]

# Public objects say they live in this module, not in the private modules behind it.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type) and _obj.__module__.startswith(("chatproto._", f"{__name__}._")):
        _obj.__module__ = __name__
del _name, _obj
