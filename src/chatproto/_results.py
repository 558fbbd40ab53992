"""The result objects inside the agent operations' answers, where the spec names their members.

Oracle's pages stop before most result schemas, so what is modelled here is
marked in each docstring: [D] named on a reference page, [OL] seen in
Oracle's legacy client of the same chat server, [I] our inference.  Every
member is optional, decoded tolerantly like the envelope (unknown members
ignored, numbers as numeric strings accepted), and every 64-bit number has
its ``...String`` twin, used when the number is missing.  Values of an
enumeration are kept as the text the server sent: a value the spec does not
list must not fail the answer, and the `enum.StrEnum` members compare equal
to it (``info.role == "LEAD"``).

A result whose members the spec names nowhere stays the JSON the server
sent, on its response model (`_agent_operations`).
"""

# No ``from __future__ import annotations``: the public Structs' __module__
# becomes ``chatproto``, where msgspec could not resolve the names in string
# annotations.
import msgspec

from ._wire import Int32, Int64, Response, parse_number_twin


def _fill_twins(struct: msgspec.Struct, *names: str) -> None:
    """Fill each number field of ``names`` that came without a value from its ``<name>_string`` twin."""
    for name in names:
        if getattr(struct, name) is None:
            # Frozen: set once, while decoding or constructing.
            msgspec.structs.force_setattr(struct, name, parse_number_twin(getattr(struct, f"{name}_string")))


class ChatClientInfo(Response, frozen=True):
    """One participant of an engagement, as the assignment acknowledgement lists them.

    The type's name is [D] (``clientList`` items of
    ``ChatAssignmentAcknowledgementResult``); its members are [I], from the
    participant fields the same server sends in
    ``ChatEngagementParticipantAdded`` [OL].

    Attributes:
        client_id: the participant's client id in the engagement.
        client_id_string: its string twin.
        name: the name shown to the other participants.
        role: ``LEAD`` or ``CONFEREE`` [OL]; the text the server sent.
        account_id: the agent account id, for an agent participant.
        account_id_string: its string twin.
    """

    client_id: Int64 | None = None
    client_id_string: str | None = None
    name: str | None = None
    role: str | None = None
    account_id: Int64 | None = None
    account_id_string: str | None = None

    def __post_init__(self) -> None:
        _fill_twins(self, "client_id", "account_id")


class ChatAssignmentAcknowledgementResult(Response, frozen=True):
    """assignmentAcknowledgement's result [D]: the engagement's participants after the answer.

    Attributes:
        client_list: the participants (``ChatClientInfo`` [D]); None if the
            server sent none.
    """

    client_list: tuple[ChatClientInfo, ...] | None = None


class ChatActivitySignalChangeResult(Response, frozen=True):
    """setInteractionStatus's result (``chatActivitySignalChangeResult``).

    The members are [OL]: the legacy chat servlet answers the same request
    with the sneak-preview settings the engagement now has.

    Attributes:
        sneak_preview_state: ``NONE``, ``ENABLED``, ``DISABLED``,
            ``SITE_UNAVAILABLE`` or ``SERVICE_UNAVAILABLE``
            (`SneakPreviewState`); the text the server sent.
        sneak_preview_interval: milliseconds between sneak-preview updates.
    """

    sneak_preview_state: str | None = None
    sneak_preview_interval: Int32 | None = None
