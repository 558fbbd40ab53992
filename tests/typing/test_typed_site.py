"""What the type checker infers for the site calls: a typed ``site_call(request: SiteRequest[S]) -> S``.

mypy checks this file (``[tool.mypy] files``) in strict mode, where an
unneeded ``# type: ignore`` is itself an error: each one below says that
mypy must refuse the line, and each ``assert_type`` what it must infer.
pytest runs the same lines against the server role in memory.
"""

from __future__ import annotations

from typing import TypeVar, assert_type

import chatproto as cp

S = TypeVar("S", bound=cp.SiteResponse)

SITE = cp.SiteSession(host="site.example.com", username="bot", password="pw-secret")


def site_call(request: cp.SiteRequest[S]) -> S:
    """What a transport's site call does, minus the I/O."""
    client = cp.SiteConnection(SITE)
    server = cp.ServerConnection()
    server.receive_data(client.send(request))
    received = server.next_event()
    assert isinstance(received, cp.SiteRequestReceived)
    assert_type(received.operation, cp.SiteOperation)
    assert_type(received.password, str | None)
    answer_body: cp.SiteResponse = (
        cp.ServiceSettings(domain="chat.example.com", port=443, site_name="site")
        if received.operation.name == "serviceSettings"
        else cp.AgentTokens(session_token="jwt")
    )
    client.receive_data(server.send_response(200, answer_body))
    event = client.next_event()
    assert_type(event, cp.SiteEvent | cp.NeedData)
    assert event is not cp.NEED_DATA
    answer = cp.answer_to(request, event)
    assert_type(answer, cp.SiteResponseReceived[S] | cp.SiteErrorReceived[S] | cp.ConnectionClosed)
    assert isinstance(answer, cp.SiteResponseReceived)
    return answer.response


def test_service_settings() -> None:
    settings = site_call(cp.ServiceSettingsRequest())
    assert_type(settings, cp.ServiceSettings)
    assert_type(settings.port, int | None)
    assert_type(settings.links, tuple[cp.ServiceSettingsLink, ...] | None)
    assert type(settings) is cp.ServiceSettings
    assert (settings.domain, settings.port, settings.site_name) == ("chat.example.com", 443, "site")


def test_agent_tokens() -> None:
    tokens = site_call(cp.AgentTokensRequest())
    assert_type(tokens, cp.AgentTokens)
    assert_type(tokens.session_token, str)
    assert tokens.session_token == "jwt"


def test_a_bare_site_event_means_any_site_call() -> None:
    def response_of(event: cp.SiteResponseReceived) -> cp.SiteResponse:
        return event.response

    event = cp.SiteResponseReceived(cp.AgentTokensRequest(), cp.AgentTokens("jwt"))
    assert_type(event, cp.SiteResponseReceived[cp.AgentTokens])
    assert response_of(event) == cp.AgentTokens("jwt")
    error = cp.SiteErrorReceived(cp.ServiceSettingsRequest(), 401, None, None)
    assert_type(error, cp.SiteErrorReceived[cp.ServiceSettings])


def test_site_and_agent_requests_do_not_mix() -> None:
    # A site request is no agent request, and the other way round.
    agent: cp.Request = cp.ServiceSettingsRequest()  # type: ignore[assignment]
    site: cp.SiteRequest = cp.GetMessagesRequest()  # type: ignore[assignment]
    wrong: cp.SiteRequest[cp.AgentTokens] = cp.ServiceSettingsRequest()  # type: ignore[assignment]
    del agent, site, wrong
