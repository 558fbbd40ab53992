"""The agent operations as methods: each builds its request from its arguments and sends it.

One method per row of `chatproto.OPERATIONS`, the same in every client, each
a thin row: it builds the core's request and hands it to `send`, which
numbers, frames, sends and decodes it, and raises what the answer means.
`log_on` adds the two site calls before createAutomatedAgentSession, and
`messages` is the poll loop (`AsyncMessages`).

What every method raises is `send`'s: `ApiError` (`SessionExpiredError` for
a 403, `ConflictError` for ``CONFLICT``), `ConnectError`,
`OutcomeUnknownError`, `LocalProtocolError`, `ClientClosedError`.

The async and blocking clients share this code: the blocking one is
generated from the async one by scripts/unasync.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import chatproto as cp

from .._errors import ClientClosedError
from .._options import DEFAULT_POLL_BACKOFF, DEFAULT_POLL_BACKOFF_MAX, DEFAULT_POLL_MAX_FAILURES
from .._url import endpoint_at
from .client import AsyncClient
from .messages import AsyncMessages


class AsyncOperations(AsyncClient):
    """The client with one method per agent operation: what the public faces build on."""

    # -- The session ---------------------------------------------------------------------------

    async def log_on(self, logon_override: bool = False) -> cp.CreateAgentSessionResponse:
        """Log on through the B2C site: serviceSettings, agentTokens, then createAutomatedAgentSession.

        For a client made with `for_site`.  serviceSettings names the chat
        server (``domain``, ``port``), the site name and the pool; agentTokens
        the bearer token; the session opened with it is the client's from
        then on, and every call goes to that chat server, with the scheme of
        the site's URL.  Calling it again (after a `SessionExpiredError`,
        say) logs on afresh: the old session's connections are closed.

        Args:
            logon_override: end the agent's other sessions, take their
                engagements over, and restart the session's message
                numbering (see `create_session`).

        Raises:
            ApiError: a site call or the chat server refused (401: a bad
                user name or password; 403: the token was refused).
            RemoteProtocolError: serviceSettings named no usable chat server.
            LocalProtocolError: the client was not made with `for_site`.
            ConnectError, OutcomeUnknownError: as for `send`.
        """
        logon = self._site_logon
        if logon is None:
            raise cp.LocalProtocolError(
                "log_on needs a client made with AgentClient.for_site(...); "
                "with a bearer token of your own, pass token= and call create_session()"
            )
        if self._closed:
            raise ClientClosedError("the client is closed")
        site_pool = self._new_pool(logon.endpoint, lambda: cp.SiteConnection(logon.site, limits=self._limits), 1)
        try:
            settings = await self._site_call(site_pool, cp.ServiceSettingsRequest())
            tokens = await self._site_call(site_pool, cp.AgentTokensRequest())
        finally:
            await site_pool.aclose()
        try:
            endpoint = endpoint_at(logon.endpoint.scheme, settings.domain, settings.port)
            session = cp.AgentSession(
                host=endpoint.host_header,
                site=settings.site_name,
                agent_id=logon.agent_id,
                pool=settings.pool,
                token=tokens.session_token,
            )
        except cp.LocalProtocolError as exc:
            # The agent id was checked when the client was made: the rest is the site's answer.
            raise cp.RemoteProtocolError(f"serviceSettings named no usable chat server: {exc}") from None
        for pool in (self._poll_pool, self._pool):
            if pool is not None:
                await pool.aclose()
        self._attach(endpoint, session)
        return await self.create_session(logon_override)

    async def create_session(
        self, logon_override: bool = False, *, message_data_map: Mapping[str, str] | None = None
    ) -> cp.CreateAgentSessionResponse:
        """createAutomatedAgentSession with the session's bearer token (``token=``); its id becomes the session's.

        Args:
            logon_override: end the agent's other sessions and restart the
                session's message numbering at 0 [D].
            message_data_map: key/value pairs attached to the agent session.
        """
        request = cp.CreateAgentSessionRequest(
            logon_override=logon_override,
            message_data_map=None if message_data_map is None else dict(message_data_map),
        )
        return await self.send(request)

    async def log_off(self, force: bool = True) -> cp.LogoffResponse:
        """logoff: end the agent session; `messages` ends, and calls that need the session are refused.

        ``force`` is ``forceLogoff``: log the session off even if it holds
        engagements (Oracle's sample sends true [S]).
        """
        return await self.send(cp.LogoffRequest(force_logoff=force))

    # -- Polling --------------------------------------------------------------------------------

    async def get_messages(self) -> cp.GetMessagesResponse:
        """One getMessages, on the poll's own connection, within ``poll_timeout``.

        The server answers at once when something is queued, else holds the
        poll up to 30 s and answers one `ChatGetTimeout` [D].  One poll per
        session may be in flight: a second raises `LocalProtocolError`.
        `messages` is the loop around it that a bot wants.
        """
        return await self.send(cp.GetMessagesRequest())

    def messages(
        self,
        *,
        max_failures: int = DEFAULT_POLL_MAX_FAILURES,
        backoff: float = DEFAULT_POLL_BACKOFF,
        max_backoff: float = DEFAULT_POLL_BACKOFF_MAX,
    ) -> AsyncMessages:
        """The poll loop: every message getMessages delivers, in order, but no `ChatGetTimeout`.

        See `AsyncMessages`: it polls on its own connection, again after a
        transport failure or a 5xx after a jittered backoff (``backoff``
        seconds doubled per failure in a row, at most ``max_backoff``), and
        raises the failure once ``max_failures`` came in a row.  A 403
        raises `SessionExpiredError`; a logoff, or closing the loop or the
        client, ends it.
        """
        return AsyncMessages(self, max_failures=max_failures, backoff=backoff, max_backoff=max_backoff)

    # -- Assignments ----------------------------------------------------------------------------

    async def acknowledge_assignment(
        self,
        engagement_id: int,
        action: cp.AssignmentAction,
        *,
        assignment_type: cp.AssignmentType = cp.AssignmentType.LEAD,
        action_type: cp.AssignmentActionType = cp.AssignmentActionType.AUTO,
    ) -> cp.AssignmentAcknowledgementResponse:
        """assignmentAcknowledgement: answer an engagement offered through getMessages.

        ``assignment_type`` echoes the offer's
        (`ChatEngagementAssignmentNotification.assignment_type`); ``action_type``
        says who decided: ``AUTO``, a bot's default [I], or ``MANUAL``.
        """
        request = cp.AssignmentAcknowledgementRequest(
            action=action, action_type=action_type, assignment_type=assignment_type, engagement_id=engagement_id
        )
        return await self.send(request)

    async def accept(
        self, engagement_id: int, *, assignment_type: cp.AssignmentType = cp.AssignmentType.LEAD
    ) -> cp.AssignmentAcknowledgementResponse:
        """Accept an offered engagement (`acknowledge_assignment` with ``ACCEPT``)."""
        action = cp.AssignmentAction.ACCEPT
        return await self.acknowledge_assignment(engagement_id, action, assignment_type=assignment_type)

    async def decline(
        self, engagement_id: int, *, assignment_type: cp.AssignmentType = cp.AssignmentType.LEAD
    ) -> cp.AssignmentAcknowledgementResponse:
        """Decline an offered engagement (`acknowledge_assignment` with ``DECLINE``)."""
        action = cp.AssignmentAction.DECLINE
        return await self.acknowledge_assignment(engagement_id, action, assignment_type=assignment_type)

    async def request_assignment(
        self, *, max_sessions: int = 1, idle_sessions: int | None = None, requested: bool = True
    ) -> cp.RequestAssignmentResponse:
        """requestAssignment: ask for engagements, up to ``max_sessions`` at once.

        ``idle_sessions`` is how many more the bot can take now (by default
        ``max_sessions``: none held); ``requested=False`` asks for none.
        """
        request = cp.RequestAssignmentRequest(
            assignment_requested=requested,
            idle_session_count=max_sessions if idle_sessions is None else idle_sessions,
            max_session_count=max_sessions,
        )
        return await self.send(request)

    async def set_activity_status(
        self,
        status: cp.AgentStatus,
        sub_type_id: int = 0,
    ) -> cp.ActivityStatusChangeResponse:
        """setActivityStatus: become ``AVAILABLE`` (to be offered engagements) or ``UNAVAILABLE``.

        ``sub_type_id`` is the site's status sub-type; its values are the
        site's configuration [D], 0 when the site has none to choose [I].
        """
        return await self.send(cp.ActivityStatusChangeRequest(status=status, sub_type_id=sub_type_id))

    # -- Engagements ----------------------------------------------------------------------------

    async def post_message(
        self,
        body: str,
        *,
        destination_id: int,
        destination_type: cp.DestinationType = cp.DestinationType.ENGAGEMENT,
        message_id: str | None = None,
        rich_text: bool | None = None,
        visibility: cp.Visibility | None = None,
        message_data_map: Mapping[str, str] | None = None,
        time_created: int | None = None,
        sequence_number: int | None = None,
    ) -> cp.PostMessageResponse:
        """Post a message; see `send` for what is raised.

        Everything after ``body`` is keyword-only, and a task group's
        ``start_soon`` passes only positional arguments: start concurrent posts
        with ``functools.partial``, as in
        ``tg.start_soon(functools.partial(client.post_message, text, destination_id=eid))``.
        """
        request = cp.PostMessageRequest(
            body=body,
            destination_id=destination_id,
            destination_type=destination_type,
            message_data_map=None if message_data_map is None else dict(message_data_map),
            message_id=message_id,
            rich_text=rich_text,
            sequence_number=sequence_number,
            time_created=time_created,
            visibility=visibility,
        )
        return await self.send(request)

    async def set_interaction_status(
        self,
        engagement_id: int,
        mode: cp.InteractionMode,
        *,
        client_id: int,
        sneak_preview: str | None = None,
        sneak_preview_focus: bool | None = None,
        sneak_preview_interval: int | None = None,
        sneak_preview_state: cp.SneakPreviewState | None = None,
        visibility: cp.Visibility | None = None,
    ) -> cp.ActivitySignalChangeResponse:
        """setInteractionStatus: tell the end user the bot is ``RESPONDING`` (typing) or ``LISTENING``.

        ``client_id`` is "the client identifier" [D], the bot's own in the
        engagement [I]: every answer's ``client_id`` carries it.
        """
        request = cp.ActivitySignalChangeRequest(
            client_id=client_id,
            engagement_id=engagement_id,
            mode=mode,
            sneak_preview=sneak_preview,
            sneak_preview_focus=sneak_preview_focus,
            sneak_preview_interval=sneak_preview_interval,
            sneak_preview_state=sneak_preview_state,
            visibility=visibility,
        )
        return await self.send(request)

    async def conclude(self, engagement_id: int) -> cp.ConcludeEngagementResponse:
        """concludeChat: end the engagement; the bot enters wrap-up for it, then `release`."""
        return await self.send(cp.ConcludeEngagementRequest(engagement_id=engagement_id))

    async def release(self, engagement_id: int) -> cp.ReleaseEngagementResponse:
        """releaseChat: free the engagement's slot once wrap-up is done."""
        return await self.send(cp.ReleaseEngagementRequest(engagement_id=engagement_id))

    async def reroute(self, engagement_id: int) -> cp.RerouteEngagementResponse:
        """rerouteEngagement: hand the engagement to the site's escalation queue (to a human)."""
        return await self.send(cp.RerouteEngagementRequest(engagement_id=engagement_id))

    async def reroute_availability(self, engagement_id: int) -> cp.RerouteAvailabilityResponse:
        """rerouteAvailability: whether `reroute` would find someone, as a best guess [D]."""
        return await self.send(cp.RerouteAvailabilityRequest(engagement_id=engagement_id))

    async def set_engagement_property(
        self, engagement_id: int, name: str, value: str | None, *, type: cp.PropertyType | None = None
    ) -> cp.SetEngagementPropertyResponse:
        """setEngagementProperty: one property (``name``, an `EngagementPropertyName` or another).

        ``type`` says whose: ``USER`` (the end user's: ``QUESTION``,
        ``FIRST_NAME``...) or ``ENGAGEMENT`` (``CONTACT_ID``, ``INCIDENT_ID``) [D].
        """
        request = cp.SetEngagementPropertyRequest(engagement_id=engagement_id, name=name, type=type, value=value)
        return await self.send(request)

    async def modify_properties(
        self,
        engagement_id: int,
        *,
        properties: Mapping[str, str] | None = None,
        custom_fields: Sequence[cp.RestApiCustomField] | None = None,
        type: cp.PropertyType | None = None,
    ) -> cp.ModifyPropertiesResponse:
        """modifyProperties: several properties (``propertiesMap``) and custom fields at once."""
        request = cp.ModifyPropertiesRequest(
            engagement_id=engagement_id,
            custom_fields=None if custom_fields is None else list(custom_fields),
            properties_map=None if properties is None else dict(properties),
            type=type,
        )
        return await self.send(request)

    async def retrieve_agents_and_queues(
        self,
        id: int,
        *,
        include_agent_information: bool = False,
        include_queue_information: bool = False,
        include_queue_statistics: bool = False,
        type: str | None = None,
    ) -> cp.RetrieveAgentsAndQueuesResponse:
        """retrieveAgentsAndQueues: agent and/or queue information; ``id`` is read as ``type`` says [D]."""
        request = cp.RetrieveAgentsAndQueuesRequest(
            id=id,
            include_agent_information=include_agent_information,
            include_queue_information=include_queue_information,
            include_queue_statistics=include_queue_statistics,
            type=type,
        )
        return await self.send(request)
