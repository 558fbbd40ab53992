"""The site calls table: the two calls a bot makes on the B2C site before it reaches the chat server.

========================  ======  ==============================================================
serviceSettings           GET     ``/services/rest/crossChannelServices/latest/serviceSettings/1``
agentTokens               POST    ``/services/rest/crossChannelServices/latest/agentTokens``
========================  ======  ==============================================================

Both live on the B2C site, not the chat server, and authenticate with HTTP
Basic and the agent's B2C user name and password [D] (`SiteSession`).
serviceSettings says where the chat server is; agentTokens gives the JWT
that createAutomatedAgentSession takes as ``Authorization: Bearer`` [D].
Everything else (the client's request head, the server's routing, the
codec) reads this table, as the agent operations' is read: a new call is a
row and its models.
"""

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Any, Generic

import msgspec

from ._identity import redact
from ._wire import Response, WireObject

if TYPE_CHECKING:
    from typing_extensions import TypeVar
else:
    from typing import TypeVar

#: Where the site calls live: the B2C site's cross-channel REST root.
SITE_PATH_PREFIX = "/services/rest/crossChannelServices/latest/"

# A TCP port: serviceSettings names the chat server's.
_Port = Annotated[int, msgspec.Meta(ge=1, le=65535)]
# What a bearer token may hold (as `AgentSession` checks it): printable ASCII without space.
_Token = Annotated[str, msgspec.Meta(pattern=r"^[!-~]+$")]


class SiteResponse(Response, frozen=True):
    """Base of the site calls' answers; decoded tolerantly (unknown fields ignored, numbers as text accepted)."""


if TYPE_CHECKING:
    SiteResponseT_co = TypeVar("SiteResponseT_co", bound=SiteResponse, covariant=True, default=SiteResponse)
else:
    SiteResponseT_co = TypeVar("SiteResponseT_co", bound=SiteResponse, covariant=True)


class SiteRequest(WireObject, Generic[SiteResponseT_co], frozen=True):
    """Base of the site calls' requests, generic in the answer's type like `Request`.

    A site call carries no envelope (no sequence number, no time): its
    request holds nothing the caller chooses, and is sent as the table says.
    """


class ServiceSettingsLink(SiteResponse, frozen=True):
    """One of ``serviceSettings.links``: ``{rel, href, mediaType}`` [D]; each may be absent."""

    rel: str | None = None
    href: str | None = None
    media_type: str | None = None


class ServiceSettings(SiteResponse, frozen=True, kw_only=True):
    """The answer to serviceSettings: where the chat server is [D].

    ``domain`` and ``siteName`` are required: without them the answer names
    no chat server, and decoding it fails with an error naming the field.
    The values are not checked here: `AgentSession` checks them when it is
    made from them (``host``, ``site``, ``pool``).

    Attributes:
        domain: the chat server's host name [D].
        port: its port (``8084`` in the docs [D]); an int, or a numeric
            string decoded to one [I]; None when absent (Oracle's sample then
            connects to 443 [S]).
        pool: the ``pool`` query value of the agent calls (``"123:4"`` [D]).
        site_name: the ``fqSiteName`` of the agent paths [D].
        links: the answer's links [D], None when absent or null.
    """

    domain: str
    port: _Port | None = None
    pool: str | None = None
    site_name: str
    links: tuple[ServiceSettingsLink, ...] | None = None


class AgentTokens(SiteResponse, frozen=True):
    """The answer to agentTokens: ``{"sessionToken": "<JWT>"}`` [D].

    The token is a secret: its repr shows its length and last two
    characters only.

    Attributes:
        session_token: the JWT for ``Authorization: Bearer`` on
            createAutomatedAgentSession [D] (and, as Oracle's sample sends it,
            on every agent call [S]); printable ASCII without spaces, as a
            header value must be.
    """

    session_token: _Token

    def __repr__(self) -> str:
        return f"AgentTokens(session_token={redact(self.session_token)})"

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return [("session_token", redact(self.session_token))]


class ServiceSettingsRequest(SiteRequest[ServiceSettings], frozen=True):
    """serviceSettings: a GET without a body or a query [D]."""


class AgentTokensRequest(SiteRequest[AgentTokens], frozen=True):
    """agentTokens: a POST whose body is the empty object ``{}`` (the docs: an empty body [D];
    Oracle's sample: ``{}`` [S])."""


class SiteOperation(msgspec.Struct, frozen=True):
    """One site call.

    Attributes:
        name: the call's name in the docs, e.g. ``"serviceSettings"``.
        method: ``"GET"``, or ``"POST"`` with the body ``{}``.
        path: the whole request path.
        request_type: the request's model, a ``SiteRequest[response_type]``.
        response_type: the model of a 2xx answer's body.
    """

    name: str
    method: str
    path: str
    request_type: type[SiteRequest]
    response_type: type[SiteResponse]


_ROWS: tuple[SiteOperation, ...] = (
    SiteOperation(
        "serviceSettings", "GET", f"{SITE_PATH_PREFIX}serviceSettings/1", ServiceSettingsRequest, ServiceSettings
    ),
    SiteOperation("agentTokens", "POST", f"{SITE_PATH_PREFIX}agentTokens", AgentTokensRequest, AgentTokens),
)

#: Call name -> site call, in the order a bot makes them.
SITE_OPERATIONS: Mapping[str, SiteOperation] = MappingProxyType({op.name: op for op in _ROWS})
#: Request model -> its call: what `SiteConnection.send` looks up.
SITE_OPERATION_OF_REQUEST: Mapping[type, SiteOperation] = MappingProxyType({op.request_type: op for op in _ROWS})
#: Path -> its call: what the server role routes by.
SITE_OPERATION_OF_PATH: Mapping[str, SiteOperation] = MappingProxyType({op.path: op for op in _ROWS})
