"""The server role's reading of the site calls, and of the headers they share with the agent calls.

`ServerConnection` hands a request under `SITE_PATH_PREFIX` to
`classify_site`, which routes it by the site calls table and reads what a
client sends there [D, OC]: HTTP Basic credentials, the
``OSvC-CREST-Application-Context`` comment (at most 40 characters [D]), and
for agentTokens the body ``{}`` (or none).  Header names match in any case
(h11 hands them over lowercased).  Whether the credentials log on is the
application's to decide, so a request without Basic credentials is still
a well-formed one; credentials that cannot be read are not.
"""

from __future__ import annotations

from ._basic_auth import parse_basic_authorization
from ._codec import decode_site_request
from ._errors import LimitExceeded, LocalProtocolError, RemoteProtocolError
from ._events import InvalidRequest, SiteRequestReceived
from ._http import RequestHead
from ._identity import check_app_context
from ._site_operations import SITE_OPERATION_OF_PATH

_APP_CONTEXT = b"osvc-crest-application-context"


def one_header(head: RequestHead, name: bytes) -> str | None:
    """The one value of header ``name`` (lowercase), None if absent.

    Raises:
        LocalProtocolError: the header is repeated: which one counts would
            depend on the parser.
    """
    values = [value for field, value in head.headers if field == name]
    if not values:
        return None
    if len(values) > 1:
        raise LocalProtocolError(f"{name.decode('ascii')} given more than once")
    return values[0].decode("latin-1")


def app_context_of(head: RequestHead) -> str | None:
    """``OSvC-CREST-Application-Context``, checked as a client checks it; None if absent or empty.

    Raises:
        LocalProtocolError: it is repeated, longer than 40 characters, or
            holds a character other than printable ASCII and spaces.
    """
    value = one_header(head, _APP_CONTEXT)
    return check_app_context(value, "OSvC-CREST-Application-Context") if value else None


def classify_site(
    head: RequestHead,
    body: bytes,
    *,
    method: str,
    path: str,
    query: str,
    headers: tuple[tuple[str, str], ...],
    max_depth: int,
) -> SiteRequestReceived | InvalidRequest:
    """The event for a request whose path is under `SITE_PATH_PREFIX`."""
    operation = SITE_OPERATION_OF_PATH.get(path)
    if operation is None:
        return InvalidRequest(404, "NOT_FOUND", f"no site call at {path!r}")
    if method != operation.method:
        message = f"{operation.name} takes {operation.method}, not {method}"
        return InvalidRequest(405, "METHOD_NOT_ALLOWED", message, site_operation=operation)
    try:
        authorization = one_header(head, b"authorization")
        credentials = None if authorization is None else parse_basic_authorization(authorization)
        app_context = app_context_of(head)
        content_type = one_header(head, b"content-type")
    except LocalProtocolError as exc:
        return InvalidRequest(400, "BAD_REQUEST", str(exc), site_operation=operation)
    if operation.method == "GET":
        body_in = b""  # a GET's body, if any, is no input
    else:
        body_in = body
        if body and (content_type or "").split(";")[0].strip().lower() != "application/json":
            message = f"{operation.name}: a body's Content-Type must be application/json"
            return InvalidRequest(400, "BAD_REQUEST", message, site_operation=operation)
    try:
        request = decode_site_request(operation, body_in, max_depth)
    except LimitExceeded as exc:
        return InvalidRequest(400, "BAD_REQUEST", f"request body: {exc}", site_operation=operation)
    except RemoteProtocolError as exc:
        return InvalidRequest(400, "INVALID_FIELD", str(exc), site_operation=operation)
    username, password = (None, None) if credentials is None else credentials
    return SiteRequestReceived(method, path, query, headers, body, operation, username, password, app_context, request)
