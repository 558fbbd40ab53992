"""The agent operations as methods: each builds its request from its arguments and sends it.

The async and blocking clients share this code: the blocking one is
generated from the async one by scripts/unasync.py.
"""

from __future__ import annotations

from collections.abc import Mapping

import chatproto as cp

from .client import AsyncClient


class AsyncOperations(AsyncClient):
    """The client with one method per agent operation: what the public faces build on."""

    async def post_message(
        self,
        body: str,
        *,
        destination_id: int,
        destination_type: cp.DestinationType = cp.DestinationType.ENGAGEMENT,
        message_id: str | None = None,
        rich_text: bool | None = None,
        visibility: cp.Visibility | None = None,
        message_data_map: Mapping[str, str] | None = None,
        time_created: int | None = None,
        sequence_number: int | None = None,
    ) -> cp.PostMessageResponse:
        """Post a message; see `send` for what is raised.

        Everything after ``body`` is keyword-only, and a task group's
        ``start_soon`` passes only positional arguments: start concurrent posts
        with ``functools.partial``, as in
        ``tg.start_soon(functools.partial(client.post_message, text, destination_id=eid))``.
        """
        request = cp.PostMessageRequest(
            body=body,
            destination_id=destination_id,
            destination_type=destination_type,
            message_data_map=None if message_data_map is None else dict(message_data_map),
            message_id=message_id,
            rich_text=rich_text,
            sequence_number=sequence_number,
            time_created=time_created,
            visibility=visibility,
        )
        return await self.send(request)
