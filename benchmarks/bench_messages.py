"""Decoding a getMessages answer into the core's typed messages, against msgspec into plain dicts.

The bodies hold 1, 10 and 100 messages as the emulator sends them (the
server role's encoder, `chatproto.encode_messages`): the end user's typing
signals and posts in turn, each with every 64-bit number and its
``...String`` twin, in the envelope of a poll's answer.  Each size
is decoded two ways, alternately, round after round, in one process:

- ``msgspec``: ``msgspec.json.decode(body)``, the same bytes into plain
  dicts and lists, with no model and no checks;
- ``chatproto``: the codec function `ClientConnection` calls on a 200 body
  (``chatproto._codec.decode_response`` with the getMessages operation and
  the default limits): the UTF-8 and depth bounds, the wrappers, each
  message into its Struct, the ``...String`` twins, the envelope.

The medians per message and their ratio are printed for each size.
Target: at most 1.0x.

    python benchmarks/bench_messages.py [--rounds 15] [--decodes 20000-messages-per-round]
    python benchmarks/bench_messages.py --only core --size 100   # one side, for callgrind
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import msgspec

import chatproto as cp
from chatproto._codec import decode_response

SIZES = (1, 10, 100)
OPERATION = cp.OPERATIONS["getMessages"]
MAX_DEPTH = cp.Limits().max_json_depth
NOW_MS = 1653492901569
ENGAGEMENT_ID = 27
END_USER_ID = 48


def _twins(**numbers: int) -> dict[str, object]:
    """Each 64-bit number with its ``..._string`` twin, as the agent API sends them."""
    fields: dict[str, object] = {}
    for name, value in numbers.items():
        fields[name] = value
        fields[f"{name}_string"] = str(value)
    return fields


def _post(number: int) -> cp.ChatPostMessage:
    return cp.ChatPostMessage(
        **_twins(engagement_id=ENGAGEMENT_ID, created_time=NOW_MS + number, sequence_number=number),  # type: ignore[arg-type]
        **_twins(destination_id=ENGAGEMENT_ID, sender_id=END_USER_ID),  # type: ignore[arg-type]
        destination_type=cp.DestinationType.ENGAGEMENT,
        sender_type="END_USER",
        message_type=cp.ChatMessageType.TEXT,
        visibility=cp.Visibility.ALL,
        body=f"Message number {number}, from the end user.",
        rich_text=False,
        off_the_record=False,
    )


def _typing(number: int) -> cp.ChatActivitySignal:
    return cp.ChatActivitySignal(
        **_twins(engagement_id=ENGAGEMENT_ID, client_id=END_USER_ID, created_time=NOW_MS + number),  # type: ignore[arg-type]
        **_twins(sequence_number=number, destination_id=ENGAGEMENT_ID, sender_id=END_USER_ID),  # type: ignore[arg-type]
        destination_type=cp.DestinationType.ENGAGEMENT,
        sender_type="END_USER",
        message_type=cp.ChatMessageType.ACTIVITY_SIGNAL,
        visibility=cp.Visibility.ALL,
        mode=cp.InteractionMode.RESPONDING,
        sneak_preview_state=cp.SneakPreviewState.ENABLED,
        sneak_preview_interval=3000,
        sneak_preview="Message numb",
        sneak_preview_focus=True,
    )


def answer_body(size: int) -> bytes:
    """A getMessages answer of ``size`` messages, typing signals and posts in turn, as the server role writes it."""
    messages = [(_typing if number % 2 else _post)(number) for number in range(1, size + 1)]
    envelope = {
        "getResponseTypes": msgspec.Raw(cp.encode_messages(messages)),
        "chatSystemError": None,
        "serviceStartTime": NOW_MS,
        "serviceFinishTime": NOW_MS + 3,
        "sessionId": "node01hyuckn70y6nm1g2hco4hrwlqq0",
        "clientId": 47,
        "clientIdString": "47",
        "sequenceNumber": 2,
        "sequenceNumberString": "2",
    }
    return msgspec.json.encode(envelope)


def decode_core(body: bytes) -> object:
    return decode_response(OPERATION, body, MAX_DEPTH)


decode_plain = msgspec.json.decode


def timed(decode: Callable[[bytes], object], body: bytes, repeats: int) -> float:
    start = time.perf_counter()
    for _ in range(repeats):
        decode(body)
    return time.perf_counter() - start


def check(body: bytes, size: int) -> None:
    """Both sides decode the same messages: the comparison is of equal work."""
    response = decode_core(body)
    assert isinstance(response, cp.GetMessagesResponse)
    assert len(response.messages) == size
    assert not any(isinstance(m, cp.UnknownMessage | cp.MalformedMessage) for m in response.messages)
    plain = decode_plain(body)
    assert [next(iter(element)) for element in plain["getResponseTypes"]] == [
        type(message).__name__ for message in response.messages
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--messages", type=int, default=20000, help="messages decoded per round and size")
    parser.add_argument("--only", choices=("core", "plain"), help="run one side once, print nothing (callgrind)")
    parser.add_argument("--size", type=int, choices=SIZES, default=100, help="the answer's size with --only")
    args = parser.parse_args()
    if args.only:
        body = answer_body(args.size)
        timed(decode_core if args.only == "core" else decode_plain, body, args.messages // args.size)
        return
    print(f"getMessages decode, median of {args.rounds} rounds x {args.messages} messages per size, per message")
    for size in SIZES:
        body = answer_body(size)
        check(body, size)
        repeats = max(1, args.messages // size)
        plain: list[float] = []
        core: list[float] = []
        for _ in range(args.rounds):
            plain.append(timed(decode_plain, body, repeats) / (repeats * size))
            core.append(timed(decode_core, body, repeats) / (repeats * size))
        plain_median = statistics.median(plain)
        core_median = statistics.median(core)
        print(f"  {size:3d} message(s), {len(body):6d} bytes")
        print(f"    msgspec.json.decode (dicts) : {plain_median * 1e6:7.3f} us/message")
        print(f"    chatproto decode_response   : {core_median * 1e6:7.3f} us/message")
        print(f"    ratio chatproto/msgspec     : {core_median / plain_median:7.3f}x  (target <= 1.0x)")


if __name__ == "__main__":
    main()
