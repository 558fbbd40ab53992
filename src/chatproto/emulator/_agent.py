"""The agent API as the emulator serves it: one handler per operation, in a table.

Every request passes the same gate before its handler runs: the site must be
served; an operation that needs a session must name a live one (``X-JSESSIONID``)
owned by ``X-AID`` and, if it gives a pool, one that serves the session, else
403 ``ACCESS_DENIED`` (checked before the body, so a bad body from an unknown
session is still a 403); in strict mode its ``sequenceNumber`` must be above the
session's last one.  The handler answers with its result fields, which the
table's response type carries beside the envelope every answer shares
(``sessionId``, ``clientId``, times, and the request's ``sequenceNumber``
echoed, each 64-bit number with its ``...String`` twin), or refuses with an
`EmulatorError`, whose status and code the answer carries.

What each operation does, beyond the gate:

===========================  ===================================================================
createAutomatedAgentSession  a new session for the account whose bearer token (from agentTokens)
                             it carries, else 403; ``logonOverride`` ends that agent's other
                             sessions and hands their engagements to the new one
getMessages                  the messages queued for the session, at once if there are any, else
                             held (`Hold`) until something is queued or ``poll_hold_ms`` pass,
                             then one ``ChatGetTimeout``.  A second poll while one is held
                             answers the first with ``ChatGetTimeout`` (strict: 409 instead)
postMessage                  records the post into an engagement of the session's agent (strict:
                             one offered to this very session), 409 once it is over;
                             ``clientReset`` is 2 when the session has polled but no poll is
                             held now (Oracle's client then restarts its poll loop), else 0
assignmentAcknowledgement    ``ACCEPT`` makes an offered engagement active (what the end user
                             said meanwhile is delivered), ``DECLINE`` puts it back in the queue
requestAssignment            asks for up to ``min(idleSessionCount, maxSessionCount - held)``
                             engagements; queued ones are offered through getMessages while the
                             agent is ``AVAILABLE``
setActivityStatus            ``AVAILABLE`` or ``UNAVAILABLE`` (``NONE``: 409 ``CONFLICT``)
setInteractionStatus         the agent's typing state, into the engagement's transcript
concludeChat                 the engagement ends; the agent holds it (wrap-up) until released
releaseChat                  frees the engagement's slot (concluding it first if need be)
rerouteEngagement            back to the queue, for another session than this one
rerouteAvailability          whether a reroute could happen (the engagement must be this session's)
setEngagementProperty,       the end user's or the engagement's properties, from any live
modifyProperties             session of the site, as Oracle's own client does
retrieveAgentsAndQueues      the site's agents (live sessions) and its one queue
logoff                       ends the session; its engagements go back to the queue; a held
                             poll answers ``ChatGetTimeout``
===========================  ===================================================================

Engagements the session does not hold are 400 ``BAD_REQUEST`` naming the
engagement, unknown ones 404 (``ENGAGEMENT_ID_UNKNOWN`` for the two reroute
operations, as their pages say, ``NOT_FOUND`` elsewhere), and a state that
does not allow the operation 400 naming the state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._agent_operations import (
    ActivitySignalChangeRequest,
    ActivityStatusChangeRequest,
    AssignmentAcknowledgementRequest,
    ConcludeEngagementRequest,
    CreateAgentSessionRequest,
    CreateAgentSessionResponse,
    LogoffRequest,
    LogoffResponse,
    ModifyPropertiesRequest,
    ReleaseEngagementRequest,
    RequestAssignmentRequest,
    RerouteAvailabilityRequest,
    RerouteEngagementRequest,
    RetrieveAgentsAndQueuesRequest,
    SetEngagementPropertyRequest,
)
from .._codec import encode
from .._enums import AgentStatus, AssignmentAction, DestinationType, PropertyType
from .._errors import LocalProtocolError
from .._events import InvalidRequest, RequestReceived
from .._identity import check_header_id
from .._messages import GetMessagesRequest, GetMessagesResponse
from .._post_message import ChatPostResult, PostMessageRequest, PostMessageResponse
from .._results import ChatActivitySignalChangeResult, ChatAssignmentAcknowledgementResult, ChatClientInfo
from .._wire import Request, parse_number_twin
from . import _messages
from ._defaults import DEFAULT_QUEUE_ID
from ._faults import Fault, FaultPlan
from ._store import LOGGED_OFF, TAKEN_OVER, Engagement, Poll, Session, Store, next_pool
from ._types import EmulatorError, EngagementStatus, Hold, Reply, TranscriptEntry, error_reply

#: ``clientReset`` when a post came while no poll was held [OL].
_NO_POLL_RUNNING = 2
#: A handler's answer: the result fields of its response type, or a whole `Reply`.
Result = dict[str, Any] | Reply
Handler = Callable[["AgentApi", Session, Any, int], Result]


class AgentApi:
    """The agent operations over a `Store`, with the settings they read.

    Its attributes are the emulator's settings, set by `Emulator`: ``faults``
    (and the two counters of eligible posts and polls), ``strict``,
    ``poll_hold_ms``, ``pool`` (of new sessions), ``max_sessions``,
    ``max_messages``.
    """

    def __init__(
        self,
        store: Store,
        *,
        pool: str,
        new_session_id: Callable[[], str],
        max_sessions: int,
        max_messages: int,
        strict: bool,
        poll_hold_ms: int,
    ) -> None:
        self.store = store
        self.pool = pool
        self.new_session_id = new_session_id
        self.max_sessions = max_sessions
        self.max_messages = max_messages
        self.strict = strict
        self.poll_hold_ms = poll_hold_ms
        self.faults = FaultPlan()
        self.post_fault_counter = 0
        self.poll_fault_counter = 0

    # -- Sessions, as both createAutomatedAgentSession and the control calls open them ----------

    def open_session(self, site: str, agent_id: str, session_id: str | None = None, *, ending: int = 0) -> Session:
        """A new live session of ``agent_id`` on ``site``; ``ending`` sessions are about to end.

        Raises:
            EmulatorError: 400 for an invalid session id, 409 for one in use, 503 when
                ``max_sessions`` are open or the session does not fit in the bytes.
        """
        if len(self.store.sessions) - ending >= self.max_sessions:
            raise EmulatorError(503, "CAPACITY_EXCEEDED", f"max_sessions ({self.max_sessions}) are open")
        session_id = header_id("sessionId", self.new_session_id() if session_id is None else session_id)
        if session_id in self.store.sessions:
            raise EmulatorError(409, "CONFLICT", "sessionId: a session with this id is already open")
        return self.store.open_session(site, agent_id, session_id, self.pool)

    def take_over(self, session: Session, now_ms: int) -> Session:
        """Another logon of the session's agent with ``logonOverride``: a new session holds what the
        agent's sessions held, and they end."""
        olds = self.store.agent_sessions(session.site, session.agent_id)
        heir = self.open_session(session.site, session.agent_id, ending=len(olds))
        for old in olds:
            self.store.end_session(old, TAKEN_OVER, now_ms, heir=heir)
        return heir

    # -- Requests -------------------------------------------------------------------------------

    def handle(self, event: RequestReceived, now_ms: int) -> Reply:
        """The answer to one agent API request (its site already known to be served)."""
        operation = event.operation
        request = event.request
        if not operation.needs_session:
            return self._guarded(lambda: self._create_session(event, now_ms))
        session, refusal = self.gate(event.site, event.pool, event.agent_id, event.session_id)
        if refusal is not None:
            return error_reply(403, "ACCESS_DENIED", refusal)
        assert session is not None
        sequence = request.sequence_number
        if sequence is not None:
            last = session.last_request_sequence
            if self.strict and last is not None and sequence <= last:
                return error_reply(
                    400,
                    "BAD_REQUEST",
                    f"sequenceNumber: {sequence} does not increase on the session's last one, {last} (strict mode)",
                )
            session.last_request_sequence = sequence
        handler = _HANDLERS[operation.name]

        def answer() -> Reply:
            result = handler(self, session, request, now_ms)
            if isinstance(result, Reply):
                return result
            return Reply(body=operation.response_type(**result, **envelope(session, request, now_ms)))

        return self._guarded(answer)

    def refuse_invalid(self, event: InvalidRequest) -> Reply | None:
        """The 403 for an invalid request from a session that may not act, else None: sessions
        are checked before bodies."""
        operation = event.operation
        # Only a request refused for its body carries the session it names; one refused for a
        # header (X-AID itself, say) is answered 400 for it.
        if operation is None or not operation.needs_session or event.site is None or event.session_id is None:
            return None
        _, refusal = self.gate(event.site, event.pool, event.agent_id, event.session_id)
        return None if refusal is None else error_reply(403, "ACCESS_DENIED", refusal)

    def gate(
        self, site: str, pool: str | None, agent_id: str | None, session_id: str | None
    ) -> tuple[Session | None, str | None]:
        """The session a request may act for, or why not (the message of its 403)."""
        if session_id is None:
            return None, "the X-JSESSIONID header is missing"
        if agent_id is None:
            return None, "the X-AID header is missing"
        session = self.store.sessions.get(session_id)
        if session is None or session.site != site:
            reason = self.store.ended.get(session_id)
            return (
                None,
                "the agent session identifier is unknown" if reason is None else f"the agent session was {reason}",
            )
        if agent_id != session.agent_id:
            return None, "X-AID: this agent does not own the session"
        if pool is not None and pool != session.pool and pool not in session.pending_pools():
            if pool in session.retired_pools:
                return (
                    None,
                    f"pool: the agent session moved from pool {pool} to {session.pool}; {pool} no longer serves it",
                )
            return None, f"pool: the agent session is not served by pool {pool}"
        return session, None

    @staticmethod
    def _guarded(answer: Callable[[], Reply]) -> Reply:
        try:
            return answer()
        except EmulatorError as exc:
            return error_reply(exc.status, exc.code, str(exc))

    def _create_session(self, event: RequestReceived, now_ms: int) -> Reply:
        account = self.store.account_of_token(event.token)
        if account is None:
            what = "no bearer token" if event.token is None else "a bearer token agentTokens did not issue"
            raise EmulatorError(
                403,
                "ACCESS_DENIED",
                f"createAutomatedAgentSession needs a token from agentTokens, and came with {what}",
            )
        if account.site != event.site:
            raise EmulatorError(403, "ACCESS_DENIED", f"the token's account belongs to the site {account.site}")
        request = event.request
        assert isinstance(request, CreateAgentSessionRequest)
        olds = self.store.agent_sessions(event.site, account.agent_id) if request.logon_override else []
        session = self.open_session(event.site, account.agent_id, ending=len(olds))
        for old in olds:
            self.store.end_session(old, TAKEN_OVER, now_ms, heir=session)
        session.last_request_sequence = request.sequence_number
        return Reply(body=CreateAgentSessionResponse(chat_logon_result={}, **envelope(session, request, now_ms)))

    # -- getMessages ----------------------------------------------------------------------------

    def answer_poll(self, poll_id: int, now_ms: int) -> Reply:
        """The answer to a held poll, once woken or expired (see `Hold`)."""
        poll = self.store.finish_poll(poll_id)
        if poll.ended == TAKEN_OVER:
            return error_reply(403, "ACCESS_DENIED", f"the agent session was {TAKEN_OVER}")
        session = self.store.sessions.get(poll.session_id)
        if session is None or poll.superseded:
            return Reply(body=_timeout_answer(poll, now_ms))
        request = poll.request
        assert isinstance(request, GetMessagesRequest)
        # Guarded as a request is: a poll fault's takeover may find no room for the new session.
        return self._guarded(lambda: self.deliver_now(session, request, now_ms))

    def deliver_now(self, session: Session, request: GetMessagesRequest, now_ms: int) -> Reply:
        """A poll answered now: what is queued for it (with the poll faults), or one ChatGetTimeout."""
        if not session.mailbox:
            return Reply(body=messages_response(session, request, [_messages.timeout()], now_ms))
        fault = Fault.NONE
        if self.faults.polls_active:
            fault = self.faults.poll_fault_for(self.poll_fault_counter)
            self.poll_fault_counter += 1
        if fault is Fault.TAKEOVER:
            self.take_over(session, now_ms)
            return error_reply(403, "ACCESS_DENIED", f"the agent session was {TAKEN_OVER}")
        replayed = [entry.message for entry in session.history] if fault is Fault.REPLAY else []
        taken = self.store.take(session)
        if fault is Fault.DROP_POLL:
            return Reply(drop=True)
        return Reply(body=messages_response(session, request, [*replayed, *(entry.message for entry in taken)], now_ms))

    # -- Engagements, as the operations find them ----------------------------------------------

    def engagement(self, session: Session, engagement_id: int, *, unknown: str = "NOT_FOUND") -> Engagement:
        """The engagement ``engagement_id`` of the session's site.

        Raises:
            EmulatorError: 404 with the code ``unknown`` if there is none.
        """
        engagement = self.store.engagements.get(engagement_id)
        if engagement is None or engagement.site != session.site:
            raise EmulatorError(404, unknown, f"engagementId: no engagement {engagement_id}")
        return engagement

    def held(
        self, session: Session, engagement_id: int, *allowed: EngagementStatus, unknown: str = "NOT_FOUND"
    ) -> Engagement:
        """The engagement, which the session must hold, in one of the ``allowed`` states.

        Raises:
            EmulatorError: 404 for an unknown engagement; 400 for one the session does not
                hold, or in another state.
        """
        engagement = self.engagement(session, engagement_id, unknown=unknown)
        if engagement.engagement_id not in session.engagements:
            raise EmulatorError(
                400, "BAD_REQUEST", f"engagementId: engagement {engagement_id} is not held by this agent session"
            )
        if engagement.status not in allowed:
            raise EmulatorError(
                400, "BAD_REQUEST", f"engagementId: engagement {engagement_id} is {engagement.status.value}"
            )
        return engagement


def envelope(session: Session, request: Request, now_ms: int) -> dict[str, Any]:
    """The fields every answer shares: the session, the times, the request's number echoed."""
    sequence = request.sequence_number
    return {
        "chat_system_error": None,
        "client_send_time": request.time_created if request.time_created is not None else now_ms,
        "service_start_time": now_ms,
        "service_finish_time": now_ms,
        "session_id": session.session_id,
        "client_id": session.client_id,
        "client_id_string": str(session.client_id),
        "sequence_number": sequence,
        "sequence_number_string": None if sequence is None else str(sequence),
    }


def messages_response(
    session: Session, request: GetMessagesRequest, messages: list[_messages.Message], now_ms: int
) -> GetMessagesResponse:
    return GetMessagesResponse(messages=_messages.typed(messages), **envelope(session, request, now_ms))


def _timeout_answer(poll: Poll, now_ms: int) -> GetMessagesResponse:
    """The ChatGetTimeout of a poll whose session is gone (logged off) or that another poll replaced."""
    request = poll.request
    assert isinstance(request, GetMessagesRequest)
    sequence = request.sequence_number
    return GetMessagesResponse(
        messages=_messages.typed([_messages.timeout()]),
        chat_system_error=None,
        client_send_time=request.time_created if request.time_created is not None else now_ms,
        service_start_time=now_ms,
        service_finish_time=now_ms,
        session_id=poll.session_id,
        client_id=poll.client_id,
        client_id_string=str(poll.client_id),
        sequence_number=sequence,
        sequence_number_string=None if sequence is None else str(sequence),
    )


def header_id(field: str, value: object) -> str:
    """An agent id or session id, checked as a header value; 400 naming ``field`` if it is not one."""
    try:
        return check_header_id(field, value)
    except LocalProtocolError as exc:
        raise EmulatorError(400, "INVALID_FIELD", str(exc)) from exc


# -- The handlers ---------------------------------------------------------------------------------


def _get_messages(api: AgentApi, session: Session, request: GetMessagesRequest, now_ms: int) -> Result:
    session.polled = True
    if session.poll is not None:
        if api.strict:
            raise EmulatorError(
                409,
                "CONFLICT",
                "getMessages: a poll is already held for this agent session; one at a time (strict mode)",
            )
        api.store.supersede(session)
    if session.mailbox:
        return api.deliver_now(session, request, now_ms)
    return Reply(hold=Hold(api.store.hold(session, request), api.poll_hold_ms))


def _post_message(api: AgentApi, session: Session, request: PostMessageRequest, now_ms: int) -> Result:
    if request.destination_type is not DestinationType.ENGAGEMENT:
        raise EmulatorError(
            400,
            "INVALID_FIELD",
            f"destinationType: the emulator delivers only to ENGAGEMENT, not {request.destination_type.value}",
        )
    engagement_id = request.destination_id
    engagement = api.store.engagements.get(engagement_id)
    if engagement is None or engagement.site != session.site or engagement.agent_id != session.agent_id:
        raise EmulatorError(
            400, "INVALID_FIELD", f"destinationId: no engagement {engagement_id} is assigned to this session"
        )
    if api.strict and engagement_id not in session.offered:
        raise EmulatorError(
            400,
            "INVALID_FIELD",
            f"destinationId: engagement {engagement_id} was never offered to this agent session (strict mode)",
        )
    if engagement.over:
        raise EmulatorError(409, "CONFLICT", f"the lead participant has left the engagement {engagement_id}")
    store = api.store
    if store.message_count >= api.max_messages:
        raise EmulatorError(500, "UNKNOWN_EXCEPTION", f"the emulator holds its max_messages ({api.max_messages})")
    # Charged as it would be given back (GET .../messages): the fields that were posted.
    size = len(encode(request))
    store.check_room(size, "message")

    fault = Fault.NONE
    if api.faults.active:
        fault = api.faults.fault_for(api.post_fault_counter)
        api.post_fault_counter += 1
    if fault is Fault.CLOSE_BEFORE_RECORD:
        return Reply(drop=True)
    if fault is Fault.SERVER_ERROR:
        raise EmulatorError(500, "UNKNOWN_EXCEPTION", "an injected server error; the message was not recorded")
    if fault is Fault.POOL_CHANGE:
        store.switch_pool(session, next_pool(session.pool), retire=False)
        raise EmulatorError(403, "ACCESS_DENIED", f"the agent session moved to pool {session.pool}")

    store.charge(size, "message")
    engagement.messages.append(request)
    store.message_count += 1
    store.record(engagement, TranscriptEntry("AGENT", "MESSAGE", now_ms, request.body), charged=False)
    if fault is Fault.CLOSE_AFTER_RECORD:
        return Reply(drop=True)
    # [OL] 2: the server took a post while no poll was running for a session that polls, and
    # Oracle's client then restarts its poll loop.  A session that never polled is not told.
    reset = _NO_POLL_RUNNING if session.polled and session.poll is None else 0
    result: dict[str, Any] = {"chat_post_result": ChatPostResult(client_reset=reset)}
    if fault is Fault.DELAY:
        response = PostMessageResponse(**result, **envelope(session, request, now_ms))
        return Reply(body=response, delay_ms=api.faults.delay_ms)
    return result


def _acknowledge(api: AgentApi, session: Session, request: AssignmentAcknowledgementRequest, now_ms: int) -> Result:
    engagement = api.held(session, request.engagement_id, EngagementStatus.OFFERED)
    if request.action is AssignmentAction.ACCEPT:
        api.store.accept(engagement, session, now_ms)
    elif request.action is AssignmentAction.DECLINE:
        api.store.decline(engagement, session, now_ms)
    else:
        raise EmulatorError(
            400,
            "BAD_REQUEST",
            f"action: an offered engagement is answered ACCEPT or DECLINE, not {request.action.value}",
        )
    result = ChatAssignmentAcknowledgementResult(client_list=_client_list(session, engagement))
    return {"chat_assignment_acknowledgement_result": result}


def _client_list(session: Session, engagement: Engagement) -> tuple[ChatClientInfo, ...]:
    """The engagement's participants: the agent (``LEAD``), and the end user once it is accepted."""
    agent = ChatClientInfo(
        client_id=session.client_id,
        client_id_string=str(session.client_id),
        role="LEAD",
        account_id=parse_number_twin(session.agent_id),
        account_id_string=session.agent_id,
    )
    if engagement.status is not EngagementStatus.ACTIVE:
        return (agent,)
    name = " ".join(engagement.user_properties.get(key, "") for key in ("FIRST_NAME", "LAST_NAME")).strip()
    end_user = ChatClientInfo(
        client_id=engagement.end_user_id, client_id_string=str(engagement.end_user_id), name=name or None
    )
    return agent, end_user


def _request_assignment(api: AgentApi, session: Session, request: RequestAssignmentRequest, now_ms: int) -> Result:
    idle, most = request.idle_session_count, request.max_session_count
    if most < 0:
        raise EmulatorError(400, "BAD_REQUEST", f"maxSessionCount: {most} is below 0")
    if not 0 <= idle <= most:
        raise EmulatorError(400, "BAD_REQUEST", f"idleSessionCount: {idle} is not from 0 to maxSessionCount ({most})")
    session.assignment_requested = request.assignment_requested
    session.max_sessions = most
    session.offers_left = max(0, min(idle, most - len(session.engagements))) if request.assignment_requested else 0
    api.store.dispatch(now_ms)
    return {"chat_request_assignment_result": {}}


def _set_activity_status(api: AgentApi, session: Session, request: ActivityStatusChangeRequest, now_ms: int) -> Result:
    if request.status is AgentStatus.NONE:
        raise EmulatorError(409, "CONFLICT", "status: the status could not be changed to NONE")
    session.status = request.status
    session.sub_type_id = request.sub_type_id
    api.store.dispatch(now_ms)
    return {"chat_activity_status_change_result": {}}


def _set_interaction_status(
    api: AgentApi, session: Session, request: ActivitySignalChangeRequest, now_ms: int
) -> Result:
    engagement = api.held(session, request.engagement_id, EngagementStatus.ACTIVE)
    text = request.sneak_preview if request.sneak_preview is not None else request.mode.value
    api.store.record(engagement, TranscriptEntry("AGENT", "TYPING", now_ms, text))
    # The sneak-preview settings the engagement now has: the ones asked for, else the end user's.
    state = request.sneak_preview_state.value if request.sneak_preview_state is not None else "ENABLED"
    interval = request.sneak_preview_interval
    result = ChatActivitySignalChangeResult(
        sneak_preview_state=state,
        sneak_preview_interval=interval if interval is not None else _messages.SNEAK_PREVIEW_INTERVAL_MS,
    )
    return {"chat_activity_signal_change_result": result}


def _conclude(api: AgentApi, session: Session, request: ConcludeEngagementRequest, now_ms: int) -> Result:
    engagement = api.held(session, request.engagement_id, EngagementStatus.ACTIVE, EngagementStatus.CONCLUDED)
    api.store.conclude(engagement, "AGENT", now_ms)
    return {"chat_conclude_engagement_result": {}}


def _release(api: AgentApi, session: Session, request: ReleaseEngagementRequest, now_ms: int) -> Result:
    engagement = api.engagement(session, request.engagement_id)
    if engagement.status is EngagementStatus.RELEASED and engagement.session_id == session.session_id:
        return {"chat_release_engagement_result": {}}  # released already: the same answer again
    engagement = api.held(session, request.engagement_id, EngagementStatus.ACTIVE, EngagementStatus.CONCLUDED)
    api.store.conclude(engagement, "AGENT", now_ms)
    api.store.release(engagement, session, now_ms)
    return {"chat_release_engagement_result": {}}


def _reroute(api: AgentApi, session: Session, request: RerouteEngagementRequest, now_ms: int) -> Result:
    engagement = api.held(
        session,
        request.engagement_id,
        EngagementStatus.OFFERED,
        EngagementStatus.ACTIVE,
        unknown="ENGAGEMENT_ID_UNKNOWN",
    )
    if engagement.end_user_left:
        raise EmulatorError(
            400, "BAD_REQUEST", f"engagementId: the end user has left engagement {engagement.engagement_id}"
        )
    api.store.reroute(engagement, session, now_ms)
    return {}


def _reroute_availability(api: AgentApi, session: Session, request: RerouteAvailabilityRequest, now_ms: int) -> Result:
    engagement = api.store.engagements.get(request.engagement_id)
    if engagement is None or engagement.engagement_id not in session.engagements:
        # The page lists 200, 404 and 500 only: an engagement this session does not hold is not valid here.
        raise EmulatorError(
            404, "ENGAGEMENT_ID_UNKNOWN", f"engagementId: engagement {request.engagement_id} is not valid here"
        )
    return {}


def _properties_of(engagement: Engagement, kind: PropertyType | None) -> dict[str, str]:
    # No type means the end user's, as Oracle's sample sets QUESTION.
    return engagement.engagement_properties if kind is PropertyType.ENGAGEMENT else engagement.user_properties


def _set_engagement_property(
    api: AgentApi, session: Session, request: SetEngagementPropertyRequest, now_ms: int
) -> Result:
    engagement = api.engagement(session, request.engagement_id)
    if not request.name:
        raise EmulatorError(400, "BAD_REQUEST", "name: a property name is required")
    api.store.set_property(engagement, _properties_of(engagement, request.type), request.name, request.value)
    return {}


def _modify_properties(api: AgentApi, session: Session, request: ModifyPropertiesRequest, now_ms: int) -> Result:
    engagement = api.engagement(session, request.engagement_id)
    if request.custom_fields and request.type is PropertyType.ENGAGEMENT:
        raise EmulatorError(400, "BAD_REQUEST", "customFields: custom fields are set with type USER only")
    results: dict[str, Any] = {}
    table = _properties_of(engagement, request.type)
    for name, value in (request.properties_map or {}).items():
        api.store.set_property(engagement, table, name, value)
        results[name] = "SUCCESS"
    for field in request.custom_fields or ():
        api.store.set_property(engagement, engagement.custom_fields, field.name, field.value)
        results[field.name] = "SUCCESS"
    return {"properties_result_map": results}


def _retrieve_agents_and_queues(
    api: AgentApi, session: Session, request: RetrieveAgentsAndQueuesRequest, now_ms: int
) -> Result:
    if request.include_agent_information and not request.type:
        raise EmulatorError(
            400, "INVALID_FIELD", "type: an agent information type is required with includeAgentInformation"
        )
    store = api.store
    live = [s for s in store.sessions.values() if s.site == session.site]
    result: dict[str, Any] = {}
    if request.include_agent_information:
        result["agents"] = [
            {
                "accountId": s.agent_id,
                "clientId": s.client_id,
                "clientIdString": str(s.client_id),
                "status": s.status.value,
                "engagementCount": len(s.engagements),
                "mediaList": [],
            }
            for s in live
        ]
    if request.include_queue_information:
        queue: dict[str, Any] = {"id": DEFAULT_QUEUE_ID, "idString": str(DEFAULT_QUEUE_ID), "profileIdsList": []}
        if request.include_queue_statistics:
            available = [s for s in live if s.status is AgentStatus.AVAILABLE]
            queue["engagementsInQueue"] = sum(1 for e in store.queue if store.engagements[e].site == session.site)
            queue["totalAvailableAgents"] = len({s.agent_id for s in available})
            queue["availableAgentSessions"] = len(available)
            queue["expectedWaitSeconds"] = 0
        result["queues"] = [queue]
    return result


def _logoff(api: AgentApi, session: Session, request: LogoffRequest, now_ms: int) -> Result:
    answer = envelope(session, request, now_ms)
    api.store.end_session(session, LOGGED_OFF, now_ms)
    return Reply(body=LogoffResponse(chat_logoff_result={}, **answer))


#: Operation name -> its handler: every operation that needs a session (createAutomatedAgentSession,
#: which opens one, is `AgentApi._create_session`).
_HANDLERS: dict[str, Handler] = {
    "postMessage": _post_message,
    "getMessages": _get_messages,
    "assignmentAcknowledgement": _acknowledge,
    "requestAssignment": _request_assignment,
    "concludeChat": _conclude,
    "releaseChat": _release,
    "rerouteEngagement": _reroute,
    "rerouteAvailability": _reroute_availability,
    "logoff": _logoff,
    "setActivityStatus": _set_activity_status,
    "setInteractionStatus": _set_interaction_status,
    "setEngagementProperty": _set_engagement_property,
    "modifyProperties": _modify_properties,
    "retrieveAgentsAndQueues": _retrieve_agents_and_queues,
}
