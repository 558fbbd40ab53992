"""The errors the transports raise, beside the core's `chatproto.ApiError`.

The tree answers the one question a caller of a non-idempotent operation has
after a failure: could the server have acted on the request?

- `ConnectError`: no.  Nothing of the request was written (refused, name
  resolution, TLS handshake or verification, connect timeout, no free
  connection in time).  Sending again is safe.
- `OutcomeUnknownError`: maybe.  Bytes of the request were written, then the
  connection failed (reset, closed or garbage before a complete response, a
  timeout while waiting).  Sending again may post the message twice.

Timeouts also derive from `TransportTimeout`, and a failure caused by the
server breaking the protocol also derives from the core's
`chatproto.RemoteProtocolError`.  The underlying exception is always chained
as ``__cause__``.
"""

from __future__ import annotations

import chatproto as cp


class TransportError(Exception):
    """Base class of every network failure the transports report.

    Attributes:
        request: the request being sent when the failure happened (with the
            sequence number it was given, once one was; a site call's request
            during `log_on`), or None.
    """

    def __init__(self, message: str, *, request: cp.Request | cp.SiteRequest | None = None) -> None:
        super().__init__(message)
        self.request = request


class TransportTimeout(TransportError):
    """The call's ``timeout`` ran out."""


class ClientClosedError(TransportError):
    """The client was closed; nothing was sent."""


class ConnectError(TransportError):
    """The call failed before any byte of the request was written; it is safe to send again."""


class ConnectTimeout(ConnectError, TransportTimeout):
    """The timeout ran out while connecting (or waiting for a free connection)."""


class OutcomeUnknownError(TransportError):
    """The call failed after bytes of the request were written: the server may have acted on it."""


class OutcomeUnknownTimeout(OutcomeUnknownError, TransportTimeout):
    """The timeout ran out while writing the request or waiting for the response."""


class OutcomeUnknownProtocolError(OutcomeUnknownError, cp.RemoteProtocolError):
    """The server broke the protocol after the request was written (garbage,
    a close mid-response, a limit exceeded, a mismatched sequence number)."""
