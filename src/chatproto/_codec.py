"""JSON encoding and decoding of bodies: the only place msgspec errors are caught.

Every decode first bounds the nesting depth, because msgspec itself stops
only at the interpreter's recursion limit (and then raises RecursionError,
which is caught here too).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import msgspec

from ._errors import LimitExceeded, LocalProtocolError, RemoteProtocolError
from ._json_depth import check_depth
from ._message_codec import decode_get_messages, wire_form
from ._messages import GetMessagesResponse
from ._operations import Operation
from ._site_operations import SiteOperation, SiteRequest, SiteResponse
from ._wire import AgentResponse, ChatSystemError, Request, WireObject

_ENCODER = msgspec.json.Encoder()
encode = _ENCODER.encode


@cache
def _request_validator(request_type: type[Request]) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(request_type)


@cache
def _response_decoder(response_type: type[AgentResponse]) -> msgspec.json.Decoder[AgentResponse]:
    # Tolerant: numbers as numeric strings are accepted (clientReset "0").
    return msgspec.json.Decoder(response_type, strict=False)


def encode_request(operation: Operation, request: Request) -> bytes:
    """The JSON body of ``request``, validated against its model.

    Raises:
        LocalProtocolError: a field has the wrong type, is out of range, or
            holds a value JSON cannot carry; the message names the field.
    """
    try:
        body = encode(request)
        # msgspec checks types and constraints only when decoding, so the
        # encoded body is decoded once more, strictly, to validate it.
        decoded = _request_validator(operation.request_type).decode(body)
    except msgspec.ValidationError as exc:
        raise LocalProtocolError(f"invalid {operation.name} request: {exc}") from exc
    except (TypeError, ValueError, RecursionError) as exc:  # unencodable value, lone surrogate, self-containing dict
        raise LocalProtocolError(f"invalid {operation.name} request: {exc}") from exc
    if decoded != request:
        # The encoder turned a value of the wrong type into valid JSON of
        # another: bytes into base64 text, NaN into null, int keys into text.
        raise LocalProtocolError(f"invalid {operation.name} request: {_changed_field(request, decoded)}")
    return body


def _changed_field(sent: Request, decoded: Request) -> str:
    # Structs compare field by field, so some field differs.
    value, name = next(
        (getattr(sent, field.name), field.encode_name)
        for field in msgspec.structs.fields(sent)
        if getattr(sent, field.name) != getattr(decoded, field.name)
    )
    return f"{type(value).__name__} is not a valid value - at `$.{name}`"


def decode_request(operation: Operation, body: bytes, max_depth: int) -> Request:
    """Decode a request body strictly, as a server must.

    Raises:
        LimitExceeded: the body nests too deeply.
        RemoteProtocolError: the body is not valid JSON for the model; the
            message names the offending field.
    """
    check_depth(body, max_depth)
    request_type = operation.request_type
    try:
        _check_utf8(body)
        request: Request = _server_validator(request_type).decode(body)
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError) as exc:  # bad UTF-8 in a string
        raise RemoteProtocolError(f"invalid {operation.name} request body: {exc}") from exc
    if type(request) is not request_type:
        # Decoded into the stricter wire twin, which has the same fields.
        request = request_type(**msgspec.structs.asdict(request))
    return request


@cache
def _server_validator(request_type: type[Request]) -> msgspec.json.Decoder[Any]:
    """A decoder that also insists on the fields the reference requires but the
    model defaults for the caller's convenience (postMessage's ``messageType``)."""
    required = request_type.__wire_required__
    if not required:
        return _request_validator(request_type)
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    for field in msgspec.structs.fields(request_type):
        if field.name in required or field.required:
            fields.append((field.name, field.type))
        else:
            factory = field.default_factory
            default = field.default if factory is msgspec.NODEFAULT else msgspec.field(default_factory=factory)
            fields.append((field.name, field.type, default))
    # Keyword-only, so that a required field may follow the envelope's defaults.
    strict = msgspec.defstruct(
        f"{request_type.__name__}OnWire",
        fields,
        bases=(WireObject,),
        frozen=True,
        kw_only=True,
        module=request_type.__module__,
    )
    return msgspec.json.Decoder(strict)


def decode_response(operation: Operation, body: bytes, max_depth: int) -> AgentResponse:
    """Decode a 200 body tolerantly.  An empty body counts as ``{}``.

    A getMessages body is bounded in depth only where it is decoded as plain
    JSON (`_message_codec`): its Structs bound the rest.

    Raises:
        LimitExceeded: the body nests too deeply.
        RemoteProtocolError: the body does not decode; the message holds the
            JSON path of the bad value.
    """
    response_type = operation.response_type
    # The fast paths of check_depth and _check_utf8, inline: every response
    # comes through here, and a call costs as much as either check.
    if response_type is not GetMessagesResponse and body.count(b"[") + body.count(b"{") > max_depth:
        check_depth(body, max_depth)
    try:
        if not body.isascii():
            _check_utf8(body)
        if response_type is GetMessagesResponse:
            response: AgentResponse = decode_get_messages(body or b"{}", max_depth)
        else:
            response = _response_decoder(response_type).decode(body or b"{}")
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError) as exc:  # bad UTF-8 in a string
        raise RemoteProtocolError(f"malformed {operation.name} response body: {exc}") from exc
    return response


def encode_response(body: object) -> bytes:
    """The JSON of a response body; a getMessages answer's messages are wrapped as on the wire.

    Raises:
        LocalProtocolError: the body holds a value JSON cannot carry, or a
            getMessages answer holds something that is not a message.
    """
    if isinstance(body, GetMessagesResponse):
        body = wire_form(body)
    try:
        return encode(body)
    except (TypeError, ValueError, RecursionError) as exc:
        raise LocalProtocolError(f"response body cannot be encoded: {exc}") from exc


def _check_utf8(body: bytes) -> None:
    """Raise UnicodeDecodeError unless ``body`` is UTF-8, as JSON text must be (RFC 8259 section 8.1).

    msgspec checks the strings it decodes, but skips unknown fields without
    looking inside their strings, so invalid UTF-8 there would pass.
    """
    if not body.isascii():  # the common case costs one pass, with no copy
        body.decode("utf-8")


def decode_error_body(body: bytes, max_depth: int) -> tuple[str | None, str | None, ChatSystemError | None]:
    """``(code, message, system_error)`` read best-effort from an error body.

    ``code`` and ``message`` come from ``exceptionCode`` and ``message`` (or
    ``detail``), the fields Oracle's own sample reads, or else from a
    ``chatSystemError``'s ``errorCondition`` and ``text``.  Nothing here
    raises: a body that is not JSON, or too deep, gives ``(None, None, None)``.
    """
    try:
        check_depth(body, max_depth)
        document = msgspec.json.decode(body)
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError, LimitExceeded):
        return None, None, None
    if not isinstance(document, dict):
        return None, None, None
    code = _text(document.get("exceptionCode"))
    message = _text(document.get("message")) or _text(document.get("detail"))
    system_error = system_error_from(document.get("chatSystemError"))
    if system_error is not None:
        code = code or system_error.error_condition
        message = message or system_error.text
    return code, message, system_error


def system_error_from(value: object) -> ChatSystemError | None:
    """A `ChatSystemError` from decoded JSON, or None if it is absent, empty or not an object."""
    if not isinstance(value, dict):
        return None
    try:
        error = msgspec.convert(value, ChatSystemError, strict=False)
    except msgspec.ValidationError:
        return None
    return error if is_reported(error) else None


def is_reported(error: ChatSystemError | None) -> bool:
    """Whether a decoded ``chatSystemError`` reports anything (not null, not all-null)."""
    return error is not None and (error.error_condition is not None or error.text is not None or error.type is not None)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


# --- the site calls ------------------------------------------------------------------------------


@cache
def _site_response_decoder(response_type: type[SiteResponse]) -> msgspec.json.Decoder[SiteResponse]:
    # Tolerant, as the agent answers are: a port may come as "8084".
    return msgspec.json.Decoder(response_type, strict=False)


def decode_site_response(operation: SiteOperation, body: bytes, max_depth: int) -> SiteResponse:
    """Decode a site call's 2xx body tolerantly.

    Raises:
        LimitExceeded: the body nests too deeply.
        RemoteProtocolError: the body does not decode, or lacks a required
            field; the message names the JSON path, never a value.
    """
    check_depth(body, max_depth)
    try:
        _check_utf8(body)
        return _site_response_decoder(operation.response_type).decode(body)
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError) as exc:
        raise RemoteProtocolError(f"malformed {operation.name} response body: {exc}") from exc


def decode_site_request(operation: SiteOperation, body: bytes, max_depth: int) -> SiteRequest:
    """Decode a site call's request body strictly, as a server must; an empty body counts as ``{}``.

    Unknown fields are ignored, as in an agent request.

    Raises:
        LimitExceeded: the body nests too deeply.
        RemoteProtocolError: the body is not a JSON object.
    """
    check_depth(body, max_depth)
    try:
        _check_utf8(body)
        request: SiteRequest = _site_request_decoder(operation.request_type).decode(body or b"{}")
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError) as exc:
        raise RemoteProtocolError(f"invalid {operation.name} request body: {exc}") from exc
    return request


@cache
def _site_request_decoder(request_type: type[SiteRequest]) -> msgspec.json.Decoder[SiteRequest]:
    return msgspec.json.Decoder(request_type)
