"""Injected faults: which request fails how, reproducibly.

A `FaultPlan` gives each kind of fault a probability.  Whether the n-th
eligible request gets a fault is decided by a hash of the plan's seed and n,
not by a random generator: the same seed gives the same faults in the same
order, in every process and on every run.  At most one fault applies to a
request.

Two kinds of request are eligible, each counted on its own: a post that would
otherwise succeed (the post faults: delay, close before or after recording, a
server error, a pool change), and a getMessages answer that carries messages
(the poll faults: the answer dropped, a replay of the transcript, a takeover
of the session by another logon).  The rates of each kind add up to at most 1.
"""

from __future__ import annotations

import enum
import hashlib
import math

import msgspec

from ._defaults import DEFAULT_FAULT_DELAY_MS
from ._types import EmulatorError

#: The longest injected delay: ten minutes is past any client's timeout.
MAX_DELAY_MS = 600_000
_RATE_FIELDS = ("delay", "close_before_record", "close_after_record", "server_error", "pool_change")
_POLL_RATE_FIELDS = ("drop_poll", "replay", "takeover")


class Fault(enum.Enum):
    """What happens to one request."""

    #: Nothing: it is answered normally.
    NONE = "NONE"
    #: It is recorded and answered, after `FaultPlan.delay_ms`.
    DELAY = "DELAY"
    #: The connection is closed before the message is recorded.
    CLOSE_BEFORE_RECORD = "CLOSE_BEFORE_RECORD"
    #: The message is recorded, then the connection is closed without an answer.
    CLOSE_AFTER_RECORD = "CLOSE_AFTER_RECORD"
    #: It is answered 500 ``UNKNOWN_EXCEPTION`` and not recorded.
    SERVER_ERROR = "SERVER_ERROR"
    #: The session moves to another pool just before the request arrives, so
    #: it is answered 403 (the old pool no longer knows the session) and not
    #: recorded; the message names the new pool.
    POOL_CHANGE = "POOL_CHANGE"
    #: A poll answer: its messages count as delivered (they are not sent again), and the
    #: connection is closed without the answer, so the client sees a gap in the numbers.
    DROP_POLL = "DROP_POLL"
    #: A poll answer: it carries the messages the session was already given again, with
    #: their numbers, before the new ones, as a server replaying the transcript does.
    REPLAY = "REPLAY"
    #: A poll answer: another logon of the same agent (``logonOverride``) takes the
    #: session over just before; the poll is answered 403 and the session is ended.
    TAKEOVER = "TAKEOVER"


# The faults in the order of their rates in _RATE_FIELDS and _POLL_RATE_FIELDS.
_FAULTS = (Fault.DELAY, Fault.CLOSE_BEFORE_RECORD, Fault.CLOSE_AFTER_RECORD, Fault.SERVER_ERROR, Fault.POOL_CHANGE)
_POLL_FAULTS = (Fault.DROP_POLL, Fault.REPLAY, Fault.TAKEOVER)


class FaultPlan(msgspec.Struct, frozen=True, kw_only=True, rename="camel", forbid_unknown_fields=True):
    """How often each fault is injected, and the seed that makes it reproducible.

    Every rate is a probability from 0 to 1, and the rates of posts, like
    those of polls, may not exceed 1 together.  All zero (the default) means
    no faults.  On the wire (``POST /emulator/faults``) the names are
    camelCase: ``seed``, ``delay``, ``delayMs``, ``closeBeforeRecord``,
    ``closeAfterRecord``, ``serverError``, ``poolChange``, ``dropPoll``,
    ``replay``, ``takeover``.

    Raises:
        EmulatorError: a rate out of range or of the wrong type, rates adding up
            past 1, or a delay out of range.
    """

    seed: int = 0
    delay: float = 0.0
    delay_ms: int = DEFAULT_FAULT_DELAY_MS
    close_before_record: float = 0.0
    close_after_record: float = 0.0
    server_error: float = 0.0
    pool_change: float = 0.0
    drop_poll: float = 0.0
    replay: float = 0.0
    takeover: float = 0.0

    def __post_init__(self) -> None:
        if type(self.seed) is not int:
            raise _invalid(f"seed must be an int, not {type(self.seed).__name__}")
        if type(self.delay_ms) is not int or not 0 <= self.delay_ms <= MAX_DELAY_MS:
            raise _invalid(f"delayMs must be an int from 0 to {MAX_DELAY_MS}")
        for fields, what in ((_RATE_FIELDS, "fault rates"), (_POLL_RATE_FIELDS, "poll fault rates")):
            total = 0.0
            for name in fields:
                rate = getattr(self, name)
                if type(rate) not in (int, float) or not math.isfinite(rate) or not 0 <= rate <= 1:
                    raise _invalid(f"{_camel(name)} must be a number from 0 to 1, not {rate!r}")
                total += rate
            if total > 1 + 1e-9:
                raise _invalid(f"the {what} add up to {total:g}; at most one fault applies, so they may not exceed 1")

    @property
    def active(self) -> bool:
        """Whether any fault can happen to a post."""
        return any(getattr(self, name) for name in _RATE_FIELDS)

    @property
    def polls_active(self) -> bool:
        """Whether any fault can happen to a poll answer."""
        return any(getattr(self, name) for name in _POLL_RATE_FIELDS)

    def fault_for(self, counter: int) -> Fault:
        """The fault for the ``counter``-th eligible post (a pure function of seed and counter)."""
        return self._draw(f"{self.seed}:{counter}", _RATE_FIELDS, _FAULTS)

    def poll_fault_for(self, counter: int) -> Fault:
        """The fault for the ``counter``-th poll answer that carries messages (likewise pure)."""
        return self._draw(f"{self.seed}:poll:{counter}", _POLL_RATE_FIELDS, _POLL_FAULTS)

    def _draw(self, key: str, fields: tuple[str, ...], faults: tuple[Fault, ...]) -> Fault:
        digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
        draw = int.from_bytes(digest, "big") / 2**64  # uniform in [0, 1)
        threshold = 0.0
        for name, fault in zip(fields, faults, strict=True):
            threshold += getattr(self, name)
            if draw < threshold:
                return fault
        return Fault.NONE


NO_FAULTS = FaultPlan()


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _invalid(message: str) -> EmulatorError:
    return EmulatorError(400, "INVALID_FIELD", f"invalid fault plan: {message}")
