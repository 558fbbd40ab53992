"""chatproto: a sans-IO client library for the Oracle B2C Service Chat agent REST API.

Bytes in, events out: nothing here opens a socket, reads a clock, starts a
thread or logs.  See `ClientConnection` for the exchange loop.
"""

from ._api_error import ApiError as ApiError
from ._api_error import ConflictError as ConflictError
from ._api_error import SessionExpiredError as SessionExpiredError
from ._client import ClientConnection as ClientConnection
from ._client import ConnectionState as ConnectionState
from ._enums import DestinationType as DestinationType
from ._enums import MessageType as MessageType
from ._enums import Visibility as Visibility
from ._errors import LimitExceeded as LimitExceeded
from ._errors import LocalProtocolError as LocalProtocolError
from ._errors import PeerClosedEarly as PeerClosedEarly
from ._errors import ProtocolError as ProtocolError
from ._errors import RemoteProtocolError as RemoteProtocolError
from ._errors import SequenceMismatch as SequenceMismatch
from ._events import NEED_DATA as NEED_DATA
from ._events import ClientEvent as ClientEvent
from ._events import ConnectionClosed as ConnectionClosed
from ._events import ErrorReceived as ErrorReceived
from ._events import HTTPRequestReceived as HTTPRequestReceived
from ._events import InvalidRequest as InvalidRequest
from ._events import NeedData as NeedData
from ._events import RequestReceived as RequestReceived
from ._events import ResponseReceived as ResponseReceived
from ._events import ServerEvent as ServerEvent
from ._limits import Limits as Limits
from ._operations import OPERATIONS as OPERATIONS
from ._operations import Operation as Operation
from ._post_message import ChatPostResult as ChatPostResult
from ._post_message import PostMessageRequest as PostMessageRequest
from ._post_message import PostMessageResponse as PostMessageResponse
from ._server import ServerConnection as ServerConnection
from ._session import AgentSession as AgentSession
from ._version import __version__ as __version__
from ._wire import ChatSystemError as ChatSystemError
from ._wire import Request as Request
from ._wire import Response as Response

__all__ = [
    "NEED_DATA",
    "OPERATIONS",
    "AgentSession",
    "ApiError",
    "ChatPostResult",
    "ChatSystemError",
    "ClientConnection",
    "ClientEvent",
    "ConflictError",
    "ConnectionClosed",
    "ConnectionState",
    "DestinationType",
    "ErrorReceived",
    "HTTPRequestReceived",
    "InvalidRequest",
    "LimitExceeded",
    "Limits",
    "LocalProtocolError",
    "MessageType",
    "NeedData",
    "Operation",
    "PeerClosedEarly",
    "PostMessageRequest",
    "PostMessageResponse",
    "ProtocolError",
    "RemoteProtocolError",
    "Request",
    "RequestReceived",
    "Response",
    "ResponseReceived",
    "SequenceMismatch",
    "ServerConnection",
    "ServerEvent",
    "SessionExpiredError",
    "Visibility",
    "__version__",
]

# Public objects say they live in the package, not in its private modules.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type) and _obj.__module__.startswith("chatproto._"):
        _obj.__module__ = "chatproto"
del _name, _obj
