"""Shared pieces of the wire models: base classes and constrained field types.

Requests are validated on the send path by decoding their own encoding with a
strict decoder, because msgspec checks types and constraints only when
decoding, never in ``__init__``.  Responses are decoded tolerantly: unknown
fields are ignored, ``null`` is accepted for every optional field, and numbers
sent as numeric strings (``"clientReset": "0"`` in the reference example) are
accepted (msgspec's non-strict mode).
"""

import re
from typing import TYPE_CHECKING, Annotated, ClassVar, Generic, Protocol, cast

import msgspec

if TYPE_CHECKING:
    # A type variable's default (PEP 696) is in `typing` only from 3.13; type
    # checkers read it from typing_extensions, which need not be installed.
    from typing_extensions import TypeVar
else:
    from typing import TypeVar

#: A Java ``long``: every ``integer(int64)`` field of the reference.
Int64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
#: A Java ``int``: every ``integer(int32)`` field of the reference.
Int32 = Annotated[int, msgspec.Meta(ge=-(2**31), le=2**31 - 1)]
#: Sequence numbers are handed out from 1 upward.
SequenceNumber = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
#: A key of a ``messageDataMap``: any text without control characters, so a
#: key can never smuggle a line break into a log line or a downstream header.
DataKey = Annotated[str, msgspec.Meta(pattern=r"^[^\x00-\x1f\x7f]*\Z")]
#: The server's times: epoch milliseconds as documented, but the reference
#: also describes them as ISO 8601 date strings with an offset, so a date
#: string is kept as the text the server sent rather than refused.
ServerTime = int | str


class WireObject(msgspec.Struct, frozen=True, rename="camel", omit_defaults=True):
    """Base of every object a request carries, nested ones included.  Unset optional fields are omitted."""

    #: Fields the reference requires on the wire although the model gives
    #: them a default; a server refuses a body without them.
    __wire_required__: ClassVar[frozenset[str]] = frozenset()


class Response(msgspec.Struct, frozen=True, rename="camel"):
    """Base of every agent API response body; decoded tolerantly."""


class ChatSystemError(Response, frozen=True):
    """An error the chat server reports inside a response body, even a 200."""

    error_condition: str | None = None
    text: str | None = None
    type: str | None = None


_INT64_TEXT = re.compile(r"-?[0-9]{1,19}")


def parse_number_twin(text: str | None) -> int | None:
    """The int64 a ``...String`` twin spells (``"47"``), or None when it spells none."""
    if text is None:
        return None
    # A full match of at most 19 ASCII digits: ``lstrip("-")`` let "--5" through
    # to int(), and int() refuses over 4300 digits; both raised, not None.
    stripped = text.strip()
    if _INT64_TEXT.fullmatch(stripped) is None:
        return None
    value = int(stripped)
    return value if -(2**63) <= value < 2**63 else None


def fill_number_twins(response: "NumberTwins") -> None:
    """Fill ``sequence_number`` and ``client_id`` from their string twins when only those came."""
    struct = cast(msgspec.Struct, response)  # frozen: set once, while decoding
    if response.sequence_number is None:
        msgspec.structs.force_setattr(struct, "sequence_number", parse_number_twin(response.sequence_number_string))
    if response.client_id is None:
        msgspec.structs.force_setattr(struct, "client_id", parse_number_twin(response.client_id_string))


class NumberTwins(Protocol):
    """A response with the two numbers that have string twins."""

    @property
    def sequence_number(self) -> int | None: ...
    @property
    def sequence_number_string(self) -> str | None: ...
    @property
    def client_id(self) -> int | None: ...
    @property
    def client_id_string(self) -> str | None: ...


class AgentResponse(Response, frozen=True, kw_only=True):
    """The envelope every agent response shares (documented in full for postMessage only).

    The fields are in the postMessage reference example's order and
    keyword-only, so a subclass's result field (``chatPostResult``, say) comes
    first when the server role encodes it, as in that example.  When the
    server sends only the string twin of a 64-bit number, the number is parsed
    from it.
    """

    chat_system_error: ChatSystemError | None = None
    client_send_time: ServerTime | None = None
    service_start_time: ServerTime | None = None
    service_finish_time: ServerTime | None = None
    session_id: str | None = None
    client_id: Int64 | None = None
    client_id_string: str | None = None
    sequence_number: Int64 | None = None
    sequence_number_string: str | None = None

    def __post_init__(self) -> None:
        # Checked here first: this runs on every decode, and the call is the cost.
        if self.sequence_number is None or self.client_id is None:
            fill_number_twins(self)


# The response type a request is answered with.  Covariant, since requests
# are immutable: a ``Request[PostMessageResponse]`` is a ``Request[AgentResponse]``.
# The default lets a bare ``Request`` mean a request of any operation.
if TYPE_CHECKING:
    ResponseT_co = TypeVar("ResponseT_co", bound=AgentResponse, covariant=True, default=AgentResponse)
else:
    ResponseT_co = TypeVar("ResponseT_co", bound=AgentResponse, covariant=True)


class Request(WireObject, Generic[ResponseT_co], frozen=True, kw_only=True):
    """Base of every agent API request body: the two envelope fields every request carries.

    Generic in the response type its operation answers with, so whatever
    sends a ``Request[R]`` can be typed to return an ``R``; the parameter has
    no field and costs nothing on the wire.

    The fields are keyword-only, so msgspec places them after each subclass's
    own fields, both in the signature and on the wire: required fields still
    come first, and the bytes keep the reference's order.
    """

    #: None is filled with the session's next number when the request is sent.
    sequence_number: SequenceNumber | None = None
    #: Epoch milliseconds; None is filled from the ``now_ms`` given to ``send``.
    time_created: Int64 | None = None
