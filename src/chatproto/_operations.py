"""The operations table: one row per agent API operation.

Everything else (the client's request line, the server's routing, the codec)
reads this table, so adding an operation is adding a row and its models.
"""

from collections.abc import Mapping
from types import MappingProxyType

import msgspec

from ._post_message import PostMessageRequest, PostMessageResponse
from ._wire import Request, Response

#: The path every agent operation lives under; ``{site}`` is the fqSiteName.
AGENT_PATH_PREFIX = "/engagement/api/agent/"
API_VERSION = "v1"


class Operation(msgspec.Struct, frozen=True):
    """One agent API operation.

    Attributes:
        name: the last path segment, e.g. ``"postMessage"``.
        method: ``"POST"``, or ``"GET"`` for the one operation that takes its
            input as URL-encoded JSON in the query (``request=``).
        request_type: the request body's model.
        response_type: the 200 body's model.
        needs_session: whether the request carries ``X-AID`` and
            ``X-JSESSIONID`` (every operation but the one that creates the session).
    """

    name: str
    method: str
    request_type: type[Request]
    response_type: type[Response]
    needs_session: bool = True

    def path(self, site: str) -> str:
        """The request path for this operation on ``site`` (already validated)."""
        return f"{AGENT_PATH_PREFIX}{site}/{API_VERSION}/{self.name}"


_ROWS: tuple[Operation, ...] = (Operation("postMessage", "POST", PostMessageRequest, PostMessageResponse),)

#: Operation name -> operation, in the order the rows are listed.
OPERATIONS: Mapping[str, Operation] = MappingProxyType({op.name: op for op in _ROWS})
_BY_REQUEST_TYPE: dict[type[Request], Operation] = {op.request_type: op for op in _ROWS}


def operation_for(request: object) -> Operation | None:
    """The operation whose request model ``request`` is an instance of."""
    return _BY_REQUEST_TYPE.get(type(request))  # type: ignore[arg-type]
