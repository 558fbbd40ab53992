"""An echo bot with the trio client: it answers every end-user message with "You said: ...".

Run it against the emulator (``chatproto emulator`` prints the URL and the account; trio:
``pip install 'chatproto[trio]'``)::

    chatproto emulator --port 8080 &
    python examples/echo_bot_trio.py http://127.0.0.1:8080

then start a chat as an end user would, through the emulator's control surface::

    curl -s localhost:8080/emulator/engagements -d '{"question": "Hello?"}'
    curl -s localhost:8080/emulator/engagements/1/end-user/messages -d '{"body": "Hi"}'
    curl -s localhost:8080/emulator/engagements/1/end-user/leave -d '{}'

It serves engagements until ``--engagements`` of them are over (forever by
default), then logs off, which ends its poll loop, and exits 0.  Ctrl-C
stops it at once: leaving the ``async with`` block closes the client.
"""

from __future__ import annotations

import argparse

import trio

import chatproto as cp
from transports.trio import AgentClient


async def serve(client: AgentClient, engagements: int | None) -> None:
    """Become available, then answer what the poll loop delivers until ``engagements`` are over."""
    await client.set_activity_status(cp.AgentStatus.AVAILABLE)
    await client.request_assignment(max_sessions=1)
    done = 0
    async for message in client.messages():
        if isinstance(message, cp.ChatEngagementAssignmentNotification) and message.engagement_id is not None:
            await client.accept(message.engagement_id)
            print(f"accepted engagement {message.engagement_id}: {message.question!r}", flush=True)
        elif isinstance(message, cp.ChatPostMessage) and message.sender_type == cp.DestinationType.END_USER:
            if message.engagement_id is not None:
                await client.post_message(f"You said: {message.body}", destination_id=message.engagement_id)
                print(f"echoed {message.body!r}", flush=True)
        elif isinstance(message, cp.ChatDisconnectNotification) and message.engagement_id is not None:
            await client.conclude(message.engagement_id)
            await client.release(message.engagement_id)
            done += 1
            print(f"engagement {message.engagement_id} is over", flush=True)
            if engagements is not None and done >= engagements:
                await client.log_off()  # ends the loop
            else:
                await client.request_assignment(max_sessions=1)


async def run(args: argparse.Namespace) -> None:
    client = AgentClient.for_site(args.site_url, username=args.username, password=args.password, agent_id=args.agent_id)
    async with client:
        await client.log_on(logon_override=True)  # a restarted bot takes its old session over
        print(f"logged on: {client.url}", flush=True)
        await serve(client, args.engagements)
    print("logged off", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site_url", help="the B2C site (the emulator's URL)")
    parser.add_argument("--username", default="bot")
    parser.add_argument("--password", default="emulator")
    parser.add_argument("--agent-id", default="12")
    parser.add_argument("--engagements", type=int, default=None, help="log off after this many (default: never)")
    args = parser.parse_args()
    trio.run(run, args)


if __name__ == "__main__":
    main()
