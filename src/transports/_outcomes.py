"""Error mapping: how a call ended, turned into its response or the error it raises.

The core's answer becomes the typed response or a `chatproto.ApiError`; a
backend's `OSError` (or the core's `RemoteProtocolError`) becomes a
`ConnectError` when nothing of the request was written, an
`OutcomeUnknownError` when something was; a deadline that passed becomes the
timeout of the same side.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from typing import Any

import chatproto as cp

from ._errors import (
    ConnectError,
    ConnectTimeout,
    OutcomeUnknownError,
    OutcomeUnknownProtocolError,
    OutcomeUnknownTimeout,
)
from ._url import Endpoint

#: Any request a client sends: an agent operation's, or a site call's.
AnyRequest = cp.Request | cp.SiteRequest
#: Any answer the core gives a client.
AnyAnswer = cp.ResponseReceived | cp.ErrorReceived | cp.SiteResponseReceived | cp.SiteErrorReceived


def result_of(answer: AnyAnswer) -> Any:
    """The typed response, or the `ApiError` the server's answer means.

    A site call's error (a 401 for a bad login) is an `ApiError` with the
    status, and the code and message its body carried.
    """
    kind = type(answer)
    if kind is cp.ErrorReceived:
        raise cp.ApiError.from_event(answer)  # type: ignore[arg-type]
    if kind is cp.SiteErrorReceived:
        raise cp.ApiError(answer.status, answer.code, answer.message)  # type: ignore[union-attr]
    return answer.response  # type: ignore[union-attr]


_NOTHING_SENT = "nothing of the request was sent, so it is safe to send again"
_MAY_HAVE_ACTED = "so it may have been acted on"


def connect_error(endpoint: Endpoint, exc: OSError) -> ConnectError:
    """The error for a connection that could not be had: nothing of the request was written."""
    if isinstance(exc, TimeoutError):
        return ConnectTimeout(f"cannot connect to {endpoint}: timed out; {_NOTHING_SENT} ({describe(exc)})")
    return ConnectError(f"cannot connect to {endpoint}: {what_happened(exc)}; {_NOTHING_SENT} ({describe(exc)})")


#: Request types whose operation is safe to repeat (a GET: RFC 9110 section 9.2.1).
_SAFE_REQUESTS = frozenset(
    [op.request_type for op in cp.OPERATIONS.values() if op.method == "GET"]
    + [op.request_type for op in cp.SITE_OPERATIONS.values() if op.method == "GET"]
)


def resend_after_close(request: AnyRequest | None) -> bool:
    """Whether ``request``, written whole on a reused connection that the server then closed
    without a byte of answer, may be sent again: only if repeating it is harmless (RFC 9112
    section 9.3.1), which a POST is not, since the server may have acted on it."""
    return type(request) in _SAFE_REQUESTS


def closed_unanswered(exc: OSError | cp.RemoteProtocolError) -> bool:
    """Whether ``exc`` is the server closing or resetting the connection, rather than garbage,
    a limit or a timeout (the caller knows no byte of the answer had come)."""
    if isinstance(exc, OSError):
        return not isinstance(exc, TimeoutError)
    return isinstance(exc, cp.PeerClosedEarly)


def outcome_unknown(
    request: AnyRequest | None, exc: OSError | cp.RemoteProtocolError, *, stale: bool = False
) -> OutcomeUnknownError:
    """The error for a call that failed after bytes of its request were written.

    ``stale``: the connection was a reused one, and the server closed or reset
    it without a byte of answer; the words say what that most likely means.
    """
    what = _name(request)
    if stale:
        failed = (
            f"the server closed a reused keep-alive connection without answering ({what_happened(exc)}); "
            "most likely it had closed it as idle before the request came, but it may have read it"
        )
    elif isinstance(exc, cp.RemoteProtocolError):
        failed = f"the server broke the protocol after the request was written ({what_happened(exc)})"
    else:
        failed = f"the connection failed after the request was written ({what_happened(exc)})"
    message = f"{what}: {failed}, {_MAY_HAVE_ACTED}: {describe(exc)}"
    if isinstance(exc, cp.RemoteProtocolError):
        error: OutcomeUnknownError = OutcomeUnknownProtocolError(message, request=request)
        error.error_status_hint = exc.error_status_hint  # type: ignore[attr-defined]
        return error
    if isinstance(exc, TimeoutError):
        return _waited_too_long(request)
    return OutcomeUnknownError(message, request=request)


def deadline_passed(endpoint: Endpoint, request: AnyRequest | None) -> ConnectTimeout | OutcomeUnknownTimeout:
    """The error for a call its deadline ended: ``request`` is the one being written, or None before that."""
    if request is None:
        return ConnectTimeout(f"cannot connect to {endpoint}: timed out; {_NOTHING_SENT}")
    return _waited_too_long(request)


def _waited_too_long(request: AnyRequest | None) -> OutcomeUnknownTimeout:
    return OutcomeUnknownTimeout(
        f"{_name(request)}: timed out waiting for the response, {_MAY_HAVE_ACTED}", request=request
    )


#: (what was raised, what it means), the first that matches anywhere in the chain wins.
_PLAIN_WORDS: tuple[tuple[type[BaseException], str], ...] = (
    (ssl.SSLCertVerificationError, "TLS certificate verification failed"),
    (ssl.SSLError, "the TLS handshake failed"),
    (ConnectionRefusedError, "the connection was refused"),
    (ConnectionResetError, "the server reset the connection"),
    (BrokenPipeError, "the server reset the connection"),
    (ConnectionAbortedError, "the connection was aborted"),
    (socket.gaierror, "the host name could not be resolved"),
    (TimeoutError, "timed out"),
    (cp.PeerClosedEarly, "the server closed the connection before the answer was complete"),
    (cp.LimitExceeded, "the answer was over a limit"),
    (cp.RemoteProtocolError, "the server's answer broke the protocol"),
)


def what_happened(exc: BaseException) -> str:
    """What ``exc`` means, in a few plain words: refused, reset, closed early, timed out, TLS...

    The cause is searched for through ``__cause__``/``__context__`` and into
    exception groups, where trio's connect puts the refusal of each address.
    """
    for seen in _chain(exc):
        for kind, words in _PLAIN_WORDS:
            if isinstance(seen, kind):
                return words
    return "the connection failed"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    pending = [exc]
    seen_ids: set[int] = set()
    while pending and len(seen_ids) < 32:
        current = pending.pop(0)
        if id(current) in seen_ids:
            continue
        seen_ids.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                pending.append(linked)


def describe(exc: BaseException) -> str:
    """A one-line account of ``exc`` and the causes it wraps (anyio's and trio's
    stream errors are often empty, with the OSError or SSLError as their cause)."""
    parts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(parts) < 4:
        text = str(seen)
        parts.append(f"{type(seen).__name__}: {text}" if text else type(seen).__name__)
        seen = seen.__cause__ or seen.__context__
    return " <- ".join(parts)


def _name(request: AnyRequest | None) -> str:
    if request is None:
        return "request"
    number = getattr(request, "sequence_number", None)
    kind = type(request).__name__
    return kind if number is None else f"{kind} #{number}"
