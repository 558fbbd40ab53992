"""Shared pieces of the wire models: base classes and constrained field types.

Requests are validated on the send path by decoding their own encoding with a
strict decoder, because msgspec checks types and constraints only when
decoding, never in ``__init__``.  Responses are decoded tolerantly: unknown
fields are ignored, ``null`` is accepted for every optional field, and numbers
sent as numeric strings (``"clientReset": "0"`` in the reference example) are
accepted (msgspec's non-strict mode).
"""

from typing import Annotated

import msgspec

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
#: also describes them as ``yyyy-MM-dd'T'HH:mm:ssXXX`` strings, so a date
#: string is kept as the text the server sent rather than refused.
ServerTime = int | str


class Request(msgspec.Struct, frozen=True, rename="camel", omit_defaults=True):
    """Base of every agent API request body.  Unset optional fields are omitted."""


class Response(msgspec.Struct, frozen=True, rename="camel"):
    """Base of every agent API response body; decoded tolerantly."""


class ChatSystemError(Response, frozen=True):
    """An error the chat server reports inside a response body, even a 200."""

    error_condition: str | None = None
    text: str | None = None
    type: str | None = None
