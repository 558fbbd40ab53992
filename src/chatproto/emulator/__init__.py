"""The chat server's behaviour, as pure logic: a faithful local stand-in for tests and demos.

An `Emulator` is one chat server: B2C accounts and the bearer tokens the
site calls issue for them, agent sessions (status, assignment slots, a
mailbox for getMessages), a queue, engagements through their life (queued,
offered, active, concluded, released, rerouted back to the queue) with an
emulated end user, and the messages both sides send.  Its server loop
(``transports.emulator``) feeds it the events of a `ServerConnection` and
does what the returned `Reply` says::

    emulator = Emulator()
    emulator.set_wake_listener(wake)                # the loop's: cancels the wait of a held poll
    event = conn.next_event()                       # RequestReceived, InvalidRequest, HTTPRequestReceived
    reply = emulator.handle(event, now_ms=epoch_ms)  # the adapter's clock
    if reply.hold:                                  # a poll with nothing to deliver yet
        # wait until wake(reply.hold.poll_id), reply.hold.timeout_ms, or the client hangs up
        # (then emulator.release_poll(poll_id) and close); then
        reply = emulator.answer_poll(reply.hold.poll_id, now_ms=epoch_ms)
    # wait reply.delay_ms; close if reply.drop; else
    # conn.send_response(reply.status, reply.body, headers=reply.headers)

Like the rest of the core it reads no clock, starts no timer and draws no
random numbers: time comes in as ``now_ms``, a held poll is a `Hold` the
loop waits on, and new session ids and tokens come from the factories the
caller passes.  The default factories count, which keeps tests
reproducible; a server reachable over a network must pass ones that return
unguessable ids (the server loop does).

It serves all fifteen agent operations (``_agent`` tells what each does)
and the two site calls (``_site``).  postMessage, as the reference
documents it:

* 200 with ``chatPostResult: {clientReset: 0}``, ``chatSystemError: null``,
  ``clientSendTime`` (the request's ``timeCreated``, or the time it arrived),
  ``serviceStartTime`` and ``serviceFinishTime`` (epoch milliseconds), the
  session id, the session's ``clientId`` (stable for the session) and the
  request's ``sequenceNumber``, each 64-bit number with its ``...String`` twin;
  every other operation answers with the same envelope;
* 400 ``INVALID_FIELD`` naming the field for an invalid body (the
  `ServerConnection` reports those), and for a ``destinationId`` that names
  no engagement of the session's agent (the emulator only delivers to
  ``destinationType: ENGAGEMENT``);
* 403 ``ACCESS_DENIED`` for a missing, unknown or ended ``X-JSESSIONID``, an
  ``X-AID`` that does not own the session, or a ``pool`` that does not serve
  it (checked before the body, on every operation);
* 404 ``NOT_FOUND`` for unknown operations and sites;
* 409 ``CONFLICT`` for a post into an engagement that is over (concluded,
  released, or the end user left: the reference's "the lead participant has
  left the engagement").
* 500 ``UNKNOWN_EXCEPTION`` once ``max_messages`` are recorded, and 503
  ``CAPACITY_EXCEEDED`` for a post that does not fit in ``max_stored_bytes``
  (what the emulator holds, in bytes), the message naming the bound; nothing
  is recorded.

Every error, of every route, has the JSON body ``{"exceptionCode", "message"}``.

getMessages: a poll answers at once when messages are queued for its
session (at most ``DEFAULT_MAX_MESSAGES_PER_POLL``), else it is held up to
``poll_hold_ms`` and answered with one ``ChatGetTimeout``.  Messages are
numbered per session from 1.  A second poll while one is held answers the
first with ``ChatGetTimeout`` at once and takes its place (in strict mode
it is refused with 409 instead); a held poll whose client hangs up is
released, and what was queued waits for the next poll.

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
- ``_messages``: the getMessages messages, shaped in one place;
- ``_store``: the state and the rules that keep it whole (offers, the end
  of a session, pool switches, the mailbox, the byte budget);
- ``_site``: the site calls, serviceSettings and agentTokens;
- ``_agent``: the agent operations, one handler each in a table, behind one gate;
- ``_page``: what the chat page shows (`EndUserView`, `Overview`) and its long polls;
- ``_control``: the HTTP control surface, which sees the emulator only
  through the calls it makes;
- ``_state``: `Emulator`, the face of the state, which hands each request to
  the room that answers it.
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
    DEFAULT_MAX_MESSAGES_PER_POLL,
    DEFAULT_MAX_SESSIONS,
    DEFAULT_MAX_STORED_BYTES,
    DEFAULT_POLL_HOLD_MS,
    DEFAULT_POOL,
    DEFAULT_PORT,
    DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_SITE,
    DEFAULT_SITES,
    DEFAULT_WRITE_TIMEOUT,
)
from ._faults import NO_FAULTS, Fault, FaultPlan
from ._messages import CHAT_CLUSTER_POOL_ID
from ._page import (
    PAGE_FILES,
    PAGE_HOLD_MS,
    EndUserView,
    EngagementSummary,
    Overview,
    RequestSummary,
    SessionSummary,
)
from ._serving import busy_answer, request_line
from ._site import AGENT_TOKENS_PATH, SERVICE_SETTINGS_PATH
from ._state import MAX_POLL_HOLD_MS, Emulator
from ._types import (
    DEFAULT_ACCOUNT,
    AgentAccount,
    EmulatorError,
    EngagementCreated,
    EngagementState,
    EngagementStatus,
    Hold,
    Reply,
    SessionInfo,
    SessionState,
    TranscriptEntry,
)

__all__ = [
    "AGENT_TOKENS_PATH",
    "CHAT_CLUSTER_POOL_ID",
    "DEFAULT_ACCOUNT",
    "DEFAULT_BACKEND",
    "DEFAULT_FAULT_DELAY_MS",
    "DEFAULT_HOST",
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_ENGAGEMENTS",
    "DEFAULT_MAX_MESSAGES",
    "DEFAULT_MAX_MESSAGES_PER_POLL",
    "DEFAULT_MAX_SESSIONS",
    "DEFAULT_MAX_STORED_BYTES",
    "DEFAULT_POLL_HOLD_MS",
    "DEFAULT_POOL",
    "DEFAULT_PORT",
    "DEFAULT_REQUEST_TIMEOUT",
    "DEFAULT_SITE",
    "DEFAULT_SITES",
    "DEFAULT_WRITE_TIMEOUT",
    "MAX_POLL_HOLD_MS",
    "NO_FAULTS",
    "PAGE_FILES",
    "PAGE_HOLD_MS",
    "SERVICE_SETTINGS_PATH",
    "AgentAccount",
    "Emulator",
    "EmulatorError",
    "EndUserView",
    "EngagementCreated",
    "EngagementState",
    "EngagementStatus",
    "EngagementSummary",
    "ErrorBody",
    "Fault",
    "FaultPlan",
    "Hold",
    "Overview",
    "Reply",
    "RequestSummary",
    "SessionInfo",
    "SessionState",
    "SessionSummary",
    "TranscriptEntry",
    "busy_answer",
    "request_line",
]

# Public objects say they live in this module, not in the private modules behind it.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type) and _obj.__module__.startswith(("chatproto._", f"{__name__}._")):
        _obj.__module__ = __name__
del _name, _obj
