"""The operations table: one row per agent API operation.

Everything else (the client's request head, the server's routing, the codec)
reads this table, so adding an operation is adding a row and its models.
"""

from collections.abc import Mapping
from types import MappingProxyType

import msgspec

from ._agent_operations import (
    ActivitySignalChangeRequest,
    ActivitySignalChangeResponse,
    ActivityStatusChangeRequest,
    ActivityStatusChangeResponse,
    AssignmentAcknowledgementRequest,
    AssignmentAcknowledgementResponse,
    ConcludeEngagementRequest,
    ConcludeEngagementResponse,
    CreateAgentSessionRequest,
    CreateAgentSessionResponse,
    LogoffRequest,
    LogoffResponse,
    ModifyPropertiesRequest,
    ModifyPropertiesResponse,
    ReleaseEngagementRequest,
    ReleaseEngagementResponse,
    RequestAssignmentRequest,
    RequestAssignmentResponse,
    RerouteAvailabilityRequest,
    RerouteAvailabilityResponse,
    RerouteEngagementRequest,
    RerouteEngagementResponse,
    RetrieveAgentsAndQueuesRequest,
    RetrieveAgentsAndQueuesResponse,
    SetEngagementPropertyRequest,
    SetEngagementPropertyResponse,
)
from ._messages import GetMessagesRequest, GetMessagesResponse
from ._post_message import PostMessageRequest, PostMessageResponse
from ._request_head import AGENT_PATH_PREFIX, API_VERSION, QUERY_INPUT_PARAMETER, operation_path
from ._wire import AgentResponse, Request

# The path and the query the server role routes by are the request head's,
# passed on with the table.
__all__ = [
    "AGENT_PATH_PREFIX",
    "API_VERSION",
    "OPERATIONS",
    "OPERATION_OF_REQUEST",
    "QUERY_INPUT_PARAMETER",
    "Operation",
]


class Operation(msgspec.Struct, frozen=True):
    """One agent API operation.

    Attributes:
        name: the last path segment, e.g. ``"postMessage"``.
        method: ``"POST"`` with a JSON body, or ``"GET"`` for the one
            operation that takes its input as URL-encoded JSON in the query
            parameter ``request`` (the parameter's name is an inference: the
            agent page declares none; the consumer GET operations use ``request``).
        request_type: the request body's model, a ``Request[response_type]``.
        response_type: the 200 body's model.
        needs_session: whether the request carries ``X-AID`` and
            ``X-JSESSIONID`` (every operation but the one that creates the session).
    """

    name: str
    method: str
    request_type: type[Request]
    response_type: type[AgentResponse]
    needs_session: bool = True

    def path(self, site: str) -> str:
        """The request path for this operation on ``site`` (already validated)."""
        return operation_path(site, self.name)


_ROWS: tuple[Operation, ...] = (
    Operation("postMessage", "POST", PostMessageRequest, PostMessageResponse),
    Operation(
        "createAutomatedAgentSession",
        "POST",
        CreateAgentSessionRequest,
        CreateAgentSessionResponse,
        needs_session=False,
    ),
    Operation("getMessages", "POST", GetMessagesRequest, GetMessagesResponse),
    Operation("assignmentAcknowledgement", "POST", AssignmentAcknowledgementRequest, AssignmentAcknowledgementResponse),
    Operation("requestAssignment", "POST", RequestAssignmentRequest, RequestAssignmentResponse),
    Operation("concludeChat", "POST", ConcludeEngagementRequest, ConcludeEngagementResponse),
    Operation("releaseChat", "POST", ReleaseEngagementRequest, ReleaseEngagementResponse),
    Operation("rerouteEngagement", "POST", RerouteEngagementRequest, RerouteEngagementResponse),
    # Listed and titled as GET, although its cURL example posts (inconsistency 2).
    Operation("rerouteAvailability", "GET", RerouteAvailabilityRequest, RerouteAvailabilityResponse),
    Operation("logoff", "POST", LogoffRequest, LogoffResponse),
    Operation("setActivityStatus", "POST", ActivityStatusChangeRequest, ActivityStatusChangeResponse),
    Operation("setInteractionStatus", "POST", ActivitySignalChangeRequest, ActivitySignalChangeResponse),
    Operation("setEngagementProperty", "POST", SetEngagementPropertyRequest, SetEngagementPropertyResponse),
    Operation("modifyProperties", "POST", ModifyPropertiesRequest, ModifyPropertiesResponse),
    Operation("retrieveAgentsAndQueues", "POST", RetrieveAgentsAndQueuesRequest, RetrieveAgentsAndQueuesResponse),
)

#: Operation name -> operation, in the order the rows are listed.
OPERATIONS: Mapping[str, Operation] = MappingProxyType({op.name: op for op in _ROWS})
#: Request model -> its operation: what `ClientConnection.send` looks up.
OPERATION_OF_REQUEST: Mapping[type, Operation] = MappingProxyType({op.request_type: op for op in _ROWS})
