"""`SiteConnection`: one HTTP/1.1 connection to the B2C site, for the site calls.

The state machine is `_exchange`'s, the one `ClientConnection` runs; what
is the site's is here: a request is a row of `SITE_OPERATIONS` framed for a
`SiteSession` (HTTP Basic, the application context), with no numbering and
no session to follow, and a 2xx is decoded by the call's model.
"""

from __future__ import annotations

from ._codec import decode_error_body, decode_site_response, encode
from ._errors import LocalProtocolError
from ._events import SiteErrorReceived, SiteResponseReceived
from ._exchange import ConnectionState, ResponseExchange
from ._limits import DEFAULT_LIMITS, Limits
from ._request_head import site_request
from ._site_operations import SITE_OPERATION_OF_REQUEST, SiteOperation, SiteRequest
from ._site_session import SiteSession


class SiteConnection(ResponseExchange[SiteResponseReceived | SiteErrorReceived]):
    """One HTTP/1.1 connection carrying site calls for ``site``.

    Used like a `ClientConnection`: `send` a request (``ServiceSettingsRequest()``,
    ``AgentTokensRequest()``), write the bytes, feed what comes back to
    `receive_data`, and read `next_event` until it returns an event: a
    `SiteResponseReceived` for a 2xx (the docs name no status, and a POST may
    well answer 201 [I]), else a `SiteErrorReceived` (a bad login is 401).
    `answer_to` types either by its request.

    Args:
        site: the B2C site and the account to authenticate with.
        limits: bounds on what the site may send.
    """

    __slots__ = ("_operation", "_pending", "_site")

    _reusable_after = SiteResponseReceived

    def __init__(self, site: SiteSession, *, limits: Limits = DEFAULT_LIMITS) -> None:
        if not isinstance(site, SiteSession):
            raise LocalProtocolError(f"site must be a SiteSession, not {type(site).__name__}")
        super().__init__(limits)
        self._site = site
        self._pending: SiteRequest | None = None
        self._operation: SiteOperation | None = None

    @property
    def site(self) -> SiteSession:
        return self._site

    @property
    def pending_request(self) -> SiteRequest | None:
        """The request awaiting its response, if any."""
        return self._pending

    def send(self, request: SiteRequest) -> bytes:
        """The exact bytes of ``request``, a site call's request.

        Raises:
            LocalProtocolError: ``request`` is not one of a site call, a
                request is already in flight, or the connection cannot be
                reused.  Nothing is sent, and the connection's state is
                unchanged.
        """
        if self._state is not ConnectionState.IDLE:
            raise self._cannot_send()
        operation = SITE_OPERATION_OF_REQUEST.get(type(request))
        if operation is None:
            raise LocalProtocolError(f"{type(request).__name__} is not the request of any site call")
        head, body = site_request(operation, self._site, encode(request))
        data = self._write(head, body)
        self._pending = request
        self._operation = operation
        return data

    def _answer(self, status: int, body: bytes) -> SiteResponseReceived | SiteErrorReceived:
        request = self._pending
        operation = self._operation
        assert request is not None
        assert operation is not None
        max_depth = self._limits.max_json_depth
        event: SiteResponseReceived | SiteErrorReceived
        if 200 <= status <= 299:
            event = SiteResponseReceived(request, decode_site_response(operation, body, max_depth))
        else:
            code, text, _ = decode_error_body(body, max_depth)
            event = SiteErrorReceived(request, status, code, text)
        self._pending = None
        self._operation = None
        return event
