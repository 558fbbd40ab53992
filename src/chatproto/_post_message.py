"""postMessage: the wire models, exactly as the reference page documents them."""

import itertools

import msgspec

from ._enums import DestinationType, MessageType, Visibility
from ._wire import (
    AgentResponse,
    DataKey,
    Int32,
    Int64,
    Request,
    Response,
)

# A factory rather than a plain default: ``omit_defaults`` drops fields equal
# to their default, and ``messageType`` is required on the wire.  A C callable
# (an endless iterator's __next__) rather than a function: it runs on every
# construction of a request.
_text = itertools.repeat(MessageType.TEXT).__next__


class ChatPostResult(Response, frozen=True):
    """The outcome of a post; ``client_reset`` is int32 in the schema but the
    reference example sends ``"0"``, so numeric strings are accepted."""

    client_reset: Int32 | None = None


class PostMessageResponse(AgentResponse, frozen=True):
    """The 200 answer to postMessage: ``chatPostResult``, then the envelope, in the reference example's order.

    When the server sends only the string twin of a 64-bit number
    (``sequenceNumberString``, ``clientIdString``), the number is parsed from it.
    """

    chat_post_result: ChatPostResult | None = None


class _PostMessageFields(Request[PostMessageResponse], frozen=True):
    """postMessage's own fields up to ``richText``: the reference lists the
    envelope (``sequenceNumber``, ``timeCreated``) between them and ``visibility``."""

    __wire_required__ = frozenset({"message_type"})

    body: str
    destination_id: Int64
    destination_type: DestinationType
    message_type: MessageType = msgspec.field(default_factory=_text)
    message_data_map: dict[DataKey, str] | None = None
    message_id: str | None = None
    rich_text: bool | None = None


class PostMessageRequest(_PostMessageFields, frozen=True, kw_only=True):
    """A message from the agent into an engagement (``PostMessageRequest``).

    ``sequence_number`` left as None is filled by the session when sent, and
    ``time_created`` (epoch milliseconds) from the ``now_ms`` the caller gives
    ``send``, since the core has no clock.  ``visibility`` is declared here,
    keyword-only, so that it follows the envelope on the wire as in the reference.
    """

    visibility: Visibility | None = None
