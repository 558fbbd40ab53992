"""getMessages answers: decoding them into typed messages, and encoding messages as the wire wraps them.

Decoding takes one of two paths, and both give the same messages.

- The fast path decodes the whole body in one msgspec pass (`_Answer`):
  each element of either list is decoded into a wrapper Struct with one
  field per row of `MESSAGE_TYPES`, each payload by its own type's decoder;
  the `GetMessagesResponse` built from it unwraps them in C.  No JSON is
  parsed twice, and nothing scans the body, for its depth or for a key: every part
  it decodes has the fixed depth of its Struct, and what msgspec skips
  (unknown fields) it skips without building anything, its own recursion
  guard stopping a pathological nesting (`RecursionError`).
- Whatever the fast path refuses takes the general path: an element with a
  key the table does not know, a message whose fields do not fit its model
  (or hold a value of an enumeration the spec does not list), a ``null`` or
  a non-object in a list, a list that is not one.  The envelope is
  decoded with each element kept as `msgspec.Raw`, then each element on its
  own, so one bad element does not fail the others.  The parts decoded as
  plain JSON (`UnknownMessage.fields`, `MalformedMessage.fields`) are the
  only ones whose depth is bounded here, by ``max_json_depth``, counted from
  the top of the body.

Errors of the envelope itself (a sequence number that is not a number, a
list that is not a list) still fail the answer: `_codec` turns them into a
`RemoteProtocolError`.
"""

import enum
import operator
from collections.abc import Callable, Iterable, Iterator
from functools import cache, reduce
from itertools import chain
from typing import Any, get_args

import msgspec

from ._errors import LocalProtocolError
from ._json_depth import check_depth
from ._messages import MESSAGE_TYPES, GetMessagesResponse, MalformedMessage, Message, UnknownMessage, _Wrapper
from ._wire import AgentResponse

# An element sits in the root object's list: depth 2, and its fields at 3.
_ELEMENT_DEPTH = 2
_FIELDS_DEPTH = 3


def decode_get_messages(body: bytes, max_depth: int) -> GetMessagesResponse:
    """A getMessages 200 body (not empty), decoded tolerantly.

    Raises:
        msgspec.DecodeError: the body is not JSON, or its envelope does not
            fit `GetMessagesResponse` (a `msgspec.ValidationError`).
        LimitExceeded: a part decoded as plain JSON nests too deeply.
        RecursionError: msgspec's guard against nesting.
    """
    try:
        answer = _FAST.decode(body)
    except msgspec.ValidationError:
        return _decode_general(body, max_depth)
    wrappers = answer.get_response_types or ()
    if answer.system_messages:
        wrappers += answer.system_messages
    # Keywords written out: a comprehension over the names costs more than the decode of a small answer.
    return GetMessagesResponse(
        wrappers,  # unwrapped by GetMessagesResponse.__post_init__
        contains_disconnect=answer.contains_disconnect,
        chat_system_error=answer.chat_system_error,
        client_send_time=answer.client_send_time,
        service_start_time=answer.service_start_time,
        service_finish_time=answer.service_finish_time,
        session_id=answer.session_id,
        client_id=answer.client_id,
        client_id_string=answer.client_id_string,
        sequence_number=answer.sequence_number,
        sequence_number_string=answer.sequence_number_string,
    )


#: The fast path's view of the body: the envelope, and both lists' elements as
#: wrappers, in one pass.  Both names of the list are fields, so msgspec finds
#: either however its key is spelled (``\\u`` escapes included), and nothing
#: scans the body for them first.  The envelope's fields are `AgentResponse`'s,
#: without its ``__post_init__``: the response built from this fills the twins.
_WRAPPERS: Any = tuple[_Wrapper, ...] | None  # type: ignore[valid-type]  # made at run time, from the table
_Answer = msgspec.defstruct(
    "_Answer",
    [
        *((field.name, field.type, field.default) for field in msgspec.structs.fields(AgentResponse)),
        ("get_response_types", _WRAPPERS, None),
        ("system_messages", _WRAPPERS, None),
        ("contains_disconnect", bool | None, None),
    ],
    rename="camel",
    frozen=True,
    gc=False,  # short-lived, and holds nothing that could refer back to it
    module=__name__,
)
_FAST: msgspec.json.Decoder[Any] = msgspec.json.Decoder(_Answer, strict=False)


class _Envelope(AgentResponse, frozen=True):
    """The general path's view of the body: the envelope, and each element raw."""

    get_response_types: list[msgspec.Raw] | None = None
    system_messages: list[msgspec.Raw] | None = None
    contains_disconnect: bool | None = None


_ENVELOPE = msgspec.json.Decoder(_Envelope, strict=False)
_ENVELOPE_FIELDS = AgentResponse.__struct_fields__
_OBJECT = msgspec.json.Decoder(dict[str, msgspec.Raw])
_PLAIN_OBJECT = msgspec.json.Decoder(dict[str, Any])
# A multi-key element gives its messages in the table's order, as the fast
# path's wrapper does, and unknown keys after them, in the order they came.
_TABLE_ORDER = {name: index for index, name in enumerate(MESSAGE_TYPES)}


def _decode_general(body: bytes, max_depth: int) -> GetMessagesResponse:
    envelope = _ENVELOPE.decode(body)
    elements = chain(envelope.get_response_types or (), envelope.system_messages or ())
    messages = tuple(chain.from_iterable(_messages_of(element, max_depth) for element in elements))
    fields = {name: getattr(envelope, name) for name in _ENVELOPE_FIELDS}
    return GetMessagesResponse(messages, contains_disconnect=envelope.contains_disconnect, **fields)


def _messages_of(element: msgspec.Raw, max_depth: int) -> Iterator[Message]:
    try:
        keyed = _OBJECT.decode(element)
    except msgspec.ValidationError as exc:
        yield MalformedMessage(None, _plain(element, max_depth, _ELEMENT_DEPTH), str(exc))
        return
    for name, fields in sorted(keyed.items(), key=_table_position):
        yield _message(name, fields, max_depth)


def _table_position(item: tuple[str, object]) -> int:
    return _TABLE_ORDER.get(item[0], len(_TABLE_ORDER))


def _message(name: str, fields: msgspec.Raw, max_depth: int) -> Message:
    kind = MESSAGE_TYPES.get(name)
    if kind is None:
        check_depth(bytes(fields), max_depth, _FIELDS_DEPTH)
        try:
            return UnknownMessage(name, _PLAIN_OBJECT.decode(fields))
        except msgspec.ValidationError as exc:
            return MalformedMessage(name, msgspec.json.decode(fields), str(exc))
    try:
        message: Message = _typed(kind).decode(fields)  # type: ignore[arg-type]  # classes are hashable; typeshed types cache keys narrowly
    except msgspec.ValidationError:
        try:
            message = _with_unlisted_values(kind)(fields)  # type: ignore[arg-type]
        except msgspec.ValidationError as exc:
            return MalformedMessage(name, _plain(fields, max_depth, _FIELDS_DEPTH), str(exc))
    return message


def _plain(fragment: msgspec.Raw, max_depth: int, offset: int) -> Any:
    check_depth(bytes(fragment), max_depth, offset)
    return msgspec.json.decode(fragment)


@cache
def _typed(kind: type[Message]) -> msgspec.json.Decoder[Message]:
    return msgspec.json.Decoder(kind, strict=False)


@cache
def _with_unlisted_values(kind: type[Message]) -> Callable[[msgspec.Raw], Message]:
    """A decoder of ``kind`` that keeps a value its enumerations do not list as text.

    It decodes into a twin of ``kind`` whose enumeration fields are text,
    then builds ``kind`` from it with the listed values as members.
    """
    enums: dict[str, type[enum.Enum]] = {}
    twin_fields: list[tuple[str, Any, Any]] = []
    for field in msgspec.structs.fields(kind):
        members = [arg for arg in get_args(field.type) if isinstance(arg, type) and issubclass(arg, enum.Enum)]
        annotation = field.type
        if members:
            enums[field.name] = members[0]
            annotation = reduce(operator.or_, [str if arg is members[0] else arg for arg in get_args(field.type)])
        twin_fields.append((field.name, annotation, field.default))
    twin = msgspec.defstruct(
        f"{kind.__name__}AsText",
        twin_fields,
        kw_only=True,
        rename={field.name: field.encode_name for field in msgspec.structs.fields(kind)},
        module=__name__,
    )
    decoder = msgspec.json.Decoder(twin, strict=False)

    def decode(fields: msgspec.Raw) -> Message:
        values = msgspec.structs.asdict(decoder.decode(fields))
        for name, kind_of_value in enums.items():
            value = values[name]
            if value is not None:
                values[name] = kind_of_value._value2member_map_.get(value, value)
        return kind(**values)

    return decode


# --- encoding: the server role -------------------------------------------------------------------

_WIRE_NAME = {kind: name for name, kind in MESSAGE_TYPES.items()}


def wire_element(message: Message) -> object:
    """``message`` as an element of the wire's list: ``{wire name: fields}``.

    An `UnknownMessage` or `MalformedMessage` is written as it came.

    Raises:
        LocalProtocolError: ``message`` is not a message.
    """
    name = _WIRE_NAME.get(type(message))
    if name is not None:
        return {name: message}
    if isinstance(message, UnknownMessage | MalformedMessage):
        return message.fields if message.type is None else {message.type: message.fields}
    raise LocalProtocolError(f"{type(message).__name__} is not a getMessages message")


def encode_messages(messages: Iterable[Message]) -> bytes:
    """The JSON of ``getResponseTypes``: each message wrapped in an object keyed by its wire name.

    Raises:
        LocalProtocolError: an element is not a message, or holds a value
            JSON cannot carry.
    """
    return _encode([wire_element(message) for message in messages])


class _OnWire(AgentResponse, frozen=True):
    """A `GetMessagesResponse` as the server writes it: the fields in the same order, the messages wrapped."""

    get_response_types: list[object] = msgspec.field(default_factory=list)
    contains_disconnect: bool | None = None


def wire_form(response: GetMessagesResponse) -> _OnWire:
    """What the server role encodes for ``response`` (the messages wrapped under ``getResponseTypes``)."""
    fields = {name: getattr(response, name) for name in _ENVELOPE_FIELDS}
    return _OnWire([wire_element(message) for message in response.messages], response.contains_disconnect, **fields)


def _encode(value: object) -> bytes:
    try:
        return msgspec.json.encode(value)
    except (TypeError, ValueError, RecursionError) as exc:
        raise LocalProtocolError(f"messages cannot be encoded: {exc}") from exc
