"""Wire models of every agent operation besides postMessage (`_post_message`) and getMessages (`_messages`).

Requests follow the reference pages field by field.  A response's result
object is typed (`_results`) where the spec names its members; where the
published docs leave them out (most result objects; see agent-api.md,
"Gaps"), it is kept as the JSON the server sent (``dict``/``list``) rather
than guessed: a decoder must survive what the docs do not promise.

Each operation's response model comes first, so that its request can name
the type it is answered with (``Request[...]``), which types ``send``.
"""

from typing import Any

from ._enums import (
    AgentStatus,
    AssignmentAction,
    AssignmentActionType,
    AssignmentType,
    CustomFieldType,
    InteractionMode,
    PropertyType,
    SneakPreviewState,
    Visibility,
)
from ._results import ChatActivitySignalChangeResult, ChatAssignmentAcknowledgementResult
from ._wire import AgentResponse, DataKey, Int32, Int64, Request, WireObject


class CreateAgentSessionResponse(AgentResponse, frozen=True):
    """Its ``sessionId`` is the ``X-JSESSIONID`` of every later call: the session adopts it by itself.

    ``chatLogonResult`` is a ``ChatLogonResult`` [D] whose members no page
    shows (a result code, maybe the agent's statuses [I]); Oracle's own
    client reads only ``sessionId`` [OC].  Kept as the server sent it.
    """

    chat_logon_result: dict[str, Any] | None = None


class CreateAgentSessionRequest(Request[CreateAgentSessionResponse], frozen=True):
    """createAutomatedAgentSession: opens the bot's agent session (bearer token, no X-AID/X-JSESSIONID)."""

    logon_override: bool | None = None
    message_data_map: dict[DataKey, str] | None = None


class AssignmentAcknowledgementResponse(AgentResponse, frozen=True):
    """``chatAssignmentAcknowledgementResult`` holds the engagement's ``clientList`` [D]."""

    chat_assignment_acknowledgement_result: ChatAssignmentAcknowledgementResult | None = None


class AssignmentAcknowledgementRequest(Request[AssignmentAcknowledgementResponse], frozen=True):
    """assignmentAcknowledgement: accept or decline an offered engagement."""

    action: AssignmentAction
    action_type: AssignmentActionType
    assignment_type: AssignmentType
    engagement_id: Int64


class RequestAssignmentResponse(AgentResponse, frozen=True):
    """``chatRequestAssignmentResult`` [D] has no documented members (likely empty [I]); kept as sent."""

    chat_request_assignment_result: dict[str, Any] | None = None


class RequestAssignmentRequest(Request[RequestAssignmentResponse], frozen=True):
    """requestAssignment: ask the server for (more) engagements."""

    assignment_requested: bool
    idle_session_count: Int32
    max_session_count: Int32


class ConcludeEngagementResponse(AgentResponse, frozen=True):
    """``chatConcludeEngagementResult`` [D] has no documented members (likely empty [I]); kept as sent."""

    chat_conclude_engagement_result: dict[str, Any] | None = None


class ConcludeEngagementRequest(Request[ConcludeEngagementResponse], frozen=True):
    """concludeChat: end the engagement; the agent enters wrap-up."""

    engagement_id: Int64


class ReleaseEngagementResponse(AgentResponse, frozen=True):
    """``chatReleaseEngagementResult`` [D] has no documented members (likely empty [I]); kept as sent."""

    chat_release_engagement_result: dict[str, Any] | None = None


class ReleaseEngagementRequest(Request[ReleaseEngagementResponse], frozen=True):
    """releaseChat: free the engagement slot after wrap-up."""

    engagement_id: Int64


class RerouteEngagementResponse(AgentResponse, frozen=True):
    """Documented with no result object and no ``chatSystemError``; both are tolerated."""


class RerouteEngagementRequest(Request[RerouteEngagementResponse], frozen=True):
    """rerouteEngagement: hand the engagement to the site's escalation queue."""

    engagement_id: Int64


class RerouteAvailabilityResponse(AgentResponse, frozen=True):
    """Members undocumented; the envelope is decoded, the rest ignored."""


class RerouteAvailabilityRequest(Request[RerouteAvailabilityResponse], frozen=True):
    """rerouteAvailability: a GET whose input is this object, URL-encoded JSON in ``request=``."""

    engagement_id: Int64


class LogoffResponse(AgentResponse, frozen=True):
    """A 200 ends the session.  ``chatLogoffResult`` is a placeholder of undocumented type [D]; kept as sent."""

    chat_logoff_result: Any = None


class LogoffRequest(Request[LogoffResponse], frozen=True):
    """logoff: end the agent session."""

    force_logoff: bool


class ActivityStatusChangeResponse(AgentResponse, frozen=True):
    """``chatActivityStatusChangeResult`` [D] has no documented members; kept as sent."""

    chat_activity_status_change_result: dict[str, Any] | None = None


class ActivityStatusChangeRequest(Request[ActivityStatusChangeResponse], frozen=True):
    """setActivityStatus: become available or unavailable."""

    status: AgentStatus
    sub_type_id: Int32


class ActivitySignalChangeResponse(AgentResponse, frozen=True):
    """The page's response is out of reach [?]; ``chatActivitySignalChangeResult`` is the legacy answer's [OL]."""

    chat_activity_signal_change_result: ChatActivitySignalChangeResult | None = None


class ActivitySignalChangeRequest(Request[ActivitySignalChangeResponse], frozen=True):
    """setInteractionStatus: publish the agent's typing/listening state."""

    client_id: Int64
    engagement_id: Int64
    mode: InteractionMode
    sneak_preview: str | None = None
    sneak_preview_focus: bool | None = None
    sneak_preview_interval: Int32 | None = None
    sneak_preview_state: SneakPreviewState | None = None
    visibility: Visibility | None = None


class SetEngagementPropertyResponse(AgentResponse, frozen=True):
    """No members documented; the envelope is decoded, the rest ignored."""


class SetEngagementPropertyRequest(Request[SetEngagementPropertyResponse], frozen=True):
    """setEngagementProperty: one property of the engagement or of the end user.

    ``name`` takes an `EngagementPropertyName`, or any other name, since the
    documented list is cut off.
    """

    engagement_id: Int64
    name: str
    type: PropertyType | None = None
    value: str | None = None


class RestApiCustomField(WireObject, frozen=True):
    """A custom field set through modifyProperties (``c$frombot``, say)."""

    name: str
    type: CustomFieldType
    value: str | None = None


class ModifyPropertiesResponse(AgentResponse, frozen=True):
    """``propertiesResultMap``: property name -> its result [D], whose members are undocumented; kept as sent."""

    properties_result_map: dict[str, Any] | None = None


class ModifyPropertiesRequest(Request[ModifyPropertiesResponse], frozen=True):
    """modifyProperties: several properties, and custom fields, at once."""

    engagement_id: Int64
    custom_fields: list[RestApiCustomField] | None = None
    properties_map: dict[DataKey, str] | None = None
    type: PropertyType | None = None


class RetrieveAgentsAndQueuesResponse(AgentResponse, frozen=True):
    """``queues`` is typed as an array but described as a map keyed by queue id: both decode.

    Each agent (``AgentInformation``) and queue (``QueueInformation``) is
    kept as the server sent it: the spec names only their lists of
    diagnostics (``mediaList``) and profile ids (``profileIdsList``) [D],
    and a typed object of those alone would drop the undocumented members
    that identify the agent or queue.
    """

    agents: list[dict[str, Any]] | None = None
    queues: list[Any] | dict[str, Any] | None = None


class RetrieveAgentsAndQueuesRequest(Request[RetrieveAgentsAndQueuesResponse], frozen=True):
    """retrieveAgentsAndQueues: agent and/or queue information."""

    id: Int64
    include_agent_information: bool
    include_queue_information: bool
    include_queue_statistics: bool
    type: str | None = None
