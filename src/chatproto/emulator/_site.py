"""The two site calls a bot makes on the B2C site before it reaches the chat server, served by
the emulator itself so that one address stands in for both:

=====  ===================================================================  ==================
GET    /services/rest/crossChannelServices/latest/serviceSettings/1         where the chat
                                                                            server is
POST   /services/rest/crossChannelServices/latest/agentTokens               a bearer token
=====  ===================================================================  ==================

Both take HTTP Basic credentials of a registered account (`AgentAccount`):
missing or wrong ones are 401 with ``WWW-Authenticate``.  An
``OSvC-CREST-Application-Context`` longer than 40 characters is 400, as the
docs say; one that is absent is accepted (the docs call it required, but the
emulator does not stand in the way of a client that forgets a log comment).
serviceSettings answers ``domain`` and ``port`` of the address the emulator
serves on (`Emulator.set_address`; without one, the request's ``Host``), so a
client that follows it comes back here, with the account's site and the
emulator's pool.  agentTokens takes an empty body (or ``{}``, as Oracle's
sample sends) and answers ``{"sessionToken": ...}``, a token that
createAutomatedAgentSession then honours for that account.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from .._events import HTTPRequestReceived
from ._store import Store
from ._types import AgentAccount, EmulatorError, Reply, error_reply

#: Where the site calls live (the B2C site's REST root).
SITE_PATH_PREFIX = "/services/rest/crossChannelServices/latest/"
SERVICE_SETTINGS_PATH = SITE_PATH_PREFIX + "serviceSettings/1"
AGENT_TOKENS_PATH = SITE_PATH_PREFIX + "agentTokens"
#: The documented bound on the log comment header.
MAX_APP_CONTEXT = 40
_APP_CONTEXT_HEADER = "osvc-crest-application-context"
_CHALLENGE = (("WWW-Authenticate", 'Basic realm="chatproto emulator", charset="UTF-8"'),)


def handle_site(store: Store, event: HTTPRequestReceived, address: tuple[str, int] | None, pool: str) -> Reply:
    """The answer to a request under `SITE_PATH_PREFIX`."""
    route = _ROUTES.get(event.path)
    if route is None:
        return error_reply(404, "NOT_FOUND", f"no site resource at {event.path[:120]!r}")
    method, answer = route
    if event.method != method:
        return error_reply(
            405, "METHOD_NOT_ALLOWED", f"{event.path} takes {method}, not {event.method[:20]!r}", allow=(method,)
        )
    headers = dict(event.headers)
    context = headers.get(_APP_CONTEXT_HEADER)
    if context is not None and len(context) > MAX_APP_CONTEXT:
        return error_reply(
            400,
            "BAD_REQUEST",
            f"OSvC-CREST-Application-Context: at most {MAX_APP_CONTEXT} characters, not {len(context)}",
        )
    account = _login(store, headers.get("authorization"))
    if account is None:
        reply = error_reply(401, "UNAUTHORIZED", "a registered account's HTTP Basic credentials are required")
        return Reply(status=reply.status, body=reply.body, headers=_CHALLENGE)
    try:
        return answer(store, event, account, address, pool)
    except EmulatorError as exc:
        return error_reply(exc.status, exc.code, str(exc))


def _login(store: Store, authorization: str | None) -> AgentAccount | None:
    """The account of ``Authorization: Basic ...``; None for none, another scheme, or bad credentials."""
    if authorization is None or authorization[:6].lower() != "basic ":
        return None
    try:
        text = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, colon, password = text.partition(":")
    return store.login(username, password) if colon else None


def _service_settings(
    store: Store, event: HTTPRequestReceived, account: AgentAccount, address: tuple[str, int] | None, pool: str
) -> Reply:
    domain, port = address if address is not None else _host_of(dict(event.headers).get("host", ""))
    assert account.site is not None  # resolved when it was registered
    settings: dict[str, Any] = {
        "domain": domain,
        "port": port,
        "pool": pool,
        "siteName": account.site,
        "links": [
            {
                "rel": "canonical",
                "href": f"http://{_bracketed(domain)}:{port}{SERVICE_SETTINGS_PATH}",
                "mediaType": "application/json",
            }
        ],
    }
    return Reply(body=settings)


def _agent_tokens(
    store: Store, event: HTTPRequestReceived, account: AgentAccount, address: tuple[str, int] | None, pool: str
) -> Reply:
    if event.body.strip() not in (b"", b"{}"):
        return error_reply(400, "BAD_REQUEST", "agentTokens takes an empty body ({})")
    return Reply(body={"sessionToken": store.issue_token(account)})


_ROUTES = {
    SERVICE_SETTINGS_PATH: ("GET", _service_settings),
    AGENT_TOKENS_PATH: ("POST", _agent_tokens),
}


def _host_of(host: str) -> tuple[str, int]:
    """``(domain, port)`` of a ``Host`` header (``127.0.0.1:8080``, ``[::1]:8080``, ``example``)."""
    name, colon, port = host.rpartition(":")
    if colon and port.isdigit() and not name.endswith(":"):
        return name.strip("[]"), int(port)
    return host.strip("[]"), 80


def _bracketed(domain: str) -> str:
    return f"[{domain}]" if ":" in domain else domain
