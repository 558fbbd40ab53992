"""Error mapping: how a call ended, turned into its response or the error it raises.

The core's answer becomes the typed response or a `chatproto.ApiError`; a
backend's `OSError` (or the core's `RemoteProtocolError`) becomes a
`ConnectError` when nothing of the request was written, an
`OutcomeUnknownError` when something was; a deadline that passed becomes the
timeout of the same side.
"""

from __future__ import annotations

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


def result_of(answer: cp.ResponseReceived | cp.ErrorReceived) -> Any:
    """The typed response, or the `ApiError` the server's answer means."""
    if type(answer) is cp.ErrorReceived:
        raise cp.ApiError.from_event(answer)
    return answer.response  # type: ignore[union-attr]


def connect_error(endpoint: Endpoint, exc: OSError) -> ConnectError:
    """The error for a connection that could not be had: nothing of the request was written."""
    if isinstance(exc, TimeoutError):
        return ConnectTimeout(f"timed out before any byte was sent to {endpoint}: {describe(exc)}")
    return ConnectError(f"cannot connect to {endpoint}: {describe(exc)}")


def outcome_unknown(request: cp.Request | None, exc: OSError | cp.RemoteProtocolError) -> OutcomeUnknownError:
    """The error for a call that failed after bytes of its request were written."""
    what = _name(request)
    if isinstance(exc, cp.RemoteProtocolError):
        error: OutcomeUnknownError = OutcomeUnknownProtocolError(
            f"{what}: the server broke the protocol after the request was written, so it may have been acted on: "
            f"{describe(exc)}",
            request=request,
        )
        error.error_status_hint = exc.error_status_hint  # type: ignore[attr-defined]
        return error
    if isinstance(exc, TimeoutError):
        return _waited_too_long(request)
    return OutcomeUnknownError(
        f"{what}: the connection failed after the request was written, so it may have been acted on: {describe(exc)}",
        request=request,
    )


def deadline_passed(endpoint: Endpoint, request: cp.Request | None) -> ConnectTimeout | OutcomeUnknownTimeout:
    """The error for a call its deadline ended: ``request`` is the one being written, or None before that."""
    if request is None:
        return ConnectTimeout(f"timed out before any byte was sent to {endpoint}")
    return _waited_too_long(request)


def _waited_too_long(request: cp.Request | None) -> OutcomeUnknownTimeout:
    return OutcomeUnknownTimeout(
        f"{_name(request)}: timed out waiting for the response; the request may have been acted on", request=request
    )


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


def _name(request: cp.Request | None) -> str:
    if request is None:
        return "request"
    number = getattr(request, "sequence_number", None)
    kind = type(request).__name__
    return kind if number is None else f"{kind} #{number}"
