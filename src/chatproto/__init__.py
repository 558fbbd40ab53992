"""chatproto: a sans-IO client library for the Oracle B2C Service Chat agent REST API.

Bytes in, events out: nothing here opens a socket, reads a clock, starts a
thread or logs.  See `ClientConnection` for the exchange loop.
"""

from types import FunctionType as _FunctionType

from ._agent_operations import ActivitySignalChangeRequest as ActivitySignalChangeRequest
from ._agent_operations import ActivitySignalChangeResponse as ActivitySignalChangeResponse
from ._agent_operations import ActivityStatusChangeRequest as ActivityStatusChangeRequest
from ._agent_operations import ActivityStatusChangeResponse as ActivityStatusChangeResponse
from ._agent_operations import AssignmentAcknowledgementRequest as AssignmentAcknowledgementRequest
from ._agent_operations import AssignmentAcknowledgementResponse as AssignmentAcknowledgementResponse
from ._agent_operations import ConcludeEngagementRequest as ConcludeEngagementRequest
from ._agent_operations import ConcludeEngagementResponse as ConcludeEngagementResponse
from ._agent_operations import CreateAgentSessionRequest as CreateAgentSessionRequest
from ._agent_operations import CreateAgentSessionResponse as CreateAgentSessionResponse
from ._agent_operations import LogoffRequest as LogoffRequest
from ._agent_operations import LogoffResponse as LogoffResponse
from ._agent_operations import ModifyPropertiesRequest as ModifyPropertiesRequest
from ._agent_operations import ModifyPropertiesResponse as ModifyPropertiesResponse
from ._agent_operations import ReleaseEngagementRequest as ReleaseEngagementRequest
from ._agent_operations import ReleaseEngagementResponse as ReleaseEngagementResponse
from ._agent_operations import RequestAssignmentRequest as RequestAssignmentRequest
from ._agent_operations import RequestAssignmentResponse as RequestAssignmentResponse
from ._agent_operations import RerouteAvailabilityRequest as RerouteAvailabilityRequest
from ._agent_operations import RerouteAvailabilityResponse as RerouteAvailabilityResponse
from ._agent_operations import RerouteEngagementRequest as RerouteEngagementRequest
from ._agent_operations import RerouteEngagementResponse as RerouteEngagementResponse
from ._agent_operations import RestApiCustomField as RestApiCustomField
from ._agent_operations import RetrieveAgentsAndQueuesRequest as RetrieveAgentsAndQueuesRequest
from ._agent_operations import RetrieveAgentsAndQueuesResponse as RetrieveAgentsAndQueuesResponse
from ._agent_operations import SetEngagementPropertyRequest as SetEngagementPropertyRequest
from ._agent_operations import SetEngagementPropertyResponse as SetEngagementPropertyResponse
from ._api_error import ApiError as ApiError
from ._api_error import ConflictError as ConflictError
from ._api_error import SessionExpiredError as SessionExpiredError
from ._client import ClientConnection as ClientConnection
from ._enums import AgentStatus as AgentStatus
from ._enums import AssignmentAction as AssignmentAction
from ._enums import AssignmentActionType as AssignmentActionType
from ._enums import AssignmentType as AssignmentType
from ._enums import ChatMessageType as ChatMessageType
from ._enums import ConfigChangeName as ConfigChangeName
from ._enums import CustomFieldType as CustomFieldType
from ._enums import DestinationType as DestinationType
from ._enums import DisconnectReason as DisconnectReason
from ._enums import EngagementConnectionState as EngagementConnectionState
from ._enums import EngagementPropertyName as EngagementPropertyName
from ._enums import InteractionMode as InteractionMode
from ._enums import MessageType as MessageType
from ._enums import ParticipantRole as ParticipantRole
from ._enums import PropertyType as PropertyType
from ._enums import SneakPreviewState as SneakPreviewState
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
from ._events import SiteErrorReceived as SiteErrorReceived
from ._events import SiteEvent as SiteEvent
from ._events import SiteRequestReceived as SiteRequestReceived
from ._events import SiteResponseReceived as SiteResponseReceived
from ._events import answer_to as answer_to
from ._exchange import ConnectionState as ConnectionState
from ._limits import Limits as Limits
from ._message_codec import encode_messages as encode_messages
from ._messages import MESSAGE_TYPES as MESSAGE_TYPES
from ._messages import ChatActivitySignal as ChatActivitySignal
from ._messages import ChatConfigChangeNotification as ChatConfigChangeNotification
from ._messages import ChatDisconnectNotification as ChatDisconnectNotification
from ._messages import ChatEngagementAssignmentNotification as ChatEngagementAssignmentNotification
from ._messages import ChatEngagementParticipantAdded as ChatEngagementParticipantAdded
from ._messages import ChatEngagementUpdateNotification as ChatEngagementUpdateNotification
from ._messages import ChatGetTimeout as ChatGetTimeout
from ._messages import ChatPostMessage as ChatPostMessage
from ._messages import ChatRoleChangeNotification as ChatRoleChangeNotification
from ._messages import GetMessagesRequest as GetMessagesRequest
from ._messages import GetMessagesResponse as GetMessagesResponse
from ._messages import MalformedMessage as MalformedMessage
from ._messages import Message as Message
from ._messages import OrUnknown as OrUnknown
from ._messages import SystemMessage as SystemMessage
from ._messages import UnknownMessage as UnknownMessage
from ._operations import OPERATIONS as OPERATIONS
from ._operations import Operation as Operation
from ._post_message import ChatPostResult as ChatPostResult
from ._post_message import PostMessageRequest as PostMessageRequest
from ._post_message import PostMessageResponse as PostMessageResponse
from ._results import ChatActivitySignalChangeResult as ChatActivitySignalChangeResult
from ._results import ChatAssignmentAcknowledgementResult as ChatAssignmentAcknowledgementResult
from ._results import ChatClientInfo as ChatClientInfo
from ._server import ServerConnection as ServerConnection
from ._session import AgentSession as AgentSession
from ._session import SessionIdentity as SessionIdentity
from ._site_client import SiteConnection as SiteConnection
from ._site_operations import SITE_OPERATIONS as SITE_OPERATIONS
from ._site_operations import AgentTokens as AgentTokens
from ._site_operations import AgentTokensRequest as AgentTokensRequest
from ._site_operations import ServiceSettings as ServiceSettings
from ._site_operations import ServiceSettingsLink as ServiceSettingsLink
from ._site_operations import ServiceSettingsRequest as ServiceSettingsRequest
from ._site_operations import SiteOperation as SiteOperation
from ._site_operations import SiteRequest as SiteRequest
from ._site_operations import SiteResponse as SiteResponse
from ._site_session import SiteSession as SiteSession
from ._version import __version__ as __version__
from ._wire import AgentResponse as AgentResponse
from ._wire import ChatSystemError as ChatSystemError
from ._wire import Request as Request
from ._wire import Response as Response

__all__ = [
    "MESSAGE_TYPES",
    "NEED_DATA",
    "OPERATIONS",
    "SITE_OPERATIONS",
    "ActivitySignalChangeRequest",
    "ActivitySignalChangeResponse",
    "ActivityStatusChangeRequest",
    "ActivityStatusChangeResponse",
    "AgentResponse",
    "AgentSession",
    "AgentStatus",
    "AgentTokens",
    "AgentTokensRequest",
    "ApiError",
    "AssignmentAcknowledgementRequest",
    "AssignmentAcknowledgementResponse",
    "AssignmentAction",
    "AssignmentActionType",
    "AssignmentType",
    "ChatActivitySignal",
    "ChatActivitySignalChangeResult",
    "ChatAssignmentAcknowledgementResult",
    "ChatClientInfo",
    "ChatConfigChangeNotification",
    "ChatDisconnectNotification",
    "ChatEngagementAssignmentNotification",
    "ChatEngagementParticipantAdded",
    "ChatEngagementUpdateNotification",
    "ChatGetTimeout",
    "ChatMessageType",
    "ChatPostMessage",
    "ChatPostResult",
    "ChatRoleChangeNotification",
    "ChatSystemError",
    "ClientConnection",
    "ClientEvent",
    "ConcludeEngagementRequest",
    "ConcludeEngagementResponse",
    "ConfigChangeName",
    "ConflictError",
    "ConnectionClosed",
    "ConnectionState",
    "CreateAgentSessionRequest",
    "CreateAgentSessionResponse",
    "CustomFieldType",
    "DestinationType",
    "DisconnectReason",
    "EngagementConnectionState",
    "EngagementPropertyName",
    "ErrorReceived",
    "GetMessagesRequest",
    "GetMessagesResponse",
    "HTTPRequestReceived",
    "InteractionMode",
    "InvalidRequest",
    "LimitExceeded",
    "Limits",
    "LocalProtocolError",
    "LogoffRequest",
    "LogoffResponse",
    "MalformedMessage",
    "Message",
    "MessageType",
    "ModifyPropertiesRequest",
    "ModifyPropertiesResponse",
    "NeedData",
    "Operation",
    "OrUnknown",
    "ParticipantRole",
    "PeerClosedEarly",
    "PostMessageRequest",
    "PostMessageResponse",
    "PropertyType",
    "ProtocolError",
    "ReleaseEngagementRequest",
    "ReleaseEngagementResponse",
    "RemoteProtocolError",
    "Request",
    "RequestAssignmentRequest",
    "RequestAssignmentResponse",
    "RequestReceived",
    "RerouteAvailabilityRequest",
    "RerouteAvailabilityResponse",
    "RerouteEngagementRequest",
    "RerouteEngagementResponse",
    "Response",
    "ResponseReceived",
    "RestApiCustomField",
    "RetrieveAgentsAndQueuesRequest",
    "RetrieveAgentsAndQueuesResponse",
    "SequenceMismatch",
    "ServerConnection",
    "ServerEvent",
    "ServiceSettings",
    "ServiceSettingsLink",
    "ServiceSettingsRequest",
    "SessionExpiredError",
    "SessionIdentity",
    "SetEngagementPropertyRequest",
    "SetEngagementPropertyResponse",
    "SiteConnection",
    "SiteErrorReceived",
    "SiteEvent",
    "SiteOperation",
    "SiteRequest",
    "SiteRequestReceived",
    "SiteResponse",
    "SiteResponseReceived",
    "SiteSession",
    "SneakPreviewState",
    "SystemMessage",
    "UnknownMessage",
    "Visibility",
    "__version__",
    "answer_to",
    "encode_messages",
]

# Public objects say they live in the package, not in its private modules.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type | _FunctionType) and _obj.__module__.startswith("chatproto._"):
        _obj.__module__ = "chatproto"
del _name, _obj, _FunctionType
