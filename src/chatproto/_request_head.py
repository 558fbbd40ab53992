"""The request head of every agent operation, client role.

The request line is ``METHOD /engagement/api/agent/{site}/v1/{operation}``,
then ``?pool=...`` when the session has a pool.  The headers come in the
order of the reference's cURL example: ``Host``, ``Content-Type`` (POST
only), ``X-AID`` and ``X-JSESSIONID`` (every operation but the one that
creates the session), ``Content-Length``, then ``Authorization`` when the
session has a bearer token.  The one GET operation carries its input in the
query instead of a body: its JSON, URL-encoded, as ``request=``.

Only ``Content-Length`` (or a GET's query) changes from one request to the
next, so the rest is built once per operation and session identity; see
`RequestHeads`.  The server role parses what this builds, from the same
constants.

The site calls' heads (`site_request`) are in the same order: ``Host``,
``Content-Type`` (the POST), ``OSvC-CREST-Application-Context`` where the
agent calls have their ids, ``Content-Length`` (the POST), then
``Authorization``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import quote

import h11

from ._basic_auth import basic_authorization

if TYPE_CHECKING:
    from ._operations import Operation
    from ._session import SessionIdentity
    from ._site_operations import SiteOperation
    from ._site_session import SiteSession

#: The path every agent operation lives under; ``{site}`` is the fqSiteName.
AGENT_PATH_PREFIX = "/engagement/api/agent/"
API_VERSION = "v1"
#: The query parameter that carries a GET operation's input as URL-encoded JSON.
QUERY_INPUT_PARAMETER = "request"

Header = tuple[bytes, bytes]

_CONTENT_TYPE: Header = (b"Content-Type", b"application/json; charset=utf-8")
#: The header of the site's log comment; the chat server reads it too [OC].
APP_CONTEXT_HEADER = b"OSvC-CREST-Application-Context"
# What Oracle's own client sends to the site [OC]: no charset (JSON is UTF-8 anyway).
_SITE_CONTENT_TYPE: Header = (b"Content-Type", b"application/json")


def operation_path(site: str, name: str) -> str:
    """The path of operation ``name`` on ``site`` (both already validated)."""
    return f"{AGENT_PATH_PREFIX}{site}/{API_VERSION}/{name}"


class RequestHead(NamedTuple):
    """One operation's request head for one session identity, less what each request adds."""

    #: ``POST``, or ``GET`` for an operation whose input goes in the query.
    method: str
    #: The path and, with a pool, its query.
    target: str
    #: The headers before ``Content-Length``.
    leading: tuple[Header, ...]
    #: The headers after it.
    trailing: tuple[Header, ...]
    #: For a GET, the target up to its input's value (``...?request=``); None for a POST.
    query_prefix: str | None


def build_head(operation: Operation, identity: SessionIdentity) -> RequestHead:
    """``operation``'s request head for ``identity``."""
    method = operation.method
    pool = identity.pool
    target = operation_path(identity.site, operation.name)
    if pool is not None:
        target = f"{target}?pool={pool}"
    leading = [(b"Host", identity.host.encode())]
    if method == "GET":
        # The input follows the pool if there is one.
        query_prefix: str | None = f"{target}{'?' if pool is None else '&'}{QUERY_INPUT_PARAMETER}="
    else:
        query_prefix = None
        leading.append(_CONTENT_TYPE)
    if operation.needs_session:
        # The session refuses to number such a request while it has no session id.
        leading.append((b"X-AID", identity.agent_id.encode()))
        leading.append((b"X-JSESSIONID", (identity.session_id or "").encode()))
    token = identity.token
    trailing = () if token is None else ((b"Authorization", b"Bearer " + token.encode()),)
    return RequestHead(method, target, tuple(leading), trailing, query_prefix)


class RequestHeads:
    """The request heads a connection sends, cached per operation for one session identity.

    The session replaces its identity, never changes it, when the pool or the
    session id changes; a cache built for an older identity is dropped the
    next time a head is asked for, and the heads are rebuilt from the new one.
    """

    __slots__ = ("_heads", "_identity")

    def __init__(self) -> None:
        self._identity: SessionIdentity | None = None
        self._heads: dict[str, RequestHead] = {}

    def request(self, operation: Operation, identity: SessionIdentity, body: bytes) -> tuple[h11.Request, bytes]:
        """The head of ``operation``'s request with the JSON input ``body``, and the body to send after it.

        A POST sends ``body`` with its ``Content-Length``; a GET moves it into
        the query and sends no body (and so no ``Content-Length``).
        """
        # One call per request, cache lookup and all: it runs on every send.
        if identity is not self._identity:
            self._identity = identity
            self._heads = {}
        head = self._heads.get(operation.name)
        if head is None:
            head = self._heads[operation.name] = build_head(operation, identity)
        method, target, leading, trailing, query_prefix = head
        if query_prefix is None:
            headers = [*leading, (b"Content-Length", b"%d" % len(body)), *trailing]
            return h11.Request(method=method, target=target, headers=headers), body
        target = query_prefix + quote(body, safe="")
        return h11.Request(method=method, target=target, headers=[*leading, *trailing]), b""


def site_request(operation: SiteOperation, site: SiteSession, body: bytes) -> tuple[h11.Request, bytes]:
    """The head of site call ``operation`` for ``site`` with the JSON input ``body``, and the body to send.

    The POST sends ``body`` (``{}`` for agentTokens); the GET sends none.
    """
    headers: list[Header] = [(b"Host", site.host.encode())]
    context = (APP_CONTEXT_HEADER, site.app_context.encode())
    if operation.method == "GET":
        headers.append(context)
        body = b""
    else:
        headers += (_SITE_CONTENT_TYPE, context, (b"Content-Length", b"%d" % len(body)))
    headers.append((b"Authorization", basic_authorization(site.username, site.password)))
    return h11.Request(method=operation.method, target=operation.path, headers=headers), body
