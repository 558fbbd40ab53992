"""The messages getMessages carries, as the emulator writes them.

Each message is a single-key object whose key is its type's wire name
(``{"ChatPostMessage": {...}}``), as the agent getMessages page shows [D].
Every 64-bit number goes with its ``...String`` twin, as the agent API's
numbers do.  Beyond the two types the page documents (``ChatActivitySignal``,
``ChatConfigChangeNotification``, ``ChatGetTimeout``), the fields are those
the same server sends on its legacy channel [OL], and the assignment offer's
wire name and fields (``ChatEngagementAssignmentNotification``) are an
inference [I]: nothing public names them.

These functions are the one place the emulator shapes a message; the rest
of it keeps them opaque, numbers them and counts their bytes.
"""

from __future__ import annotations

from typing import Any

import msgspec

from .._messages import MESSAGE_TYPES
from .._messages import Message as TypedMessage

#: The ``ChatConfigChangeNotification`` name that announces a new pool [OL].
CHAT_CLUSTER_POOL_ID = "CHAT_CLUSTER_POOL_ID"
#: How often the end user's sneak preview is sent, in ms (the value the legacy capture shows [OL]).
SNEAK_PREVIEW_INTERVAL_MS = 3000

#: A message as the emulator holds it: the single-key wire object.
Message = dict[str, Any]


def _with_twins(fields: dict[str, Any], **numbers: int) -> dict[str, Any]:
    for name, value in numbers.items():
        fields[name] = value
        fields[f"{name}String"] = str(value)
    return fields


def numbered(message: Message, sequence: int) -> Message:
    """``message`` as delivered: with its per-session ``sequenceNumber`` (and twin)."""
    ((name, fields),) = message.items()
    return {name: _with_twins(dict(fields), sequenceNumber=sequence)}


def timeout() -> Message:
    """The sole message of a poll that expired with nothing to deliver; it has no fields [D]."""
    return {"ChatGetTimeout": {}}


def assignment_offer(engagement_id: int, queue_id: int, user_properties: dict[str, str], now_ms: int) -> Message:
    """An engagement offered to the agent: what assignmentAcknowledgement answers [I]."""
    fields: dict[str, Any] = {"assignmentType": "LEAD"}
    _with_twins(fields, engagementId=engagement_id, queueId=queue_id)
    for wire_name, property_name in (
        ("firstName", "FIRST_NAME"),
        ("lastName", "LAST_NAME"),
        ("email", "EMAIL"),
        ("question", "QUESTION"),
    ):
        if property_name in user_properties:
            fields[wire_name] = user_properties[property_name]
    return {"ChatEngagementAssignmentNotification": _with_twins(fields, createdTime=now_ms)}


def end_user_post(engagement_id: int, end_user_id: int, body: str, now_ms: int) -> Message:
    """What the end user said: a ``ChatPostMessage`` from ``END_USER`` [OL, routing fields I]."""
    fields: dict[str, Any] = {"senderType": "END_USER", "body": body, "richText": False, "offTheRecord": False}
    _with_twins(fields, senderId=end_user_id, engagementId=engagement_id, destinationId=engagement_id)
    fields.update(destinationType="ENGAGEMENT", visibility="ALL", messageType="TEXT")
    return {"ChatPostMessage": _with_twins(fields, createdTime=now_ms)}


def end_user_typing(engagement_id: int, end_user_id: int, sneak_preview: str, now_ms: int) -> Message:
    """The end user typing: a ``ChatActivitySignal`` with the text so far [D]."""
    fields: dict[str, Any] = {}
    _with_twins(fields, engagementId=engagement_id, clientId=end_user_id)
    fields.update(
        mode="RESPONDING",
        sneakPreviewState="ENABLED",
        sneakPreviewInterval=SNEAK_PREVIEW_INTERVAL_MS,
        sneakPreview=sneak_preview,
        sneakPreviewFocus=True,
    )
    _with_twins(fields, destinationId=engagement_id)
    fields["destinationType"] = "ENGAGEMENT"
    _with_twins(fields, senderId=end_user_id)
    fields.update(senderType="END_USER", messageType="ACTIVITY_SIGNAL", visibility="ALL")
    return {"ChatActivitySignal": _with_twins(fields, createdTime=now_ms)}


def disconnect(engagement_id: int, client_id: int, reason: str, now_ms: int) -> Message:
    """A participant left the engagement (``reason`` such as ``END_USER_CONCLUDED``) [OL]."""
    fields: dict[str, Any] = {}
    _with_twins(fields, engagementId=engagement_id, clientId=client_id)
    fields["reason"] = reason
    return {"ChatDisconnectNotification": _with_twins(fields, createdTime=now_ms)}


def pool_change(pool: str, now_ms: int) -> Message:
    """The session's pool changed: later requests carry ``?pool=`` ``pool`` [D, fields OL]."""
    fields: dict[str, Any] = {"name": CHAT_CLUSTER_POOL_ID, "value": pool}
    return {"ChatConfigChangeNotification": _with_twins(fields, createdTime=now_ms)}


def typed(messages: list[Message]) -> tuple[TypedMessage, ...]:
    """The messages as the core's typed Structs, which the server role wraps again on the wire.

    The emulator holds the wire objects (it counts their bytes); a poll's answer
    is the core's `GetMessagesResponse`, so what it sends is what the client decodes.
    """
    typed_messages: list[TypedMessage] = []
    for message in messages:
        ((name, fields),) = message.items()
        typed_messages.append(msgspec.convert(fields, MESSAGE_TYPES[name], strict=False))
    return tuple(typed_messages)
