"""The exceptions the core raises.

Whether an error is local or remote depends on which side is at fault, not on
which method noticed it: the caller asked for something invalid
(`LocalProtocolError`), or the peer sent something invalid
(`RemoteProtocolError`).  No other exception leaves a public method of the core.

Messages never carry a session id or a bearer token: they name the field and,
for bad characters, the character and its position only.
"""

from __future__ import annotations


class ProtocolError(Exception):
    """Base class of every error the sans-IO core raises.

    ``error_status_hint`` is the HTTP status a server would answer with when
    the error was caused by a peer's request (400 by default).
    """

    def __init__(self, message: str, *, error_status_hint: int = 400) -> None:
        super().__init__(message)
        self.error_status_hint = error_status_hint


class LocalProtocolError(ProtocolError):
    """The caller asked for something invalid; nothing was sent."""


class RemoteProtocolError(ProtocolError):
    """The peer sent something invalid; the connection cannot be reused."""


class LimitExceeded(RemoteProtocolError):
    """The peer exceeded one of the configured `Limits`."""

    def __init__(self, limit_name: str, limit: int, observed: int, *, error_status_hint: int = 400) -> None:
        super().__init__(
            f"{limit_name} exceeded: {observed} > {limit}",
            error_status_hint=error_status_hint,
        )
        self.limit_name = limit_name
        self.limit = limit
        self.observed = observed


class SequenceMismatch(RemoteProtocolError):
    """A response carried a sequence number other than its request's."""

    def __init__(self, expected: int, got: int) -> None:
        super().__init__(f"response sequenceNumber {got} does not match the request's {expected}")
        self.expected = expected
        self.got = got


class PeerClosedEarly(RemoteProtocolError):
    """The peer closed the connection before the message in progress was complete."""
