"""The messages getMessages delivers, the table of their types, and getMessages' models.

Each element of a getMessages answer is an object whose key is a message
type's wire name and whose value is that message's fields:
``{"ChatActivitySignal": {...}}`` [D].  `MESSAGE_TYPES` maps each wire name
to its Struct; a new type is a row there (`_message_codec` reads only the
table).

Little of this is documented.  Each docstring tags what it models: [D] an
Oracle reference page, [OL] Oracle's legacy client of the same chat server
(the same message names, older serialisation), [OX] Oracle's other agent
client APIs (event names only), [I] our inference.  So every field is
optional and decoded tolerantly:

- unknown fields are ignored, and numbers sent as numeric strings accepted;
- a 64-bit number missing but for its ``...String`` twin is read from the twin;
- a time is epoch milliseconds, or the date text the server sent;
- an enumeration value the spec does not list is kept as the text the server
  sent (`OrUnknown`); the listed ones are the `enum.StrEnum` members, which
  compare equal to their text;
- a type the table does not know becomes an `UnknownMessage`, and a known
  type whose fields do not fit its model a `MalformedMessage`: neither fails
  the answer, nor the other messages in it.
"""

# No ``from __future__ import annotations``: the public Structs' __module__
# becomes ``chatproto``, where msgspec could not resolve string annotations.
import enum
from collections.abc import Callable, Mapping
from itertools import chain
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import msgspec

from ._enums import (
    AssignmentType,
    ChatMessageType,
    ConfigChangeName,
    DestinationType,
    DisconnectReason,
    EngagementConnectionState,
    InteractionMode,
    ParticipantRole,
    SneakPreviewState,
    Visibility,
)
from ._wire import (
    AgentResponse,
    ChatSystemError,
    Int32,
    Int64,
    Request,
    ServerTime,
    fill_number_twins,
    parse_number_twin,
)

E = TypeVar("E", bound=enum.Enum)

if TYPE_CHECKING:
    #: A member of the enumeration ``E``, or the text of a value it does not list.
    OrUnknown: TypeAlias = E | str
else:

    class OrUnknown:
        """At run time ``OrUnknown[E]`` is ``E``: msgspec decodes the members
        (no copy of the text), and `_message_codec` keeps an unlisted value as
        text on its general path."""

        def __class_getitem__(cls, item: type) -> type:
            return item


class _MessageStruct(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True, repr_omit_defaults=True, gc=False
):
    """Base of the message Structs: camelCase on the wire, unset fields not
    written, keyword-only.  Untracked by the garbage collector (``gc=False``):
    they hold only text, numbers and enum members, so they cannot form cycles,
    and a batch of them is cheaper to allocate."""


def _twins_filled(*numbers: str) -> Callable[[Any], None]:
    """The ``__post_init__`` of a message type whose 64-bit numbers are ``numbers``.

    It fills a number that came without a value from its ``<name>_string``
    twin (`_fill_twins`).  Written out as straight-line code, as dataclasses
    writes its methods, from names of this module only: it runs for every
    message decoded, and a loop over the names costs several times more than
    plain attribute loads when, as usual, every number came.
    """
    test = " or ".join(f"(self.{name} is None and self.{name}_string is not None)" for name in numbers)
    namespace: dict[str, Any] = {"fill": _fill_twins, "numbers": numbers}
    exec(f"def __post_init__(self):\n    if {test}:\n        fill(self, numbers)\n", namespace)
    post_init: Callable[[Any], None] = namespace["__post_init__"]
    return post_init


def _fill_twins(message: msgspec.Struct, numbers: tuple[str, ...]) -> None:
    """Fill each of ``numbers`` that came without a value from its ``..._string`` twin.

    A time's twin that spells no number is kept as date text (`ServerTime`).
    """
    for name in numbers:
        if getattr(message, name) is None:
            text = getattr(message, name + "_string")
            value: int | str | None = parse_number_twin(text)
            if value is None and name.endswith("_time") and text:
                value = text
            msgspec.structs.force_setattr(message, name, value)


#: The numbers every `SystemMessage` has, and those of a routed one.
_COMMON_NUMBERS = ("engagement_id", "client_id", "created_time", "sequence_number")
_ROUTED_NUMBERS = (*_COMMON_NUMBERS, "destination_id", "sender_id")


class SystemMessage(_MessageStruct, frozen=True, kw_only=True):
    """The fields every message getMessages delivers carries (``ChatGetTimeout`` aside).

    [OL]: in Oracle's captured batch every message had its own
    ``sequenceNumber``, assigned by the server per session and increasing;
    [I]: the engagement, the client (participant) and the creation time,
    which the documented ``ChatActivitySignal`` has, are common to all.
    The fields are in the order the agent page lists them [D].

    Attributes:
        engagement_id: the engagement it concerns.
        client_id: the participant it is from or about.
        created_time: epoch milliseconds, or the date text the server sent
            (from the twin when only that came).
        sequence_number: the message's number in the session, from its
            twin when only that came; a client delivers each number once.
    """

    engagement_id: Int64 | None = None
    engagement_id_string: str | None = None
    client_id: Int64 | None = None
    client_id_string: str | None = None
    created_time: ServerTime | None = None
    created_time_string: str | None = None
    sequence_number: Int64 | None = None
    sequence_number_string: str | None = None

    __post_init__ = _twins_filled(*_COMMON_NUMBERS)  # type: ignore[misc]  # a generated method, assigned once per class


class _RoutedMessage(SystemMessage, frozen=True, kw_only=True):
    """The routing of a signal or a post, as the documented ``ChatActivitySignal`` carries it [D].

    ``senderType`` and ``destinationType`` are both the ``ChatChannelType``
    of postMessage's ``destinationType`` [OL capture].
    """

    destination_id: Int64 | None = None
    destination_id_string: str | None = None
    destination_type: OrUnknown[DestinationType] | None = None
    sender_id: Int64 | None = None
    sender_id_string: str | None = None
    sender_type: OrUnknown[DestinationType] | None = None
    message_type: OrUnknown[ChatMessageType] | None = None
    visibility: OrUnknown[Visibility] | None = None

    __post_init__ = _twins_filled(*_ROUTED_NUMBERS)  # type: ignore[misc]  # a generated method, assigned once per class


class ChatActivitySignal(_RoutedMessage, frozen=True, kw_only=True):
    """The end user's interaction activity: typing, and the text typed so far [D].

    Every field is on the agent getMessages page [D]; ``messageType`` is
    ``ACTIVITY_SIGNAL`` in Oracle's capture [OL].

    Attributes:
        mode: ``NONE``, ``LISTENING`` or ``RESPONDING`` (`InteractionMode`).
        sneak_preview_state: `SneakPreviewState` (the same enum as
            setInteractionStatus's [I]).
        sneak_preview_interval: milliseconds between sneak-preview updates
            (3000 seen [OL]).
        sneak_preview: the text the end user is typing.
        sneak_preview_focus: whether the end user's input has the focus.
    """

    mode: OrUnknown[InteractionMode] | None = None
    sneak_preview_state: OrUnknown[SneakPreviewState] | None = None
    sneak_preview_interval: Int32 | None = None
    sneak_preview: str | None = None
    sneak_preview_focus: bool | None = None


class ChatConfigChangeNotification(SystemMessage, frozen=True, kw_only=True):
    """A setting of the agent's session changed [D, purpose only].

    The fields are [OL]: with ``name`` ``CHAT_CLUSTER_POOL_ID``, ``value``
    is the session's new pool, sent as ``?pool=`` on every later request;
    Oracle's client ignores other names.

    Attributes:
        name: what changed (`ConfigChangeName`).
        value: its new value.
    """

    name: OrUnknown[ConfigChangeName] | None = None
    value: str | None = None

    @property
    def pool(self) -> str | None:
        """The new pool this notification announces, or None if it announces none."""
        return self.value if self.name == ConfigChangeName.CHAT_CLUSTER_POOL_ID else None


class ChatGetTimeout(_MessageStruct, frozen=True, kw_only=True):
    """The one message of a poll held 30 s with nothing to deliver [D].

    Its fields are undocumented: an empty marker, any fields ignored [I].
    """


class ChatPostMessage(_RoutedMessage, frozen=True, kw_only=True):
    """A message posted into the engagement, the end user's (or an agent's).

    [OL]: seen on the legacy channel of the same server with these fields;
    [I]: the agent API delivers it too, with ``ChatActivitySignal``'s routing
    (``messageType`` ``TEXT``).  Whether an agent gets its own posts echoed is
    unknown.

    Attributes:
        body: the text.
        rich_text: whether ``body`` is HTML.
        off_the_record: whether the post is kept out of the transcript.
        message_id: the sender's id of the post.
        va_response: a virtual agent's payload, JSON in a string.
    """

    body: str | None = None
    rich_text: bool | None = None
    off_the_record: bool | None = None
    message_id: str | None = None
    va_response: str | None = None


class ChatEngagementParticipantAdded(SystemMessage, frozen=True, kw_only=True):
    """A participant joined the engagement [OL; for agents, I].

    Attributes:
        name: the name shown to the other participants.
        greeting: the greeting shown when it joined.
        role: ``LEAD`` or ``CONFEREE`` (`ParticipantRole`).
        virtual_agent: whether the participant is a virtual agent.
        account_id: the agent account, for an agent.
    """

    name: str | None = None
    greeting: str | None = None
    role: OrUnknown[ParticipantRole] | None = None
    virtual_agent: bool | None = None
    account_id: Int64 | None = None
    account_id_string: str | None = None

    __post_init__ = _twins_filled(*_COMMON_NUMBERS, "account_id")  # type: ignore[misc]  # a generated method, assigned once per class


class ChatDisconnectNotification(SystemMessage, frozen=True, kw_only=True):
    """A participant left, or the engagement ended [OL; for agents, I].

    Attributes:
        reason: why (`DisconnectReason`).
    """

    reason: OrUnknown[DisconnectReason] | None = None


class ChatEngagementUpdateNotification(SystemMessage, frozen=True, kw_only=True):
    """The state of a participant's connection changed [OL; for agents, I].

    Attributes:
        connection_state: ``ABSENT``, ``ACTIVE`` or ``DISCONNECTED``
            (`EngagementConnectionState`).
        seconds_to_disconnect: how long an absent participant has left.
    """

    connection_state: OrUnknown[EngagementConnectionState] | None = None
    seconds_to_disconnect: Int32 | None = None


class ChatRoleChangeNotification(SystemMessage, frozen=True, kw_only=True):
    """Another participant leads the engagement now [OL; for agents, I].

    Attributes:
        lead_client_id: the new lead's client id.
    """

    lead_client_id: Int64 | None = None
    lead_client_id_string: str | None = None

    __post_init__ = _twins_filled(*_COMMON_NUMBERS, "lead_client_id")  # type: ignore[misc]  # a generated method, assigned once per class


class ChatEngagementAssignmentNotification(SystemMessage, frozen=True, kw_only=True):
    """An engagement offered to the agent, to answer with assignmentAcknowledgement.

    **The wire name and the fields are an inference [I]**: the offer's
    format is public nowhere.  Oracle's agent-side client APIs raise
    "engagement assigned" with the engagement and queue ids and the end
    user's first and last names and e-mail [OX]; assignmentAcknowledgement
    takes ``engagementId`` and ``assignmentType`` [D], so the offer carries
    at least those.  The names are camelCase like every documented field.

    Attributes:
        assignment_type: ``LEAD``, ``CONFERENCE``, ``TRANSFER`` or
            ``MONITOR`` (`AssignmentType`), to echo in the acknowledgement.
        queue_id: the queue the engagement waited in.
        first_name: the end user's first name.
        last_name: the end user's last name.
        email: the end user's e-mail address.
        question: the end user's question.
    """

    assignment_type: OrUnknown[AssignmentType] | None = None
    queue_id: Int64 | None = None
    queue_id_string: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    question: str | None = None

    __post_init__ = _twins_filled(*_COMMON_NUMBERS, "queue_id")  # type: ignore[misc]  # a generated method, assigned once per class


class UnknownMessage(msgspec.Struct, frozen=True):
    """A message of a type `MESSAGE_TYPES` does not list: new types appear in
    quarterly releases, and a client must not fail on one [D, Oracle support
    answer 12269].

    Attributes:
        type: its wire name, the element's key.
        fields: its fields, as the server sent them.
    """

    type: str
    fields: dict[str, Any]

    @property
    def sequence_number(self) -> int | None:
        """Its ``sequenceNumber`` (or twin), if it carries one, as every message seems to [OL]."""
        return _sequence_number_in(self.fields)


class MalformedMessage(msgspec.Struct, frozen=True):
    """An element of a getMessages answer that does not fit its model.

    A known type whose fields have types the model does not accept (text
    for a number, a list for text), a ``null`` or a non-object as a
    message's fields, or an element that is not an object at all.  It keeps
    what the server sent, and the answer's other messages decode as usual.

    Attributes:
        type: the element's key, the type's wire name; None for an element
            that is not an object.
        fields: what the element held under ``type`` (the element itself when
            ``type`` is None), decoded as plain JSON.
        error: why it does not fit, msgspec's message with the JSON path
            inside the message (``Expected `int | null`, got `str` - at
            `$.engagementId```).
    """

    type: str | None
    fields: Any
    error: str

    @property
    def sequence_number(self) -> int | None:
        """Its ``sequenceNumber`` (or twin), if its fields are an object with a usable one."""
        return _sequence_number_in(self.fields) if isinstance(self.fields, dict) else None


def _sequence_number_in(fields: dict[str, Any]) -> int | None:
    # Only a 64-bit one, as the typed messages' Int64 and the twins are: a
    # session's message counter is saved and restored within that range.
    number = fields.get("sequenceNumber")
    if type(number) is int and -(2**63) <= number < 2**63:
        return number
    twin = fields.get("sequenceNumberString")
    return parse_number_twin(twin) if isinstance(twin, str) else None


#: Any element of `GetMessagesResponse.messages`.
Message: TypeAlias = (
    ChatActivitySignal
    | ChatConfigChangeNotification
    | ChatGetTimeout
    | ChatPostMessage
    | ChatEngagementParticipantAdded
    | ChatDisconnectNotification
    | ChatEngagementUpdateNotification
    | ChatRoleChangeNotification
    | ChatEngagementAssignmentNotification
    | ChatSystemError
    | UnknownMessage
    | MalformedMessage
)

#: Wire name -> message Struct: the types getMessages delivers, one row each.
#: The decoder and the server role's encoder read this table only.
MESSAGE_TYPES: Mapping[str, type[Any]] = MappingProxyType(
    {
        "ChatActivitySignal": ChatActivitySignal,
        "ChatConfigChangeNotification": ChatConfigChangeNotification,
        "ChatGetTimeout": ChatGetTimeout,
        "ChatPostMessage": ChatPostMessage,
        "ChatEngagementParticipantAdded": ChatEngagementParticipantAdded,
        "ChatDisconnectNotification": ChatDisconnectNotification,
        "ChatEngagementUpdateNotification": ChatEngagementUpdateNotification,
        "ChatRoleChangeNotification": ChatRoleChangeNotification,
        # [OL]: fatal for the engagement in Oracle's client; the same Struct as a response's chatSystemError.
        "ChatSystemError": ChatSystemError,
        # [I]: wire name and fields inferred, see its docstring.
        "ChatEngagementAssignmentNotification": ChatEngagementAssignmentNotification,
    }
)

#: The wrapper of one element, one optional field per row of the table (``m0``,
#: ``m1``, ... on the wire as the rows' names).  Unknown keys are refused, and
#: a field is never null, so that anything but known types' objects sends a
#: batch to `_message_codec`'s general path.  Unset fields are `msgspec.UNSET`,
#: which is false, and a message Struct is true: ``filter(None, ...)`` over the
#: wrappers' fields is the messages.
_Wrapper = msgspec.defstruct(
    "_Wrapper",
    [(f"m{index}", kind | msgspec.UnsetType, msgspec.UNSET) for index, kind in enumerate(MESSAGE_TYPES.values())],
    rename={f"m{index}": name for index, name in enumerate(MESSAGE_TYPES)},
    forbid_unknown_fields=True,
    gc=False,
    module=__name__,
)
_unwrapped = msgspec.structs.astuple


class GetMessagesResponse(AgentResponse, frozen=True):
    """The answer to getMessages: the messages the poll delivers, then the usual envelope.

    The agent page names the list ``getResponseTypes`` [D]; the consumer API's
    ``systemMessages`` is accepted too (both, if both come, in that order).
    The envelope's ``sequenceNumber`` echoes the request's; each message has
    its own [OL].  A poll held 30 s with nothing to deliver answers one
    `ChatGetTimeout` [D].

    Attributes:
        messages: one message per key of each element, in order: a Struct of
            `MESSAGE_TYPES`, an `UnknownMessage`, or a `MalformedMessage`.  An
            element is documented with one key; an empty one holds none.
        contains_disconnect: whether the batch holds a disconnection, as
            Oracle's legacy poll answers say [OL]; None if not sent.
    """

    if TYPE_CHECKING:
        messages: tuple[Message, ...] = ()
    else:
        # Decoded as the wire's wrappers, in one pass with the envelope, then
        # unwrapped below; `_message_codec` decodes whatever this refuses.
        messages: tuple[_Wrapper, ...] = msgspec.field(default=(), name="getResponseTypes")
    contains_disconnect: bool | None = None

    def __post_init__(self) -> None:
        messages = self.messages
        if messages and type(messages[0]) is _Wrapper:
            # One element, the usual answer, is unwrapped without chain's iterators: half the cost.
            unwrapped = (
                filter(None, _unwrapped(messages[0]))
                if len(messages) == 1
                else filter(None, chain.from_iterable(map(_unwrapped, messages)))
            )
            msgspec.structs.force_setattr(self, "messages", tuple(unwrapped))
        if self.sequence_number is None or self.client_id is None:
            fill_number_twins(self)


class GetMessagesRequest(Request[GetMessagesResponse], frozen=True):
    """getMessages: the long poll (up to 30 s) for system messages; one at a time per session."""
