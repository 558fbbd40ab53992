"""postMessage: the wire models, exactly as the reference page documents them."""

import itertools

import msgspec

from ._enums import DestinationType, MessageType, Visibility
from ._wire import (
    ChatSystemError,
    DataKey,
    Int32,
    Int64,
    Request,
    Response,
    SequenceNumber,
    ServerTime,
    fill_number_twins,
)

# A factory rather than a plain default: ``omit_defaults`` drops fields equal
# to their default, and ``messageType`` is required on the wire.  A C callable
# (an endless iterator's __next__) rather than a function: it runs on every
# construction of a request.
_text = itertools.repeat(MessageType.TEXT).__next__


class PostMessageRequest(Request, frozen=True):
    """A message from the agent into an engagement (``PostMessageRequest``).

    ``sequence_number`` left as None is filled by the session when sent;
    ``time_created`` (epoch milliseconds) is the caller's to set, since the
    core has no clock.
    """

    __wire_required__ = frozenset({"message_type"})

    body: str
    destination_id: Int64
    destination_type: DestinationType
    message_type: MessageType = msgspec.field(default_factory=_text)
    message_data_map: dict[DataKey, str] | None = None
    message_id: str | None = None
    rich_text: bool | None = None
    sequence_number: SequenceNumber | None = None
    time_created: Int64 | None = None
    visibility: Visibility | None = None


class ChatPostResult(Response, frozen=True):
    """The outcome of a post; ``client_reset`` is int32 in the schema but the
    reference example sends ``"0"``, so numeric strings are accepted."""

    client_reset: Int32 | None = None


class PostMessageResponse(Response, frozen=True):
    """The 200 answer to postMessage.  Fields are in the reference example's order.

    When the server sends only the string twin of a 64-bit number
    (``sequenceNumberString``, ``clientIdString``), the number is parsed from it.
    """

    chat_post_result: ChatPostResult | None = None
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
