"""The core's full client exchange against bare h11 + msgspec doing the same work.

One exchange: build and frame a postMessage request, feed the reference
response, parse it and decode its body to a typed struct.  Both sides do
exactly that; the core also validates the request, numbers it, checks the
response's sequence number and enforces its limits.  They run alternately,
round after round, in one process; the medians per exchange and their ratio
are printed.

    python benchmarks/bench_core.py [--rounds 15] [--exchanges 2000]
"""

from __future__ import annotations

import argparse
import statistics
import time

import h11
import msgspec

import chatproto as cp

HOST = "chat.example.com"
SITE = "day001_221100_sql_001h"
TARGET = f"/engagement/api/agent/{SITE}/v1/postMessage?pool=297:1"
RESPONSE_BODY = (
    '{"chatPostResult":{"clientReset":"0"},"chatSystemError":null,"clientSendTime":1564598688444,'
    '"serviceStartTime":1653492901569,"serviceFinishTime":1653492901701,'
    '"sessionId":"node01hyuckn70y6nm1g2hco4hrwlqq0","clientId":47,"clientIdString":"47",'
    '"sequenceNumber":%d,"sequenceNumberString":"%d"}'
)


def response_bytes(sequence_number: int) -> bytes:
    body = (RESPONSE_BODY % (sequence_number, sequence_number)).encode()
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=utf-8\r\nContent-Length: %d\r\n\r\n" % len(body)
    return head + body


# --- bare h11 + msgspec: what a user would write without chatproto ---------


class BarePostMessage(msgspec.Struct, rename="camel", omit_defaults=True):
    body: str
    destination_id: int
    destination_type: str
    message_type: str = "TEXT"
    sequence_number: int | None = None


class BareChatPostResult(msgspec.Struct, rename="camel"):
    client_reset: int | None = None


class BareResponse(msgspec.Struct, rename="camel"):
    chat_post_result: BareChatPostResult | None = None
    client_send_time: int | None = None
    service_start_time: int | None = None
    service_finish_time: int | None = None
    session_id: str | None = None
    client_id: int | None = None
    client_id_string: str | None = None
    sequence_number: int | None = None
    sequence_number_string: str | None = None


def run_bare(responses: list[bytes]) -> float:
    encoder = msgspec.json.Encoder()
    decoder = msgspec.json.Decoder(BareResponse, strict=False)
    conn = h11.Connection(h11.CLIENT)
    start = time.perf_counter()
    for number, response in enumerate(responses, 1):
        body = encoder.encode(BarePostMessage("Hi", 27, "ENGAGEMENT", sequence_number=number))
        headers = [
            (b"Host", HOST.encode()),
            (b"Content-Type", b"application/json; charset=utf-8"),
            (b"X-AID", b"12"),
            (b"X-JSESSIONID", b"node01h8m13tljpm7ns8nayp0pid91"),
            (b"Content-Length", b"%d" % len(body)),
        ]
        data = conn.send(h11.Request(method="POST", target=TARGET, headers=headers))
        data += conn.send(h11.Data(data=body))  # type: ignore[operator]
        data += conn.send(h11.EndOfMessage())  # type: ignore[operator]
        conn.receive_data(response)
        chunks = []
        while True:
            event = conn.next_event()
            if type(event) is h11.Data:
                chunks.append(event.data)
            elif type(event) is h11.EndOfMessage:
                break
        decoder.decode(b"".join(chunks))
        conn.start_next_cycle()
    return time.perf_counter() - start


def run_core(responses: list[bytes]) -> float:
    session = cp.AgentSession(
        host=HOST, site=SITE, agent_id="12", session_id="node01h8m13tljpm7ns8nayp0pid91", pool="297:1"
    )
    conn = cp.ClientConnection(session)
    engagement = cp.DestinationType.ENGAGEMENT
    start = time.perf_counter()
    for response in responses:
        conn.send(cp.PostMessageRequest("Hi", 27, engagement))
        conn.receive_data(response)
        event = conn.next_event()
        assert type(event) is cp.ResponseReceived
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--exchanges", type=int, default=2000)
    parser.add_argument(
        "--only",
        choices=("core", "bare"),
        help="run one side once and print nothing: for instruction counts under callgrind",
    )
    args = parser.parse_args()
    responses = [response_bytes(n) for n in range(1, args.exchanges + 1)]
    if args.only:
        (run_core if args.only == "core" else run_bare)(responses)
        return
    bare: list[float] = []
    core: list[float] = []
    for _ in range(args.rounds):
        bare.append(run_bare(responses) / args.exchanges)
        core.append(run_core(responses) / args.exchanges)
    bare_median = statistics.median(bare)
    core_median = statistics.median(core)
    print(f"core exchange, median of {args.rounds} rounds x {args.exchanges} postMessage exchanges")
    print(f"  bare h11 + msgspec : {bare_median * 1e6:7.2f} us/exchange")
    print(f"  chatproto core     : {core_median * 1e6:7.2f} us/exchange")
    print(f"  ratio core/bare    : {core_median / bare_median:7.3f}x  (target <= 1.1x)")


if __name__ == "__main__":
    main()
