"""`ApiError`: an error answer from the server, as an exception the transports raise."""

from __future__ import annotations

from ._events import ErrorReceived
from ._wire import ChatSystemError, Request


class ApiError(Exception):
    """The server answered a request with an error (raised by the transports).

    Attributes:
        status: the HTTP status (200 when a 200 carried a ``chatSystemError``).
        code: the exception code, or None when the body carried none.
        message: the server's message, or None.
        system_error: the ``chatSystemError``, if the body carried one.
        request: the request that was answered.
    """

    def __init__(
        self,
        status: int,
        code: str | None,
        message: str | None,
        *,
        system_error: ChatSystemError | None = None,
        request: Request | None = None,
    ) -> None:
        super().__init__(f"{status} {code or 'no exception code'}: {message or 'no message'}")
        self.status = status
        self.code = code
        self.message = message
        self.system_error = system_error
        self.request = request

    @classmethod
    def from_event(cls, event: ErrorReceived) -> ApiError:
        """The error for ``event``: `SessionExpiredError` for a 403, `ConflictError`
        for ``CONFLICT``, else `ApiError`."""
        kind: type[ApiError] = cls
        if event.status == 403:
            kind = SessionExpiredError
        elif event.code == "CONFLICT":
            kind = ConflictError
        return kind(event.status, event.code, event.message, system_error=event.system_error, request=event.request)


class SessionExpiredError(ApiError):
    """403: the server does not know the agent session; create a new one."""


class ConflictError(ApiError):
    """``CONFLICT``: the engagement's lead participant has left (postMessage)."""
