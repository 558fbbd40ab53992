"""The two site calls a bot makes on the B2C site before it reaches the chat server, served by
the emulator itself so that one address stands in for both (the rows of `SITE_OPERATIONS`):

=====  ===================================================================  ==================
GET    /services/rest/crossChannelServices/latest/serviceSettings/1         where the chat
                                                                            server is
POST   /services/rest/crossChannelServices/latest/agentTokens               a bearer token
=====  ===================================================================  ==================

The `ServerConnection` reads them (`SiteRequestReceived`) and refuses what
is malformed itself: an unknown path (404), another method (405), Basic
credentials that cannot be read, an ``OSvC-CREST-Application-Context`` over
40 characters, a body other than ``{}`` (400).  What is left is the
emulator's to decide: credentials missing, of another scheme, or of no
registered account (`AgentAccount`) are 401 with ``WWW-Authenticate``.  An
absent application context is accepted (the docs call it required, but
the emulator does not stand in the way of a client that forgets a log
comment).  serviceSettings answers ``domain`` and ``port`` of the address
the emulator serves on (`Emulator.set_address`; without one, the request's
``Host``), so a client that follows it comes back here, with the account's
site and the emulator's pool; agentTokens answers a new ``sessionToken``
that createAutomatedAgentSession then honours for that account.
"""

from __future__ import annotations

from collections.abc import Callable

from .._events import SiteRequestReceived
from .._site_operations import SITE_OPERATIONS, AgentTokens, ServiceSettings, ServiceSettingsLink, SiteResponse
from ._store import Store
from ._types import AgentAccount, EmulatorError, Reply, error_reply

SERVICE_SETTINGS_PATH = SITE_OPERATIONS["serviceSettings"].path
AGENT_TOKENS_PATH = SITE_OPERATIONS["agentTokens"].path
_CHALLENGE = (("WWW-Authenticate", 'Basic realm="chatproto emulator", charset="UTF-8"'),)

#: What a site call is answered with: (the store, the request, its account, the address, the pool).
_Answer = Callable[[Store, SiteRequestReceived, AgentAccount, "tuple[str, int] | None", str], SiteResponse]


def handle_site(store: Store, event: SiteRequestReceived, address: tuple[str, int] | None, pool: str) -> Reply:
    """The answer to a well-formed site call."""
    account = None
    if event.username is not None and event.password is not None:
        account = store.login(event.username, event.password)
    if account is None:
        refusal = error_reply(401, "UNAUTHORIZED", "a registered account's HTTP Basic credentials are required")
        return Reply(status=refusal.status, body=refusal.body, headers=_CHALLENGE)
    try:
        return Reply(body=_ANSWERS[event.operation.name](store, event, account, address, pool))
    except EmulatorError as exc:
        return error_reply(exc.status, exc.code, str(exc))


def _service_settings(
    store: Store, event: SiteRequestReceived, account: AgentAccount, address: tuple[str, int] | None, pool: str
) -> ServiceSettings:
    domain, port = address if address is not None else _host_of(dict(event.headers).get("host", ""))
    assert account.site is not None  # resolved when it was registered
    href = f"http://{_bracketed(domain)}:{port}{SERVICE_SETTINGS_PATH}"
    return ServiceSettings(
        domain=domain,
        port=port,
        pool=pool,
        site_name=account.site,
        links=(ServiceSettingsLink(rel="canonical", href=href, media_type="application/json"),),
    )


def _agent_tokens(
    store: Store, event: SiteRequestReceived, account: AgentAccount, address: tuple[str, int] | None, pool: str
) -> AgentTokens:
    return AgentTokens(session_token=store.issue_token(account))


#: Site call name -> its answer: a row per row of `SITE_OPERATIONS`.
_ANSWERS: dict[str, _Answer] = {"serviceSettings": _service_settings, "agentTokens": _agent_tokens}


def _host_of(host: str) -> tuple[str, int]:
    """``(domain, port)`` of a ``Host`` header (``127.0.0.1:8080``, ``[::1]:8080``, ``example``)."""
    name, colon, port = host.rpartition(":")
    if colon and port.isdigit() and not name.endswith(":"):
        return name.strip("[]"), int(port)
    return host.strip("[]"), 80


def _bracketed(domain: str) -> str:
    return f"[{domain}]" if ":" in domain else domain
